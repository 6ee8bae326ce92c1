/* The only file of mfdyn that talks to CBLAS and LAPACKE. */
#include "mfd_la.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_small.h"

static int fits_int(size_t n) { return n <= (size_t)INT_MAX; }

static mfd_status lapack_status(lapack_int info)
{
    if (info < 0)
        return MFD_EINVAL;
    return info > 0 ? MFD_ENUMERIC : MFD_OK;
}

static void op_shape(char op, mfd_mat A, size_t *rows, size_t *cols)
{
    *rows = op == 'N' ? A.rows : A.cols;
    *cols = op == 'N' ? A.cols : A.rows;
}

static enum CBLAS_TRANSPOSE cblas_op(char op, mfd_field f)
{
    if (op == 'N')
        return CblasNoTrans;
    return (op == 'T' || f == MFD_REAL) ? CblasTrans : CblasConjTrans;
}

static int valid_op(char op) { return op == 'N' || op == 'T' || op == 'C'; }

mfd_status mfd_la_gemm(char opa, char opb, double alpha, mfd_mat A, mfd_mat B, double beta, mfd_mat C)
{
    size_t m, k, kb, n;
    if (!valid_op(opa) || !valid_op(opb))
        return MFD_EINVAL;
    op_shape(opa, A, &m, &k);
    op_shape(opb, B, &kb, &n);
    if (A.field != C.field || B.field != C.field || m != C.rows || n != C.cols || k != kb)
        return MFD_EINVAL;
    if (m == 0 || n == 0)
        return MFD_OK;
    if ((m <= MFD_LA_SMALL && n <= MFD_LA_SMALL && k <= MFD_LA_SMALL) || k == 0) {
        if (C.field == MFD_REAL)
            mfd_small_dgemm(opa, opb, m, n, k, alpha, A.data, A.ld, B.data, B.ld, beta, C.data, C.ld);
        else
            mfd_small_zgemm(opa, opb, m, n, k, alpha, A.data, A.ld, B.data, B.ld, beta, C.data, C.ld);
        return MFD_OK;
    }
    if (!fits_int(m) || !fits_int(n) || !fits_int(k) || !fits_int(A.ld) || !fits_int(B.ld) || !fits_int(C.ld))
        return MFD_ERANGE;
    if (C.field == MFD_REAL) {
        cblas_dgemm(CblasColMajor, cblas_op(opa, MFD_REAL), cblas_op(opb, MFD_REAL), (int)m, (int)n, (int)k,
                    alpha, A.data, (int)A.ld, B.data, (int)B.ld, beta, C.data, (int)C.ld);
    } else {
        double za[2] = {alpha, 0.0}, zb[2] = {beta, 0.0};
        cblas_zgemm(CblasColMajor, cblas_op(opa, MFD_COMPLEX), cblas_op(opb, MFD_COMPLEX), (int)m, (int)n,
                    (int)k, za, A.data, (int)A.ld, B.data, (int)B.ld, zb, C.data, (int)C.ld);
    }
    return MFD_OK;
}

mfd_status mfd_la_dgemv(char opa, double alpha, mfd_mat A, const double *x, double beta, double *y)
{
    if (A.field != MFD_REAL || !valid_op(opa))
        return MFD_EINVAL;
    if (!fits_int(A.rows) || !fits_int(A.cols) || !fits_int(A.ld))
        return MFD_ERANGE;
    if (A.rows == 0 || A.cols == 0) {
        size_t len = opa == 'N' ? A.rows : A.cols;
        for (size_t i = 0; i < len; i++)
            y[i] = beta == 0.0 ? 0.0 : beta * y[i];
        return MFD_OK;
    }
    cblas_dgemv(CblasColMajor, cblas_op(opa, MFD_REAL), (int)A.rows, (int)A.cols, alpha, A.data, (int)A.ld, x, 1,
                beta, y, 1);
    return MFD_OK;
}

