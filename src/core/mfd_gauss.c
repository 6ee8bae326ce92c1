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

#include <Random123/philox.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

/* ---- constants shared by every path --------------------------------------- */

static const double LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01, LG3 = 2.857142874366239149e-01,
                    LG4 = 2.222219843214978396e-01, LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01,
                    LG7 = 1.479819860511658591e-01;
static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
static const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
                    S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
static const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
                    C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
static const double PIO2 = 1.57079632679489661923;
/* 1 − 2^-53: (1 + K/2^52) − (1 − 2^-53) = (K + ½)/2^52 exactly. */
static const double U_SHIFT = 0x1.fffffffffffffp-1;
/* 2^52 + 1023: the bits 0x4330000000000000 | e are the double 2^52 + e. */
static const double EXP_SHIFT = 0x1.00000000003ffp+52;

#define MANT_BITS 0x000FFFFFFFFFFFFFull /* a double's 52 fraction bits */
#define ONE_BITS 0x3FF0000000000000ull  /* 1.0: a fraction below it gives [1, 2) */
#define LO32_BITS 0x00000000FFFFFFFFull
#define SIGN_BITS 0x8000000000000000ull
#define BIG_BITS 0x4330000000000000ull /* 2^52 */
/* ln's reduction (musl's form of fdlibm's): adding LOG_SHIFT carries into the
 * exponent exactly when the fraction is at or above √2's, after which
 * (bits & MANT) + LOG_BASE is m ∈ [√2/2, √2) and the exponent field is k + 1023. */
#define LOG_SHIFT 0x00095F6200000000ull
#define LOG_BASE 0x3FE6A09E00000000ull

#define BLOCKS 8           /* Philox blocks per group */
#define GROUP (2 * BLOCKS) /* entries per group */

/* A row's Philox key schedule and the counter words that do not change
 * along it, each 32-bit value in a 64-bit word: the vector paths broadcast
 * them from memory into 64-bit lanes. */
typedef struct gauss_row {
    uint64_t key[10][2]; /* the key of each of the 10 rounds */
    uint64_t c1, c2, c3; /* row mod 2^32, row / 2^32, stream */
} gauss_row;

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
static double join16(const double s[GROUP])
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
    return join16(s);
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

/* ---- AVX2 and AVX-512 ----------------------------------------------------- */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MFD_GAUSS_X86 1
#include <immintrin.h>
#define MFD_INLINE __attribute__((always_inline)) inline
#define MFD_AVX2 __attribute__((target("avx2")))
#define MFD_AVX512 __attribute__((target("avx512f")))

/* A lane holds one block, each 32-bit counter word in the low half of a
 * 64-bit lane (vpmuludq multiplies those halves).  The high halves may hold
 * garbage between rounds: the products read only low halves and xor keeps
 * the halves apart; the words are joined into 64-bit values at the end.
 *
 * The vector paths work on NV registers at once, each operation applied to
 * all NV before the next: one register's chain of dependent operations is
 * long (ten rounds of products, a division, a square root, two polynomials),
 * and the CPU overlaps independent chains only when they sit side by side in
 * the instruction stream (NV = 4 runs 1.8× faster than NV = 1 with AVX-512
 * here).  The batch types below hold the NV registers; their operations read
 * like the plain C of transform_plain, line for line. */

/* AVX2: 4 registers of 4 blocks, 2 groups (32 entries) per batch. */
#define NV2 4
typedef struct f256x {
    __m256d v[NV2];
} f256x;
typedef struct u256x {
    __m256i v[NV2];
} u256x;

