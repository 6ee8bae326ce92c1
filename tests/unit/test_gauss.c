/* mfd_gauss: the documented counter layout and transform, the same bits on
 * every path (plain C, AVX2, AVX-512: each forced in turn), the transform at
 * its edges, and the draws' distribution (10^7 of them). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

#include "mfd_gauss.h"
#include "mfd_rng.h"
#include "testhelp.h"

static const char *const paths[] = {"plain", "avx2", "avx512"};

/* Largest |g|: u ≥ 2^-53 gives √(−2 ln 2^-53) = √(106 ln 2). */
#define G_MAX 8.5717

static uint64_t next(uint64_t *s)
{
    *s = mfd_rng_mix(*s, 1);
    return *s;
}

/* The sums of mfd_gauss_dot written out from the entries. */
static double dot_from_entries(const double *g, const double *x, size_t n)
{
    double s[16] = {0}, t[8];
    for (size_t e = 0; e < (n + 15) / 16 * 16; e++)
        s[e % 16] = s[e % 16] + g[e] * (e < n ? x[e] : 0.0);
    for (int i = 0; i < 8; i++)
        t[i] = s[i] + s[i + 8];
    for (int i = 0; i < 4; i++)
        t[i] = t[i] + t[i + 4];
    for (int i = 0; i < 2; i++)
        t[i] = t[i] + t[i + 2];
    return t[0] + t[1];
}