/* Level-1 calls on long vectors are split into INT_MAX chunks. */
void mfd_la_axpy(size_t n, double alpha, const double *x, double *y)
{
    while (n > 0) {
        int c = fits_int(n) ? (int)n : INT_MAX;
        cblas_daxpy(c, alpha, x, 1, y, 1);
        n -= (size_t)c;
        x += c;
        y += c;
    }
}

void mfd_la_scal(size_t n, double alpha, double *x)
{
    while (n > 0) {
        int c = fits_int(n) ? (int)n : INT_MAX;
        cblas_dscal(c, alpha, x, 1);
        n -= (size_t)c;
        x += c;
    }
}

double mfd_la_nrm2(size_t n, const double *x)
{
    double s = 0.0;
    while (n > 0) {
        int c = fits_int(n) ? (int)n : INT_MAX;
        double part = cblas_dnrm2(c, x, 1);
        s = hypot(s, part);
        n -= (size_t)c;
        x += c;
    }
    return s;
}

double mfd_la_dot(size_t n, const double *x, const double *y)
{
    double s = 0.0;
    while (n > 0) {
        int c = fits_int(n) ? (int)n : INT_MAX;
        s += cblas_ddot(c, x, 1, y, 1);
        n -= (size_t)c;
        x += c;
        y += c;
    }
    return s;
}

/* ---- LAPACK workspace ------------------------------------------------- */

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

/* Optimal lwork reported by a query, rounded up. */
static size_t query_size(double v) { return v > 0 ? (size_t)ceil(v) : 0; }

mfd_status mfd_la_ws_alloc(mfd_field field, size_t n_max, mfd_la_ws *ws)
{
    ws->field = field;
    ws->n_max = n_max;
    ws->work = ws->rwork = NULL;
    ws->iwork = NULL;
    ws->lwork = ws->lrwork = ws->liwork = 0;
    size_t n = n_max > 0 ? n_max : 1;
    if (!fits_int(n) || n > 46340) /* 8 n^2 must fit an int for the LAPACK work sizes */
        return MFD_ERANGE;
    lapack_int ni = (lapack_int)n, info;
    size_t lwork = 1, lrwork = 1, liwork = 8 * n;
    double q[2] = {0, 0}, rq = 0;
    lapack_int iq = 0;
    if (field == MFD_REAL) {
        info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', ni, ni, NULL, ni, NULL, NULL, ni, NULL, ni, q, -1, NULL);
        if (info != 0)
            return MFD_EINVAL;
        lwork = max_sz(lwork, query_size(q[0]));
        info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', ni, NULL, ni, NULL, q, -1, &iq, -1);
        if (info != 0)
            return MFD_EINVAL;
        lwork = max_sz(lwork, query_size(q[0]));
        liwork = max_sz(liwork, (size_t)iq);
        info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, ni, ni, NULL, ni, NULL, q, -1);
        if (info != 0)
            return MFD_EINVAL;
        lwork = max_sz(lwork, query_size(q[0]));
        info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, ni, ni, ni, NULL, ni, NULL, q, -1);
        if (info != 0)
            return MFD_EINVAL;
        lwork = max_sz(lwork, query_size(q[0]));
    } else {
        lapack_complex_double zq[1];
        info = LAPACKE_zgesdd_work(LAPACK_COL_MAJOR, 'S', ni, ni, NULL, ni, NULL, NULL, ni, NULL, ni, zq, -1, NULL,
                                   NULL);
        if (info != 0)
            return MFD_EINVAL;
        lwork = max_sz(lwork, query_size(creal(zq[0])));
        /* zgesdd's real workspace (LAPACK 3.11 documentation, JOBZ = 'S'). */
        lrwork = max_sz(5 * n * n + 7 * n, 2 * n * n + 2 * n * n + n);
        info = LAPACKE_zheevd_work(LAPACK_COL_MAJOR, 'V', 'L', ni, NULL, ni, NULL, zq, -1, &rq, -1, &iq, -1);
        if (info != 0)
            return MFD_EINVAL;
        lwork = max_sz(lwork, query_size(creal(zq[0])));
        lrwork = max_sz(lrwork, query_size(rq));
        liwork = max_sz(liwork, (size_t)iq);
        info = LAPACKE_zgeqrf_work(LAPACK_COL_MAJOR, ni, ni, NULL, ni, NULL, zq, -1);
        if (info != 0)
            return MFD_EINVAL;
        lwork = max_sz(lwork, query_size(creal(zq[0])));
        info = LAPACKE_zungqr_work(LAPACK_COL_MAJOR, ni, ni, ni, NULL, ni, NULL, zq, -1);
        if (info != 0)
            return MFD_EINVAL;
        lwork = max_sz(lwork, query_size(creal(zq[0])));
    }
    ws->work = malloc((mfd_field_width(field) * lwork + MFD_MAT_PAD) * sizeof(double));
    ws->rwork = malloc((lrwork + MFD_MAT_PAD) * sizeof(double));
    ws->iwork = malloc(liwork * sizeof(int));
    if (!ws->work || !ws->rwork || !ws->iwork) {
        mfd_la_ws_free(ws);
        return MFD_ENOMEM;
    }
    ws->lwork = lwork;
    ws->lrwork = lrwork;
    ws->liwork = liwork;
    return MFD_OK;
}

