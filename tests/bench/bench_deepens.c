/* Speed of a small deep run-step (N = 4, a = 1: the full step, 21 products
 * of d x d), stepped alone (mfd_deep_eval + mfd_deep_update) and in a
 * lock-step ensemble (mfd_deepens_eval + mfd_deepens_update, divided by the
 * lanes), side by side in one run, for real d = 2, real d = 4 and complex
 * d = 4; beside them the arithmetic floor: the step's multiply-adds at the
 * FMA rate of the ensemble's SIMD width, measured in the same run.  Prints
 * CSV: field,d,lanes,width,single_ns,ensemble_ns,floor_ns,fmas.
 * Benchmark code lives outside the library (it is not a test). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mfd_deep.h"
#include "mfd_deepens.h"
#include "mfd_deepinit.h"
#include "mfd_random.h"
#include "mfd_rng.h"
#include "mfd_small.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define BENCH_X86 1
#endif

#include "bench_time.h"

/* K independent FMA chains of n rounds: K n vector FMAs.  K fits the
 * register file with x and y (12 of AVX2's 16 registers, 16 of AVX-512's
 * 32): 16 chains of AVX2 spill, and on a CPU with two 256-bit FMA pipes
 * their rate came out at 4.1 vectors a ns against 7.2 with 12, a floor
 * 1.8 times too high. */
#define FMA_BODY(V, SET1, FMA, STORE, K)                                   \
    V acc[K], x = SET1(0.999999), y = SET1(1e-9);                         \
    for (int k = 0; k < K; k++)                                           \
        acc[k] = SET1((double)k);                                          \
    for (long i = 0; i < n; i++)                                          \
        for (int k = 0; k < K; k++)                                       \
            acc[k] = FMA(acc[k], x, y);                                    \
    for (int k = 1; k < K; k++)                                           \
        acc[0] = acc[0] + acc[k];                                          \
    STORE(sink, acc[0]);

#define FMA_CHAINS_AVX2 12
#define FMA_CHAINS_AVX512 16

__attribute__((noinline, noipa)) static double fma_plain(long n)
{
    double acc[16], s = 0;
    for (int k = 0; k < 16; k++)
        acc[k] = k;
    for (long i = 0; i < n; i++)
        for (int k = 0; k < 16; k++)
            acc[k] = fma(acc[k], 0.999999, 1e-9);
    for (int k = 0; k < 16; k++)
        s += acc[k];
    return s;
}

#ifdef BENCH_X86
__attribute__((target("avx2,fma"), noinline, noipa)) static double fma_avx2(long n)
{
    double sink[4];
    FMA_BODY(__m256d, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd, FMA_CHAINS_AVX2)
    return sink[0];
}

__attribute__((target("avx512f"), noinline, noipa)) static double fma_avx512(long n)
{
    double sink[8];
    FMA_BODY(__m512d, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd, FMA_CHAINS_AVX512)
    return sink[0];
}
#endif

/* Lane multiply-adds per second at SIMD width w (1, 4 or 8). */
static double fma_rate(int w)
{
    const long n = 1 << 16;
    volatile double keep = 0;
    double t;
#ifdef BENCH_X86
    int chains = 16; /* fma_plain's */
    if (w == 8) {
        MEDIAN_TIME(t, keep += fma_avx512(n));
        chains = FMA_CHAINS_AVX512;
    } else if (w == 4) {
        MEDIAN_TIME(t, keep += fma_avx2(n));
        chains = FMA_CHAINS_AVX2;
    } else
#endif
        MEDIAN_TIME(t, keep += fma_plain(n));
    (void)keep;
    return chains * (double)n * (double)w / t;
}

int main(int argc, char **argv)
{
    size_t lanes = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 0; /* 0: the default */
    const char *path = getenv("MFD_SMALL_KERNELS"); /* as the programs read it */
    if (path && *path && mfd_small_set_path(path) != MFD_OK) {
        fprintf(stderr, "bench_deepens: MFD_SMALL_KERNELS '%s': expected auto, avx2 or plain\n", path);
        return 2;
    }
    const int N = 4;
    const struct {
        mfd_field f;
        size_t d;
    } cases[] = {{MFD_REAL, 2}, {MFD_REAL, 4}, {MFD_COMPLEX, 4}};
    int width = mfd_small_simd_width();
    double rate = fma_rate(width);
    printf("field,d,lanes,width,single_ns,ensemble_ns,floor_ns,fmas\n");
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        mfd_field f = cases[c].f;
        size_t d = cases[c].d, dims[5] = {d, d, d, d, d};
        mfd_rng r;
        mfd_rng_init(&r, 1, 1);
        mfd_deep *m;
        if (mfd_deep_alloc(f, N, dims, &m) != MFD_OK)
            return 1;
        m->a = 1.0;
        mfd_random_gaussian(&r, m->target, 1.0);
        mfd_deepinit_gaussian(m, &r, 1.0 / sqrt((double)d));
        mfd_deepens_shape s = mfd_deepens_shape_of(m);
        mfd_deepens *e;
        if (mfd_deepens_alloc(&s, lanes, &e) != MFD_OK)
            return 1;
        for (size_t l = 0; l < e->lanes; l++) {
            mfd_deepinit_gaussian(m, &r, 1.0 / sqrt((double)d));
            mfd_deepens_set(e, l, m, 1e-12);
        }
        double ts, te;
        /* a tiny step keeps the iterates bounded however long we time */
        MEDIAN_TIME(ts, {
            mfd_deep_eval(m);
            mfd_deep_update(m, 1e-12);
        });
        MEDIAN_TIME(te, {
            mfd_deepens_eval(e);
            mfd_deepens_update(e);
        });
        /* 21 products of d^3 multiply-adds (4 real ones per complex one) */
        double fmas = 21.0 * (f == MFD_COMPLEX ? 4.0 : 1.0) * (double)(d * d * d);
        printf("%s,%zu,%zu,%d,%.4g,%.4g,%.4g,%.0f\n", mfd_field_name(f), d, e->lanes, width, ts * 1e9,
               te / (double)e->lanes * 1e9, fmas / rate * 1e9, fmas);
        fflush(stdout);
        mfd_deepens_free(e);
        mfd_deep_free(m);
    }
    return 0;
}
