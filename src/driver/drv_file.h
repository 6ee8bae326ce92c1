/* drv_file.h — whole-file writes.  Every file the driver writes (index.csv,
 * timing.csv, claims.csv and claims.tex, figure data, figures.tex) is
 * formatted into memory by a put function, then written under <path>.part
 * and renamed (mfd_out_write_text): a reader never sees a half-written
 * file, and a put that fails writes nothing. */
#ifndef DRV_FILE_H
#define DRV_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Formats the file's text into f from ctx; false with a message in err. */
typedef bool (*drv_file_put)(FILE *f, const void *ctx, char *err, size_t errlen);

/* Write what put formats to path, whole.  False with the reason in err
 * (put's own message, or the file and the system's error). */
bool drv_file_write(const char *path, drv_file_put put, const void *ctx, char *err, size_t errlen);

#endif
