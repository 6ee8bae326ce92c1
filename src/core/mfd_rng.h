/* mfd_rng.h — counter-based random numbers (Philox4x64-10, Random123).
 *
 * A generator is keyed by (seed, stream): the same pair always gives the same
 * numbers, whatever else the program draws, and different streams are
 * independent.  Within a stream, mfd_rng_seek jumps to (substream, block) in
 * O(1).  There is no global state; every draw takes an explicit generator.
 * (The Gaussian sensing operators draw from mfd_gauss instead: Philox4x32-10
 * with a Box-Muller that gives the same bits on every CPU.) */
#ifndef MFD_RNG_H
#define MFD_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Named streams of one run (DESIGN.md "Randomness"). */
typedef enum mfd_stream {
    MFD_STREAM_TARGET = 1, /* ground truth / target matrix */
    MFD_STREAM_INIT,       /* initial factors */
    MFD_STREAM_OPERATOR,   /* measurement operator */
    MFD_STREAM_NOISE,      /* measurement noise */
    MFD_STREAM_MASK,       /* completion mask */
    MFD_STREAM_OUTLIER     /* robust-PCA outliers */
} mfd_stream;

const char *mfd_stream_name(mfd_stream s);

typedef struct mfd_rng {
    uint64_t key[2];  /* (seed, stream) */
    uint64_t ctr[4];  /* (block, substream, 0, 0) of the next Philox call */
    uint64_t buf[4];  /* output of the last call */
    unsigned used;    /* words of buf already consumed; 4 = none left */
    bool has_spare;   /* Box-Muller gives pairs: the second one waits here */
    double spare;
} mfd_rng;

void mfd_rng_init(mfd_rng *r, uint64_t seed, uint64_t stream);

/* Continue from block `block` of substream `substream` (both start at 0). */
void mfd_rng_seek(mfd_rng *r, uint64_t substream, uint64_t block);

uint64_t mfd_rng_u64(mfd_rng *r);

/* Uniform on the open interval (0, 1), 53 random bits. */
double mfd_rng_uniform(mfd_rng *r);

/* Standard normal (Box-Muller). */
double mfd_rng_gaussian(mfd_rng *r);

/* x[i] = scale * N(0, 1), i < n; the same numbers as n calls of mfd_rng_gaussian. */
void mfd_rng_fill_gaussian(mfd_rng *r, double *x, size_t n, double scale);

/* A uniformly random integer in [0, n), n > 0 (no modulo bias). */
uint64_t mfd_rng_below(mfd_rng *r, uint64_t n);

/* Mix a 64-bit value into a hash (splitmix64 finalizer); used to derive
 * per-run seeds from a master seed and the parameters of a run. */
uint64_t mfd_rng_mix(uint64_t h, uint64_t v);

/* FNV-1a over the bytes of s, mixed into h. */
uint64_t mfd_rng_hash_str(uint64_t h, const char *s);

#endif
