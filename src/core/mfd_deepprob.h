/* mfd_deepprob.h — the deep (N-layer) factorization instance of mfd-deep
 * (THEORY.md §1), built from plain values: the model (mfd_deep) with its
 * target Σ (σI, σ·Haar, a diagonal, [ACHL19]'s rank-r, a symmetric one with
 * a negative eigenvalue, or given), the completion mask of [ACHL19] (D8:
 * `observed` entries drawn uniformly without replacement), and the initial
 * layers (THEORY.md §1's inits, or given).  What the run needs to know of the
 * instance before it starts is computed here too: the target's singular
 * values (D7's mode-learning times) and [ACGH19]'s deficiency margin
 * σ_min(Σ) − ‖W(0) − Σ‖_F.
 *
 * Inputs that a program reads from files arrive as arrays: the library
 * never opens a path.  mfd_deepprob_check names the value that does not fit;
 * mfd_deepprob_build builds what it passed.  Randomness: the target, the
 * mask and the init each come from their own stream of the seed. */
#ifndef MFD_DEEPPROB_H
#define MFD_DEEPPROB_H

#include <stddef.h>
#include <stdint.h>

#include "mfd_deep.h"
#include "mfd_mat.h"
#include "mfd_param.h"

typedef enum mfd_deepprob_target {
    MFD_DEEPPROB_TARGET_IDENTITY,     /* σ I */
    MFD_DEEPPROB_TARGET_HAAR,         /* σ times a Haar unitary (square) */
    MFD_DEEPPROB_TARGET_DIAG,         /* diag(target_diag) */
    MFD_DEEPPROB_TARGET_LOWRANK,      /* [ACHL19]'s random rank-r, ‖Σ‖_F = d */
    MFD_DEEPPROB_TARGET_SYM_NEGATIVE, /* symmetric, eigenvalues target_diag or σ(1, ..., 1, −1) (square) */
    MFD_DEEPPROB_TARGET_FILE          /* the given target */
} mfd_deepprob_target;

typedef enum mfd_deepprob_init {
    MFD_DEEPPROB_INIT_GAUSSIAN,
    MFD_DEEPPROB_INIT_GAUSSIAN_ACHL,
    MFD_DEEPPROB_INIT_BALANCED_GAUSSIAN,
    MFD_DEEPPROB_INIT_BALANCED_FROM_PRODUCT, /* balanced, from the product init_shift Σ + eps G */
    MFD_DEEPPROB_INIT_IDENTITY,
    MFD_DEEPPROB_INIT_ORTHOGONAL,
    MFD_DEEPPROB_INIT_DECOUPLED,
    MFD_DEEPPROB_INIT_FILE /* the given layers */
} mfd_deepprob_init;

/* The words of the target and init keys with their values, for programs
 * that map their choices by name. */
extern const mfd_param_word mfd_deepprob_target_words[];
extern const size_t mfd_deepprob_target_nwords;
extern const mfd_param_word mfd_deepprob_init_words[];
extern const size_t mfd_deepprob_init_nwords;

typedef struct mfd_deepprob_params {
    mfd_field field;
    int depth;                           /* N in [2, MFD_DEEP_MAX_DEPTH] */
    size_t dims[MFD_DEEP_MAX_DEPTH + 1]; /* W_j is dims[j] × dims[j−1] */
    double a;                            /* balancing regularizer */
    mfd_deepprob_target target;
    double sigma;                        /* scale of identity, haar, sym_negative */
    mfd_list target_diag;                /* diag's diagonal; sym_negative's eigenvalues (n 0: the default) */
    long target_rank;                    /* lowrank's r */
    long observed;                       /* completion: entries fitted (0: all) */
    mfd_deepprob_init init;
    double eps, init_shift;              /* the init's scale; balanced_from_product's shift */
    uint64_t seed;
    /* inputs read from files (data NULL: not given); borrowed, not owned */
    mfd_mat target_given;                /* dims[N] × dims[0], real or complex */
    const double *layers;                /* square layers W_1 … W_N, contiguous, of the field */
} mfd_deepprob_params;

typedef struct mfd_deepprob {
    mfd_deep *m;       /* the model at W(0) */
    double *w0;        /* a copy of the initial layers (mfd_deep_ndoubles of them) */
    double *target_sv; /* Σ's singular values, descending */
    size_t ntarget_sv; /* min(dims[N], dims[0]) */
    double margin;     /* σ_min(Σ) − ‖W(0) − Σ‖_F for square layers, else NaN */
} mfd_deepprob;

/* MFD_OK, or MFD_EINVAL with msg naming the key and the value that does not
 * fit (a target or init that needs square layers, a diagonal of the wrong
 * length, a rank or a number of observed entries out of range, arrays that
 * do not match the layers). */
mfd_status mfd_deepprob_check(const mfd_deepprob_params *p, char *msg, size_t len);

/* Build what mfd_deepprob_check passed (MFD_EINVAL otherwise); *out is NULL
 * on failure. */
mfd_status mfd_deepprob_build(const mfd_deepprob_params *p, mfd_deepprob **out);
void mfd_deepprob_free(mfd_deepprob *dp);

#endif
