/* drv_file: every file the driver writes is written whole — formatted in
 * memory, written under <path>.part, renamed — and a put that fails writes
 * nothing. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "drv_file.h"
#include "testhelp.h"

static char err[512];

static bool put_lines(FILE *f, const void *ctx, char *e, size_t elen)
{
    (void)e, (void)elen;
    for (int i = 0; i < *(const int *)ctx; i++)
        fprintf(f, "line %d\n", i);
    return true;
}

static bool put_fails(FILE *f, const void *ctx, char *e, size_t elen)
{
    (void)ctx;
    fputs("half", f);
    snprintf(e, elen, "the put's own reason");
    return false;
}

static const char *slurp(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return f ? buf : "(no file)";
}

int main(void)
{
    const char *path = "drv_file_test.txt";
    int three = 3, none = 0;
    remove(path);
    CHECK("a file is written whole", drv_file_write(path, put_lines, &three, err, sizeof err) &&
                                         strcmp(slurp(path), "line 0\nline 1\nline 2\n") == 0);
    CHECK("no temporary file is left", access("drv_file_test.txt.part", F_OK) != 0);
    CHECK("a failing put writes nothing and keeps the old file, with the put's reason",
          !drv_file_write(path, put_fails, NULL, err, sizeof err) && strcmp(err, "the put's own reason") == 0 &&
              strcmp(slurp(path), "line 0\nline 1\nline 2\n") == 0);
    CHECK("an empty text makes an empty file",
          drv_file_write(path, put_lines, &none, err, sizeof err) && strcmp(slurp(path), "") == 0);
    CHECK("a folder that does not exist is an error naming the file",
          !drv_file_write("no/such/dir/f.txt", put_lines, &three, err, sizeof err) &&
              strstr(err, "no/such/dir/f.txt") != NULL);
    remove(path);
    TEST_REPORT();
}
