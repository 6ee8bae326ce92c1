/* mfd_schedule.h — which iterations a run logs.
 *
 * Log-spaced (default): iteration 0, then round(10^(i/k)) for i = 0, 1, ...
 * with duplicates removed — k points per decade, so a 10^6-iteration run
 * writes about 6k rows whatever its length.  Every-k: 0, k, 2k, ...  The last
 * iteration of a run is logged by its owner when it stops (see
 * mfd_schedule_due's contract). */
#ifndef MFD_SCHEDULE_H
#define MFD_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

#include "mfd_ckpt.h"

typedef struct mfd_schedule {
    long per_decade; /* k > 0 in log mode */
    long every;      /* > 0 selects every-k mode */
    long next;       /* next iteration to log */
    long idx;        /* log mode: exponent index of `next` */
} mfd_schedule;

/* every > 0 selects every-k logging; otherwise per_decade (>= 1) points per decade. */
void mfd_schedule_init(mfd_schedule *s, long per_decade, long every);

/* True when iteration t is to be logged; t must not decrease between calls.
 * A t beyond the next point is logged too (and the schedule moves past it). */
bool mfd_schedule_due(mfd_schedule *s, long t);

/* An upper bound on the rows a run of `iters` iterations logs, first and
 * last included; size buffers with it. */
size_t mfd_schedule_max_points(const mfd_schedule *s, long iters);

/* Where the schedule stands, into / from a checkpoint (the settings are the
 * caller's, from mfd_schedule_init). */
void mfd_schedule_save(const mfd_schedule *s, mfd_ckpt_buf *b);
mfd_status mfd_schedule_load(mfd_schedule *s, mfd_ckpt_buf *b);

#endif
