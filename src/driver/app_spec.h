/* app_spec.h — experiment specs: INI files (parsed with inih) that name a
 * program, fixed parameters, sweep axes, repetitions and claims.
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
 *   [claim NAME]   see app_claims.h
 *   [plot NAME]    see app_plot.h
 *   [experiment.paper], [fixed.paper], [sweep.paper]: what --scale paper changes
 *
 * Each run's seed is derived from (master seed, every instance parameter,
 * repetition), where instance parameters are all but the method keys and
 * the program's observing keys, those that only watch, budget or stop a run
 * (logging, rate fits, thresholds, iters, tol, ...; spec_set_observing): runs that differ only in those see the same
 * target, operator and initialization, and a run has the same seed whether
 * it runs alone, in a sweep, in a shard or after a resume.  A run's
 * id hashes its program and full argument list; it names its directory. */
#ifndef APP_SPEC_H
#define APP_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct spec_kv {
    char *key, *value;
    int line;
} spec_kv;

typedef struct spec_axis {
    char *key, *raw; /* raw: the text as written (continuation lines joined) */
    size_t n;
    char **values;
    int line;
    int group; /* zipped axes ("k1, k2 = (a, b), ...") share a group and advance together */
} spec_axis;

/* A named section: [claim NAME] (keys in app_claims.h) or [plot NAME]
 * (keys in app_plot.h). */
typedef struct spec_section {
    char *name;
    int line;
    spec_kv *keys;
    size_t nkeys;
} spec_section;

typedef struct spec {
    char *path, *name, *program, *title, *verifies, *scale;
    long repetitions;
    uint64_t seed;
    spec_kv *fixed;
    size_t nfixed;
    spec_axis *axes;
    size_t naxes;
    char **method_keys;
    size_t nmethod;
    spec_section *claims;
    size_t nclaims;
    spec_section *plots;
    size_t nplots;
    char **observing; /* the program's keys that never enter a seed (spec_set_observing) */
    size_t nobserving;
} spec;

typedef struct plan_run {
    size_t index;
    long rep;
    uint64_t seed;
    char id[17];
    spec_kv *params; /* fixed then swept, in spec order (values not owned) */
    size_t nparams;
} plan_run;

/* Is scale a known size variant (paper, quick)? */
bool spec_scale_known(const char *scale);

/* Load a spec; scale is NULL or a known size variant.  Errors name the file and line. */
bool spec_load(const char *path, const char *scale, spec *s, char *err, size_t errlen);

/* The same from an open stream; path names the spec (its name and messages). */
bool spec_load_stream(FILE *fp, const char *path, const char *scale, spec *s, char *err, size_t errlen);
void spec_free(spec *s);

/* The value of a section's key, or NULL (and its line through *line when given). */
const char *spec_section_get(const spec_section *c, const char *key, int *line);

/* The program's observing keys (flagged in its parameter table and listed by
 * `<program> --observing-keys`): keys that only watch, budget or stop a run.
 * They, and the method keys, stay out of the seed.  Copies the n keys. */
bool spec_set_observing(spec *s, const char *const *keys, size_t n);

/* Does key define the problem instance (and so enter the seed)? */
bool spec_is_instance_key(const spec *s, const char *key);

/* The number of runs of the plan (the product of the axes' lengths, zipped
 * axes counted once, times the repetitions). */
size_t spec_count(const spec *s);

/* Expand the plan: runs[count]. */
bool spec_plan(const spec *s, plan_run **runs, size_t *count, char *err, size_t errlen);
void spec_plan_free(plan_run *runs, size_t count);

/* Results folder of an experiment: <results>/<name> or <results>/<name>-<scale>. */
void spec_results_dir(const spec *s, const char *results_root, char *buf, size_t len);

#endif
