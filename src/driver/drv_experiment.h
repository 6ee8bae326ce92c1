/* drv_experiment.h — the experiment spec loader: an INI file (parsed with
 * inih) that names a program, fixed parameters, sweep axes, repetitions,
 * claims and figures.
 *
 *   [experiment]   program, title, verifies (THEORY ids), repetitions, seed
 *                  (the master seed), method_keys (keys that do not define
 *                  the problem instance)
 *   [fixed]        key = value, passed to every run
 *   [sweep]        key = v1, v2, ... | lin(a, b, n) | log(a, b, n); the plan is
 *                  the Cartesian product (first axis outermost), times the
 *                  repetitions (innermost); zipped axes
 *                  k1, k2 = (a1, b1), (a2, b2) advance together (one axis of
 *                  the product)
 *   [claim NAME]   see drv_claims.h
 *   [plot NAME]    see drv_plotdata.h
 *   [experiment.paper], [fixed.paper], [sweep.paper]: what --scale paper
 *                  changes (likewise .quick)
 *
 * A value continues on indented lines (joined with one space).  A later
 * entry for a key (a scale section) replaces the earlier one; a zipped
 * group is replaced whole.  How the plan and its seeds follow from a loaded
 * experiment is in drv_plan.h. */
#ifndef DRV_EXPERIMENT_H
#define DRV_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "drv_sweep.h"

typedef struct drv_experiment_kv {
    char *key, *value;
    int line;
} drv_experiment_kv;

/* A named section: [claim NAME] (keys in drv_claims.h) or [plot NAME]
 * (keys in drv_plotdata.h). */
typedef struct drv_experiment_section {
    char *name;
    int line;
    drv_experiment_kv *keys;
    size_t nkeys;
} drv_experiment_section;

typedef struct drv_experiment {
    char *path, *name, *program, *title, *verifies, *scale;
    long repetitions;
    uint64_t seed;
    drv_experiment_kv *fixed;
    size_t nfixed;
    drv_sweep_axis *axes; /* [sweep] axes in spec order (drv_sweep.h) */
    size_t naxes;
    char **method_keys;
    size_t nmethod;
    drv_experiment_section *claims;
    size_t nclaims;
    drv_experiment_section *plots;
    size_t nplots;
    char **observing; /* the program's keys that never enter a seed (drv_experiment_set_observing) */
    size_t nobserving;
    char **operator_keys; /* the program's keys that define its measurement operator (drv_experiment_set_operator) */
    size_t noperator;
} drv_experiment;

/* Is scale a known size variant (paper, quick)? */
bool drv_experiment_scale_known(const char *scale);

/* Load a spec; scale is NULL or a known size variant.  Errors name the file and line. */
bool drv_experiment_load(const char *path, const char *scale, drv_experiment *s, char *err, size_t errlen);

/* The same from an open stream; path names the spec (its name and messages). */
bool drv_experiment_load_stream(FILE *fp, const char *path, const char *scale, drv_experiment *s, char *err,
                                size_t errlen);
void drv_experiment_free(drv_experiment *s);

/* The value of a section's key, or NULL (and its line through *line when given). */
const char *drv_experiment_get(const drv_experiment_section *c, const char *key, int *line);

/* The program's observing keys (flagged in its parameter table and listed by
 * `<program> --observing-keys`): keys that only watch, budget or stop a run.
 * They, and the method keys, stay out of the seed.  Copies the n keys. */
bool drv_experiment_set_observing(drv_experiment *s, const char *const *keys, size_t n);

/* The program's operator keys (flagged in its parameter table and listed by
 * `<program> --operator-keys`): the keys that define its measurement
 * operator.  With any, each run also gets an operator seed derived from the
 * master seed, those keys' values and the repetition (drv_plan.h).  Copies
 * the n keys. */
bool drv_experiment_set_operator(drv_experiment *s, const char *const *keys, size_t n);

/* The experiment's name, with "-<scale>" for a size variant: what results,
 * claims and figures are filed under. */
void drv_experiment_label(const drv_experiment *s, char *buf, size_t len);

/* Results folder of an experiment: <results>/<label>. */
void drv_experiment_results_dir(const drv_experiment *s, const char *results_root, char *buf, size_t len);

#endif
