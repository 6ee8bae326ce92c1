/* mfd_status.h — the one status code that every libmfdyn function that acts returns.
 *
 * Numerical events of a run (convergence, divergence, a plateau, a singular
 * preconditioner) are not errors: they are stop reasons, see mfd_stop.h.  A
 * status reports that a function could not do what was asked. */
#ifndef MFD_STATUS_H
#define MFD_STATUS_H

#include <stddef.h>

typedef enum mfd_status {
    MFD_OK = 0,         /* success */
    MFD_ENOMEM,         /* an allocation failed */
    MFD_EINVAL,         /* an argument is invalid: bad shape, out-of-range value */
    MFD_ERANGE,         /* a size does not fit the integer type that BLAS/LAPACK or a file format uses */
    MFD_EIO,            /* the operating system refused a read, write, rename or mkdir (errno is kept) */
    MFD_EFORMAT,        /* a file's contents are malformed or truncated */
    MFD_EUNSUPPORTED,   /* a well-formed input that this library does not handle (e.g. an .npy dtype) */
    MFD_ENUMERIC        /* LAPACK reported a numerical failure (singular matrix, no convergence) */
} mfd_status;

/* A short English description of a status; never NULL. */
const char *mfd_status_str(mfd_status st);

/* Format a message into a caller's buffer (err may be NULL or errlen 0:
 * then nothing is written).  The library never prints; functions that can
 * say why they failed take such a buffer. */
void mfd_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* mfd_errf, then MFD_EINVAL: a check's refusal, with the message naming the
 * key and the value, in one statement. */
mfd_status mfd_status_invalid(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Propagate a failed status to the caller. */
#define MFD_CHECK(expr)                  \
    do {                                 \
        mfd_status mfd_check_st_ = (expr); \
        if (mfd_check_st_ != MFD_OK)       \
            return mfd_check_st_;          \
    } while (0)

#endif
