#include "mfd_rng.h"

#include <Random123/philox.h>
#include <math.h>

#include "mfd_mat.h" /* MFD_PI */

const char *mfd_stream_name(mfd_stream s)
{
    switch (s) {
    case MFD_STREAM_TARGET: return "target";
    case MFD_STREAM_INIT: return "init";
    case MFD_STREAM_OPERATOR: return "operator";
    case MFD_STREAM_NOISE: return "noise";
    case MFD_STREAM_MASK: return "mask";
    case MFD_STREAM_OUTLIER: return "outlier";
    }
    return "unknown";
}

void mfd_rng_init(mfd_rng *r, uint64_t seed, uint64_t stream)
{
    r->key[0] = seed;
    r->key[1] = stream;
    mfd_rng_seek(r, 0, 0);
}

void mfd_rng_seek(mfd_rng *r, uint64_t substream, uint64_t block)
{
    r->ctr[0] = block;
    r->ctr[1] = substream;
    r->ctr[2] = r->ctr[3] = 0;
    r->used = 4;
    r->has_spare = false;
    r->spare = 0.0;
}

static void refill(mfd_rng *r)
{
    philox4x64_ctr_t c = {{r->ctr[0], r->ctr[1], r->ctr[2], r->ctr[3]}};
    philox4x64_key_t k = {{r->key[0], r->key[1]}};
    philox4x64_ctr_t out = philox4x64(c, k);
    for (int i = 0; i < 4; i++)
        r->buf[i] = out.v[i];
    r->used = 0;
    r->ctr[0]++;
}

uint64_t mfd_rng_u64(mfd_rng *r)
{
    if (r->used >= 4)
        refill(r);
    return r->buf[r->used++];
}

double mfd_rng_uniform(mfd_rng *r)
{
    /* (k + 0.5) / 2^53 with k the top 53 bits: never 0, never 1. */
    uint64_t k = mfd_rng_u64(r) >> 11;
    return ((double)k + 0.5) * 0x1.0p-53;
}

double mfd_rng_gaussian(mfd_rng *r)
{
    if (r->has_spare) {
        r->has_spare = false;
        return r->spare;
    }
    double u1 = mfd_rng_uniform(r), u2 = mfd_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1)), th = 2.0 * MFD_PI * u2;
    r->spare = rad * sin(th);
    r->has_spare = true;
    return rad * cos(th);
}

void mfd_rng_fill_gaussian(mfd_rng *r, double *x, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * mfd_rng_gaussian(r);
}

uint64_t mfd_rng_below(mfd_rng *r, uint64_t n)
{
    /* Rejection from the largest multiple of n below 2^64. */
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = mfd_rng_u64(r);
    while (v >= lim);
    return v % n;
}

uint64_t mfd_rng_mix(uint64_t h, uint64_t v)
{
    uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t mfd_rng_hash_str(uint64_t h, const char *s)
{
    uint64_t f = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        f ^= (unsigned char)*s;
        f *= 0x100000001b3ULL;
    }
    return mfd_rng_mix(h, f);
}
