/* mfd_method.h — update rules as types, in the style of GSL's multimin
 * (gsl_multimin_fdfminimizer_type): each rule is one constant
 * mfd_method_type {name, check, alloc, step, free} defined in the file of
 * src/core/methods/ named after its method= word, and a program lists the
 * types it offers: its method= choices and --help are their names.
 *
 * The caller owns the loop (GSL): evaluate the model at the current iterate
 * (mfd_sense_eval, mfd_deep_eval), test, log, then mfd_method_step moves to
 * the next iterate from that evaluation.  A rule never logs or stops a run
 * except through its stop reason, and allocates nothing after
 * mfd_method_alloc.
 *
 *   rule             file                     update
 *   gd (two-factor)  methods/gd.c             F ← F − η' ∇_F f, G ← G − η' ∇_G f, η' = η / gd_scale
 *   scaledgd         methods/scaledgd.c       F ← F − η ∇_F f (GᵀG)⁻¹, G ← G − η ∇_G f (FᵀF)⁻¹ ([TMC21])
 *   scaledgd_lambda  methods/scaledgd.c       the same with (GᵀG + λI)⁻¹ ([XSMC23])
 *   precgd           methods/precgd.c         scaledgd_lambda with λ_t = c ‖A(M_t) − y‖ ([ZFZ23])
 *   altscaledgd      methods/altscaledgd.c    the F half, re-evaluate, the G half with the new F ([JWPFM23])
 *   altmin           methods/altmin.c         exact least squares in F, then in G
 *   gd (deep)        methods/deepgd.c         W_j ← W_j − η ∇_j L for all layers at once
 *
 * A rule whose state carries something from one step to the next that a
 * continued run needs (the scaled rules: the λ of the last step, which
 * summary.csv reports) saves it into a checkpoint and loads it back (save,
 * load); its workspace is rebuilt by alloc and never saved.
 *
 * (THEORY.md §2 and §3 for the two-factor rules, §1 for the deep one.) */
#ifndef MFD_METHOD_H
#define MFD_METHOD_H

#include <stdbool.h>
#include <stddef.h>

#include "mfd_ckpt.h"
#include "mfd_sensop.h"
#include "mfd_status.h"
#include "mfd_stop.h"

/* The model a rule moves: what mfd_method_alloc's `model` points to. */
typedef enum mfd_method_model {
    MFD_METHOD_TWO_FACTOR, /* mfd_sense: X Xᵀ or F Gᵀ */
    MFD_METHOD_DEEP        /* mfd_deep: W_N ⋯ W_1 */
} mfd_method_model;

/* A rule's settings; each rule reads the ones it needs. */
typedef struct mfd_method_params {
    double eta;       /* step size */
    double lambda;    /* scaledgd_lambda, altscaledgd: the damping λ of (GᵀG + λI)⁻¹; altmin: a ridge */
    double precgd_c;  /* precgd: λ_t = precgd_c ‖A(M_t) − y‖ */
    double gd_scale;  /* two-factor gd: the step is eta / gd_scale (σ₁(M*) for [TMC21]'s GD; 1: eta) */
    double mem_limit; /* bytes a rule's workspace may take (altmin's normal equations) */
} mfd_method_params;

/* What a rule's check sees of the problem, before anything is built. */
typedef struct mfd_method_problem {
    mfd_method_model model;
    bool symmetric;      /* two-factor: X Xᵀ */
    mfd_sensop_kind op;  /* two-factor: the kind of the measurement operator */
    size_t n1, n2, k, m; /* two-factor: sizes and the number of measurements */
} mfd_method_problem;

typedef struct mfd_method_type {
    const char *name;       /* the method= word */
    mfd_method_model model; /* the model it moves */
    /* MFD_OK, or MFD_EINVAL with msg naming the key and value it cannot take (NULL: it takes any) */
    mfd_status (*check)(const mfd_method_params *p, const mfd_method_problem *pb, char *msg, size_t len);
    /* its state and workspace for this model; MFD_EINVAL for a model it cannot move */
    mfd_status (*alloc)(void *model, const mfd_method_params *p, void **state);
    /* one iteration from the model's last evaluation; a step that cannot be taken sets *stop */
    mfd_status (*step)(void *state, mfd_stop *stop);
    /* the λ of the last step, 0 before the first (NULL: the rule has none, 0) */
    double (*lambda_used)(const void *state);
    void (*free)(void *state);
    /* what the state carries between steps, into / from a checkpoint (NULL: nothing) */
    void (*save)(const void *state, mfd_ckpt_buf *b);
    mfd_status (*load)(void *state, mfd_ckpt_buf *b);
} mfd_method_type;

/* A rule at work on one model: its type and its state. */
typedef struct mfd_method {
    const mfd_method_type *type;
    void *state;
} mfd_method;

/* The type's check, after the one every rule shares: the model must be the
 * one it moves. */
mfd_status mfd_method_check(const mfd_method_type *type, const mfd_method_params *p, const mfd_method_problem *pb,
                            char *msg, size_t len);

/* model points to an mfd_sense (MFD_METHOD_TWO_FACTOR) or an mfd_deep
 * (MFD_METHOD_DEEP), which must outlive the method.  *out is NULL on failure. */
mfd_status mfd_method_alloc(const mfd_method_type *type, void *model, const mfd_method_params *p, mfd_method **out);
void mfd_method_free(mfd_method *m);

/* One iteration (see mfd_method_type.step). */
mfd_status mfd_method_step(mfd_method *m, mfd_stop *stop);

/* The λ of the last step (0 for rules without one, and before the first step). */
double mfd_method_lambda_used(const mfd_method *m);

/* The rule's name and what its state carries, into / from a checkpoint;
 * loading the state of another rule is MFD_EFORMAT. */
void mfd_method_save(const mfd_method *m, mfd_ckpt_buf *b);
mfd_status mfd_method_load(mfd_method *m, mfd_ckpt_buf *b);

/* The type named `name` among types[0..n), or NULL. */
const mfd_method_type *mfd_method_find(const mfd_method_type *const *types, size_t n, const char *name);

/* The names of types[0..n) joined by '|' ("gd|scaledgd|..."): a method=
 * key's choices.  MFD_ERANGE when they do not fit in len. */
mfd_status mfd_method_choices(const mfd_method_type *const *types, size_t n, char *buf, size_t len);

/* The rules, one file each in src/core/methods/. */
extern const mfd_method_type mfd_gd_type;              /* gd.c: "gd" on two factors */
extern const mfd_method_type mfd_scaledgd_type;        /* scaledgd.c: "scaledgd" */
extern const mfd_method_type mfd_scaledgd_lambda_type; /* scaledgd.c: "scaledgd_lambda" */
extern const mfd_method_type mfd_precgd_type;          /* precgd.c: "precgd" */
extern const mfd_method_type mfd_altscaledgd_type;     /* altscaledgd.c: "altscaledgd" */
extern const mfd_method_type mfd_altmin_type;          /* altmin.c: "altmin" */
extern const mfd_method_type mfd_deepgd_type;          /* deepgd.c: "gd" on a deep model */

#endif
