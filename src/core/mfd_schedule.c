#include "mfd_schedule.h"

#include <math.h>

static long log_point(long k, long i) { return (long)llround(pow(10.0, (double)i / (double)k)); }

void mfd_schedule_init(mfd_schedule *s, long per_decade, long every)
{
    s->per_decade = per_decade > 0 ? per_decade : 1;
    s->every = every > 0 ? every : 0;
    s->next = 0;
    s->idx = 0;
}

bool mfd_schedule_due(mfd_schedule *s, long t)
{
    if (t < s->next)
        return false;
    if (s->every > 0) {
        s->next = (t / s->every + 1) * s->every;
    } else {
        while (log_point(s->per_decade, s->idx) <= t)
            s->idx++;
        s->next = log_point(s->per_decade, s->idx);
    }
    return true;
}

size_t mfd_schedule_max_points(const mfd_schedule *s, long iters)
{
    if (iters < 1)
        return 2;
    if (s->every > 0)
        return (size_t)(iters / s->every) + 3;
    double decades = log10((double)iters);
    return (size_t)ceil(decades * (double)s->per_decade) + 4;
}

void mfd_schedule_save(const mfd_schedule *s, mfd_ckpt_buf *b)
{
    mfd_ckpt_put_tag(b, "schedule");
    mfd_ckpt_put_i64(b, s->next);
    mfd_ckpt_put_i64(b, s->idx);
}

mfd_status mfd_schedule_load(mfd_schedule *s, mfd_ckpt_buf *b)
{
    mfd_ckpt_get_tag(b, "schedule");
    long next = (long)mfd_ckpt_get_i64(b), idx = (long)mfd_ckpt_get_i64(b);
    MFD_CHECK(b->st);
    s->next = next;
    s->idx = idx;
    return MFD_OK;
}