static MFD_AVX2 MFD_INLINE f256x f2_k(double c)
{
    f256x r;
    for (int h = 0; h < NV2; h++)
        r.v[h] = _mm256_set1_pd(c);
    return r;
}
static MFD_AVX2 MFD_INLINE u256x u2_k(uint64_t c)
{
    u256x r;
    for (int h = 0; h < NV2; h++)
        r.v[h] = _mm256_set1_epi64x((long long)c);
    return r;
}
static MFD_AVX2 MFD_INLINE f256x f2_add(f256x a, f256x b)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_add_pd(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX2 MFD_INLINE f256x f2_sub(f256x a, f256x b)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_sub_pd(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX2 MFD_INLINE f256x f2_mul(f256x a, f256x b)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_mul_pd(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX2 MFD_INLINE f256x f2_div(f256x a, f256x b)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_div_pd(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX2 MFD_INLINE f256x f2_sqrt(f256x a)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_sqrt_pd(a.v[h]);
    return a;
}
/* The bits of a as doubles, and back. */
static MFD_AVX2 MFD_INLINE f256x f2_of(u256x a)
{
    f256x r;
    for (int h = 0; h < NV2; h++)
        r.v[h] = _mm256_castsi256_pd(a.v[h]);
    return r;
}
static MFD_AVX2 MFD_INLINE u256x u2_of(f256x a)
{
    u256x r;
    for (int h = 0; h < NV2; h++)
        r.v[h] = _mm256_castpd_si256(a.v[h]);
    return r;
}
static MFD_AVX2 MFD_INLINE u256x u2_add(u256x a, u256x b)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_add_epi64(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX2 MFD_INLINE u256x u2_and(u256x a, u256x b)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_and_si256(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX2 MFD_INLINE u256x u2_or(u256x a, u256x b)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_or_si256(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX2 MFD_INLINE u256x u2_xor(u256x a, u256x b)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_xor_si256(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX2 MFD_INLINE u256x u2_shl(u256x a, const int n)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_slli_epi64(a.v[h], n);
    return a;
}
static MFD_AVX2 MFD_INLINE u256x u2_shr(u256x a, const int n)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_srli_epi64(a.v[h], n);
    return a;
}
/* Low 32 bits of a times low 32 bits of b, the full 64-bit product. */
static MFD_AVX2 MFD_INLINE u256x u2_mul32(u256x a, u256x b)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_mul_epu32(a.v[h], b.v[h]);
    return a;
}
/* Lane by lane: odd's sign bit set ? b : a. */
static MFD_AVX2 MFD_INLINE f256x f2_pick(u256x odd, f256x a, f256x b)
{
    for (int h = 0; h < NV2; h++)
        a.v[h] = _mm256_blendv_pd(a.v[h], b.v[h], _mm256_castsi256_pd(odd.v[h]));
    return a;
}

/* Blocks b0 .. b0 + 4·NV2 − 1 of a row, 4 consecutive blocks per register. */
static MFD_AVX2 MFD_INLINE void philox_avx2(const gauss_row *r, uint64_t b0, u256x c[4])
{
    /* the block index mod 2^32 is the low half of b0 + lane */
    for (int h = 0; h < NV2; h++)
        c[0].v[h] =
            _mm256_add_epi64(_mm256_set1_epi64x((long long)(b0 + 4 * (uint64_t)h)), _mm256_set_epi64x(3, 2, 1, 0));
    c[1] = u2_k(r->c1);
    c[2] = u2_k(r->c2);
    c[3] = u2_k(r->c3);
    for (int i = 0; i < 10; i++) {
        u256x p0 = u2_mul32(c[0], u2_k(PHILOX_M4x32_0)), p1 = u2_mul32(c[2], u2_k(PHILOX_M4x32_1));
        c[0] = u2_xor(u2_xor(u2_shr(p1, 32), c[1]), u2_k(r->key[i][0]));
        c[2] = u2_xor(u2_xor(u2_shr(p0, 32), c[3]), u2_k(r->key[i][1]));
        c[1] = p1;
        c[3] = p0;
    }
}

static MFD_AVX2 MFD_INLINE f256x log_avx2(f256x u)
{
    u256x ix = u2_add(u2_of(u), u2_k(LOG_SHIFT));
    f256x dk = f2_sub(f2_of(u2_or(u2_k(BIG_BITS), u2_shr(ix, 52))), f2_k(EXP_SHIFT));
    f256x f = f2_sub(f2_of(u2_add(u2_and(ix, u2_k(MANT_BITS)), u2_k(LOG_BASE))), f2_k(1.0));
    f256x s = f2_div(f, f2_add(f2_k(2.0), f)), z = f2_mul(s, s), w = f2_mul(z, z);
    f256x t1 = f2_mul(w, f2_add(f2_k(LG2), f2_mul(w, f2_add(f2_k(LG4), f2_mul(w, f2_k(LG6))))));
    f256x t2 =
        f2_mul(z, f2_add(f2_k(LG1), f2_mul(w, f2_add(f2_k(LG3), f2_mul(w, f2_add(f2_k(LG5), f2_mul(w, f2_k(LG7))))))));
    f256x R = f2_add(t2, t1), hfsq = f2_mul(f2_mul(f2_k(0.5), f), f);
    f256x in = f2_add(f2_mul(s, f2_add(hfsq, R)), f2_mul(dk, f2_k(LN2_LO)));
    return f2_sub(f2_mul(dk, f2_k(LN2_HI)), f2_sub(f2_sub(hfsq, in), f));
}

/* transform_plain on every lane: the cosine and sine normals of each block. */
static MFD_AVX2 MFD_INLINE void transform_avx2(const u256x c[4], f256x *gc, f256x *gs)
{
    u256x lo = u2_k(LO32_BITS), mant = u2_k(MANT_BITS), one = u2_k(ONE_BITS), sign = u2_k(SIGN_BITS);
    u256x w1 = u2_or(u2_shl(c[0], 32), u2_and(c[1], lo)), w2 = u2_or(u2_shl(c[2], 32), u2_and(c[3], lo));
    f256x u = f2_sub(f2_of(u2_or(u2_and(w1, mant), one)), f2_k(U_SHIFT));
    f256x x = f2_mul(f2_sub(f2_of(u2_or(u2_and(w2, mant), one)), f2_k(1.5)), f2_k(PIO2));
    f256x rad = f2_sqrt(f2_mul(f2_k(-2.0), log_avx2(u)));
    f256x z = f2_mul(x, x), v = f2_mul(z, x);
    f256x ps = f2_add(f2_k(S5), f2_mul(z, f2_k(S6)));
    ps = f2_add(f2_k(S4), f2_mul(z, ps));
    ps = f2_add(f2_k(S3), f2_mul(z, ps));
    ps = f2_add(f2_k(S2), f2_mul(z, ps));
    ps = f2_add(f2_k(S1), f2_mul(z, ps));
    f256x sn = f2_add(x, f2_mul(v, ps)), zz = f2_mul(z, z);
    f256x r = f2_add(f2_mul(z, f2_add(f2_k(C1), f2_mul(z, f2_add(f2_k(C2), f2_mul(z, f2_k(C3)))))),
                     f2_mul(f2_mul(zz, zz), f2_add(f2_k(C4), f2_mul(z, f2_add(f2_k(C5), f2_mul(z, f2_k(C6)))))));
    f256x hz = f2_mul(f2_k(0.5), z), om = f2_sub(f2_k(1.0), hz);
    f256x cs = f2_add(om, f2_add(f2_sub(f2_sub(f2_k(1.0), om), hz), f2_mul(z, r)));
    /* q odd (bit 62 of w2, shifted to the sign bit) swaps; the signs are bits 63 and 62 ^ 63 */
    u256x w2s = u2_shl(w2, 1);
    f256x a = f2_pick(w2s, cs, sn), b = f2_pick(w2s, sn, cs);
    *gc = f2_mul(rad, f2_of(u2_xor(u2_of(a), u2_and(u2_xor(w2, w2s), sign))));
    *gs = f2_mul(rad, f2_of(u2_xor(u2_of(b), u2_and(w2, sign))));
}

/* Groups j .. j+1: register h of gc holds the cosines of blocks 8j + 4h ..
 * 8j + 4h + 3, which are entries 16j + 4h .. (h = 0, 1; h = 2, 3 continue
 * with group j + 1); gs the sines, 8 entries further. */
static MFD_AVX2 MFD_INLINE void batch_avx2(const gauss_row *r, uint64_t j, f256x *gc, f256x *gs)
{
    u256x c[4];
    philox_avx2(r, j * BLOCKS, c);
    transform_avx2(c, gc, gs);
}

/* The address of register h's cosines in a batch starting at entry e; its
 * sines are BLOCKS further. */
static size_t at_avx2(size_t e, int h)
{
    return e + GROUP * (size_t)(h / 2) + 4 * (size_t)(h % 2);
}

#define BATCH2 (GROUP * NV2 / 2) /* entries per AVX2 batch */

static MFD_AVX2 void fill_avx2(const gauss_row *r, size_t n, double scale, double *x)
{
    const __m256d sc = _mm256_set1_pd(scale);
    double t[BATCH2];
    for (size_t e = 0; e < n; e += BATCH2) {
        f256x gc, gs;
        batch_avx2(r, e / GROUP, &gc, &gs);
        double *d = n - e >= BATCH2 ? x + e : t;
        for (int h = 0; h < NV2; h++) {
            _mm256_storeu_pd(d + at_avx2(0, h), _mm256_mul_pd(sc, gc.v[h]));
            _mm256_storeu_pd(d + at_avx2(0, h) + BLOCKS, _mm256_mul_pd(sc, gs.v[h]));
        }
        if (d == t)
            memcpy(x + e, t, (n - e) * sizeof(double));
    }
}

static MFD_AVX2 double dot_avx2(const gauss_row *r, size_t n, const double *x)
{
    __m256d s[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    double t[BATCH2];
    for (size_t e = 0; e < n; e += BATCH2) {
        f256x gc, gs;
        batch_avx2(r, e / GROUP, &gc, &gs);
        const double *xs = x + e;
        if (n - e < BATCH2) {
            memset(t, 0, sizeof t);
            memcpy(t, x + e, (n - e) * sizeof(double));
            xs = t;
        }
        /* only the groups that hold entries below n: see dot_plain */
        for (int h = 0; h < NV2 && e + GROUP * (size_t)(h / 2) < n; h++) {
            s[h % 2] = _mm256_add_pd(s[h % 2], _mm256_mul_pd(gc.v[h], _mm256_loadu_pd(xs + at_avx2(0, h))));
            s[2 + h % 2] =
                _mm256_add_pd(s[2 + h % 2], _mm256_mul_pd(gs.v[h], _mm256_loadu_pd(xs + at_avx2(0, h) + BLOCKS)));
        }
    }
    double p[GROUP];
    for (int i = 0; i < 4; i++)
        _mm256_storeu_pd(p + 4 * i, s[i]);
    return join16(p);
}

static MFD_AVX2 void axpy_avx2(const gauss_row *r, size_t n, double alpha, double *z)
{
    const __m256d al = _mm256_set1_pd(alpha);
    double t[BATCH2];
    for (size_t e = 0; e < n; e += BATCH2) {
        f256x gc, gs;
        batch_avx2(r, e / GROUP, &gc, &gs);
        if (n - e >= BATCH2) {
            for (int h = 0; h < NV2; h++) {
                double *zc = z + at_avx2(e, h), *zs = zc + BLOCKS;
                _mm256_storeu_pd(zc, _mm256_add_pd(_mm256_loadu_pd(zc), _mm256_mul_pd(al, gc.v[h])));
                _mm256_storeu_pd(zs, _mm256_add_pd(_mm256_loadu_pd(zs), _mm256_mul_pd(al, gs.v[h])));
            }
        } else {
            for (int h = 0; h < NV2; h++) {
                _mm256_storeu_pd(t + at_avx2(0, h), _mm256_mul_pd(al, gc.v[h]));
                _mm256_storeu_pd(t + at_avx2(0, h) + BLOCKS, _mm256_mul_pd(al, gs.v[h]));
            }
            for (size_t i = 0; i < n - e; i++)
                z[e + i] = z[e + i] + t[i];
        }
    }
}

/* AVX-512: 4 registers of 8 blocks, 4 groups (64 entries) per batch.  Three-
 * input bit operations are one vpternlogq each. */
#define NV5 4
typedef struct f512x {
    __m512d v[NV5];
} f512x;
typedef struct u512x {
    __m512i v[NV5];
} u512x;

static MFD_AVX512 MFD_INLINE f512x f5_k(double c)
{
    f512x r;
    for (int h = 0; h < NV5; h++)
        r.v[h] = _mm512_set1_pd(c);
    return r;
}
static MFD_AVX512 MFD_INLINE u512x u5_k(uint64_t c)
{
    u512x r;
    for (int h = 0; h < NV5; h++)
        r.v[h] = _mm512_set1_epi64((long long)c);
    return r;
}
static MFD_AVX512 MFD_INLINE f512x f5_add(f512x a, f512x b)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_add_pd(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX512 MFD_INLINE f512x f5_sub(f512x a, f512x b)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_sub_pd(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX512 MFD_INLINE f512x f5_mul(f512x a, f512x b)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_mul_pd(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX512 MFD_INLINE f512x f5_div(f512x a, f512x b)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_div_pd(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX512 MFD_INLINE f512x f5_sqrt(f512x a)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_sqrt_pd(a.v[h]);
    return a;
}
static MFD_AVX512 MFD_INLINE f512x f5_of(u512x a)
{
    f512x r;
    for (int h = 0; h < NV5; h++)
        r.v[h] = _mm512_castsi512_pd(a.v[h]);
    return r;
}
static MFD_AVX512 MFD_INLINE u512x u5_of(f512x a)
{
    u512x r;
    for (int h = 0; h < NV5; h++)
        r.v[h] = _mm512_castpd_si512(a.v[h]);
    return r;
}
static MFD_AVX512 MFD_INLINE u512x u5_add(u512x a, u512x b)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_add_epi64(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX512 MFD_INLINE u512x u5_and(u512x a, u512x b)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_and_si512(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX512 MFD_INLINE u512x u5_or(u512x a, u512x b)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_or_si512(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX512 MFD_INLINE u512x u5_xor(u512x a, u512x b)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_xor_si512(a.v[h], b.v[h]);
    return a;
}
static MFD_AVX512 MFD_INLINE u512x u5_shl(u512x a, const int n)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_slli_epi64(a.v[h], (unsigned)n);
    return a;
}
static MFD_AVX512 MFD_INLINE u512x u5_shr(u512x a, const int n)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_srli_epi64(a.v[h], (unsigned)n);
    return a;
}
static MFD_AVX512 MFD_INLINE u512x u5_mul32(u512x a, u512x b)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_mul_epu32(a.v[h], b.v[h]);
    return a;
}
/* a ^ b ^ c */
static MFD_AVX512 MFD_INLINE u512x u5_xor3(u512x a, u512x b, u512x c)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_ternarylogic_epi64(a.v[h], b.v[h], c.v[h], 0x96);
    return a;
}
/* bit by bit, m ? b : a */
static MFD_AVX512 MFD_INLINE u512x u5_select(u512x a, u512x b, u512x m)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_ternarylogic_epi64(a.v[h], b.v[h], m.v[h], 0xD8);
    return a;
}
/* (a & b) | c */
static MFD_AVX512 MFD_INLINE u512x u5_andor(u512x a, u512x b, u512x c)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_ternarylogic_epi64(a.v[h], b.v[h], c.v[h], 0xEA);
    return a;
}
/* a ^ (b & c) */
static MFD_AVX512 MFD_INLINE u512x u5_xorand(u512x a, u512x b, u512x c)
{
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_ternarylogic_epi64(a.v[h], b.v[h], c.v[h], 0x78);
    return a;
}
/* Lane by lane: odd's sign bit set ? b : a. */
static MFD_AVX512 MFD_INLINE f512x f5_pick(u512x odd, f512x a, f512x b)
{
    const __m512i sign = _mm512_set1_epi64((long long)SIGN_BITS);
    for (int h = 0; h < NV5; h++)
        a.v[h] = _mm512_mask_blend_pd(_mm512_test_epi64_mask(odd.v[h], sign), a.v[h], b.v[h]);
    return a;
}

/* Blocks b0 .. b0 + 8·NV5 − 1 of a row, 8 consecutive blocks per register. */
static MFD_AVX512 MFD_INLINE void philox_avx512(const gauss_row *r, uint64_t b0, u512x c[4])
{
    for (int h = 0; h < NV5; h++)
        c[0].v[h] = _mm512_add_epi64(_mm512_set1_epi64((long long)(b0 + 8 * (uint64_t)h)),
                                     _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
    c[1] = u5_k(r->c1);
    c[2] = u5_k(r->c2);
    c[3] = u5_k(r->c3);
    for (int i = 0; i < 10; i++) {
        u512x p0 = u5_mul32(c[0], u5_k(PHILOX_M4x32_0)), p1 = u5_mul32(c[2], u5_k(PHILOX_M4x32_1));
        c[0] = u5_xor3(u5_shr(p1, 32), c[1], u5_k(r->key[i][0]));
        c[2] = u5_xor3(u5_shr(p0, 32), c[3], u5_k(r->key[i][1]));
        c[1] = p1;
        c[3] = p0;
    }
}

static MFD_AVX512 MFD_INLINE f512x log_avx512(f512x u)
{
    u512x ix = u5_add(u5_of(u), u5_k(LOG_SHIFT));
    f512x dk = f5_sub(f5_of(u5_or(u5_k(BIG_BITS), u5_shr(ix, 52))), f5_k(EXP_SHIFT));
    f512x f = f5_sub(f5_of(u5_add(u5_and(ix, u5_k(MANT_BITS)), u5_k(LOG_BASE))), f5_k(1.0));
    f512x s = f5_div(f, f5_add(f5_k(2.0), f)), z = f5_mul(s, s), w = f5_mul(z, z);
    f512x t1 = f5_mul(w, f5_add(f5_k(LG2), f5_mul(w, f5_add(f5_k(LG4), f5_mul(w, f5_k(LG6))))));
    f512x t2 =
        f5_mul(z, f5_add(f5_k(LG1), f5_mul(w, f5_add(f5_k(LG3), f5_mul(w, f5_add(f5_k(LG5), f5_mul(w, f5_k(LG7))))))));
    f512x R = f5_add(t2, t1), hfsq = f5_mul(f5_mul(f5_k(0.5), f), f);
    f512x in = f5_add(f5_mul(s, f5_add(hfsq, R)), f5_mul(dk, f5_k(LN2_LO)));
    return f5_sub(f5_mul(dk, f5_k(LN2_HI)), f5_sub(f5_sub(hfsq, in), f));
}

static MFD_AVX512 MFD_INLINE void transform_avx512(const u512x c[4], f512x *gc, f512x *gs)
{
    u512x lo = u5_k(LO32_BITS), mant = u5_k(MANT_BITS), one = u5_k(ONE_BITS), sign = u5_k(SIGN_BITS);
    u512x w1 = u5_select(u5_shl(c[0], 32), c[1], lo), w2 = u5_select(u5_shl(c[2], 32), c[3], lo);
    f512x u = f5_sub(f5_of(u5_andor(w1, mant, one)), f5_k(U_SHIFT));
    f512x x = f5_mul(f5_sub(f5_of(u5_andor(w2, mant, one)), f5_k(1.5)), f5_k(PIO2));
    f512x rad = f5_sqrt(f5_mul(f5_k(-2.0), log_avx512(u)));
    f512x z = f5_mul(x, x), v = f5_mul(z, x);
    f512x ps = f5_add(f5_k(S5), f5_mul(z, f5_k(S6)));
    ps = f5_add(f5_k(S4), f5_mul(z, ps));
    ps = f5_add(f5_k(S3), f5_mul(z, ps));
    ps = f5_add(f5_k(S2), f5_mul(z, ps));
    ps = f5_add(f5_k(S1), f5_mul(z, ps));
    f512x sn = f5_add(x, f5_mul(v, ps)), zz = f5_mul(z, z);
    f512x r = f5_add(f5_mul(z, f5_add(f5_k(C1), f5_mul(z, f5_add(f5_k(C2), f5_mul(z, f5_k(C3)))))),
                     f5_mul(f5_mul(zz, zz), f5_add(f5_k(C4), f5_mul(z, f5_add(f5_k(C5), f5_mul(z, f5_k(C6)))))));
    f512x hz = f5_mul(f5_k(0.5), z), om = f5_sub(f5_k(1.0), hz);
    f512x cs = f5_add(om, f5_add(f5_sub(f5_sub(f5_k(1.0), om), hz), f5_mul(z, r)));
    /* q odd (bit 62 of w2, shifted to the sign bit) swaps; the signs are bits 63 and 62 ^ 63 */
    u512x w2s = u5_shl(w2, 1);
    f512x a = f5_pick(w2s, cs, sn), b = f5_pick(w2s, sn, cs);
    *gc = f5_mul(rad, f5_of(u5_xorand(u5_of(a), u5_xor(w2, w2s), sign)));
    *gs = f5_mul(rad, f5_of(u5_xorand(u5_of(b), w2, sign)));
}

/* Groups j .. j+3: register h holds the cosines (gc) and the sines (gs) of
 * group j + h, entries 16(j + h) .. + 7 and 16(j + h) + 8 .. + 15. */
static MFD_AVX512 MFD_INLINE void batch_avx512(const gauss_row *r, uint64_t j, f512x *gc, f512x *gs)
{
    u512x c[4];
    philox_avx512(r, j * BLOCKS, c);
    transform_avx512(c, gc, gs);
}

#define BATCH5 (GROUP * NV5) /* entries per AVX-512 batch */

static MFD_AVX512 void fill_avx512(const gauss_row *r, size_t n, double scale, double *x)
{
    const __m512d sc = _mm512_set1_pd(scale);
    double t[BATCH5];
    for (size_t e = 0; e < n; e += BATCH5) {
        f512x gc, gs;
        batch_avx512(r, e / GROUP, &gc, &gs);
        double *d = n - e >= BATCH5 ? x + e : t;
        for (int h = 0; h < NV5; h++) {
            _mm512_storeu_pd(d + GROUP * h, _mm512_mul_pd(sc, gc.v[h]));
            _mm512_storeu_pd(d + GROUP * h + BLOCKS, _mm512_mul_pd(sc, gs.v[h]));
        }
        if (d == t)
            memcpy(x + e, t, (n - e) * sizeof(double));
    }
}

static MFD_AVX512 double dot_avx512(const gauss_row *r, size_t n, const double *x)
{
    __m512d sc = _mm512_setzero_pd(), ss = _mm512_setzero_pd();
    double t[BATCH5];
    for (size_t e = 0; e < n; e += BATCH5) {
        f512x gc, gs;
        batch_avx512(r, e / GROUP, &gc, &gs);
        const double *xs = x + e;
        if (n - e < BATCH5) {
            memset(t, 0, sizeof t);
            memcpy(t, x + e, (n - e) * sizeof(double));
            xs = t;
        }
        /* only the groups that hold entries below n: see dot_plain */
        for (int h = 0; h < NV5 && e + GROUP * (size_t)h < n; h++) {
            sc = _mm512_add_pd(sc, _mm512_mul_pd(gc.v[h], _mm512_loadu_pd(xs + GROUP * h)));
            ss = _mm512_add_pd(ss, _mm512_mul_pd(gs.v[h], _mm512_loadu_pd(xs + GROUP * h + BLOCKS)));
        }
    }
    double p[GROUP];
    _mm512_storeu_pd(p, sc);
    _mm512_storeu_pd(p + BLOCKS, ss);
    return join16(p);
}

static MFD_AVX512 void axpy_avx512(const gauss_row *r, size_t n, double alpha, double *z)
{
    const __m512d al = _mm512_set1_pd(alpha);
    double t[BATCH5];
    for (size_t e = 0; e < n; e += BATCH5) {
        f512x gc, gs;
        batch_avx512(r, e / GROUP, &gc, &gs);
        if (n - e >= BATCH5) {
            for (int h = 0; h < NV5; h++) {
                double *zc = z + e + GROUP * h, *zs = zc + BLOCKS;
                _mm512_storeu_pd(zc, _mm512_add_pd(_mm512_loadu_pd(zc), _mm512_mul_pd(al, gc.v[h])));
                _mm512_storeu_pd(zs, _mm512_add_pd(_mm512_loadu_pd(zs), _mm512_mul_pd(al, gs.v[h])));
            }
        } else {
            for (int h = 0; h < NV5; h++) {
                _mm512_storeu_pd(t + GROUP * h, _mm512_mul_pd(al, gc.v[h]));
                _mm512_storeu_pd(t + GROUP * h + BLOCKS, _mm512_mul_pd(al, gs.v[h]));
            }
            for (size_t i = 0; i < n - e; i++)
                z[e + i] = z[e + i] + t[i];
        }
    }
}

/* mfd_gauss_transform's vector halves: the given words laid out in lanes,
 * block i in lane i (zero-padded to whole registers). */
static MFD_AVX2 void transform_blocks_avx2(const uint32_t *w, size_t nblocks, double *g)
{
    const size_t per = 4 * NV2;
    for (size_t i0 = 0; i0 < nblocks; i0 += per) {
        long long words[4][4 * NV2] = {{0}};
        double gcs[2][4 * NV2];
        for (size_t i = i0; i < i0 + per && i < nblocks; i++)
            for (int k = 0; k < 4; k++)
                words[k][i - i0] = w[4 * i + (size_t)k];
        u256x c[4];
        for (int k = 0; k < 4; k++)
            for (int h = 0; h < NV2; h++)
                c[k].v[h] = _mm256_loadu_si256((const __m256i *)&words[k][4 * h]);
        f256x gc, gs;
        transform_avx2(c, &gc, &gs);
        for (int h = 0; h < NV2; h++) {
            _mm256_storeu_pd(&gcs[0][4 * h], gc.v[h]);
            _mm256_storeu_pd(&gcs[1][4 * h], gs.v[h]);
        }
        for (size_t i = i0; i < i0 + per && i < nblocks; i++) {
            g[2 * i] = gcs[0][i - i0];
            g[2 * i + 1] = gcs[1][i - i0];
        }
    }
}

static MFD_AVX512 void transform_blocks_avx512(const uint32_t *w, size_t nblocks, double *g)
{
    const size_t per = 8 * NV5;
    for (size_t i0 = 0; i0 < nblocks; i0 += per) {
        long long words[4][8 * NV5] = {{0}};
        double gcs[2][8 * NV5];
        for (size_t i = i0; i < i0 + per && i < nblocks; i++)
            for (int k = 0; k < 4; k++)
                words[k][i - i0] = w[4 * i + (size_t)k];
        u512x c[4];
        for (int k = 0; k < 4; k++)
            for (int h = 0; h < NV5; h++)
                c[k].v[h] = _mm512_loadu_si512(&words[k][8 * h]);
        f512x gc, gs;
        transform_avx512(c, &gc, &gs);
        for (int h = 0; h < NV5; h++) {
            _mm512_storeu_pd(&gcs[0][8 * h], gc.v[h]);
            _mm512_storeu_pd(&gcs[1][8 * h], gs.v[h]);
        }
        for (size_t i = i0; i < i0 + per && i < nblocks; i++) {
            g[2 * i] = gcs[0][i - i0];
            g[2 * i + 1] = gcs[1][i - i0];
        }
    }
}
#endif

/* ---- the path ------------------------------------------------------------- */

typedef enum gauss_path { PATH_PLAIN, PATH_AVX2, PATH_AVX512 } gauss_path;

static const char *const path_names[] = {"plain", "avx2", "avx512"};

/* The best path this CPU runs; asked once, the answer never changes. */
static gauss_path best_path(void)
{
#ifdef MFD_GAUSS_X86
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512f") ? PATH_AVX512
                 : __builtin_cpu_supports("avx2")  ? PATH_AVX2
                                                   : PATH_PLAIN;
    }
    return (gauss_path)cached;
#else
    return PATH_PLAIN;
#endif
}

/* Set once by mfd_gauss_set_path before any draw, then only read; -1: auto. */
static int forced = -1;

static gauss_path current_path(void)
{
    return forced >= 0 ? (gauss_path)forced : best_path();
}

mfd_status mfd_gauss_set_path(const char *name)
{
    if (strcmp(name, "auto") == 0) {
        forced = -1;
        return MFD_OK;
    }
    for (int p = PATH_PLAIN; p <= PATH_AVX512; p++)
        if (strcmp(name, path_names[p]) == 0) {
            if (p > (int)best_path())
                return MFD_EUNSUPPORTED;
            forced = p;
            return MFD_OK;
        }
    return MFD_EINVAL;
}

const char *mfd_gauss_path(void)
{
    return path_names[current_path()];
}

void mfd_gauss_fill(uint64_t seed, uint32_t stream, uint64_t row, size_t n, double scale, double *x)
{
    gauss_row r = row_init(seed, stream, row);
    switch (current_path()) {
#ifdef MFD_GAUSS_X86
    case PATH_AVX512: fill_avx512(&r, n, scale, x); return;
    case PATH_AVX2: fill_avx2(&r, n, scale, x); return;
#endif
    default: fill_plain(&r, n, scale, x); return;
    }
}

double mfd_gauss_dot(uint64_t seed, uint32_t stream, uint64_t row, size_t n, const double *x)
{
    gauss_row r = row_init(seed, stream, row);
    switch (current_path()) {
#ifdef MFD_GAUSS_X86
    case PATH_AVX512: return dot_avx512(&r, n, x);
    case PATH_AVX2: return dot_avx2(&r, n, x);
#endif
    default: return dot_plain(&r, n, x);
    }
}

void mfd_gauss_axpy(uint64_t seed, uint32_t stream, uint64_t row, size_t n, double alpha, double *z)
{
    gauss_row r = row_init(seed, stream, row);
    switch (current_path()) {
#ifdef MFD_GAUSS_X86
    case PATH_AVX512: axpy_avx512(&r, n, alpha, z); return;
    case PATH_AVX2: axpy_avx2(&r, n, alpha, z); return;
#endif
    default: axpy_plain(&r, n, alpha, z); return;
    }
}

void mfd_gauss_transform(const uint32_t *w, size_t nblocks, double *g)
{
    switch (current_path()) {
#ifdef MFD_GAUSS_X86
    case PATH_AVX512: transform_blocks_avx512(w, nblocks, g); return;
    case PATH_AVX2: transform_blocks_avx2(w, nblocks, g); return;
#endif
    default: transform_blocks_plain(w, nblocks, g); return;
    }
}
