#include "mfd_mat.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *mfd_field_name(mfd_field f) { return f == MFD_COMPLEX ? "complex" : "real"; }

mfd_status mfd_mat_alloc(mfd_field field, size_t rows, size_t cols, mfd_mat *out)
{
    size_t w = mfd_field_width(field);
    *out = mfd_mat_view(NULL, field, rows, cols, rows > 0 ? rows : 1);
    if (cols != 0 && rows > SIZE_MAX / cols / w / sizeof(double))
        return MFD_ERANGE;
    size_t n = w * rows * cols;
    /* MFD_MAT_PAD doubles past the end: OpenBLAS's vector kernels (zgemv_n on
     * Haswell, inside zgesdd) load whole vectors and read up to 16 bytes past
     * a matrix's last column; the pad keeps those reads inside the block
     * (valgrind showed them).  It also keeps calloc(0) away. */
    double *p = calloc(n + MFD_MAT_PAD, sizeof(double));
    if (!p)
        return MFD_ENOMEM;
    out->data = p;
    return MFD_OK;
}

void mfd_mat_free(mfd_mat *m)
{
    if (!m)
        return;
    free(m->data);
    m->data = NULL;
    m->rows = m->cols = 0;
}

bool mfd_mat_same_shape(mfd_mat a, mfd_mat b)
{
    return a.rows == b.rows && a.cols == b.cols && a.field == b.field;
}

void mfd_mat_zero(mfd_mat m)
{
    size_t w = mfd_field_width(m.field);
    if (mfd_mat_is_packed(m)) {
        memset(m.data, 0, w * m.rows * m.cols * sizeof(double));
        return;
    }
    for (size_t j = 0; j < m.cols; j++)
        memset(mfd_mat_at(m, 0, j), 0, w * m.rows * sizeof(double));
}

void mfd_mat_set_identity(mfd_mat m, double scale)
{
    mfd_mat_zero(m);
    size_t n = m.rows < m.cols ? m.rows : m.cols;
    for (size_t i = 0; i < n; i++)
        mfd_mat_at(m, i, i)[0] = scale;
}

mfd_status mfd_mat_copy(mfd_mat dst, mfd_mat src)
{
    if (!mfd_mat_same_shape(dst, src))
        return MFD_EINVAL;
    size_t w = mfd_field_width(src.field);
    if (mfd_mat_is_packed(dst) && mfd_mat_is_packed(src)) {
        memmove(dst.data, src.data, w * src.rows * src.cols * sizeof(double));
        return MFD_OK;
    }
    for (size_t j = 0; j < src.cols; j++)
        memmove(mfd_mat_at(dst, 0, j), mfd_mat_at(src, 0, j), w * src.rows * sizeof(double));
    return MFD_OK;
}

mfd_status mfd_mat_axpy(double alpha, mfd_mat x, mfd_mat y)
{
    if (!mfd_mat_same_shape(x, y))
        return MFD_EINVAL;
    size_t len = mfd_field_width(x.field) * x.rows;
    for (size_t j = 0; j < x.cols; j++) {
        const double *xs = mfd_mat_at(x, 0, j);
        double *ys = mfd_mat_at(y, 0, j);
        for (size_t i = 0; i < len; i++)
            ys[i] += alpha * xs[i];
    }
    return MFD_OK;
}

void mfd_mat_scale(mfd_mat m, double alpha)
{
    size_t len = mfd_field_width(m.field) * m.rows;
    for (size_t j = 0; j < m.cols; j++) {
        double *c = mfd_mat_at(m, 0, j);
        for (size_t i = 0; i < len; i++)
            c[i] *= alpha;
    }
}

/* Sum of squares of n doubles in four independent partial sums: a single
 * running sum is one long dependency chain, and this is called every step. */
static double sumsq(const double *c, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += c[i] * c[i];
        s1 += c[i + 1] * c[i + 1];
        s2 += c[i + 2] * c[i + 2];
        s3 += c[i + 3] * c[i + 3];
    }
    for (; i < n; i++)
        s0 += c[i] * c[i];
    return (s0 + s1) + (s2 + s3);
}

