#define _POSIX_C_SOURCE 200809L
#include "drv_file.h"

#include <stdlib.h>

#include "mfd_out.h"

bool drv_file_write(const char *path, drv_file_put put, const void *ctx, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    bool ok = put(f, ctx, err, errlen);
    if (fclose(f) != 0 && ok) {
        snprintf(err, errlen, "out of memory");
        ok = false;
    }
    ok = ok && mfd_out_write_text(path, buf ? buf : "", err, errlen) == MFD_OK;
    free(buf);
    return ok;
}
