/* mfd_ckpt: the serialization buffer (round trips bit for bit, counting,
 * tags that catch a reader out of step), the file (written atomically, read
 * back; every kind of damage refused with its reason), and the save/load
 * pairs of the library's accumulators. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mfd_ckpt.h"
#include "mfd_deepdiag.h"
#include "mfd_rate.h"
#include "mfd_schedule.h"
#include "mfd_sensediag.h"
#include "mfd_stop.h"
#include "testhelp.h"

static char err[1024];

static void test_buffer(void)
{
    unsigned char mem[256];
    double v[3] = {1.0 / 3.0, -0.0, NAN}, w[3];
    mfd_ckpt_buf b;
    mfd_ckpt_buf_writer(&b, NULL, 0);
    mfd_ckpt_put_tag(&b, "abc");
    mfd_ckpt_put_i64(&b, -5);
    mfd_ckpt_put_f64s(&b, v, 3);
    size_t counted = b.len;
    CHECK("a counting buffer counts 8 + 8 + 8 + 24 bytes", counted == 48 && b.st == MFD_OK);

    mfd_ckpt_buf_writer(&b, mem, sizeof mem);
    mfd_ckpt_put_tag(&b, "abc");
    mfd_ckpt_put_i64(&b, -5);
    mfd_ckpt_put_f64s(&b, v, 3);
    CHECK("a writer writes what the counter counted", b.len == counted && b.st == MFD_OK);

    mfd_ckpt_buf r;
    mfd_ckpt_buf_reader(&r, mem, b.len);
    mfd_ckpt_get_tag(&r, "abc");
    long x = (long)mfd_ckpt_get_i64(&r);
    mfd_ckpt_get_f64s(&r, w, 3);
    CHECK("values come back bit for bit (-0 and NaN included)",
          r.st == MFD_OK && x == -5 && memcmp(v, w, sizeof v) == 0 && r.pos == r.len);

    mfd_ckpt_buf_reader(&r, mem, b.len);
    CHECK("a wrong tag is MFD_EFORMAT", mfd_ckpt_get_tag(&r, "abd") == MFD_EFORMAT);
    mfd_ckpt_get_i64(&r);
    CHECK("and the failure sticks", r.st == MFD_EFORMAT);

    mfd_ckpt_buf_reader(&r, mem, b.len);
    mfd_ckpt_get_tag(&r, "abc");
    mfd_ckpt_get_i64(&r);
    CHECK("a count that differs from the reader's is MFD_EFORMAT", mfd_ckpt_get_f64s(&r, w, 2) == MFD_EFORMAT);

    mfd_ckpt_buf_reader(&r, mem, 20);
    mfd_ckpt_get_tag(&r, "abc");
    mfd_ckpt_get_i64(&r);
    mfd_ckpt_get_f64(&r);
    CHECK("reading past the end is MFD_EFORMAT", r.st == MFD_EFORMAT);

    mfd_ckpt_buf_writer(&b, mem, 20);
    mfd_ckpt_put_tag(&b, "abc");
    mfd_ckpt_put_f64s(&b, v, 3);
    CHECK("writing past the capacity is MFD_ERANGE", b.st == MFD_ERANGE);
    CHECK("FNV-1a of 'a' is the published value",
          mfd_ckpt_fnv1a(MFD_CKPT_FNV_OFFSET, "a", 1) == 0xaf63dc4c8601ec8cULL);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(1 << 16);
    *n = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static void test_file(void)
{
    const char *path = "test_ckpt.bin";
    unsigned char payload[100];
    for (int i = 0; i < 100; i++)
        payload[i] = (unsigned char)(7 * i + 1);
    mfd_ckpt_file f;
    CHECK("file writer set up", mfd_ckpt_file_init(&f, path, "mfd-deep", "0.1.0 (x)", "a = 1\nb = 2\n") == MFD_OK);
    CHECK("a checkpoint is written", mfd_ckpt_file_write(&f, 1234, MFD_CKPT_FINAL, payload, 100, err, sizeof err) == MFD_OK);
    CHECK("no part file is left", access("test_ckpt.bin.part", F_OK) != 0);
    mfd_ckpt_info ci;
    CHECK("and read back", mfd_ckpt_file_read(path, &ci, err, sizeof err) == MFD_OK);
    CHECK("with its iteration, flags, texts and payload",
          ci.iter == 1234 && ci.flags == MFD_CKPT_FINAL && strcmp(ci.program, "mfd-deep") == 0 &&
              strcmp(ci.version, "0.1.0 (x)") == 0 && strcmp(ci.params, "a = 1\nb = 2\n") == 0 &&
              ci.payload_len == 100 && memcmp(ci.payload, payload, 100) == 0);
    mfd_ckpt_info_free(&ci);

    size_t n = 0;
    unsigned char *img = slurp(path, &n);
    CHECK("the image parses", img && mfd_ckpt_parse(img, n, "x", &ci, err, sizeof err) == MFD_OK);
    mfd_ckpt_info_free(&ci);
    /* every single flipped bit is caught, in the header and in the payload */
    size_t caught = 0;
    for (size_t i = 0; img && i < n; i++) {
        img[i] ^= 0x10;
        caught += mfd_ckpt_parse(img, n, "x", &ci, err, sizeof err) == MFD_EFORMAT;
        img[i] ^= 0x10;
    }
    printf("    %zu of %zu flipped bytes refused\n", caught, n);
    CHECK("a flipped bit anywhere is refused", caught == n);
    img[n - 1] ^= 1;
    mfd_ckpt_parse(img, n, "x", &ci, err, sizeof err);
    CHECK("a damaged payload is named as such", strstr(err, "checksum of its state") != NULL);
    img[n - 1] ^= 1;
    caught = 0;
    for (size_t k = 0; img && k < n; k++)
        caught += mfd_ckpt_parse(img, k, "x", &ci, err, sizeof err) == MFD_EFORMAT;
    CHECK("every truncation is refused", caught == n);
    mfd_ckpt_parse(img, n - 10, "x", &ci, err, sizeof err);
    CHECK("a truncated file is named as such", strstr(err, "truncated") != NULL);
    img[8] = 9;
    mfd_ckpt_parse(img, n, "x", &ci, err, sizeof err);
    CHECK("another format version is named", strstr(err, "format 9") != NULL);
    memcpy(img, "NOTACKPT", 8);
    mfd_ckpt_parse(img, n, "x", &ci, err, sizeof err);
    CHECK("a file that is no checkpoint is named", strstr(err, "not a checkpoint") != NULL);
    free(img);
    CHECK("a missing file is MFD_EIO", mfd_ckpt_file_read("no_such_ckpt.bin", &ci, err, sizeof err) == MFD_EIO);

    /* a write that cannot happen leaves the previous checkpoint as it was */
    mfd_ckpt_file g;
    mfd_ckpt_file_init(&g, "no_such_dir/x.bin", "p", "v", "");
    CHECK("a write into a missing folder is MFD_EIO, naming the file",
          mfd_ckpt_file_write(&g, 1, 0, payload, 10, err, sizeof err) == MFD_EIO && strstr(err, "no_such_dir"));
    mfd_ckpt_file_free(&g);
    mfd_ckpt_file_free(&f);
    unlink(path);
}

