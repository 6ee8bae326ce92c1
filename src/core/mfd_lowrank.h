/* mfd_lowrank.h — the two-factor low-rank recovery instance of mfd-sense and
 * mfd-scaled (THEORY.md §2, §3), built from plain values:
 *
 *   the ground truth M* = U* diag(s) V*ᵀ: drawn (s = linspace(1, 1/κ, r) or
 *     a given spectrum, times spectrum_scale; Haar or [TMC21]'s Rademacher
 *     bases), or the top-r part of a given matrix;
 *   the operator A: identity, Gaussian stored or regenerated on the fly
 *     (symmetrized or not), a given stack of A_k, or a completion mask;
 *   the measurements y = A(M* + S*) + noise, or given.  The noise has the
 *     standard deviation rms(A(M*))·10^(−snr_db/20) per measurement (snr), or
 *     [TMC21]'s ‖M*‖_F/(n·10^(snr_db/20)) per entry of M* (tmc21: MS_noise.m
 *     L33, MC_noise.m L28).  S*, the robust-PCA outliers: uniform in
 *     ±outlier_scale·mean|M*_ij| on a fraction outlier_frac of the entries
 *     (uniform), or [TMC21]'s T_α(G) with G iid N(0, 1) and α = outlier_frac
 *     (tmc21: RPCA.m L17);
 *   the model (mfd_sense), with robust PCA (T_α) or the sparse completion path;
 *   the initial factors (small, spectral, balanced, same, scaled, or given),
 *     and P7's gauge (F Q, G Q⁻ᵀ); for a spectral init also ‖Y − M*‖_op, the
 *     deviation of the matrix it projects (Y = A*(y), or Y − T_α(Y)).
 *
 * Inputs that a program reads from files arrive here as arrays already read:
 * the library never opens a path.  mfd_lowrank_check names the value that
 * does not fit (LIBLINEAR's check_parameter); mfd_lowrank_build builds what
 * it passed.
 *
 * Randomness: target, operator, noise, mask, outliers and init each come
 * from their own stream of the seed (mfd_rng.h), so two methods run with the
 * same seed see the same instance.  The operator and the mask come from
 * op_seed instead when it is given: runs with the same op_seed and the same
 * operator sizes share their A_k (or Ω) whatever their truth, noise or init. */
#ifndef MFD_LOWRANK_H
#define MFD_LOWRANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfd_mat.h"
#include "mfd_param.h"
#include "mfd_rpca.h"
#include "mfd_sense.h"
#include "mfd_senseinit.h"
#include "mfd_sensop.h"

typedef enum mfd_lowrank_op {
    MFD_LOWRANK_OP_AUTO,             /* gaussian_sym for the symmetric model, gaussian for the asymmetric */
    MFD_LOWRANK_OP_IDENTITY,         /* plain factorization: m = n1 n2 */
    MFD_LOWRANK_OP_GAUSSIAN,         /* stored A_k with N(0, 1/m) entries */
    MFD_LOWRANK_OP_GAUSSIAN_SYM,     /* stored (G_k + G_kᵀ)/(2√m) */
    MFD_LOWRANK_OP_GAUSSIAN_OTF,     /* gaussian, each A_k regenerated when used */
    MFD_LOWRANK_OP_GAUSSIAN_SYM_OTF, /* gaussian_sym, regenerated */
    MFD_LOWRANK_OP_FILE,             /* the given stack op_block */
    MFD_LOWRANK_OP_MASK              /* completion: each entry observed with probability p */
} mfd_lowrank_op;

typedef enum mfd_lowrank_init {
    MFD_LOWRANK_INIT_SMALL,    /* alpha N(0,1) entries (/√n with init_per_sqrt_n); G0 scaled by g_ratio */
    MFD_LOWRANK_INIT_SPECTRAL, /* the top-k part of A*(y) */
    MFD_LOWRANK_INIT_BALANCED, /* asymmetric, F0ᵀF0 = G0ᵀG0 */
    MFD_LOWRANK_INIT_SAME,     /* asymmetric, G0 = F0 */
    MFD_LOWRANK_INIT_SCALED,   /* asymmetric, G0 = g_ratio F0 */
    MFD_LOWRANK_INIT_FILE      /* the given f0 (and g0) */
} mfd_lowrank_init;