double mfd_mat_norm2(mfd_mat m)
{
    size_t len = mfd_field_width(m.field) * m.rows;
    if (mfd_mat_is_packed(m))
        return sumsq(m.data, len * m.cols);
    double s = 0.0;
    for (size_t j = 0; j < m.cols; j++)
        s += sumsq(mfd_mat_at(m, 0, j), len);
    return s;
}

double mfd_mat_sub_norm2(mfd_mat a, mfd_mat b, mfd_mat d)
{
    if (!mfd_mat_same_shape(a, b) || !mfd_mat_same_shape(a, d))
        return NAN;
    size_t len = mfd_field_width(a.field) * a.rows;
    double s0 = 0, s1 = 0;
    for (size_t j = 0; j < a.cols; j++) {
        const double *ca = mfd_mat_at(a, 0, j), *cb = mfd_mat_at(b, 0, j);
        double *cd = mfd_mat_at(d, 0, j);
        size_t i = 0;
        for (; i + 2 <= len; i += 2) { /* two partial sums: see sumsq */
            double x0 = ca[i] - cb[i], x1 = ca[i + 1] - cb[i + 1];
            cd[i] = x0;
            cd[i + 1] = x1;
            s0 += x0 * x0;
            s1 += x1 * x1;
        }
        for (; i < len; i++) {
            double x = ca[i] - cb[i];
            cd[i] = x;
            s0 += x * x;
        }
    }
    return s0 + s1;
}

double mfd_mat_dist(mfd_mat a, mfd_mat b)
{
    if (!mfd_mat_same_shape(a, b))
        return NAN;
    size_t len = mfd_field_width(a.field) * a.rows;
    double s = 0.0;
    for (size_t j = 0; j < a.cols; j++) {
        const double *ca = mfd_mat_at(a, 0, j), *cb = mfd_mat_at(b, 0, j);
        for (size_t i = 0; i < len; i++)
            s += (ca[i] - cb[i]) * (ca[i] - cb[i]);
    }
    return sqrt(s);
}

double mfd_mat_maxabs_diff(mfd_mat a, mfd_mat b)
{
    if (!mfd_mat_same_shape(a, b))
        return NAN;
    size_t len = mfd_field_width(a.field) * a.rows;
    double m = 0.0;
    for (size_t j = 0; j < a.cols; j++) {
        const double *ca = mfd_mat_at(a, 0, j), *cb = mfd_mat_at(b, 0, j);
        for (size_t i = 0; i < len; i++) {
            double d = fabs(ca[i] - cb[i]);
            if (!(d <= m)) /* also propagates NaN */
                m = d;
        }
    }
    return m;
}

mfd_status mfd_mat_transpose(mfd_mat dst, mfd_mat src, char op)
{
    if (dst.rows != src.cols || dst.cols != src.rows || dst.field != src.field || dst.data == src.data)
        return MFD_EINVAL;
    double conj = (op == 'C' && src.field == MFD_COMPLEX) ? -1.0 : 1.0;
    for (size_t j = 0; j < src.cols; j++)
        for (size_t i = 0; i < src.rows; i++) {
            const double *s = mfd_mat_at(src, i, j);
            double *d = mfd_mat_at(dst, j, i);
            d[0] = s[0];
            if (src.field == MFD_COMPLEX)
                d[1] = conj * s[1];
        }
    return MFD_OK;
}

double mfd_mat_trace_re(mfd_mat m)
{
    size_t n = m.rows < m.cols ? m.rows : m.cols;
    double t = 0.0;
    for (size_t i = 0; i < n; i++)
        t += mfd_mat_at(m, i, i)[0];
    return t;
}

bool mfd_mat_is_finite(mfd_mat m)
{
    size_t len = mfd_field_width(m.field) * m.rows;
    for (size_t j = 0; j < m.cols; j++) {
        const double *c = mfd_mat_at(m, 0, j);
        for (size_t i = 0; i < len; i++)
            if (!isfinite(c[i]))
                return false;
    }
    return true;
}
