/* The generator of mfd_gauss.h (read its definition first) in three paths
 * that perform the same IEEE-754 operations in the same order: plain C, AVX2
 * (4 blocks per register) and AVX-512 (8 blocks per register).
 *
 * Why this shape.  The on-the-fly operator regenerates m·n1·n2 entries per
 * application (3.2·10^8 at n = 200, r = 10, m = 10^4), so the cost per entry
 * is the cost of the operator.  Philox4x32 needs only 32×32→64-bit products,
 * which AVX2 and AVX-512 have (vpmuludq), where Philox4x64 needs 64-bit high
 * products, which neither has.  Box-Muller turns one block into two normals
 * with one logarithm, one square root and one sine-cosine pair; libm's
 * versions differ from any vector version in the last bit, so the suite
 * evaluates its own, from fdlibm's algorithms and coefficients (Sun
 * Microsystems, 1993, freely distributable):
 *   ln:      e_log.c, reduction to m ∈ [√2/2, √2), s = f/(2 + f), the degree-14
 *            polynomial in s (Lg1..Lg7), k·ln 2 in two parts; always the
 *            branch with hfsq = f²/2 (fdlibm picks it for most f; the other
 *            branch only gains accuracy below an ulp);
 *   sin/cos: k_sin.c and k_cos.c on |x| ≤ π/4 (S1..S6, C1..C6).
 * No fused multiply-add is used anywhere: plain C would then need fma(),
 * which is a slow software routine on CPUs without the instruction, and
 * NumPy could no longer reproduce the entries.  The file is
 * compiled with -ffp-contract=off (src/core/CMakeLists.txt) so that the
 * compiler does not fuse a product and a sum on its own in one path.
 *
 * The entry layout (cosines of 8 blocks, then their sines) lets the vector
 * paths store and accumulate whole registers without shuffles, and the 16
 * partial sums of mfd_gauss_dot are exactly the AVX-512 path's two
 * accumulator registers (the AVX2 path's four). */
#include "mfd_gauss.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "mfd_gauss_impl.h"
#include "mfd_simd.h"

static gauss_row row_init(uint64_t seed, uint32_t stream, uint64_t row)
{
    gauss_row r;
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int i = 0; i < 10; i++) {
        r.key[i][0] = k0;
        r.key[i][1] = k1;
        k0 += PHILOX_W32_0;
        k1 += PHILOX_W32_1;
    }
    r.c1 = (uint32_t)row;
    r.c2 = row >> 32;
    r.c3 = stream;
    return r;
}

/* ---- plain C -------------------------------------------------------------- */

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static uint64_t to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* ln u for u in (0, 1) (fdlibm e_log.c, hfsq branch). */
static double log_plain(double u)
{
    uint64_t ix = to_bits(u) + LOG_SHIFT;
    double dk = from_bits(BIG_BITS | (ix >> 52)) - EXP_SHIFT;
    double f = from_bits((ix & MANT_BITS) + LOG_BASE) - 1.0;
    double s = f / (2.0 + f), z = s * s, w = z * z;
    double t1 = w * (LG2 + w * (LG4 + w * LG6));
    double t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    double R = t2 + t1, hfsq = 0.5 * f * f;
    return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
}

/* Two normals from one block's words. */
static void transform_plain(uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3, double *gc, double *gs)
{
    uint64_t w1 = (uint64_t)x0 << 32 | x1, w2 = (uint64_t)x2 << 32 | x3;
    double u = from_bits((w1 & MANT_BITS) | ONE_BITS) - U_SHIFT;
    double x = (from_bits((w2 & MANT_BITS) | ONE_BITS) - 1.5) * PIO2;
    double rad = sqrt(-2.0 * log_plain(u));
    double z = x * x, v = z * x;
    double sn = x + v * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))));
    double r = z * (C1 + z * (C2 + z * C3)) + (z * z) * (z * z) * (C4 + z * (C5 + z * C6));
    double hz = 0.5 * z, om = 1.0 - hz;
    double cs = om + (((1.0 - om) - hz) + z * r);
    /* θ = (π/2)q + x: q odd swaps sin and cos; cos θ is negated for q = 1, 2, sin θ for q = 2, 3 */
    bool odd = (w2 >> 62) & 1, neg_c = ((w2 >> 63) ^ (w2 >> 62)) & 1, neg_s = w2 >> 63;
    double a = odd ? sn : cs, b = odd ? cs : sn;
    *gc = rad * (neg_c ? -a : a);
    *gs = rad * (neg_s ? -b : b);
}

/* The 16 entries of group j of a row. */
static void group_plain(const gauss_row *r, uint64_t j, double g[GROUP])
{
    for (int i = 0; i < BLOCKS; i++) {
        philox4x32_ctr_t c = {
            {(uint32_t)(j * BLOCKS + (uint64_t)i), (uint32_t)r->c1, (uint32_t)r->c2, (uint32_t)r->c3}};
        philox4x32_key_t k = {{(uint32_t)r->key[0][0], (uint32_t)r->key[0][1]}};
        philox4x32_ctr_t o = philox4x32_R(10, c, k);
        transform_plain(o.v[0], o.v[1], o.v[2], o.v[3], &g[i], &g[BLOCKS + i]);
    }
}

