/* mfd_rng: reproducibility, stream independence, random access, moments. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mfd_rng.h"
#include "testhelp.h"

int main(void)
{
    mfd_rng a, b;
    double x[1000], y[1000];

    mfd_rng_init(&a, 42, MFD_STREAM_INIT);
    mfd_rng_fill_gaussian(&a, x, 1000, 1.0);
    mfd_rng_init(&b, 42, MFD_STREAM_INIT);
    mfd_rng_fill_gaussian(&b, y, 1000, 1.0);
    CHECK("the same (seed, stream) gives the same bits", memcmp(x, y, sizeof x) == 0);

    mfd_rng_init(&b, 42, MFD_STREAM_TARGET);
    mfd_rng_fill_gaussian(&b, y, 1000, 1.0);
    int same = 0;
    for (int i = 0; i < 1000; i++)
        same += x[i] == y[i];
    CHECK("different streams of one seed differ", same == 0);

    mfd_rng_init(&b, 43, MFD_STREAM_INIT);
    mfd_rng_fill_gaussian(&b, y, 1000, 1.0);
    same = 0;
    for (int i = 0; i < 1000; i++)
        same += x[i] == y[i];
    CHECK("different seeds differ", same == 0);

    /* Drawing elsewhere does not perturb a stream: a fresh generator of the
     * same key reproduces x whatever another generator did in between. */
    mfd_rng_init(&b, 42, MFD_STREAM_TARGET);
    mfd_rng_fill_gaussian(&b, y, 77, 1.0);
    mfd_rng_init(&a, 42, MFD_STREAM_INIT);
    mfd_rng_fill_gaussian(&a, y, 1000, 1.0);
    CHECK("streams do not interfere", memcmp(x, y, sizeof x) == 0);

    /* Random access: seek to (substream 5, block 3) equals drawing through. */
    uint64_t u[64], v[4];
    mfd_rng_init(&a, 9, 1);
    mfd_rng_seek(&a, 5, 0);
    for (int i = 0; i < 64; i++)
        u[i] = mfd_rng_u64(&a);
    mfd_rng_init(&b, 9, 1);
    mfd_rng_seek(&b, 5, 3);
    for (int i = 0; i < 4; i++)
        v[i] = mfd_rng_u64(&b);
    CHECK("seek(substream, block) reproduces the sequence at that block", memcmp(u + 12, v, sizeof v) == 0);

    /* Moments of N(0,1) from n = 2e5 draws: the sample mean has sd 1/sqrt(n),
     * the sample variance sd sqrt(2/n), the 4th moment (3) sd sqrt(96/n); 5 sd each. */
    {
        size_t n = 200000;
        double s1 = 0, s2 = 0, s4 = 0;
        mfd_rng_init(&a, 1, 1);
        for (size_t i = 0; i < n; i++) {
            double g = mfd_rng_gaussian(&a);
            s1 += g;
            s2 += g * g;
            s4 += g * g * g * g;
        }
        double nn = (double)n;
        CHECK_CLOSE("gaussian mean is 0", s1 / nn, 0.0, 5.0 / sqrt(nn));
        CHECK_CLOSE("gaussian variance is 1", s2 / nn, 1.0, 5.0 * sqrt(2.0 / nn));
        CHECK_CLOSE("gaussian fourth moment is 3", s4 / nn, 3.0, 5.0 * sqrt(96.0 / nn));
    }
    /* Uniforms lie in (0, 1) with mean 1/2 (sd 1/sqrt(12 n)). */
    {
        size_t n = 100000;
        double s = 0, lo = 1, hi = 0;
        mfd_rng_init(&a, 3, 3);
        for (size_t i = 0; i < n; i++) {
            double q = mfd_rng_uniform(&a);
            s += q;
            lo = fmin(lo, q);
            hi = fmax(hi, q);
        }
        CHECK("uniforms lie strictly inside (0, 1)", lo > 0 && hi < 1);
        CHECK_CLOSE("uniform mean is 1/2", s / (double)n, 0.5, 5.0 / sqrt(12.0 * (double)n));
    }
    /* mfd_rng_below: every value in range, each of 7 values about n/7 times
     * (binomial sd sqrt(n p (1-p))). */
    {
        size_t n = 70000, counts[7] = {0};
        mfd_rng_init(&a, 5, 5);
        int inrange = 1;
        for (size_t i = 0; i < n; i++) {
            uint64_t k = mfd_rng_below(&a, 7);
            inrange = inrange && k < 7;
            if (k < 7)
                counts[k]++;
        }
        CHECK("below(7) stays below 7", inrange);
        double p = 1.0 / 7, sd = sqrt((double)n * p * (1 - p)), worst = 0;
        for (int k = 0; k < 7; k++)
            worst = fmax(worst, fabs((double)counts[k] - (double)n * p));
        CHECK_LE("below(7) is uniform (max deviation in counts)", worst, 5 * sd);
    }
    CHECK("seed derivation depends on every input",
          mfd_rng_hash_str(1, "eta=0.1") != mfd_rng_hash_str(1, "eta=0.2") &&
              mfd_rng_hash_str(1, "x") != mfd_rng_hash_str(2, "x") && mfd_rng_mix(0, 1) != mfd_rng_mix(0, 2));
    TEST_REPORT();
}
