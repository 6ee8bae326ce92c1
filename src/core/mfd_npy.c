#define _POSIX_C_SOURCE 200809L
#include "mfd_npy.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* ---- header parsing ---------------------------------------------------- */

typedef struct cursor {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int accept(cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A Python string literal in single or double quotes, no escapes (NumPy's
 * header never contains any).  Copies at most cap-1 bytes. */
static int parse_str(cursor *c, char *out, size_t cap)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return 0;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || n + 1 >= cap)
            return 0;
        out[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return 0;
    c->p++;
    out[n] = '\0';
    return 1;
}

static int parse_word(cursor *c, const char *w)
{
    skip_ws(c);
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, w, n) == 0) {
        c->p += n;
        return 1;
    }
    return 0;
}

static int parse_size(cursor *c, size_t *v)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return 0;
    size_t x = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        size_t dgt = (size_t)(*c->p - '0');
        if (x > (SIZE_MAX - dgt) / 10)
            return 0;
        x = x * 10 + dgt;
        c->p++;
    }
    if (c->p < c->end && *c->p == 'L') /* Python 2 long suffix */
        c->p++;
    *v = x;
    return 1;
}

/* A tuple of sizes: "()", "(3,)", "(2, 3)", "(2, 3, 4,)". ndim = -1 when the
 * tuple has more than `cap` entries (reported as unsupported rank). */
static int parse_shape(cursor *c, size_t *shape, int cap, int *ndim)
{
    if (!accept(c, '('))
        return 0;
    int n = 0;
    if (accept(c, ')')) {
        *ndim = 0;
        return 1;
    }
    for (;;) {
        size_t v;
        if (!parse_size(c, &v))
            return 0;
        if (n < cap)
            shape[n] = v;
        n++;
        if (accept(c, ')'))
            break;
        if (!accept(c, ','))
            return 0;
        if (accept(c, ')'))
            break;
    }
    *ndim = n <= cap ? n : -1;
    return 1;
}

