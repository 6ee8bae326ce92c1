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

void mfd_small_dgemm(char opa, char opb, size_t m, size_t n, size_t k, double alpha, const double *A,
                     size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc);

void mfd_small_zgemm(char opa, char opb, size_t m, size_t n, size_t k, double alpha, const double *A,
                     size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc);

#endif
