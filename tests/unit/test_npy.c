/* mfd_npy: round trips, C and Fortran order, and every malformed case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_npy.h"
#include "testhelp.h"

/* An .npy image: version 1.0 header `dict` (padded to 64) then `nbytes` of data. */
static size_t build(unsigned char *buf, const char *dict, const double *data, size_t nbytes)
{
    size_t dl = strlen(dict), total = 10 + dl + 1, pad = (64 - total % 64) % 64, hl = dl + pad + 1;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hl & 0xff), (unsigned char)(hl >> 8)};
    memcpy(buf, pre, 10);
    memcpy(buf + 10, dict, dl);
    memset(buf + 10 + dl, ' ', pad);
    buf[10 + dl + pad] = '\n';
    memcpy(buf + 10 + hl, data, nbytes);
    return 10 + hl + nbytes;
}

static mfd_status parse(const unsigned char *buf, size_t len, mfd_npy *a, char *err)
{
    return mfd_npy_parse(buf, len, "test.npy", a, err, 256);
}

static int contains(const char *s, const char *sub) { return strstr(s, sub) != NULL; }

/* A stream of (rows, cols) records: written, finished, read back; continued
 * from a count of records (the rest cut off). */
static void test_stream(void)
{
    char err[256];
    mfd_npy_stream s;
    mfd_npy a;
    double rec[6];
    const char *path = "test_stream.npy";
    CHECK("a stream opens", mfd_npy_stream_open(&s, path, 0, MFD_REAL, 0, 2, 3, false, 0, err, sizeof err) == MFD_OK);
    for (int r = 0; r < 3; r++) {
        for (int i = 0; i < 6; i++)
            rec[i] = 10 * r + i;
        mfd_npy_stream_append(&s, rec, err, sizeof err);
    }
    CHECK("and finishes", mfd_npy_stream_finish(&s, err, sizeof err) == MFD_OK);
    mfd_npy_stream_close(&s, true);
    CHECK("as a valid (3, 2, 3) array", mfd_npy_read(path, &a, err, sizeof err) == MFD_OK && a.ndim == 3 &&
                                             a.shape[0] == 3 && a.shape[1] == 2 && a.shape[2] == 3);
    CHECK("whose matrices are the records, column-major in memory as written",
          a.data && mfd_mat_at(mfd_npy_matrix(&a, 2), 1, 2)[0] == 25 && mfd_mat_at(mfd_npy_matrix(&a, 1), 0, 1)[0] == 12);
    mfd_npy_free(&a);
    CHECK("a finished stream continues from 2 records",
          mfd_npy_stream_open(&s, path, 0, MFD_REAL, 0, 2, 3, true, 2, err, sizeof err) == MFD_OK);
    rec[0] = -1;
    mfd_npy_stream_append(&s, rec, err, sizeof err);
    mfd_npy_stream_finish(&s, err, sizeof err);
    mfd_npy_stream_close(&s, true);
    CHECK("to 3 records again, the last one new",
          mfd_npy_read(path, &a, err, sizeof err) == MFD_OK && a.shape[0] == 3 &&
              mfd_mat_at(mfd_npy_matrix(&a, 2), 0, 0)[0] == -1 && mfd_mat_at(mfd_npy_matrix(&a, 1), 1, 2)[0] == 15);
    mfd_npy_free(&a);
    CHECK("a stream that holds fewer records than asked is MFD_EFORMAT",
          mfd_npy_stream_open(&s, path, 0, MFD_REAL, 0, 2, 3, true, 7, err, sizeof err) == MFD_EFORMAT);
    mfd_npy_stream_close(&s, true);
    remove(path);
    remove("test_stream.npy.part");
}