mfd_status mfd_npy_parse(const unsigned char *buf, size_t len, const char *name, mfd_npy *out, char *err,
                         size_t errlen)
{
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    memset(out, 0, sizeof *out);
    if (len < 10 || memcmp(buf, magic, 6) != 0) {
        mfd_errf(err, errlen, "'%s' is not an .npy file (bad magic string)", name);
        return MFD_EFORMAT;
    }
    unsigned major = buf[6];
    size_t hlen, hstart;
    if (major == 1) {
        hlen = (size_t)buf[8] | ((size_t)buf[9] << 8);
        hstart = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12) {
            mfd_errf(err, errlen, "'%s' is truncated inside its .npy header", name);
            return MFD_EFORMAT;
        }
        hlen = (size_t)buf[8] | ((size_t)buf[9] << 8) | ((size_t)buf[10] << 16) | ((size_t)buf[11] << 24);
        hstart = 12;
    } else {
        mfd_errf(err, errlen, "'%s' has .npy format version %u.%u; expected 1.0, 2.0 or 3.0", name, major, buf[7]);
        return MFD_EUNSUPPORTED;
    }
    if (hlen > len - hstart) {
        mfd_errf(err, errlen, "'%s' is truncated inside its .npy header (%zu header bytes announced, %zu present)",
                name, hlen, len - hstart);
        return MFD_EFORMAT;
    }
    cursor c = {(const char *)buf + hstart, (const char *)buf + hstart + hlen};
    char descr[32] = "", key[32];
    int have_descr = 0, have_order = 0, have_shape = 0, fortran = 0, ndim = 0;
    size_t shape[MFD_NPY_MAX_DIM] = {0, 0, 0};
    if (!accept(&c, '{'))
        goto bad_header;
    while (!accept(&c, '}')) {
        if (!parse_str(&c, key, sizeof key) || !accept(&c, ':'))
            goto bad_header;
        if (strcmp(key, "descr") == 0 && !have_descr) {
            if (!parse_str(&c, descr, sizeof descr)) {
                mfd_errf(err, errlen, "'%s' has an unsupported dtype (a structured or malformed descr); expected "
                                     "'<f8' (float64) or '<c16' (complex128)", name);
                return MFD_EUNSUPPORTED;
            }
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
            if (parse_word(&c, "True"))
                fortran = 1;
            else if (!parse_word(&c, "False"))
                goto bad_header;
            have_order = 1;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            if (!parse_shape(&c, shape, MFD_NPY_MAX_DIM, &ndim))
                goto bad_header;
            have_shape = 1;
        } else {
            goto bad_header;
        }
        if (!accept(&c, ',')) {
            if (!accept(&c, '}'))
                goto bad_header;
            break;
        }
    }
    skip_ws(&c);
    if (c.p != c.end || !have_descr || !have_order || !have_shape)
        goto bad_header;

    mfd_field field;
    if (strcmp(descr, "<f8") == 0 || (strcmp(descr, "=f8") == 0 && host_is_little_endian()))
        field = MFD_REAL;
    else if (strcmp(descr, "<c16") == 0 || (strcmp(descr, "=c16") == 0 && host_is_little_endian()))
        field = MFD_COMPLEX;
    else {
        mfd_errf(err, errlen, "'%s' has dtype '%s'; expected '<f8' (float64) or '<c16' (complex128)", name, descr);
        return MFD_EUNSUPPORTED;
    }
    if (ndim < 1) {
        mfd_errf(err, errlen, "'%s' has %s; expected an array with 1 to %d axes", name,
                ndim == 0 ? "a scalar (shape ())" : "more than 3 axes", MFD_NPY_MAX_DIM);
        return MFD_EUNSUPPORTED;
    }
    size_t count = 1, w = mfd_field_width(field);
    for (int i = 0; i < ndim; i++) {
        if (shape[i] != 0 && count > SIZE_MAX / shape[i] / w / sizeof(double)) {
            mfd_errf(err, errlen, "'%s' announces a shape too large to address", name);
            return MFD_ERANGE;
        }
        count *= shape[i];
    }
    size_t nbytes = count * w * sizeof(double), have = len - hstart - hlen;
    if (have != nbytes) {
        mfd_errf(err, errlen, "'%s' %s: the header announces %zu data bytes, the file holds %zu", name,
                have < nbytes ? "is truncated" : "has trailing bytes", nbytes, have);
        return MFD_EFORMAT;
    }
    double *data = malloc(nbytes > 0 ? nbytes : sizeof(double));
    if (!data) {
        mfd_errf(err, errlen, "out of memory reading '%s' (%zu bytes)", name, nbytes);
        return MFD_ENOMEM;
    }
    const unsigned char *src = buf + hstart + hlen;
    int swap = !host_is_little_endian();
    /* Multi-index (a, i, j) over (batch, rows, cols) with rank-1 and rank-2
     * arrays seen as a single batch of (n×1) or (rows×cols). */
    size_t nb = ndim == 3 ? shape[0] : 1;
    size_t nr = ndim == 1 ? shape[0] : shape[ndim - 2];
    size_t nc = ndim == 1 ? 1 : shape[ndim - 1];
    for (size_t a = 0; a < nb; a++)
        for (size_t i = 0; i < nr; i++)
            for (size_t j = 0; j < nc; j++) {
                size_t file_idx;
                if (ndim == 1)
                    file_idx = i;
                else if (!fortran)
                    file_idx = (a * nr + i) * nc + j;
                else
                    file_idx = a + nb * (i + nr * j);
                size_t mem_idx = a * nr * nc + i + j * nr;
                for (size_t p = 0; p < w; p++) {
                    unsigned char b[8];
                    memcpy(b, src + (file_idx * w + p) * 8, 8);
                    if (swap)
                        for (int q = 0; q < 4; q++) {
                            unsigned char t = b[q];
                            b[q] = b[7 - q];
                            b[7 - q] = t;
                        }
                    memcpy(&data[mem_idx * w + p], b, 8);
                }
            }
    out->field = field;
    out->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        out->shape[i] = shape[i];
    out->data = data;
    return MFD_OK;

bad_header:
    mfd_errf(err, errlen, "'%s' has a malformed .npy header (expected a dict with 'descr', 'fortran_order' and "
                         "'shape')", name);
    return MFD_EFORMAT;
}

