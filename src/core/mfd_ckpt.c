#define _POSIX_C_SOURCE 200809L
#include "mfd_ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char MAGIC[8] = {'M', 'F', 'D', 'C', 'K', 'P', 'T', 0};
#define BOM 0x01020304u
#define FIXED 56 /* bytes of the header before its texts */

/* ---- the serialization buffer -------------------------------------------- */

void mfd_ckpt_buf_writer(mfd_ckpt_buf *b, void *data, size_t cap)
{
    b->data = data;
    b->cap = data ? cap : 0;
    b->len = b->pos = 0;
    b->st = MFD_OK;
}

void mfd_ckpt_buf_reader(mfd_ckpt_buf *b, const void *data, size_t len)
{
    b->data = (unsigned char *)(uintptr_t)data; /* read only: never written through */
    b->cap = b->len = len;
    b->pos = 0;
    b->st = MFD_OK;
}

static void put(mfd_ckpt_buf *b, const void *p, size_t n)
{
    if (b->st != MFD_OK)
        return;
    if (b->data) {
        if (n > b->cap - b->len) {
            b->st = MFD_ERANGE;
            return;
        }
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
}

static bool get(mfd_ckpt_buf *b, void *p, size_t n)
{
    if (b->st != MFD_OK)
        return false;
    if (n > b->len - b->pos) {
        b->st = MFD_EFORMAT;
        return false;
    }
    memcpy(p, b->data + b->pos, n);
    b->pos += n;
    return true;
}

void mfd_ckpt_put_tag(mfd_ckpt_buf *b, const char *tag)
{
    char t[8] = {0};
    memcpy(t, tag, strnlen(tag, 8));
    put(b, t, 8);
}

void mfd_ckpt_put_u64(mfd_ckpt_buf *b, uint64_t v) { put(b, &v, 8); }
void mfd_ckpt_put_i64(mfd_ckpt_buf *b, int64_t v) { put(b, &v, 8); }
void mfd_ckpt_put_f64(mfd_ckpt_buf *b, double v) { put(b, &v, 8); }

void mfd_ckpt_put_f64s(mfd_ckpt_buf *b, const double *v, size_t n)
{
    mfd_ckpt_put_u64(b, (uint64_t)n);
    if (n > 0)
        put(b, v, n * sizeof(double));
}

mfd_status mfd_ckpt_get_tag(mfd_ckpt_buf *b, const char *tag)
{
    char want[8] = {0}, got[8];
    memcpy(want, tag, strnlen(tag, 8));
    if (get(b, got, 8) && memcmp(got, want, 8) != 0)
        b->st = MFD_EFORMAT;
    return b->st;
}

uint64_t mfd_ckpt_get_u64(mfd_ckpt_buf *b)
{
    uint64_t v = 0;
    return get(b, &v, 8) ? v : 0;
}

int64_t mfd_ckpt_get_i64(mfd_ckpt_buf *b)
{
    int64_t v = 0;
    return get(b, &v, 8) ? v : 0;
}

double mfd_ckpt_get_f64(mfd_ckpt_buf *b)
{
    double v = 0;
    return get(b, &v, 8) ? v : 0;
}

mfd_status mfd_ckpt_get_f64s(mfd_ckpt_buf *b, double *v, size_t n)
{
    uint64_t m = mfd_ckpt_get_u64(b);
    if (b->st == MFD_OK && m != (uint64_t)n)
        b->st = MFD_EFORMAT;
    if (n > 0)
        get(b, v, n * sizeof(double));
    return b->st;
}

uint64_t mfd_ckpt_peek_count(const mfd_ckpt_buf *b)
{
    uint64_t v = 0;
    if (b->st == MFD_OK && b->len - b->pos >= 8)
        memcpy(&v, b->data + b->pos, 8);
    return v;
}

uint64_t mfd_ckpt_fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- the file ------------------------------------------------------------ */

static void le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t rd32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void mfd_ckpt_info_free(mfd_ckpt_info *ci)
{
    if (!ci)
        return;
    free(ci->program);
    free(ci->version);
    free(ci->params);
    free(ci->payload);
    memset(ci, 0, sizeof *ci);
}

mfd_status mfd_ckpt_file_init(mfd_ckpt_file *f, const char *path, const char *program, const char *version,
                              const char *params)
{
    memset(f, 0, sizeof *f);
    size_t P = strlen(program), V = strlen(version), Q = strlen(params), lp = strlen(path);
    if (P > UINT32_MAX || V > UINT32_MAX || Q > UINT32_MAX)
        return MFD_ERANGE;
    f->head_len = FIXED + P + V + Q + 8;
    f->head = calloc(f->head_len, 1);
    f->path = dup_text(path);
    f->tmp = malloc(lp + 6);
    if (!f->head || !f->path || !f->tmp) {
        mfd_ckpt_file_free(f);
        return MFD_ENOMEM;
    }
    memcpy(f->tmp, path, lp);
    memcpy(f->tmp + lp, ".part", 6);
    unsigned char *h = f->head;
    memcpy(h, MAGIC, 8);
    le32(h + 8, MFD_CKPT_VERSION);
    uint32_t bom = BOM;
    memcpy(h + 12, &bom, 4); /* the writer's own order: a reader of the other order sees 0x04030201 */
    le32(h + 28, (uint32_t)P);
    le32(h + 32, (uint32_t)V);
    le32(h + 36, (uint32_t)Q);
    memcpy(h + FIXED, program, P);
    memcpy(h + FIXED + P, version, V);
    memcpy(h + FIXED + P + V, params, Q);
    return MFD_OK;
}

void mfd_ckpt_file_free(mfd_ckpt_file *f)
{
    if (!f)
        return;
    free(f->path);
    free(f->tmp);
    free(f->head);
    memset(f, 0, sizeof *f);
}

/* write(2) until done (it may write less than asked). */
static int write_all(int fd, const void *p, size_t n)
{
    const unsigned char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

mfd_status mfd_ckpt_file_write(mfd_ckpt_file *f, int64_t iter, uint32_t flags, const void *payload, size_t len,
                               char *err, size_t errlen)
{
    unsigned char *h = f->head;
    le64(h + 16, (uint64_t)iter);
    le32(h + 24, flags);
    le64(h + 40, (uint64_t)len);
    le64(h + 48, mfd_ckpt_fnv1a(MFD_CKPT_FNV_OFFSET, payload, len));
    le64(h + f->head_len - 8, mfd_ckpt_fnv1a(MFD_CKPT_FNV_OFFSET, h, f->head_len - 8));
    /* open/write/fsync rather than stdio: nothing allocates while a run goes on */
    int fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        mfd_errf(err, errlen, "cannot create '%s': %s", f->tmp, strerror(errno));
        return MFD_EIO;
    }
    int bad = write_all(fd, h, f->head_len) != 0 || write_all(fd, payload, len) != 0;
    int saved = errno;
    if (!bad && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        bad = 1, saved = errno;
    if (close(fd) != 0 && !bad)
        bad = 1, saved = errno;
    if (bad) {
        mfd_errf(err, errlen, "cannot write '%s': %s", f->tmp, strerror(saved));
        unlink(f->tmp);
        return MFD_EIO;
    }
    if (rename(f->tmp, f->path) != 0) {
        mfd_errf(err, errlen, "cannot rename '%s' to '%s': %s", f->tmp, f->path, strerror(errno));
        unlink(f->tmp);
        return MFD_EIO;
    }
    return MFD_OK;
}

static char *text_at(const unsigned char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

mfd_status mfd_ckpt_parse(const unsigned char *buf, size_t len, const char *name, mfd_ckpt_info *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (len < FIXED + 8 || memcmp(buf, MAGIC, 8) != 0) {
        mfd_errf(err, errlen, "'%s' is not a checkpoint (%s)", name,
                 len < 8 ? "too short" : memcmp(buf, MAGIC, 8) != 0 ? "no MFDCKPT magic" : "truncated header");
        return MFD_EFORMAT;
    }
    uint32_t version = rd32(buf + 8), bom;
    memcpy(&bom, buf + 12, 4);
    if (version != MFD_CKPT_VERSION) {
        mfd_errf(err, errlen, "'%s' has checkpoint format %u; this program reads format %d", name, version,
                 MFD_CKPT_VERSION);
        return MFD_EFORMAT;
    }
    if (bom != BOM) {
        mfd_errf(err, errlen, "'%s' was written on a machine of the other byte order", name);
        return MFD_EFORMAT;
    }
    uint64_t P = rd32(buf + 28), V = rd32(buf + 32), Q = rd32(buf + 36), L = rd64(buf + 40);
    uint64_t head = FIXED + P + V + Q + 8;
    if (head > len) {
        mfd_errf(err, errlen, "'%s' is truncated (%zu bytes, the header alone needs %llu)", name, len,
                 (unsigned long long)head);
        return MFD_EFORMAT;
    }
    if (rd64(buf + head - 8) != mfd_ckpt_fnv1a(MFD_CKPT_FNV_OFFSET, buf, (size_t)head - 8)) {
        mfd_errf(err, errlen, "'%s' is corrupt: the header's checksum does not match", name);
        return MFD_EFORMAT;
    }
    if (L != len - head) {
        mfd_errf(err, errlen, "'%s' is %s: %zu bytes of state where the header says %llu", name,
                 L > len - head ? "truncated" : "over-long", len - (size_t)head, (unsigned long long)L);
        return MFD_EFORMAT;
    }
    if (rd64(buf + 48) != mfd_ckpt_fnv1a(MFD_CKPT_FNV_OFFSET, buf + head, (size_t)L)) {
        mfd_errf(err, errlen, "'%s' is corrupt: the checksum of its state does not match", name);
        return MFD_EFORMAT;
    }
    out->iter = (int64_t)rd64(buf + 16);
    out->flags = rd32(buf + 24);
    out->program = text_at(buf + FIXED, (size_t)P);
    out->version = text_at(buf + FIXED + P, (size_t)V);
    out->params = text_at(buf + FIXED + P + V, (size_t)Q);
    out->payload = malloc(L ? (size_t)L : 1);
    out->payload_len = (size_t)L;
    if (!out->program || !out->version || !out->params || !out->payload) {
        mfd_ckpt_info_free(out);
        return MFD_ENOMEM;
    }
    memcpy(out->payload, buf + head, (size_t)L);
    return MFD_OK;
}

mfd_status mfd_ckpt_file_read(const char *path, mfd_ckpt_info *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        mfd_errf(err, errlen, "cannot open '%s': %s", path, strerror(e));
        errno = e;
        return MFD_EIO;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0) {
        mfd_errf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        fclose(f);
        return MFD_EIO;
    }
    size_t n = (size_t)sb.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return MFD_ENOMEM;
    }
    size_t got = fread(buf, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        mfd_errf(err, errlen, "cannot read '%s'", path);
        free(buf);
        return MFD_EIO;
    }
    mfd_status st = mfd_ckpt_parse(buf, got, path, out, err, errlen);
    free(buf);
    return st;
}
