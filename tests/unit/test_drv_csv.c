/* drv_csv: reading back the CSV files mfdyn writes (quoting, short and long
 * rows, comment lines, malformed input), joining two tables on a key
 * column, and writing one field. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_csv.h"
#include "drv_fixtures.h"
#include "testhelp.h"

static char err[512];

static const char *cell(const drv_csv *t, size_t r, const char *col)
{
    long c = drv_csv_col(t, col);
    return c < 0 || r >= t->nrows ? "(none)" : drv_csv_cell(t, r, (size_t)c);
}

/* What drv_csv_put writes for v. */
static const char *put(const char *v)
{
    static char out[128];
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    drv_csv_put(f, v);
    fclose(f);
    snprintf(out, sizeof out, "%s", text ? text : "(none)");
    free(text);
    return out;
}

int main(void)
{
    drv_csv t;
    static const char text[] = "# key: value metadata\n"
                               "\n"
                               "id,note,x\r\n"
                               "a,\"one, two\",1\n"
                               "b,\"say \"\"hi\"\"\",2\n"
                               "c,short\n"
                               "d,x,3,extra\n"
                               "# a comment between rows\n"
                               "e,,\n";
    bool ok = fx_table(text, &t, err, sizeof err);
    CHECK("a table with quotes, comments and ragged rows reads", ok);
    if (ok) {
        CHECK("the header names the columns; '#' and blank lines before it are skipped",
              t.ncols == 3 && strcmp(t.names[0], "id") == 0 && strcmp(t.names[2], "x") == 0);
        CHECK("CR LF line ends are read like LF", drv_csv_col(&t, "x") == 2);
        CHECK("every data row is read, '#' lines skipped", t.nrows == 5);
        CHECK("a quoted field keeps its comma", strcmp(cell(&t, 0, "note"), "one, two") == 0);
        CHECK("doubled quotes are one quote", strcmp(cell(&t, 1, "note"), "say \"hi\"") == 0);
        CHECK("a short row is padded with empty cells", strcmp(cell(&t, 2, "x"), "") == 0);
        CHECK("a long row is cut to the header's width", strcmp(cell(&t, 3, "x"), "3") == 0);
        CHECK("empty fields are empty cells",
              strcmp(cell(&t, 4, "note"), "") == 0 && strcmp(cell(&t, 4, "x"), "") == 0);
        CHECK("an unknown column is -1", drv_csv_col(&t, "nope") == -1);
        drv_csv_free(&t);
        CHECK("freeing leaves the table empty", t.nrows == 0 && t.names == NULL && t.cells == NULL);
    }
    CHECK("an unterminated quote is malformed, naming the file and line",
          !fx_table("a,b\n1,\"open\n", &t, err, sizeof err) && strcmp(err, "index.csv:2: malformed CSV line") == 0 &&
              t.names == NULL);
    {
        static const char withnul[] = "a,b\n1,2\n3\0004,5\n6,7\n"; /* a block of a file cut short by a crash */
        FILE *f = fopen("nul.csv", "wb");
        bool wrote = f && fwrite(withnul, 1, sizeof withnul - 1, f) == sizeof withnul - 1;
        if (f)
            fclose(f);
        CHECK("a NUL byte is malformed, naming the file and its line (the rest is not dropped silently)",
              wrote && !drv_csv_read("nul.csv", &t, err, sizeof err) &&
                  strcmp(err, "nul.csv:3: malformed CSV line (a NUL byte)") == 0 && t.names == NULL);
        remove("nul.csv");
    }
    CHECK("a file with no header row is refused", !fx_table("# only metadata\n", &t, err, sizeof err) &&
                                                      strcmp(err, "'index.csv' is empty (no header row)") == 0);
    CHECK("a file that cannot be opened names it",
          !drv_csv_read("no/such/index.csv", &t, err, sizeof err) &&
              strcmp(err, "cannot open 'no/such/index.csv': No such file or directory") == 0);
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char text2[700];
    snprintf(text2, sizeof text2, "h\n\"%s\"\n", big);
    CHECK("a field longer than the reader's first buffer grows it",
          fx_table(text2, &t, err, sizeof err) && t.nrows == 1 && strcmp(drv_csv_cell(&t, 0, 0), big) == 0);
    drv_csv_free(&t);
    drv_csv u;
    ok = fx_table("id,a\nr1,x\nr2,y\nr3,z\n", &t, err, sizeof err) &&
         fx_table("id,a,t\nr3,no,3.5\nr1,no,1.5\nr0,no,0.5\nr1,dup,9.5\n", &u, err, sizeof err);
    CHECK("join: two tables read", ok);
    if (ok) {
        ok = drv_csv_join(&t, &u, "id", err, sizeof err);
        CHECK("join: the columns the first table lacks are appended, and only those",
              ok && t.ncols == 3 && strcmp(t.names[2], "t") == 0 && strcmp(cell(&t, 0, "a"), "x") == 0);
        CHECK("join: rows are matched on the key, whatever their order",
              strcmp(cell(&t, 0, "t"), "1.5") == 0 && strcmp(cell(&t, 2, "t"), "3.5") == 0);
        CHECK("join: a row without a match gets an empty cell", strcmp(cell(&t, 1, "t"), "") == 0);
        CHECK("join: a key repeated in the second table takes its first row (r1: 1.5, not 9.5)",
              strcmp(cell(&t, 0, "t"), "1.5") == 0);
        CHECK("join: a key that a table lacks is refused, the table unchanged",
              !drv_csv_join(&t, &u, "nope", err, sizeof err) && t.ncols == 3 &&
                  strcmp(err, "cannot join tables on 'nope': a table has no such column") == 0);
        drv_csv_free(&u);
    }
    drv_csv_free(&t);
    CHECK("a plain field is written as it is", strcmp(put("abc 1.5e-3"), "abc 1.5e-3") == 0);
    CHECK("a field with a comma is quoted", strcmp(put("a,b"), "\"a,b\"") == 0);
    CHECK("a field with a quote is quoted, the quote doubled", strcmp(put("say \"hi\""), "\"say \"\"hi\"\"\"") == 0);
    CHECK("a field with a line break is quoted", strcmp(put("a\nb"), "\"a\nb\"") == 0);
    CHECK("an empty field is empty", strcmp(put(""), "") == 0);
    TEST_REPORT();
}
