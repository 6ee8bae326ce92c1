/* drv_sweep.h — the axes of a spec's [sweep] section.
 *
 *   key = v1, v2, ...          a list
 *   key = lin(a, b, n)         n values from a to b, evenly spaced (integer
 *                              ranges stay integers)
 *   key = log(a, b, n)         n values from a to b, evenly spaced in log
 *   k1, k2 = (a1, b1), (a2, b2), ...
 *                              zipped axes: one axis per key, sharing a
 *                              group, that advance together
 *
 * A later line for a key (a scale section) replaces its axis, and a zipped
 * group can only be replaced whole. */
#ifndef DRV_SWEEP_H
#define DRV_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

/* One axis: a key and its values. */
typedef struct drv_sweep_axis {
    char *key, *raw; /* raw: the text as written (continuation lines joined) */
    size_t n;
    char **values;
    int line;
    int group; /* zipped axes ("k1, k2 = (a, b), ...") share a group and advance together */
} drv_sweep_axis;

/* Set the axes of one [sweep] line, names = value (continuation lines
 * joined), from line `line`, appending them to axes[0..*naxes) (or
 * replacing the axes of those keys); *groups counts the groups so far.
 * False with a message (without file and line) in msg. */
bool drv_sweep_set(drv_sweep_axis **axes, size_t *naxes, const char *names, const char *value, int line, int *groups,
                   char *msg, size_t msglen);

/* Free an axis's strings (not the axis itself). */
void drv_sweep_free_axis(drv_sweep_axis *ax);

#endif
