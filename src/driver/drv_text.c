#include "drv_text.h"

#include <ctype.h>
#include <string.h>

char *drv_text_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t l = strlen(s);
    while (l > 0 && isspace((unsigned char)s[l - 1]))
        s[--l] = '\0';
    return s;
}

void drv_text_append(char *buf, size_t len, const char *text)
{
    size_t l = strlen(buf);
    snprintf(buf + l, len - l, "%s%s", l ? "; " : "", text);
}

void drv_text_tex_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': case '%': case '$': case '#': case '_': case '{': case '}': fprintf(f, "\\%c", *s); break;
        case '~': fputs("\\textasciitilde{}", f); break;
        case '^': fputs("\\textasciicircum{}", f); break;
        case '\\': fputs("\\textbackslash{}", f); break;
        case '<': fputs("$<$", f); break;
        case '>': fputs("$>$", f); break;
        default: fputc(*s, f);
        }
    }
}

void drv_text_cell(FILE *f, const char *s, size_t width)
{
    size_t chars = 0;
    const char *p = s;
    while (*p && chars < width) {
        p++; /* past the lead byte, then its continuation bytes 10xxxxxx */
        while ((*p & 0xC0) == 0x80)
            p++;
        chars++;
    }
    fwrite(s, 1, (size_t)(p - s), f);
    for (; chars < width; chars++)
        fputc(' ', f);
}
