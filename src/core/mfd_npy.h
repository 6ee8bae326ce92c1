/* mfd_npy.h — NumPy .npy files of float64 and complex128 arrays.
 *
 * In memory an array of shape (s0, ..., s_{n-1}) is a stack of column-major
 * matrices: the last two axes are the rows and columns of a matrix (the last
 * axis alone is a vector when n == 1) and the leading axis counts matrices.
 * So an (N, d, d) file holds N layers W_1 ... W_N, each column-major.  Files
 * in C and in Fortran order are both read; files are written in C order, so
 * NumPy users see their own layout.
 *
 * Anything else — another dtype, big-endian data, more than three axes, a
 * bad magic string, a malformed header, a truncated or over-long data block —
 * is an error with a message that says which. */
#ifndef MFD_NPY_H
#define MFD_NPY_H

#include <stddef.h>

#include "mfd_mat.h"

#define MFD_NPY_MAX_DIM 3

typedef struct mfd_npy {
    mfd_field field;
    int ndim;
    size_t shape[MFD_NPY_MAX_DIM];
    double *data; /* owned; mfd_field_width(field) * prod(shape) doubles */
} mfd_npy;

/* Read path into *out.  On failure *out owns nothing and err (if errlen > 0)
 * holds a sentence naming the file and the problem.  Returns MFD_EIO (cannot
 * open or read), MFD_EFORMAT (not a valid .npy), MFD_EUNSUPPORTED (a valid
 * file of another dtype or rank), MFD_ERANGE or MFD_ENOMEM. */
mfd_status mfd_npy_read(const char *path, mfd_npy *out, char *err, size_t errlen);

/* Parse an .npy image held in memory (what mfd_npy_read does after reading
 * the file); `name` is used in messages.  For tests and fuzzing. */
mfd_status mfd_npy_parse(const unsigned char *buf, size_t len, const char *name, mfd_npy *out, char *err,
                         size_t errlen);

void mfd_npy_free(mfd_npy *a);

/* Number of entries prod(shape). */
size_t mfd_npy_count(const mfd_npy *a);

/* Matrix `index` of a rank-3 array, or the matrix of a rank-2 array (index 0). */
mfd_mat mfd_npy_matrix(const mfd_npy *a, size_t index);

/* Write an array with the in-memory layout above.  The file appears under
 * its name only when complete (written as path.part, then renamed). */
mfd_status mfd_npy_write(const char *path, mfd_field field, int ndim, const size_t *shape, const double *data,
                         char *err, size_t errlen);

/* Write one matrix as a 2-D array. */
mfd_status mfd_npy_write_mat(const char *path, mfd_mat m, char *err, size_t errlen);

#endif