void mfd_la_ws_free(mfd_la_ws *ws)
{
    if (!ws)
        return;
    free(ws->work);
    free(ws->rwork);
    free(ws->iwork);
    ws->work = ws->rwork = NULL;
    ws->iwork = NULL;
    ws->lwork = ws->lrwork = ws->liwork = 0;
}

static int ws_fits(const mfd_la_ws *ws, mfd_mat A)
{
    return ws && ws->work && ws->field == A.field && A.rows <= ws->n_max && A.cols <= ws->n_max && fits_int(A.ld);
}

mfd_status mfd_la_svd(mfd_mat A, double *s, mfd_mat *U, mfd_mat *VH, mfd_la_ws *ws)
{
    if (!ws_fits(ws, A) || (U == NULL) != (VH == NULL))
        return MFD_EINVAL;
    size_t mn = A.rows < A.cols ? A.rows : A.cols;
    if (mn == 0)
        return MFD_OK;
    char jobz = U ? 'S' : 'N';
    double dummy[2] = {0, 0};
    double *u = dummy, *vt = dummy;
    lapack_int ldu = 1, ldvt = 1;
    if (U) {
        if (U->field != A.field || VH->field != A.field || U->rows != A.rows || U->cols != mn ||
            VH->rows != mn || VH->cols != A.cols || !fits_int(U->ld) || !fits_int(VH->ld))
            return MFD_EINVAL;
        u = U->data;
        vt = VH->data;
        ldu = (lapack_int)U->ld;
        ldvt = (lapack_int)VH->ld;
    }
    lapack_int m = (lapack_int)A.rows, n = (lapack_int)A.cols, lda = (lapack_int)A.ld, info;
    if (A.field == MFD_REAL)
        info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, m, n, A.data, lda, s, u, ldu, vt, ldvt, ws->work,
                                   (lapack_int)ws->lwork, ws->iwork);
    else
        info = LAPACKE_zgesdd_work(LAPACK_COL_MAJOR, jobz, m, n, (lapack_complex_double *)A.data, lda, s,
                                   (lapack_complex_double *)u, ldu, (lapack_complex_double *)vt, ldvt,
                                   (lapack_complex_double *)ws->work, (lapack_int)ws->lwork, ws->rwork,
                                   ws->iwork);
    return lapack_status(info);
}

mfd_status mfd_la_eigh(mfd_mat A, double *w, int vectors, mfd_la_ws *ws)
{
    if (!ws_fits(ws, A) || A.rows != A.cols)
        return MFD_EINVAL;
    if (A.rows == 0)
        return MFD_OK;
    char jobz = vectors ? 'V' : 'N';
    lapack_int n = (lapack_int)A.rows, lda = (lapack_int)A.ld, info;
    if (A.field == MFD_REAL)
        info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, jobz, 'L', n, A.data, lda, w, ws->work, (lapack_int)ws->lwork,
                                   ws->iwork, (lapack_int)ws->liwork);
    else
        info = LAPACKE_zheevd_work(LAPACK_COL_MAJOR, jobz, 'L', n, (lapack_complex_double *)A.data, lda, w,
                                   (lapack_complex_double *)ws->work, (lapack_int)ws->lwork, ws->rwork,
                                   (lapack_int)ws->lrwork, ws->iwork, (lapack_int)ws->liwork);
    return lapack_status(info);
}