/* A state saved, loaded into a fresh object, saved again: the same bytes. */
static void test_states(void)
{
    unsigned char m1[4096], m2[4096];
    mfd_ckpt_buf b1, b2, r;

    mfd_linreg lr, lr2;
    mfd_linreg_reset(&lr);
    for (int i = 1; i < 50; i++)
        mfd_linreg_add(&lr, log(i), sin(i));
    mfd_ckpt_buf_writer(&b1, m1, sizeof m1);
    mfd_linreg_save(&lr, &b1);
    mfd_ckpt_buf_reader(&r, m1, b1.len);
    mfd_linreg_reset(&lr2);
    CHECK("mfd_linreg loads", mfd_linreg_load(&lr2, &r) == MFD_OK);
    mfd_fit f1 = mfd_linreg_fit(&lr), f2 = mfd_linreg_fit(&lr2);
    CHECK("and fits to the same bits", memcmp(&f1, &f2, sizeof f1) == 0);
    for (int i = 50; i < 60; i++) {
        mfd_linreg_add(&lr, log(i), sin(i));
        mfd_linreg_add(&lr2, log(i), sin(i));
    }
    f1 = mfd_linreg_fit(&lr);
    f2 = mfd_linreg_fit(&lr2);
    CHECK("and goes on to the same bits", memcmp(&f1, &f2, sizeof f1) == 0);

    mfd_stop_rule s1, s2;
    mfd_stop_rule_init(&s1, 1e-12, 1e6, 100, 10, 1e-3);
    mfd_stop_rule_init(&s2, 1e-12, 1e6, 100, 10, 1e-3);
    for (long t = 0; t < 25; t++)
        mfd_stop_check(&s1, t, 1.0 / (double)(t + 1));
    mfd_ckpt_buf_writer(&b1, m1, sizeof m1);
    mfd_stop_rule_save(&s1, &b1);
    mfd_ckpt_buf_reader(&r, m1, b1.len);
    CHECK("mfd_stop_rule loads", mfd_stop_rule_load(&s2, &r) == MFD_OK);
    int same = 1;
    for (long t = 25; t < 100; t++)
        same = same && mfd_stop_check(&s1, t, 0.04) == mfd_stop_check(&s2, t, 0.04);
    CHECK("and stops where the original stops", same && s1.window_start == s2.window_start);

    mfd_schedule c1, c2;
    mfd_schedule_init(&c1, 7, 0);
    mfd_schedule_init(&c2, 7, 0);
    for (long t = 0; t < 333; t++)
        mfd_schedule_due(&c1, t);
    mfd_ckpt_buf_writer(&b1, m1, sizeof m1);
    mfd_schedule_save(&c1, &b1);
    mfd_ckpt_buf_reader(&r, m1, b1.len);
    CHECK("mfd_schedule loads", mfd_schedule_load(&c2, &r) == MFD_OK);
    same = 1;
    for (long t = 333; t < 100000; t++)
        same = same && mfd_schedule_due(&c1, t) == mfd_schedule_due(&c2, t);
    CHECK("and logs where the original logs", same);

    mfd_deeptrack t1, t2;
    double s[3] = {3, 2, 1};
    mfd_deeptrack_init(&t1, 1e-3);
    mfd_deeptrack_set_modes(&t1, s, 3);
    t1.nlogged = 17;
    t1.prev_t = 400;
    t1.iter_balanced = 99;
    t1.skew_max_rise = 0.25;
    t1.prev_lsv[5] = 1.5;
    t1.mode_t[2][1] = 77.5;
    t1.det_sign_balanced = -1;
    mfd_ckpt_buf_writer(&b1, m1, sizeof m1);
    mfd_deeptrack_save(&t1, &b1);
    mfd_deeptrack_init(&t2, 1e-3);
    mfd_deeptrack_set_modes(&t2, s, 3);
    mfd_ckpt_buf_reader(&r, m1, b1.len);
    CHECK("mfd_deeptrack loads", mfd_deeptrack_load(&t2, &r) == MFD_OK);
    mfd_ckpt_buf_writer(&b2, m2, sizeof m2);
    mfd_deeptrack_save(&t2, &b2);
    CHECK("and saves to the same bytes", b1.len == b2.len && memcmp(m1, m2, b1.len) == 0);
    CHECK("every field came back", memcmp(&t1, &t2, sizeof t1) == 0);
    mfd_deeptrack_init(&t2, 2e-3);
    mfd_ckpt_buf_reader(&r, m1, b1.len);
    CHECK("a tracker of another balance_tol refuses it", mfd_deeptrack_load(&t2, &r) == MFD_EFORMAT);

    mfd_sensediag_track k1 = {0.5, 0.25, 0.75}, k2;
    mfd_sensediag_track_init(&k2);
    mfd_ckpt_buf_writer(&b1, m1, sizeof m1);
    mfd_sensediag_track_save(&k1, &b1);
    mfd_ckpt_buf_reader(&r, m1, b1.len);
    CHECK("mfd_sensediag_track loads to the same values",
          mfd_sensediag_track_load(&k2, &r) == MFD_OK && memcmp(&k1, &k2, sizeof k1) == 0);
}

int main(void)
{
    test_buffer();
    test_file();
    test_states();
    TEST_REPORT();
}
