/* mfd_random.h — random matrices drawn from an mfd_rng.
 *
 * These are set-up functions: they may allocate their own scratch space and
 * are not meant for iteration loops. */
#ifndef MFD_RANDOM_H
#define MFD_RANDOM_H

#include "mfd_mat.h"
#include "mfd_rng.h"

/* Real: iid N(0, scale^2).  Complex: real and imaginary parts iid
 * N(0, scale^2 / 2), so that E|m_ij|^2 = scale^2 in both fields. */
void mfd_random_gaussian(mfd_rng *r, mfd_mat M, double scale);

/* Entries ±1 (real part only; imaginary parts zero). */
void mfd_random_rademacher(mfd_rng *r, mfd_mat M);

/* Q (m×n, m >= n) with orthonormal columns drawn from the Haar measure: the
 * Q of a QR factorization of a Gaussian matrix, with the phases of R's
 * diagonal moved into Q (Mezzadri 2007).  For m == n, Q is a Haar unitary
 * (orthogonal) matrix. */
mfd_status mfd_random_haar(mfd_rng *r, mfd_mat Q);

/* Q (m×n, m >= n) = the orthonormalized columns of a given m×n matrix A
 * (QR of A, phases of R's diagonal moved into Q).  A is left untouched. */
mfd_status mfd_random_orthonormalize(mfd_mat A, mfd_mat Q);

#endif
