/* mfd_gauss_avx2.c — the Gaussian generator's AVX2 path (mfd_gauss.c has the
 * definition of the entries and why the paths look as they do). */
#include "mfd_gauss_impl.h"

#ifdef MFD_SIMD_X86
#include <string.h>

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

MFD_AVX2 void mfd_gauss_fill_avx2(const gauss_row *r, size_t n, double scale, double *x)
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

MFD_AVX2 double mfd_gauss_dot_avx2(const gauss_row *r, size_t n, const double *x)
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
    return mfd_gauss_join16(p);
}

MFD_AVX2 void mfd_gauss_axpy_avx2(const gauss_row *r, size_t n, double alpha, double *z)
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


/* mfd_gauss_transform's vector halves: the given words laid out in lanes,
 * block i in lane i (zero-padded to whole registers). */
MFD_AVX2 void mfd_gauss_transform_avx2(const uint32_t *w, size_t nblocks, double *g)
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
#endif
