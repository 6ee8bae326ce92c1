/* mfd_la.h — the linear algebra libmfdyn needs, on mfd_mat views.
 *
 * mfd_la.c is the only file that includes cblas.h and lapacke.h.  It checks
 * shapes, converts sizes to BLAS/LAPACK integers with overflow checks, and
 * maps LAPACK's info: info < 0 (a programming error) is MFD_EINVAL, info > 0
 * (a singular matrix, an SVD that did not converge) is MFD_ENUMERIC.
 *
 * Operations take op = 'N' (as is), 'T' (transpose) or 'C' (conjugate
 * transpose; the same as 'T' for real matrices).  Scalars are real: that is
 * all the algorithms here need.  No function allocates except the workspace
 * constructors: LAPACK workspaces are sized once (lwork = -1 queries). */
#ifndef MFD_LA_H
#define MFD_LA_H

#include <stdbool.h>
#include <stddef.h>

#include "mfd_mat.h"

/* C = alpha op(A) op(B) + beta C.  With beta == 0, C is not read.  Products
 * whose dimensions are all at most MFD_LA_SMALL run in a hand-written kernel:
 * for them a BLAS call costs more than the arithmetic. */
#define MFD_LA_SMALL 8
mfd_status mfd_la_gemm(char opa, char opb, double alpha, mfd_mat A, mfd_mat B, double beta, mfd_mat C);

/* y = alpha op(A) x + beta y for a real A (x, y plain arrays of the right length). */
mfd_status mfd_la_dgemv(char opa, double alpha, mfd_mat A, const double *x, double beta, double *y);

/* y += alpha x and x *= alpha on n doubles (for complex data, n counts doubles). */
void mfd_la_axpy(size_t n, double alpha, const double *x, double *y);
void mfd_la_scal(size_t n, double alpha, double *x);

/* Euclidean norm and dot product of n doubles (BLAS dnrm2/ddot). */
double mfd_la_nrm2(size_t n, const double *x);
double mfd_la_dot(size_t n, const double *x, const double *y);

/* LAPACK workspace for matrices with at most n_max rows and columns. */
typedef struct mfd_la_ws {
    mfd_field field;
    size_t n_max;
    double *work;  /* lwork doubles (complex entries count twice) */
    size_t lwork;  /* in entries of the field */
    double *rwork; /* complex SVD / eigen solvers only */
    size_t lrwork;
    int *iwork;
    size_t liwork;
} mfd_la_ws;

mfd_status mfd_la_ws_alloc(mfd_field field, size_t n_max, mfd_la_ws *ws);
void mfd_la_ws_free(mfd_la_ws *ws);

/* Singular values s (descending, min(m, n) of them) of A, which is destroyed.
 * With U and VH non-NULL also the thin factors: U is m×min(m,n), VH is
 * min(m,n)×n, A = U diag(s) VH. */
mfd_status mfd_la_svd(mfd_mat A, double *s, mfd_mat *U, mfd_mat *VH, mfd_la_ws *ws);

/* Eigen-decomposition of a Hermitian (symmetric) A from its lower triangle:
 * eigenvalues w ascending; with vectors != 0, A is overwritten by the
 * orthonormal eigenvectors (columns). */
mfd_status mfd_la_eigh(mfd_mat A, double *w, int vectors, mfd_la_ws *ws);

/* LU with partial pivoting in place (ipiv has min(m, n) entries, 1-based as
 * in LAPACK).  An exactly singular U is MFD_ENUMERIC; the factors are still
 * written. */
mfd_status mfd_la_lu(mfd_mat A, int *ipiv);

/* Solve op(A) X = B with the LU factors of a square A; B is overwritten by X. */
mfd_status mfd_la_lu_solve(char op, mfd_mat LU, const int *ipiv, mfd_mat B);

/* log|det A| and the sign of det A (real: ±1, 0 when singular; complex: the
 * phase is returned in *phase as an angle in (-pi, pi]) from LU factors. */
void mfd_la_lu_logdet(mfd_mat LU, const int *ipiv, double *logabs, double *sign_or_phase);

/* Householder QR of an m×n A (m >= n) in place: R in the upper triangle;
 * tau gets n scalars of the field.  mfd_la_qr_q then forms the m×n Q in A. */
mfd_status mfd_la_qr(mfd_mat A, double *tau, mfd_la_ws *ws);
mfd_status mfd_la_qr_q(mfd_mat A, const double *tau, mfd_la_ws *ws);

/* Cholesky A = L L^H of a Hermitian positive definite A, lower triangle in
 * place.  Not positive definite is MFD_ENUMERIC. */
mfd_status mfd_la_cholesky(mfd_mat A);

/* B = B op(L)^{-1} (side 'R') or B = op(L)^{-1} B (side 'L') with L the
 * lower triangle of a Cholesky factor. */
mfd_status mfd_la_trsm_lower(char side, char op, mfd_mat L, mfd_mat B);

/* Name of the BLAS core in use (e.g. "Haswell"), and the BLAS thread count. */
const char *mfd_la_blas_core(void);
int mfd_la_blas_threads(void);
void mfd_la_set_blas_threads(int n);

/* OpenBLAS (0.3.21, Debian 12's) chooses its kernels by CPU model; on a
 * model it does not know (Intel's Emerald Rapids, say) it falls back to its
 * generic Prescott kernels (SSE3), an order of magnitude slower for large
 * products than the AVX2 or AVX-512 ones the CPU can run.  The name of the
 * core to ask for instead (OPENBLAS_CORETYPE) when core is that fallback and
 * the CPU has AVX2 and FMA ("Haswell") or AVX-512 F, CD, BW, DQ and VL
 * ("SkylakeX"), else NULL.  The _for form takes the core and the CPU's
 * features as given (for tests); the other asks the library and the CPU. */
const char *mfd_la_blas_core_upgrade_for(const char *core, bool avx2_fma, bool avx512);
const char *mfd_la_blas_core_upgrade(void);

#endif
