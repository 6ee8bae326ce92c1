/* mfd_mat.h — dense real and complex matrices, column-major with a leading dimension.
 *
 * Entry (i, j) of a matrix starts at data[w * (i + j * ld)], w = 1 for a real
 * and w = 2 for a complex matrix; a complex entry is the pair (re, im), the
 * layout of C99 `double complex` and of LAPACK's complex*16.  A view is a
 * small struct passed by value; it never owns its data unless it came from
 * mfd_mat_alloc, in which case mfd_mat_free releases it. */
#ifndef MFD_MAT_H
#define MFD_MAT_H

/* Doubles allocated past the end of every matrix and work block that BLAS or
 * LAPACK reads (see mfd_mat_alloc). */
#define MFD_MAT_PAD 8

#include <stdbool.h>
#include <stddef.h>

#include "mfd_status.h"

typedef enum mfd_field {
    MFD_REAL = 1,    /* real double entries */
    MFD_COMPLEX = 2  /* complex entries stored as (re, im) double pairs */
} mfd_field;

typedef struct mfd_mat {
    double *data;
    size_t rows, cols, ld; /* ld >= rows, counted in entries (not doubles) */
    mfd_field field;
} mfd_mat;

#define MFD_PI 3.14159265358979323846

/* Doubles per entry: 1 (real) or 2 (complex). */
static inline size_t mfd_field_width(mfd_field f) { return (size_t)f; }

/* "real" or "complex". */
const char *mfd_field_name(mfd_field f);

/* A view on caller-owned memory. */
static inline mfd_mat mfd_mat_view(double *data, mfd_field field, size_t rows, size_t cols, size_t ld)
{
    mfd_mat m = {data, rows, cols, ld, field};
    return m;
}

/* Allocate a zeroed rows×cols matrix with ld = rows.  Returns MFD_ENOMEM or
 * MFD_ERANGE (the size overflows size_t); on failure *out holds no memory. */
mfd_status mfd_mat_alloc(mfd_field field, size_t rows, size_t cols, mfd_mat *out);

/* Free memory obtained from mfd_mat_alloc and reset the view; NULL or an
 * empty view is a no-op. */
void mfd_mat_free(mfd_mat *m);

/* Pointer to the first double of entry (i, j). */
static inline double *mfd_mat_at(mfd_mat m, size_t i, size_t j)
{
    return m.data + mfd_field_width(m.field) * (i + j * m.ld);
}

/* Number of doubles that a packed (ld == rows) copy of m occupies. */
static inline size_t mfd_mat_ndoubles(mfd_mat m) { return mfd_field_width(m.field) * m.rows * m.cols; }

static inline bool mfd_mat_is_packed(mfd_mat m) { return m.ld == m.rows; }

bool mfd_mat_same_shape(mfd_mat a, mfd_mat b);

void mfd_mat_zero(mfd_mat m);

/* m = scale * I (m need not be square: ones on the main diagonal). */
void mfd_mat_set_identity(mfd_mat m, double scale);

/* dst = src; shapes and fields must agree (MFD_EINVAL otherwise). */
mfd_status mfd_mat_copy(mfd_mat dst, mfd_mat src);

/* y = y + alpha * x entrywise (shapes must agree). */
mfd_status mfd_mat_axpy(double alpha, mfd_mat x, mfd_mat y);

/* m = alpha * m. */
void mfd_mat_scale(mfd_mat m, double alpha);

/* Squared Frobenius norm (no scaling: overflow gives +inf, which a run
 * reports as divergence). */
double mfd_mat_norm2(mfd_mat m);

/* d = a - b entrywise, returning ‖a − b‖² (shapes must agree; NaN otherwise). */
double mfd_mat_sub_norm2(mfd_mat a, mfd_mat b, mfd_mat d);

/* Frobenius norm of a - b (shapes must agree; returns NaN otherwise). */
double mfd_mat_dist(mfd_mat a, mfd_mat b);

/* Largest |a_ij - b_ij| (NaN if shapes differ). */
double mfd_mat_maxabs_diff(mfd_mat a, mfd_mat b);

/* dst = src^T (op 'T') or src^H (op 'C'); dst must be cols×rows. */
mfd_status mfd_mat_transpose(mfd_mat dst, mfd_mat src, char op);

/* Real part of the trace of a square matrix. */
double mfd_mat_trace_re(mfd_mat m);

/* True when every double of m is finite. */
bool mfd_mat_is_finite(mfd_mat m);

#endif