/* Standard normal CDF. */
static double phi(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    CHECK("an unknown path is refused", mfd_gauss_set_path("avx9") == MFD_EINVAL);
    CHECK("auto picks a path", mfd_gauss_set_path("auto") == MFD_OK && mfd_gauss_path() != NULL);
    const char *best = mfd_gauss_path();
    int npaths = 0;
    for (int p = 0; p < 3; p++) {
        mfd_status st = mfd_gauss_set_path(paths[p]);
        if (st == MFD_OK) {
            npaths = p + 1;
            CHECK(paths[p], strcmp(mfd_gauss_path(), paths[p]) == 0);
        } else {
            CHECK("a path this CPU lacks is refused, and the paths above it too", st == MFD_EUNSUPPORTED);
        }
    }
    CHECK("auto is the best path this CPU has", strcmp(best, paths[npaths - 1]) == 0);
    printf("paths on this CPU: %d (auto: %s)\n", npaths, best);

    /* The definition in mfd_gauss.h: entry e from block 8⌊e/16⌋ + e mod 8,
     * the cosine half for e mod 16 < 8, counter (b, row lo, row hi, stream),
     * key (seed lo, seed hi). */
    {
        mfd_gauss_set_path("plain");
        uint64_t seed = 0x0123456789abcdefULL, row = 0xfedcba9876ULL;
        uint32_t stream = 3;
        size_t n = 77;
        double g[77], h[2];
        mfd_gauss_fill(seed, stream, row, n, 1.0, g);
        int same = 1;
        for (size_t e = 0; e < n; e++) {
            uint32_t b = (uint32_t)(8 * (e / 16) + e % 8);
            philox4x32_ctr_t c = {{b, (uint32_t)row, (uint32_t)(row >> 32), stream}};
            philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
            philox4x32_ctr_t o = philox4x32_R(10, c, k);
            mfd_gauss_transform(o.v, 1, h);
            same &= memcmp(&g[e], &h[e % 16 < 8 ? 0 : 1], sizeof(double)) == 0;
        }
        CHECK("entry e is the documented half of the documented Philox block", same);
    }

    /* The transform against Box-Muller in long double on 10^6 random blocks:
     * within 4 u of the radius (fdlibm's kernels: under 1 ulp each). */
    {
        mfd_gauss_set_path("plain");
        size_t nb = 1000000;
        uint32_t *w = malloc(4 * nb * sizeof(uint32_t));
        double *g = malloc(2 * nb * sizeof(double));
        uint64_t s = 1;
        for (size_t i = 0; i < 4 * nb; i++)
            w[i] = (uint32_t)next(&s);
        mfd_gauss_transform(w, nb, g);
        long double worst = 0;
        for (size_t i = 0; i < nb; i++) {
            uint64_t w1 = (uint64_t)w[4 * i] << 32 | w[4 * i + 1], w2 = (uint64_t)w[4 * i + 2] << 32 | w[4 * i + 3];
            long double u = ((long double)(w1 & 0xFFFFFFFFFFFFFULL) + 0.5L) / 4503599627370496.0L;
            long double t = (long double)(w2 & 0xFFFFFFFFFFFFFULL) / 4503599627370496.0L - 0.5L;
            long double th = 1.57079632679489661923132169163975144L * ((long double)(w2 >> 62) + t);
            long double rad = sqrtl(-2.0L * logl(u));
            long double e1 = fabsl(rad * cosl(th) - g[2 * i]), e2 = fabsl(rad * sinl(th) - g[2 * i + 1]);
            worst = fmaxl(worst, fmaxl(e1, e2) / (rad * (long double)TH_U));
        }
        /* a long double as short as a double (some platforms) adds its own rounding */
        CHECK_LE("transform = Box-Muller of (u, θ) to 4 u of the radius", (double)worst,
                 LDBL_MANT_DIG > 53 ? 4.0 : 8.0);
        free(w);
        free(g);
    }

    /* The transform at its edges, on every path: u at its smallest (x0 mod
     * 2^20 = x1 = 0: u = 2^-53, the largest radius) and largest (1 − 2^-53),
     * θ at the four quadrant boundaries and inside each quadrant. */
    {
        const uint32_t ux[][2] = {
            {0, 0}, {0xFFF00000u, 0}, {0xFFFFFu, 0xFFFFFFFFu}, {0xFFFFFFFFu, 0xFFFFFFFFu}, {0x80000u, 0}, {1, 1}};
        const uint32_t tx[][2] = {
            {0, 0},           {0x3FFFFFFFu, 0xFFFFFFFFu}, {0x40000000u, 0},           {0x7FFFFFFFu, 0xFFFFFFFFu},
            {0x80000000u, 0}, {0xC0000000u, 0},           {0xFFFFFFFFu, 0xFFFFFFFFu}, {0x00080000u, 0},
            {0x40080000u, 0}, {0x80080000u, 0},           {0xC0080000u, 0},           {0x000FFFFFu, 0x12345678u}};
        size_t nu = sizeof ux / sizeof ux[0], nt = sizeof tx / sizeof tx[0], nb = nu * nt;
        uint32_t w[4 * 6 * 12];
        double g[3][2 * 6 * 12];
        for (size_t i = 0; i < nu; i++)
            for (size_t j = 0; j < nt; j++) {
                uint32_t *b = w + 4 * (i * nt + j);
                b[0] = ux[i][0];
                b[1] = ux[i][1];
                b[2] = tx[j][0];
                b[3] = tx[j][1];
            }
        for (int p = 0; p < npaths; p++) {
            mfd_gauss_set_path(paths[p]);
            mfd_gauss_transform(w, nb, g[p]);
        }
        int finite = 1;
        double big = 0;
        for (size_t i = 0; i < 2 * nb; i++) {
            finite &= isfinite(g[0][i]);
            big = fmax(big, fabs(g[0][i]));
        }
        CHECK("edge words: every normal finite", finite);
        CHECK_CLOSE("u = 2^-53 gives the largest radius √(106 ln 2)", big, sqrt(106.0 * log(2.0)), 1e-14);
        /* θ = 0 (q = 0, t = 0 needs x2 = 0x00080000: t = 2^-1 − ½): cos = radius, sin = 0 */
        CHECK("θ = 0: the sine half is zero", g[0][2 * (0 * nt + 7) + 1] == 0.0);
        CHECK_CLOSE("θ = 0: the cosine half is the radius", g[0][2 * (0 * nt + 7)], sqrt(106.0 * log(2.0)), 1e-14);
        CHECK_CLOSE("θ = π: the cosine half is minus the radius", g[0][2 * (0 * nt + 9)], -sqrt(106.0 * log(2.0)),
                    1e-14);
        CHECK_CLOSE("θ = π/2: the sine half is the radius", g[0][2 * (0 * nt + 8) + 1], sqrt(106.0 * log(2.0)), 1e-14);
        CHECK_CLOSE("θ = 3π/2: the sine half is minus the radius", g[0][2 * (0 * nt + 10) + 1], -sqrt(106.0 * log(2.0)),
                    1e-14);
        CHECK_LE("u = 1 − 2^-53 gives a radius of about 1.5e-8", fabs(g[0][2 * (3 * nt + 7)]), 1.6e-8);
        for (int p = 1; p < npaths; p++)
            CHECK(p == 1 ? "edge words: avx2 = plain, bit for bit" : "edge words: avx512 = plain, bit for bit",
                  memcmp(g[0], g[p], 2 * nb * sizeof(double)) == 0);
    }

    /* Every path gives the same bits: 4·10^5 random blocks through the
     * transform, and rows of many lengths (whole batches, partial groups,
     * rows shorter than a group), rows past 2^32 and streams, through fill,
     * dot and axpy. */
    {
        size_t nb = 400000;
        uint32_t *w = malloc(4 * nb * sizeof(uint32_t));
        double *g[3];
        uint64_t s = 7;
        for (size_t i = 0; i < 4 * nb; i++)
            w[i] = (uint32_t)next(&s);
        for (int p = 0; p < npaths; p++) {
            g[p] = malloc(2 * nb * sizeof(double));
            mfd_gauss_set_path(paths[p]);
            mfd_gauss_transform(w, nb, g[p]);
        }
        for (int p = 1; p < npaths; p++)
            CHECK(p == 1 ? "random words: avx2 = plain, bit for bit" : "random words: avx512 = plain, bit for bit",
                  memcmp(g[0], g[p], 2 * nb * sizeof(double)) == 0);
        for (int p = 0; p < npaths; p++)
            free(g[p]);
        free(w);

        const size_t lens[] = {1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 1000, 40000, 100003};
        const uint64_t rows[] = {0, 1, 17, 0xFFFFFFFFULL, 0x100000000ULL, 0x123456789abcULL};
        size_t nmax = 100003, compared = 0;
        double *x = malloc(nmax * sizeof(double)), *f[3], *z[3], d[3];
        for (size_t i = 0; i < nmax; i++)
            x[i] = sin(0.37 * (double)i) - 0.1;
        for (int p = 0; p < 3; p++) {
            f[p] = malloc(nmax * sizeof(double));
            z[p] = malloc(nmax * sizeof(double));
        }
        int fill_eq = 1, dot_eq = 1, axpy_eq = 1, dot_def = 1, axpy_def = 1;
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
            for (size_t ri = 0; ri < sizeof rows / sizeof rows[0]; ri++) {
                size_t n = lens[li];
                uint64_t seed = 1000 + li, row = rows[ri];
                uint32_t stream = (uint32_t)(ri % 2 ? MFD_STREAM_OPERATOR : MFD_STREAM_NOISE);
                for (int p = 0; p < npaths; p++) {
                    mfd_gauss_set_path(paths[p]);
                    mfd_gauss_fill(seed, stream, row, n, 0.3, f[p]);
                    d[p] = mfd_gauss_dot(seed, stream, row, n, x);
                    memcpy(z[p], x, n * sizeof(double));
                    mfd_gauss_axpy(seed, stream, row, n, -1.7, z[p]);
                    fill_eq &= memcmp(f[0], f[p], n * sizeof(double)) == 0;
                    dot_eq &= memcmp(&d[0], &d[p], sizeof(double)) == 0;
                    axpy_eq &= memcmp(z[0], z[p], n * sizeof(double)) == 0;
                }
                /* dot and axpy against the entries (scale 1, the padded length) */
                mfd_gauss_set_path("plain");
                double *one = malloc((n + 16) * sizeof(double));
                mfd_gauss_fill(seed, stream, row, (n + 15) / 16 * 16, 1.0, one);
                double want = dot_from_entries(one, x, n);
                dot_def &= memcmp(&want, &d[0], sizeof want) == 0;
                for (size_t e = 0; e < n; e++)
                    axpy_def &= z[0][e] == x[e] + -1.7 * one[e];
                free(one);
                compared += n;
            }
        printf("%zu entries per path compared\n", compared);
        CHECK("fill: every path gives the same bits", fill_eq);
        CHECK("dot: every path gives the same bits", dot_eq);
        CHECK("axpy: every path gives the same bits", axpy_eq);
        CHECK("dot sums the entries in the documented order", dot_def);
        CHECK("axpy adds alpha·g_e to each entry", axpy_def);
        for (int p = 0; p < 3; p++) {
            free(f[p]);
            free(z[p]);
        }
        free(x);
    }

    /* The distribution, from 10^7 draws (100 rows of 10^5, the best path):
     * mean (sd 1/√n), variance (sd √(2/n)), 4th moment (sd √(96/n)), 5 sd
     * each; χ² over 1000 bins of equal probability (999 degrees of freedom:
     * mean 999, sd 44.7; 5 sd); the tails beyond 3, 4, 5 against their
     * Poisson counts (5 sd); no value beyond √(106 ln 2), none non-finite;
     * and Kolmogorov-Smirnov on the first 10^6: √n D below 2.6
     * (P(√n D > 2.6) ≈ 2 exp(−2·2.6²) = 3e-6 under N(0, 1)). */
    {
        mfd_gauss_set_path("auto");
        size_t rows = 100, len = 100000, nbin = 1000;
        double nn = (double)(rows * len), s1 = 0, s2 = 0, s4 = 0, big = 0;
        double *g = malloc(len * sizeof(double));
        size_t *bins = calloc(nbin, sizeof(size_t)), tail[3] = {0, 0, 0}, bad = 0;
        size_t nks = 1000000;
        double *ks = malloc(nks * sizeof(double));
        for (size_t k = 0; k < rows; k++) {
            mfd_gauss_fill(2024, MFD_STREAM_OPERATOR, k, len, 1.0, g);
            if ((k + 1) * len <= nks)
                memcpy(ks + k * len, g, len * sizeof(double));
            for (size_t i = 0; i < len; i++) {
                double v = g[i];
                if (!isfinite(v)) {
                    bad++;
                    continue;
                }
                s1 += v;
                s2 += v * v;
                s4 += v * v * v * v;
                big = fmax(big, fabs(v));
                size_t b = (size_t)(phi(v) * (double)nbin);
                bins[b < nbin ? b : nbin - 1]++;
                for (int t = 0; t < 3; t++)
                    tail[t] += fabs(v) > 3.0 + t;
            }
        }
        CHECK("10^7 draws: none NaN or infinite", bad == 0);
        CHECK_CLOSE("mean is 0", s1 / nn, 0.0, 5.0 / sqrt(nn));
        CHECK_CLOSE("variance is 1", s2 / nn, 1.0, 5.0 * sqrt(2.0 / nn));
        CHECK_CLOSE("fourth moment is 3", s4 / nn, 3.0, 5.0 * sqrt(96.0 / nn));
        double chi2 = 0, expect = nn / (double)nbin;
        for (size_t b = 0; b < nbin; b++)
            chi2 += ((double)bins[b] - expect) * ((double)bins[b] - expect) / expect;
        CHECK_CLOSE("chi-square over 1000 equiprobable bins", chi2, 999.0, 5.0 * sqrt(2.0 * 999.0));
        for (int t = 0; t < 3; t++) {
            double p = erfc((3.0 + t) / sqrt(2.0)), mu = p * nn;
            char name[64];
            snprintf(name, sizeof name, "draws beyond |%d|: the normal tail's count", 3 + t);
            CHECK_CLOSE(name, (double)tail[t], mu, 5.0 * sqrt(mu) + 1.0);
        }
        CHECK_LE("no draw beyond sqrt(106 ln 2)", big, G_MAX);
        qsort(ks, nks, sizeof(double), cmp_double);
        double D = 0;
        for (size_t i = 0; i < nks; i++) {
            double F = phi(ks[i]);
            D = fmax(D, fmax(F - (double)i / (double)nks, (double)(i + 1) / (double)nks - F));
        }
        CHECK_LE("Kolmogorov-Smirnov against N(0, 1), 10^6 draws: sqrt(n) D", sqrt((double)nks) * D, 2.6);
        free(ks);
        free(g);
        free(bins);
    }
    mfd_gauss_set_path("auto");
    TEST_REPORT();
}