mfd_status mfd_npy_read(const char *path, mfd_npy *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        mfd_errf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return MFD_EIO;
    }
    mfd_status st = MFD_OK;
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? 2 * cap : 65536;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                mfd_errf(err, errlen, "out of memory reading '%s'", path);
                st = MFD_ENOMEM;
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                mfd_errf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
                st = MFD_EIO;
                goto done;
            }
            break;
        }
    }
    st = mfd_npy_parse(buf, len, path, out, err, errlen);
done:
    free(buf);
    fclose(f);
    return st;
}

void mfd_npy_free(mfd_npy *a)
{
    if (!a)
        return;
    free(a->data);
    a->data = NULL;
    a->ndim = 0;
}

size_t mfd_npy_count(const mfd_npy *a)
{
    size_t n = 1;
    for (int i = 0; i < a->ndim; i++)
        n *= a->shape[i];
    return n;
}

mfd_mat mfd_npy_matrix(const mfd_npy *a, size_t index)
{
    size_t r = a->ndim == 1 ? a->shape[0] : a->shape[a->ndim - 2];
    size_t c = a->ndim == 1 ? 1 : a->shape[a->ndim - 1];
    return mfd_mat_view(a->data + index * r * c * mfd_field_width(a->field), a->field, r, c, r > 0 ? r : 1);
}

mfd_status mfd_npy_write(const char *path, mfd_field field, int ndim, const size_t *shape, const double *data,
                         char *err, size_t errlen)
{
    if (ndim < 1 || ndim > MFD_NPY_MAX_DIM) {
        mfd_errf(err, errlen, "cannot write '%s': %d axes (expected 1 to %d)", path, ndim, MFD_NPY_MAX_DIM);
        return MFD_EINVAL;
    }
    char header[256], shp[160];
    int n = 0;
    for (int i = 0; i < ndim; i++)
        n += snprintf(shp + n, sizeof shp - (size_t)n, "%zu,%s", shape[i], (ndim > 1 && i < ndim - 1) ? " " : "");
    if (ndim > 1)
        shp[n - 1] = '\0'; /* (2, 3) rather than (2, 3,) */
    int hl = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                      field == MFD_REAL ? "<f8" : "<c16", shp);
    /* Pad with spaces and a newline so that data starts on a 64-byte boundary. */
    size_t total = 10 + (size_t)hl + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = (size_t)hl + pad + 1;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.part", path) >= (int)sizeof tmp) {
        mfd_errf(err, errlen, "path too long: '%s'", path);
        return MFD_EINVAL;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        mfd_errf(err, errlen, "cannot create '%s': %s", tmp, strerror(errno));
        return MFD_EIO;
    }
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(header, 1, (size_t)hl, f) == (size_t)hl;
    for (size_t i = 0; ok && i < pad; i++)
        ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
    size_t w = mfd_field_width(field);
    size_t nb = ndim == 3 ? shape[0] : 1;
    size_t nr = ndim == 1 ? shape[0] : shape[ndim - 2];
    size_t nc = ndim == 1 ? 1 : shape[ndim - 1];
    int swap = !host_is_little_endian();
    for (size_t a = 0; ok && a < nb; a++)
        for (size_t i = 0; ok && i < nr; i++)
            for (size_t j = 0; ok && j < nc; j++)
                for (size_t p = 0; ok && p < w; p++) {
                    unsigned char b[8];
                    memcpy(b, &data[(a * nr * nc + i + j * nr) * w + p], 8);
                    if (swap)
                        for (int q = 0; q < 4; q++) {
                            unsigned char t = b[q];
                            b[q] = b[7 - q];
                            b[7 - q] = t;
                        }
                    ok = fwrite(b, 1, 8, f) == 8;
                }
    int saved = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (!ok) {
        mfd_errf(err, errlen, "cannot write '%s': %s", tmp, strerror(saved));
        remove(tmp);
        return MFD_EIO;
    }
    if (rename(tmp, path) != 0) {
        mfd_errf(err, errlen, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        remove(tmp);
        return MFD_EIO;
    }
    return MFD_OK;
}