mfd_status mfd_la_lu(mfd_mat A, int *ipiv)
{
    if (!fits_int(A.rows) || !fits_int(A.cols) || !fits_int(A.ld))
        return MFD_ERANGE;
    if (A.rows == 0 || A.cols == 0)
        return MFD_OK;
    lapack_int info;
    if (A.field == MFD_REAL)
        info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (lapack_int)A.rows, (lapack_int)A.cols, A.data,
                                   (lapack_int)A.ld, ipiv);
    else
        info = LAPACKE_zgetrf_work(LAPACK_COL_MAJOR, (lapack_int)A.rows, (lapack_int)A.cols,
                                   (lapack_complex_double *)A.data, (lapack_int)A.ld, ipiv);
    return lapack_status(info);
}

mfd_status mfd_la_lu_solve(char op, mfd_mat LU, const int *ipiv, mfd_mat B)
{
    if (!valid_op(op) || LU.rows != LU.cols || B.rows != LU.rows || B.field != LU.field)
        return MFD_EINVAL;
    if (!fits_int(LU.rows) || !fits_int(B.cols) || !fits_int(LU.ld) || !fits_int(B.ld))
        return MFD_ERANGE;
    if (LU.rows == 0 || B.cols == 0)
        return MFD_OK;
    char trans = (op == 'C' && LU.field == MFD_REAL) ? 'T' : op;
    lapack_int info;
    if (LU.field == MFD_REAL)
        info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, trans, (lapack_int)LU.rows, (lapack_int)B.cols, LU.data,
                                   (lapack_int)LU.ld, ipiv, B.data, (lapack_int)B.ld);
    else
        info = LAPACKE_zgetrs_work(LAPACK_COL_MAJOR, trans, (lapack_int)LU.rows, (lapack_int)B.cols,
                                   (lapack_complex_double *)LU.data, (lapack_int)LU.ld, ipiv,
                                   (lapack_complex_double *)B.data, (lapack_int)B.ld);
    return lapack_status(info);
}

void mfd_la_lu_logdet(mfd_mat LU, const int *ipiv, double *logabs, double *sign_or_phase)
{
    size_t n = LU.rows < LU.cols ? LU.rows : LU.cols;
    double la = 0.0, sign = 1.0, phase = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *u = mfd_mat_at(LU, i, i);
        if ((size_t)ipiv[i] != i + 1) {
            sign = -sign;
            phase += MFD_PI;
        }
        if (LU.field == MFD_REAL) {
            la += log(fabs(u[0]));
            if (u[0] < 0)
                sign = -sign;
            else if (u[0] == 0)
                sign = 0.0;
        } else {
            la += log(hypot(u[0], u[1]));
            phase += atan2(u[1], u[0]);
        }
    }
    *logabs = la;
    if (LU.field == MFD_REAL) {
        *sign_or_phase = sign;
    } else {
        phase = remainder(phase, 2 * MFD_PI); /* into [-pi, pi] */
        *sign_or_phase = phase <= -MFD_PI ? phase + 2 * MFD_PI : phase;
    }
}

mfd_status mfd_la_qr(mfd_mat A, double *tau, mfd_la_ws *ws)
{
    if (!ws_fits(ws, A) || A.rows < A.cols)
        return MFD_EINVAL;
    if (A.cols == 0)
        return MFD_OK;
    lapack_int m = (lapack_int)A.rows, n = (lapack_int)A.cols, lda = (lapack_int)A.ld, info;
    if (A.field == MFD_REAL)
        info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, n, A.data, lda, tau, ws->work, (lapack_int)ws->lwork);
    else
        info = LAPACKE_zgeqrf_work(LAPACK_COL_MAJOR, m, n, (lapack_complex_double *)A.data, lda,
                                   (lapack_complex_double *)tau, (lapack_complex_double *)ws->work,
                                   (lapack_int)ws->lwork);
    return lapack_status(info);
}

