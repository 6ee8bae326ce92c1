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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* An .npy file that grows by one record at a time along a new first axis:
 * a trajectory of factors, (n, count, rows, cols) (or (n, rows, cols) when
 * count is 0), float64 or complex128 in C order like mfd_npy_write, or a
 * list of iterations, (n,) int64.  It is written as <path>.part with a
 * header of fixed length (MFD_NPY_STREAM_HEADER bytes, so that record i
 * starts at a known byte) and renamed to <path>, with n in its header, by
 * mfd_npy_stream_finish.  A run that continues from a checkpoint reopens it
 * with the number of records the checkpoint counted (the rest is cut off).
 * Every buffer is allocated when the stream opens; appending allocates
 * nothing. */
#define MFD_NPY_STREAM_HEADER 128

typedef struct mfd_npy_stream {
    FILE *f;
    char *path, *tmp;
    int is_int;      /* int64 scalars; else matrices of field */
    mfd_field field;
    size_t count, rows, cols;
    size_t record;   /* bytes per record */
    size_t n;        /* records written */
    unsigned char *buf; /* one record in file order */
} mfd_npy_stream;

/* Open <path>.part for records of count (0: one, without its axis) column-major
 * rows × cols matrices of field (is_int: int64 scalars; the other sizes are
 * then ignored).  resume: reopen it (or rename a finished <path> back to it)
 * and keep its first nrec records; MFD_EFORMAT when it holds fewer. */
mfd_status mfd_npy_stream_open(mfd_npy_stream *s, const char *path, int is_int, mfd_field field, size_t count,
                               size_t rows, size_t cols, bool resume, size_t nrec, char *err, size_t errlen);

/* Append one record: count matrices in the column-major layout of
 * mfd_npy_write (data), or one iteration (v). */
mfd_status mfd_npy_stream_append(mfd_npy_stream *s, const double *data, char *err, size_t errlen);
mfd_status mfd_npy_stream_append_int(mfd_npy_stream *s, int64_t v, char *err, size_t errlen);

/* Flush what was appended to the disk (fflush, fsync). */
mfd_status mfd_npy_stream_sync(mfd_npy_stream *s, char *err, size_t errlen);

/* Write the header with the number of records, fsync, rename to <path>. */
mfd_status mfd_npy_stream_finish(mfd_npy_stream *s, char *err, size_t errlen);

/* Close and free; the file stays as it is (keep: a checkpoint continues it)
 * or is removed. */
void mfd_npy_stream_close(mfd_npy_stream *s, bool keep);

#endif