mfd_status mfd_npy_write_mat(const char *path, mfd_mat m, char *err, size_t errlen)
{
    size_t shape[2] = {m.rows, m.cols};
    if (mfd_mat_is_packed(m))
        return mfd_npy_write(path, m.field, 2, shape, m.data, err, errlen);
    mfd_mat p;
    mfd_status st = mfd_mat_alloc(m.field, m.rows, m.cols, &p);
    if (st != MFD_OK) {
        mfd_errf(err, errlen, "out of memory writing '%s'", path);
        return st;
    }
    mfd_mat_copy(p, m);
    st = mfd_npy_write(path, m.field, 2, shape, p.data, err, errlen);
    mfd_mat_free(&p);
    return st;
}

/* ---- streams ------------------------------------------------------------ */

/* The header of s with n records, padded to MFD_NPY_STREAM_HEADER bytes. */
static int stream_header(const mfd_npy_stream *s, size_t n, unsigned char *h)
{
    char dict[MFD_NPY_STREAM_HEADER], shape[96];
    if (s->is_int)
        snprintf(shape, sizeof shape, "(%zu,)", n);
    else if (s->count > 0)
        snprintf(shape, sizeof shape, "(%zu, %zu, %zu, %zu)", n, s->count, s->rows, s->cols);
    else
        snprintf(shape, sizeof shape, "(%zu, %zu, %zu)", n, s->rows, s->cols);
    int l = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                     s->is_int ? "<i8" : s->field == MFD_REAL ? "<f8" : "<c16", shape);
    size_t hlen = MFD_NPY_STREAM_HEADER - 10;
    if (l < 0 || (size_t)l + 1 > hlen)
        return -1;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    memcpy(h, pre, 10);
    memset(h + 10, ' ', hlen);
    memcpy(h + 10, dict, (size_t)l);
    h[MFD_NPY_STREAM_HEADER - 1] = '\n';
    return 0;
}

static char *dup_path(const char *p, const char *suffix)
{
    size_t a = strlen(p), b = strlen(suffix);
    char *s = malloc(a + b + 1);
    if (s) {
        memcpy(s, p, a);
        memcpy(s + a, suffix, b + 1);
    }
    return s;
}

mfd_status mfd_npy_stream_open(mfd_npy_stream *s, const char *path, int is_int, mfd_field field, size_t count,
                               size_t rows, size_t cols, bool resume, size_t nrec, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->is_int = is_int;
    s->field = field;
    s->count = count;
    s->rows = rows;
    s->cols = cols;
    s->record = is_int ? 8 : 8 * mfd_field_width(field) * (count ? count : 1) * rows * cols;
    s->path = dup_path(path, "");
    s->tmp = dup_path(path, ".part");
    s->buf = malloc(s->record > MFD_NPY_STREAM_HEADER ? s->record : MFD_NPY_STREAM_HEADER);
    if (!s->path || !s->tmp || !s->buf) {
        mfd_npy_stream_close(s, true);
        return MFD_ENOMEM;
    }
    if (!resume) {
        s->f = fopen(s->tmp, "wb");
        if (!s->f) {
            mfd_errf(err, errlen, "cannot create '%s': %s", s->tmp, strerror(errno));
            return MFD_EIO;
        }
        if (stream_header(s, 0, s->buf) != 0 || fwrite(s->buf, 1, MFD_NPY_STREAM_HEADER, s->f) != MFD_NPY_STREAM_HEADER) {
            mfd_errf(err, errlen, "cannot write '%s': %s", s->tmp, strerror(errno));
            return MFD_EIO;
        }
        return MFD_OK;
    }
    if (access(s->tmp, F_OK) != 0 && rename(s->path, s->tmp) != 0) {
        mfd_errf(err, errlen, "cannot continue '%s': %s", s->tmp, strerror(errno));
        return errno == ENOENT ? MFD_EFORMAT : MFD_EIO;
    }
    s->f = fopen(s->tmp, "r+b");
    struct stat sb;
    if (!s->f || fstat(fileno(s->f), &sb) != 0) {
        mfd_errf(err, errlen, "cannot open '%s': %s", s->tmp, strerror(errno));
        return MFD_EIO;
    }
    double keep = (double)MFD_NPY_STREAM_HEADER + (double)nrec * (double)s->record;
    if ((double)sb.st_size < keep) {
        mfd_errf(err, errlen, "'%s' has %lld bytes but the checkpoint counts %zu records of %zu bytes", s->tmp,
                 (long long)sb.st_size, nrec, s->record);
        return MFD_EFORMAT;
    }
    if (ftruncate(fileno(s->f), (off_t)keep) != 0 || fseek(s->f, (long)keep, SEEK_SET) != 0) {
        mfd_errf(err, errlen, "cannot cut '%s' back to %zu records: %s", s->tmp, nrec, strerror(errno));
        return MFD_EIO;
    }
    s->n = nrec;
    return MFD_OK;
}