typedef enum mfd_lowrank_outliers {
    MFD_LOWRANK_OUTLIERS_UNIFORM, /* each entry with probability outlier_frac, uniform in ±outlier_scale·mean|M*_ij| */
    MFD_LOWRANK_OUTLIERS_TMC21    /* T_α(G), G iid N(0, 1), α = outlier_frac ([TMC21] RPCA.m L17) */
} mfd_lowrank_outliers;

typedef enum mfd_lowrank_noise {
    MFD_LOWRANK_NOISE_SNR,  /* std rms(A(M*))·10^(−snr_db/20) per measurement */
    MFD_LOWRANK_NOISE_TMC21 /* std ‖M*‖_F/(n·10^(snr_db/20)) per entry of M*, n = √(n1 n2) ([TMC21] MS_noise.m L33) */
} mfd_lowrank_noise;

/* The words of the operator, init, outlier and noise keys with their values
 * ("auto", "identity", ..., "file", "mask"; "small", ..., "file"; "uniform",
 * "tmc21"; "snr", "tmc21"), for programs that map their choices by name. */
extern const mfd_param_word mfd_lowrank_op_words[];
extern const size_t mfd_lowrank_op_nwords;
extern const mfd_param_word mfd_lowrank_init_words[];
extern const size_t mfd_lowrank_init_nwords;
extern const mfd_param_word mfd_lowrank_outlier_words[];
extern const size_t mfd_lowrank_outlier_nwords;
extern const mfd_param_word mfd_lowrank_noise_words[];
extern const size_t mfd_lowrank_noise_nwords;

/* The word of an operator ("gaussian_sym"), "" for none. */
const char *mfd_lowrank_op_name(mfd_lowrank_op op);

/* The kind of operator op builds (auto must be resolved: mfd_lowrank_get_dims). */
mfd_sensop_kind mfd_lowrank_op_kind(mfd_lowrank_op op);

typedef struct mfd_lowrank_params {
    bool symmetric;          /* X Xᵀ with the ¼ loss; else F Gᵀ with the ½ loss */
    long n, n1, n2;          /* n × n truth, or n1 × n2 (asymmetric; 0: n) */
    long k, r, m;            /* factor width, rank, measurements (0: 5 max(n1, n2) r) */
    double kappa;            /* singular values linspace(1, 1/kappa, r) ... */
    mfd_list spectrum;       /* ... or these (then r = their number) */
    double spectrum_scale;   /* multiplies those singular values (<= 0: 1); not with a given target */
    mfd_basis_kind basis;    /* Haar, or [TMC21]'s orthonormalized Rademacher bases */
    int same_basis;          /* V* = U* (square) */
    mfd_lowrank_op op;
    double p;                /* mask: observation probability */
    int sparse;              /* mask: the sparse path (asymmetric) */
    double outlier_frac;     /* robust PCA when > 0 (identity operator, asymmetric) */
    mfd_lowrank_outliers outlier_model;
    double outlier_scale, rpca_alpha; /* uniform outliers in ±outlier_scale mean|M*_ij|; T_α's level (0: 2 outlier_frac) */
    double rpca_init_alpha;  /* T_α's level in the spectral init Y − T_α(Y) (0: rpca_alpha) */
    double snr_db;           /* noise (+inf: none) */
    mfd_lowrank_noise noise_model;
    mfd_lowrank_init init;
    double alpha, g_ratio;   /* small init scale; G0 relative to F0 */
    int init_per_sqrt_n;     /* small init entries divided by √n */
    double gauge_cond;       /* P7: start from (F0 Q, G0 Q⁻ᵀ), cond(Q) = gauge_cond (<= 1: none) */
    double mem_limit;        /* bytes a stored Gaussian operator may take */
    uint64_t seed;
    uint64_t op_seed;        /* the operator's and the mask's stream, when has_op_seed ... */
    int has_op_seed;         /* ... else seed's */
    /* inputs read from files (data NULL: not given); borrowed, not owned */
    mfd_mat target;          /* M* itself: its shape is n1 × n2, its top r part gives U*, V* */
    const double *op_block;  /* op = file: op_m stacked n1 × n2 column-major A_k (mfd_sensop_from_block) */
    size_t op_m;
    const double *y;         /* the y_len measurements (needs a given target) */
    size_t y_len;
    mfd_mat f0, g0;          /* init = file: F0 (or X0) n1 × k, G0 n2 × k (asymmetric) */
    /* a Gaussian operator built earlier (borrowed): used instead of drawing
     * one when it is the one these params define (mfd_lowrank_op_matches) */
    const mfd_sensop *shared_op;
} mfd_lowrank_params;

