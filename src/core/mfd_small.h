/* mfd_small.h — hand-written GEMM for tiny matrices, where the cost of a BLAS
 * call dominates the arithmetic (see MFD_LA_SMALL and `make bench`).
 *
 * C = alpha op(A) op(B) + beta C on raw column-major arrays; opa, opb are
 * 'N', 'T' or 'C'; m×n is the shape of C and k the inner dimension; beta == 0
 * means C is not read.  Complex arrays hold (re, im) pairs and lda, ldb, ldc
 * count entries.  No argument checks: mfd_la_gemm has done them. */
#ifndef MFD_SMALL_H
#define MFD_SMALL_H

#include <stddef.h>

#include "mfd_status.h"

/* Square products of size d <= MFD_SMALL_CANON are canonical: each entry of
 * C is computed by one fixed sequence of roundings (an FMA chain over l from
 * 0, then alpha, then beta; mfd_small.c states it), whichever code runs it,
 * so their bits depend neither on the CPU nor on the path below.  The
 * lock-step ensembles (mfd_deepens) compute the same sequence in SIMD lanes. */
#define MFD_SMALL_CANON 8

/* Which kernels run: "auto" (the default) uses, where the CPU has AVX2 and
 * FMA, the fixed-size 4×4 and 8×8 real and 2×2, 4×4, 8×8 complex kernels,
 * scalar FMA code for the other canonical sizes, and for the lock-step
 * ensembles the widest SIMD lanes the CPU has (AVX-512 or AVX2); "avx2" is
 * auto without AVX-512; "plain" runs portable C for every shape (plain loops,
 * and C's fma() for the canonical products: the same numbers), so that tests
 * can run the path a CPU without AVX2 takes.  Anything else is MFD_EINVAL.
 * Call before any product (a program reads it from the environment variable
 * MFD_SMALL_KERNELS). */
mfd_status mfd_small_set_path(const char *name);

/* The widest SIMD lanes of doubles that the lock-step ensembles may use under
 * the path set and on this CPU: 8 (AVX-512F), 4 (AVX2 and FMA) or 1 (plain C). */
int mfd_small_simd_width(void);

/* The eigenvalues w[0..n) (ascending) of the Hermitian n × n matrix A
 * (real symmetric for MFD_REAL; complex entries as (re, im) pairs, lda
 * counting entries), by Jacobi rotations (round-robin order): accurate to a few u ‖A‖ and
 * free of calls and allocation for the small matrices of a per-step monitor.
 * Only the lower and upper triangles' agreement is assumed; A is
 * overwritten.  Returns the number of sweeps (at most 60). */
int mfd_small_eigvalsh(int complex_field, size_t n, double *A, size_t lda, double *w);

/* The matrices a Jacobi pass takes together (mfd_small_eigvalsh_many). */
#define MFD_SMALL_EIG_MANY 8

/* mfd_small_eigvalsh of count matrices A[i] (same n, lda and field) into
 * w[i], each with the bits it gets alone, and its sweeps into sweeps[i]
 * (unless sweeps is NULL).  Up to MFD_SMALL_EIG_MANY at a time are rotated
 * together: the rotations of different matrices do not wait on one another,
 * so a batch costs much less than its matrices one by one. */
void mfd_small_eigvalsh_many(int complex_field, size_t n, size_t count, double *const *A, size_t lda,
                             double *const *w, int *sweeps);

/* The path products take: "avx2" or "plain" (on a CPU without AVX2 and FMA,
 * "auto" runs the portable code, reported as "auto-noavx2"). */
const char *mfd_small_path(void);

void mfd_small_dgemm(char opa, char opb, size_t m, size_t n, size_t k, double alpha, const double *A,
                     size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc);

void mfd_small_zgemm(char opa, char opb, size_t m, size_t n, size_t k, double alpha, const double *A,
                     size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc);

#endif