int main(void)
{
    test_stream();
    unsigned char buf[4096];
    char err[256];
    mfd_npy a;
    double data[24];
    for (int i = 0; i < 24; i++)
        data[i] = i + 0.5;

    /* C order (2, 3): element (i, j) is data[3i + j]; in memory column-major. */
    size_t len = build(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data, 6 * 8);
    CHECK("C-order float64 (2,3) parses", parse(buf, len, &a, err) == MFD_OK);
    mfd_mat m = mfd_npy_matrix(&a, 0);
    CHECK("C-order element (1, 2) lands at row 1, column 2", m.rows == 2 && m.cols == 3 && mfd_mat_at(m, 1, 2)[0] == 5.5);
    CHECK("C-order element (0, 1) lands at row 0, column 1", mfd_mat_at(m, 0, 1)[0] == 1.5);
    mfd_npy_free(&a);

    /* Fortran order (2, 3): element (i, j) is data[i + 2j]. */
    len = build(buf, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", data, 6 * 8);
    CHECK("Fortran-order float64 (2,3) parses", parse(buf, len, &a, err) == MFD_OK);
    m = mfd_npy_matrix(&a, 0);
    CHECK("Fortran-order element (1, 2) is data[5]", mfd_mat_at(m, 1, 2)[0] == 5.5);
    CHECK("Fortran-order element (0, 1) is data[2]", mfd_mat_at(m, 0, 1)[0] == 2.5);
    mfd_npy_free(&a);

    /* (2, 2, 3) C order: matrix 1, element (1, 0) is data[6 + 3] */
    len = build(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 3), }", data, 12 * 8);
    CHECK("rank-3 C order parses", parse(buf, len, &a, err) == MFD_OK);
    CHECK("rank-3 C order: matrix 1, element (1, 0)", mfd_mat_at(mfd_npy_matrix(&a, 1), 1, 0)[0] == 9.5);
    mfd_npy_free(&a);
    /* (2, 2, 3) Fortran order: element (k, i, j) at k + 2 (i + 2 j) */
    len = build(buf, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 3), }", data, 12 * 8);
    CHECK("rank-3 Fortran order parses", parse(buf, len, &a, err) == MFD_OK);
    CHECK("rank-3 Fortran order: matrix 1, element (1, 2)", mfd_mat_at(mfd_npy_matrix(&a, 1), 1, 2)[0] == data[1 + 2 * (1 + 2 * 2)]);
    mfd_npy_free(&a);

    /* complex128 (2,) vector; v2.0 header; double-quoted keys */
    len = build(buf, "{\"descr\": \"<c16\", \"fortran_order\": False, \"shape\": (2,)}", data, 4 * 8);
    CHECK("complex128 vector parses", parse(buf, len, &a, err) == MFD_OK && a.field == MFD_COMPLEX && a.ndim == 1);
    CHECK("complex128 entry 1 is (2.5, 3.5)", a.data[2] == 2.5 && a.data[3] == 3.5);
    mfd_npy_free(&a);

    /* Round trips through files, real and complex, ranks 1..3 */
    const char *path = "test_npy_roundtrip.npy";
    size_t shapes[3][3] = {{5, 0, 0}, {3, 4, 0}, {2, 3, 2}};
    for (int f = 1; f <= 2; f++)
        for (int nd = 1; nd <= 3; nd++) {
            size_t cnt = 1;
            for (int i = 0; i < nd; i++)
                cnt *= shapes[nd - 1][i];
            double src[48];
            for (size_t i = 0; i < cnt * (size_t)f; i++)
                src[i] = (double)i * 1.25 - 3.0;
            mfd_status st = mfd_npy_write(path, (mfd_field)f, nd, shapes[nd - 1], src, err, sizeof err);
            mfd_status rt = mfd_npy_read(path, &a, err, sizeof err);
            char name[96];
            snprintf(name, sizeof name, "round trip %s rank %d keeps shape and bits", f == 1 ? "float64" : "complex128", nd);
            int ok = st == MFD_OK && rt == MFD_OK && a.ndim == nd && a.field == (mfd_field)f &&
                     memcmp(a.data, src, cnt * (size_t)f * sizeof(double)) == 0;
            for (int i = 0; ok && i < nd; i++)
                ok = a.shape[i] == shapes[nd - 1][i];
            CHECK(name, ok);
            mfd_npy_free(&a);
        }
    {
        FILE *fp = fopen(path, "rb");
        unsigned char h[10];
        size_t got = fp ? fread(h, 1, 10, fp) : 0;
        if (fp)
            fclose(fp);
        long hl = got == 10 ? h[8] | (h[9] << 8) : -1;
        CHECK("written header keeps data 64-byte aligned", (10 + hl) % 64 == 0);
    }
    remove(path);

    /* ---- malformed and unsupported ---- */
    CHECK("a missing file is MFD_EIO naming the file",
          mfd_npy_read("no/such/file.npy", &a, err, sizeof err) == MFD_EIO && contains(err, "no/such/file.npy"));
    len = build(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data, 6 * 8);
    buf[1] = 'X';
    CHECK("bad magic is MFD_EFORMAT", parse(buf, len, &a, err) == MFD_EFORMAT && contains(err, "magic"));
    CHECK("a file shorter than the magic is MFD_EFORMAT", parse(buf, 5, &a, err) == MFD_EFORMAT);
    len = build(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data, 6 * 8);
    buf[6] = 9;
    CHECK("format version 9 is unsupported", parse(buf, len, &a, err) == MFD_EUNSUPPORTED && contains(err, "version"));
    len = build(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data, 6 * 8);
    CHECK("a header cut short is MFD_EFORMAT", parse(buf, 40, &a, err) == MFD_EFORMAT && contains(err, "truncated"));
    CHECK("data cut short is MFD_EFORMAT", parse(buf, len - 8, &a, err) == MFD_EFORMAT && contains(err, "truncated"));
    len = build(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data, 7 * 8);
    CHECK("trailing data is MFD_EFORMAT", parse(buf, len, &a, err) == MFD_EFORMAT && contains(err, "trailing"));
    const char *bad_headers[] = {
        "{'descr': '<f8', 'fortran_order': False}",                        /* no shape */
        "{'descr': '<f8', 'shape': (6,)}",                                  /* no order */
        "{'fortran_order': False, 'shape': (6,)}",                          /* no descr */
        "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (6,)}",          /* bad bool */
        "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), 'x': 1}",  /* unknown key */
        "['descr', '<f8']",                                                 /* not a dict */
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3)}",       /* negative dim */
        "{'descr': '<f8', 'fortran_order': False, 'shape': (6,)} junk",     /* trailing text */
        "{'descr': '<f8', 'fortran_order': False, 'shape': (6,",            /* unterminated */
        "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (6,)}", /* repeated key */
    };
    for (size_t i = 0; i < sizeof bad_headers / sizeof *bad_headers; i++) {
        len = build(buf, bad_headers[i], data, 6 * 8);
        char name[160];
        snprintf(name, sizeof name, "malformed header %zu is MFD_EFORMAT: %.60s", i, bad_headers[i]);
        CHECK(name, parse(buf, len, &a, err) == MFD_EFORMAT && contains(err, "header"));
    }
    const char *bad_dtypes[] = {"<f4", ">f8", "<i8", "|u1", "<c8", "|b1", "<M8[s]"};
    for (size_t i = 0; i < sizeof bad_dtypes / sizeof *bad_dtypes; i++) {
        char dict[128];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (6,), }", bad_dtypes[i]);
        len = build(buf, dict, data, 6 * 8);
        char name[96];
        snprintf(name, sizeof name, "dtype %s is unsupported and named in the message", bad_dtypes[i]);
        CHECK(name, parse(buf, len, &a, err) == MFD_EUNSUPPORTED && contains(err, bad_dtypes[i]));
    }
    len = build(buf, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (6,)}", data, 6 * 8);
    CHECK("a structured dtype is unsupported", parse(buf, len, &a, err) == MFD_EUNSUPPORTED);
    len = build(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': ()}", data, 8);
    CHECK("a scalar is unsupported", parse(buf, len, &a, err) == MFD_EUNSUPPORTED && contains(err, "scalar"));
    len = build(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 2, 3)}", data, 6 * 8);
    CHECK("four axes are unsupported", parse(buf, len, &a, err) == MFD_EUNSUPPORTED && contains(err, "axes"));
    len = build(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999)}", data, 8);
    CHECK("a shape too large to address is refused", parse(buf, len, &a, err) == MFD_ERANGE);
    CHECK("failed parses own no memory", a.data == NULL);
    CHECK("writing into a missing directory is MFD_EIO",
          mfd_npy_write("no/such/dir/x.npy", MFD_REAL, 1, shapes[0], data, err, sizeof err) == MFD_EIO);
    TEST_REPORT();
}