/* The sizes the params resolve to, before anything is drawn. */
typedef struct mfd_lowrank_dims {
    size_t n1, n2, k, r;
    size_t m;          /* 0 for a mask: its draw decides */
    mfd_lowrank_op op; /* auto resolved */
} mfd_lowrank_dims;

void mfd_lowrank_get_dims(const mfd_lowrank_params *p, mfd_lowrank_dims *d);

/* MFD_OK, or MFD_EINVAL with msg naming the key and the value that does not
 * fit: a model and an init or operator that do not go together, sizes out of
 * range, a stored operator above mem_limit, arrays of the wrong shape. */
mfd_status mfd_lowrank_check(const mfd_lowrank_params *p, char *msg, size_t len);

typedef struct mfd_lowrank {
    size_t n1, n2, k, r, m;
    mfd_lowrank_op op_type;        /* the operator built (auto resolved) */
    mfd_sensop *op;
    bool op_borrowed;              /* op is params' shared_op, or was handed on (mfd_lowrank_release_op) */
    double *y;                     /* the m measurements */
    double noise_std;              /* of the noise added to each measurement y_k (0: none) */
    double sigma1;                 /* σ₁(M*) */
    double sigma_r;                /* σ_r(M*), the smallest of its r singular values */
    double target_fro;             /* ‖M*‖_F */
    double rpca_alpha;             /* T_α's level (robust PCA; else 0) */
    double rpca_init_alpha;        /* T_α's level in the spectral init (robust PCA; else 0) */
    double outlier_density;        /* the fraction of entries of S* that are nonzero (robust PCA; else NaN) */
    double init_dev_op;            /* spectral init: ‖Y − M*‖_op of the matrix it projects; else NaN */
    mfd_mat Ustar, Vstar, USstar;  /* M* = USstar Vstarᵀ, U* and V* orthonormal */
    mfd_rpca *rpca, *rpca_init;    /* T_α of the iterations, and of the init when its level differs */
    mfd_sense *s;                  /* the model, at the initial factors */
    mfd_mat F0, G0;                /* copies of the initial factors */
    double f0_norm, g0_norm;       /* ‖F0‖_F, ‖G0‖_F */
} mfd_lowrank;

/* The seed of the operator's and the mask's streams: op_seed when given, else seed. */
uint64_t mfd_lowrank_op_seed(const mfd_lowrank_params *p);

/* Is op the Gaussian operator (stored or on the fly) that p draws: the same
 * kind, sizes and operator seed?  Then its A_k are p's, bit for bit. */
bool mfd_lowrank_op_matches(const mfd_lowrank_params *p, const mfd_sensop *op);

/* Hand lr's Gaussian operator to the caller, who frees it after lr (runs that
 * share it borrow it through shared_op); NULL when lr's operator is not a
 * Gaussian one it owns. */
mfd_sensop *mfd_lowrank_release_op(mfd_lowrank *lr);

/* Build the instance of params that mfd_lowrank_check passed (MFD_EINVAL
 * otherwise).  *out is NULL on failure. */
mfd_status mfd_lowrank_build(const mfd_lowrank_params *p, mfd_lowrank **out);
void mfd_lowrank_free(mfd_lowrank *lr);

#endif