mfd_status mfd_la_qr_q(mfd_mat A, const double *tau, mfd_la_ws *ws)
{
    if (!ws_fits(ws, A) || A.rows < A.cols)
        return MFD_EINVAL;
    if (A.cols == 0)
        return MFD_OK;
    lapack_int m = (lapack_int)A.rows, n = (lapack_int)A.cols, lda = (lapack_int)A.ld, info;
    if (A.field == MFD_REAL)
        info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m, n, n, A.data, lda, tau, ws->work, (lapack_int)ws->lwork);
    else
        info = LAPACKE_zungqr_work(LAPACK_COL_MAJOR, m, n, n, (lapack_complex_double *)A.data, lda,
                                   (const lapack_complex_double *)tau, (lapack_complex_double *)ws->work,
                                   (lapack_int)ws->lwork);
    return lapack_status(info);
}

mfd_status mfd_la_cholesky(mfd_mat A)
{
    if (A.rows != A.cols)
        return MFD_EINVAL;
    if (!fits_int(A.rows) || !fits_int(A.ld))
        return MFD_ERANGE;
    if (A.rows == 0)
        return MFD_OK;
    lapack_int info;
    if (A.field == MFD_REAL)
        info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)A.rows, A.data, (lapack_int)A.ld);
    else
        info = LAPACKE_zpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)A.rows, (lapack_complex_double *)A.data,
                                   (lapack_int)A.ld);
    return lapack_status(info);
}

mfd_status mfd_la_trsm_lower(char side, char op, mfd_mat L, mfd_mat B)
{
    if ((side != 'L' && side != 'R') || !valid_op(op) || L.rows != L.cols || L.field != B.field)
        return MFD_EINVAL;
    if ((side == 'L' && B.rows != L.rows) || (side == 'R' && B.cols != L.rows))
        return MFD_EINVAL;
    if (!fits_int(B.rows) || !fits_int(B.cols) || !fits_int(L.ld) || !fits_int(B.ld))
        return MFD_ERANGE;
    if (B.rows == 0 || B.cols == 0)
        return MFD_OK;
    enum CBLAS_SIDE cs = side == 'L' ? CblasLeft : CblasRight;
    if (L.field == MFD_REAL) {
        cblas_dtrsm(CblasColMajor, cs, CblasLower, cblas_op(op, MFD_REAL), CblasNonUnit, (int)B.rows, (int)B.cols,
                    1.0, L.data, (int)L.ld, B.data, (int)B.ld);
    } else {
        double one[2] = {1.0, 0.0};
        cblas_ztrsm(CblasColMajor, cs, CblasLower, cblas_op(op, MFD_COMPLEX), CblasNonUnit, (int)B.rows,
                    (int)B.cols, one, L.data, (int)L.ld, B.data, (int)B.ld);
    }
    return MFD_OK;
}

const char *mfd_la_blas_core(void)
{
    const char *c = openblas_get_corename();
    return c ? c : "unknown";
}

const char *mfd_la_blas_core_upgrade_for(const char *core, bool avx2_fma, bool avx512)
{
    if (!core || strcmp(core, "Prescott") != 0 || !avx2_fma)
        return NULL;
    return avx512 ? "SkylakeX" : "Haswell";
}

const char *mfd_la_blas_core_upgrade(void)
{
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    __builtin_cpu_init();
    bool avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                  __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx512vl");
    return mfd_la_blas_core_upgrade_for(mfd_la_blas_core(), avx2_fma, avx512);
#else
    return NULL; /* not x86-64: OpenBLAS's cores there have other names */
#endif
}

int mfd_la_blas_threads(void) { return openblas_get_num_threads(); }

void mfd_la_set_blas_threads(int n) { openblas_set_num_threads(n); }
