/* mfd_gauss_avx512.c — the Gaussian generator's AVX-512 path (mfd_gauss.c has the
 * definition of the entries and why the paths look as they do). */
#include "mfd_gauss_impl.h"

#ifdef MFD_SIMD_X86
#include <string.h>

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

MFD_AVX512 void mfd_gauss_fill_avx512(const gauss_row *r, size_t n, double scale, double *x)
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

MFD_AVX512 double mfd_gauss_dot_avx512(const gauss_row *r, size_t n, const double *x)
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
    return mfd_gauss_join16(p);
}

MFD_AVX512 void mfd_gauss_axpy_avx512(const gauss_row *r, size_t n, double alpha, double *z)
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



MFD_AVX512 void mfd_gauss_transform_avx512(const uint32_t *w, size_t nblocks, double *g)
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
