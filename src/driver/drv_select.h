/* drv_select.h — which runs of index.csv a claim or a figure uses, and how
 * it splits them: the rows where the section's `where` expression holds,
 * then groups of the rows that agree on every `group_by` column.
 *
 * A where value that is NaN counts as true (only a 0 leaves a row out).
 * Groups come in the order of their first row, and each holds its rows in
 * table order. */
#ifndef DRV_SELECT_H
#define DRV_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "drv_csv.h"
#include "drv_expr.h"

/* At most this many group_by columns are read; more are ignored. */
#define DRV_SELECT_MAX_COLUMNS 8

typedef struct drv_select_group {
    size_t *rows, n;
} drv_select_group;

/* The group_by list ("a, b" or "a b"; NULL: none) as columns of t, into
 * cols[DRV_SELECT_MAX_COLUMNS]; false with the first name that is not a
 * column in bad. */
bool drv_select_columns(const drv_csv *t, const char *group_by, long *cols, size_t *ncols, char *bad, size_t badlen);

/* The rows of t where `where` holds (every row when it is NULL), in order:
 * *rows (owned by the caller: free) and *n.  False when memory runs out. */
bool drv_select_where(const drv_expr *where, const drv_csv *t, size_t **rows, size_t *n);

/* Split rows[0..n) into groups of equal cells in cols[0..ncols) (one group
 * with ncols = 0): *groups (drv_select_free) and *ngroups.  False when
 * memory runs out. */
bool drv_select_groups(const drv_csv *t, const size_t *rows, size_t n, const long *cols, size_t ncols,
                       drv_select_group **groups, size_t *ngroups);
void drv_select_free(drv_select_group *groups, size_t ngroups);

/* A group's label: "name=value" of each column at row, joined by sep (e.g.
 * "field=real,eta=0.01"), truncated to buf[len]. */
void drv_select_label(const drv_csv *t, size_t row, const long *cols, size_t ncols, const char *sep, char *buf,
                      size_t len);

#endif
