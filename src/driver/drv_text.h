/* drv_text.h — the small text operations the driver's parts share. */
#ifndef DRV_TEXT_H
#define DRV_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Strip leading and trailing white space (isspace) from s in place;
 * returns the first character kept (inside s). */
char *drv_text_trim(char *s);

/* Append text to the string in buf[len], after "; " when buf is not empty
 * (truncated to fit). */
void drv_text_append(char *buf, size_t len, const char *text);

/* Write s into f with LaTeX's special characters escaped. */
void drv_text_tex_escape(FILE *f, const char *s);

/* Print s in a column of `width` characters (UTF-8 code points, not bytes):
 * cut after width characters, never inside a multibyte one, and padded with
 * spaces to width. */
void drv_text_cell(FILE *f, const char *s, size_t width);

#endif
