/* drv_rowexpr.h — expressions (drv_expr.h) over the rows of a table such as
 * index.csv: names are run parameters and summary columns; one extra name
 * may be bound to a number (a trace's x, for a plot's theory line).
 *
 * Compiling checks every name against the table, so that a claim or a plot
 * on a metric the experiment does not have is an error naming the spec's
 * file and line, before anything is evaluated. */
#ifndef DRV_ROWEXPR_H
#define DRV_ROWEXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "drv_csv.h"
#include "drv_expr.h"
#include "drv_experiment.h"

/* Compile key of section c ([<kind> NAME] of spec s).  Returns false with
 * "file:line: [kind NAME] key 'k': ..." in err on a syntax error or an
 * unknown name (bound, when not NULL, is also a known name).  A missing
 * key gives *out = NULL: an error when required. */
bool drv_rowexpr_compile(const drv_experiment *s, const drv_experiment_section *c, const char *kind, const char *key,
                         bool required, const drv_csv *t, const char *bound, drv_expr **out, char *err, size_t errlen);

/* The value at a row as a number; NaN (with the reason in err) when the
 * expression fails or gives a text.  bound/value: the extra name, or NULL. */
double drv_rowexpr_num(const drv_expr *e, const drv_csv *t, size_t row, const char *bound, double value, char *err,
                       size_t errlen);

/* A column's value that stands in for a missing one (NaN or an empty cell):
 * true with *value set when the column has one. */
typedef bool (*drv_rowexpr_worst)(const char *column, double *value);

/* drv_rowexpr_num, with each missing value of a column for which worst
 * gives a value replaced by it (a claim's `missing = worst`). */
double drv_rowexpr_num_worst(const drv_expr *e, const drv_csv *t, size_t row, drv_rowexpr_worst worst, char *err,
                             size_t errlen);

#endif