/* The 16 partial sums joined by halves. */
double mfd_gauss_join16(const double s[GROUP])
{
    double t[8];
    for (int i = 0; i < 8; i++)
        t[i] = s[i] + s[i + 8];
    for (int i = 0; i < 4; i++)
        t[i] = t[i] + t[i + 4];
    for (int i = 0; i < 2; i++)
        t[i] = t[i] + t[i + 2];
    return t[0] + t[1];
}

static void fill_plain(const gauss_row *r, size_t n, double scale, double *x)
{
    double g[GROUP];
    for (size_t e = 0; e < n; e += GROUP) {
        group_plain(r, e / GROUP, g);
        size_t len = n - e < GROUP ? n - e : GROUP;
        for (size_t i = 0; i < len; i++)
            x[e + i] = scale * g[i];
    }
}

/* The last group's entries past n count with x = 0 (g·0 is added), in every
 * path: a sum's bits depend on it only through the sign of a zero, but they do. */
static double dot_plain(const gauss_row *r, size_t n, const double *x)
{
    double g[GROUP], s[GROUP] = {0};
    for (size_t e = 0; e < n; e += GROUP) {
        group_plain(r, e / GROUP, g);
        for (size_t i = 0; i < GROUP; i++)
            s[i] = s[i] + g[i] * (e + i < n ? x[e + i] : 0.0);
    }
    return mfd_gauss_join16(s);
}

static void axpy_plain(const gauss_row *r, size_t n, double alpha, double *z)
{
    double g[GROUP];
    for (size_t e = 0; e < n; e += GROUP) {
        group_plain(r, e / GROUP, g);
        size_t len = n - e < GROUP ? n - e : GROUP;
        for (size_t i = 0; i < len; i++)
            z[e + i] = z[e + i] + alpha * g[i];
    }
}

static void transform_blocks_plain(const uint32_t *w, size_t nblocks, double *g)
{
    for (size_t i = 0; i < nblocks; i++)
        transform_plain(w[4 * i], w[4 * i + 1], w[4 * i + 2], w[4 * i + 3], &g[2 * i], &g[2 * i + 1]);
}


/* ---- the path ------------------------------------------------------------- */

/* Set once by mfd_gauss_set_path before any draw, then only read; −1: auto. */
static int forced = -1;

mfd_status mfd_gauss_set_path(const char *name) { return mfd_simd_force(name, &forced); }

const char *mfd_gauss_path(void)
{
    return mfd_simd_name(mfd_simd_current(forced));
}

void mfd_gauss_fill(uint64_t seed, uint32_t stream, uint64_t row, size_t n, double scale, double *x)
{
    gauss_row r = row_init(seed, stream, row);
    switch (mfd_simd_current(forced)) {
#ifdef MFD_SIMD_X86
    case MFD_SIMD_AVX512: mfd_gauss_fill_avx512(&r, n, scale, x); return;
    case MFD_SIMD_AVX2: mfd_gauss_fill_avx2(&r, n, scale, x); return;
#endif
    default: fill_plain(&r, n, scale, x); return;
    }
}

double mfd_gauss_dot(uint64_t seed, uint32_t stream, uint64_t row, size_t n, const double *x)
{
    gauss_row r = row_init(seed, stream, row);
    switch (mfd_simd_current(forced)) {
#ifdef MFD_SIMD_X86
    case MFD_SIMD_AVX512: return mfd_gauss_dot_avx512(&r, n, x);
    case MFD_SIMD_AVX2: return mfd_gauss_dot_avx2(&r, n, x);
#endif
    default: return dot_plain(&r, n, x);
    }
}

void mfd_gauss_axpy(uint64_t seed, uint32_t stream, uint64_t row, size_t n, double alpha, double *z)
{
    gauss_row r = row_init(seed, stream, row);
    switch (mfd_simd_current(forced)) {
#ifdef MFD_SIMD_X86
    case MFD_SIMD_AVX512: mfd_gauss_axpy_avx512(&r, n, alpha, z); return;
    case MFD_SIMD_AVX2: mfd_gauss_axpy_avx2(&r, n, alpha, z); return;
#endif
    default: axpy_plain(&r, n, alpha, z); return;
    }
}

void mfd_gauss_transform(const uint32_t *w, size_t nblocks, double *g)
{
    switch (mfd_simd_current(forced)) {
#ifdef MFD_SIMD_X86
    case MFD_SIMD_AVX512: mfd_gauss_transform_avx512(w, nblocks, g); return;
    case MFD_SIMD_AVX2: mfd_gauss_transform_avx2(w, nblocks, g); return;
#endif
    default: transform_blocks_plain(w, nblocks, g); return;
    }
}