/* One 8-byte value into the file's little-endian order. */
static void put_le(unsigned char *dst, const void *src, int swap)
{
    memcpy(dst, src, 8);
    if (swap)
        for (int q = 0; q < 4; q++) {
            unsigned char t = dst[q];
            dst[q] = dst[7 - q];
            dst[7 - q] = t;
        }
}

static mfd_status stream_write(mfd_npy_stream *s, char *err, size_t errlen)
{
    if (fwrite(s->buf, 1, s->record, s->f) != s->record) {
        mfd_errf(err, errlen, "cannot write '%s': %s", s->tmp, strerror(errno));
        return MFD_EIO;
    }
    s->n++;
    return MFD_OK;
}

mfd_status mfd_npy_stream_append(mfd_npy_stream *s, const double *data, char *err, size_t errlen)
{
    size_t w = mfd_field_width(s->field), nb = s->count ? s->count : 1, nr = s->rows, nc = s->cols, k = 0;
    int swap = !host_is_little_endian();
    for (size_t a = 0; a < nb; a++) /* each matrix from column-major to C order */
        for (size_t i = 0; i < nr; i++)
            for (size_t j = 0; j < nc; j++)
                for (size_t p = 0; p < w; p++, k += 8)
                    put_le(s->buf + k, &data[(a * nr * nc + i + j * nr) * w + p], swap);
    return stream_write(s, err, errlen);
}

mfd_status mfd_npy_stream_append_int(mfd_npy_stream *s, int64_t v, char *err, size_t errlen)
{
    put_le(s->buf, &v, !host_is_little_endian());
    return stream_write(s, err, errlen);
}

mfd_status mfd_npy_stream_sync(mfd_npy_stream *s, char *err, size_t errlen)
{
    if (fflush(s->f) != 0 || ferror(s->f) || (fsync(fileno(s->f)) != 0 && errno != EINVAL && errno != EROFS)) {
        mfd_errf(err, errlen, "cannot write '%s': %s", s->tmp, strerror(errno));
        return MFD_EIO;
    }
    return MFD_OK;
}

mfd_status mfd_npy_stream_finish(mfd_npy_stream *s, char *err, size_t errlen)
{
    if (stream_header(s, s->n, s->buf) != 0 || fseek(s->f, 0, SEEK_SET) != 0 ||
        fwrite(s->buf, 1, MFD_NPY_STREAM_HEADER, s->f) != MFD_NPY_STREAM_HEADER)
        goto fail;
    MFD_CHECK(mfd_npy_stream_sync(s, err, errlen));
    FILE *f = s->f;
    s->f = NULL;
    if (fclose(f) != 0)
        goto fail;
    if (rename(s->tmp, s->path) != 0) {
        mfd_errf(err, errlen, "cannot rename '%s' to '%s': %s", s->tmp, s->path, strerror(errno));
        return MFD_EIO;
    }
    return MFD_OK;
fail:
    mfd_errf(err, errlen, "cannot write '%s': %s", s->tmp, strerror(errno));
    return MFD_EIO;
}

void mfd_npy_stream_close(mfd_npy_stream *s, bool keep)
{
    if (!s)
        return;
    if (s->f) {
        fclose(s->f);
        s->f = NULL;
        if (!keep && s->tmp)
            unlink(s->tmp);
    }
    free(s->path);
    free(s->tmp);
    free(s->buf);
    memset(s, 0, sizeof *s);
}
