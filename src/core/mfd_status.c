#include "mfd_status.h"

#include <stdarg.h>
#include <stdio.h>

const char *mfd_status_str(mfd_status st)
{
    switch (st) {
    case MFD_OK: return "success";
    case MFD_ENOMEM: return "out of memory";
    case MFD_EINVAL: return "invalid argument";
    case MFD_ERANGE: return "size out of range";
    case MFD_EIO: return "input/output error";
    case MFD_EFORMAT: return "malformed file";
    case MFD_EUNSUPPORTED: return "unsupported input";
    case MFD_ENUMERIC: return "numerical failure in LAPACK";
    }
    return "unknown status";
}

void mfd_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

mfd_status mfd_status_invalid(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return MFD_EINVAL;
}
