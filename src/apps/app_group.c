#include "app_group.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app_common.h"
#include "app_runs.h"

struct app_group {
    pthread_mutex_t lock;
    pthread_cond_t woken;
    size_t n, npending, nactive, nwait;
    unsigned long generation; /* counts the evaluations done */
    mfd_sense **wait;         /* the waiting members' models ... */
    app_member **waiter;      /* ... and the members */
    mfd_sense **part;         /* those of one operator */
    bool *done;
    mfd_sense_group grp;
    mfd_sensop **ops; /* adopted, freed with the group */
    size_t nops;
    size_t share_min; /* stored operators of fewer entries are not passed over together */
};

typedef struct thread_arg {
    app_member member;
    app_member_fn one;
    int argc;
    char **argv;
    int code;
    pthread_t thread;
    bool started;
} thread_arg;

/* Evaluate every waiting member, one pass per operator, and wake them. */
static void flush(app_group *g)
{
    memset(g->done, 0, g->nwait * sizeof *g->done);
    for (size_t i = 0; i < g->nwait; i++) {
        if (g->done[i])
            continue;
        size_t np = 0;
        for (size_t j = i; j < g->nwait; j++)
            if (!g->done[j] && g->wait[j]->op == g->wait[i]->op) {
                g->part[np++] = g->wait[j];
                g->done[j] = true;
            }
        mfd_status st = mfd_sense_group_normal(&g->grp, g->part, np);
        for (size_t j = i; j < g->nwait; j++)
            if (g->wait[j]->op == g->wait[i]->op) {
                g->waiter[j]->st = st;
                g->waiter[j]->evals++;
                g->waiter[j]->shared_evals += np > 1;
            }
    }
    g->nwait = 0;
    g->generation++;
    pthread_cond_broadcast(&g->woken);
}

/* Evaluate once every member that still runs waits and none is setting up. */
static void maybe_flush(app_group *g)
{
    if (g->nwait > 0 && g->nwait == g->nactive && g->npending == 0)
        flush(g);
}

/* The members' normal map (mfd_sense_normal_fn): wait for the group. */
static mfd_status group_normal(void *ctx, mfd_sense *s)
{
    app_member *me = ctx;
    app_group *g = me->group;
    g->wait[g->nwait] = s;
    g->waiter[g->nwait++] = me;
    unsigned long gen = g->generation;
    maybe_flush(g);
    while (g->generation == gen)
        pthread_cond_wait(&g->woken, &g->lock);
    return me->st;
}

const mfd_sensop *app_group_shared_op(app_member *member, const mfd_lowrank_params *p)
{
    if (!member)
        return NULL;
    app_group *g = member->group;
    for (size_t i = 0; i < g->nops; i++)
        if (mfd_lowrank_op_matches(p, g->ops[i]))
            return g->ops[i];
    return NULL;
}

void app_group_adopt_op(app_member *member, mfd_lowrank *lr)
{
    if (!member)
        return;
    app_group *g = member->group;
    if (g->nops < g->n) {
        mfd_sensop *op = mfd_lowrank_release_op(lr);
        if (op)
            g->ops[g->nops++] = op;
    }
}

/* Does a pass over s's operator for several runs pay for the hand-over
 * between their threads?  The on-the-fly operator always (regenerating it
 * dominates); a stored one from g->share_min entries (APP_GROUP_SHARE_MIN). */
static bool pass_pays(const app_group *g, const mfd_sense *s)
{
    const mfd_sensop *op = s->op;
    if (op->kind == MFD_SENSOP_GAUSSIAN_OTF)
        return true;
    return (double)op->m * (double)op->n1 * (double)op->n2 >= (double)g->share_min;
}

mfd_status app_group_join(app_member *member, mfd_sense *s)
{
    if (!member || !member->pending)
        return MFD_OK;
    app_group *g = member->group;
    member->pending = false;
    g->npending--;
    mfd_status st = MFD_OK;
    if (mfd_sense_batchable(s) && pass_pays(g, s)) {
        st = mfd_sense_set_normal(s, group_normal, member);
        if (st == MFD_OK) {
            member->joined = true;
            g->nactive++;
        }
    }
    maybe_flush(g);
    return st;
}

/* A member is done (or never got going): the others no longer wait for it. */
static void leave(app_member *m)
{
    app_group *g = m->group;
    if (m->pending) {
        m->pending = false;
        g->npending--;
    }
    if (m->joined) {
        m->joined = false;
        g->nactive--;
    }
    maybe_flush(g);
}

static void *member_main(void *arg)
{
    thread_arg *a = arg;
    app_group *g = a->member.group;
    pthread_mutex_lock(&g->lock);
    a->code = a->one(a->argc, a->argv, &a->member);
    leave(&a->member);
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

static void group_free(app_group *g)
{
    for (size_t i = 0; i < g->nops; i++)
        mfd_sensop_free(g->ops[i]);
    free(g->ops);
    free(g->wait);
    free(g->waiter);
    free(g->part);
    free(g->done);
    mfd_sense_group_free(&g->grp);
}

bool app_group_share_min(const char *prog, size_t *out)
{
    *out = APP_GROUP_SHARE_MIN;
    const char *v = getenv("MFD_GROUP_SHARE_MIN");
    if (!v || !*v)
        return true;
    char *end;
    errno = 0;
    unsigned long long x = isdigit((unsigned char)v[0]) ? strtoull(v, &end, 10) : 0;
    if (!isdigit((unsigned char)v[0]) || *end || errno || x > SIZE_MAX) {
        app_usage_error(prog, "environment variable MFD_GROUP_SHARE_MIN: '%s' is not a number of operator entries; "
                              "expected an integer from 0 (every pass shared) up, default %lu",
                        v, (unsigned long)APP_GROUP_SHARE_MIN);
        return false;
    }
    *out = (size_t)x;
    return true;
}

int app_group_run(const char *prog, size_t n, int *argc, char ***argv, app_member_fn one, size_t share_min)
{
    app_group g;
    memset(&g, 0, sizeof g);
    g.share_min = share_min;
    g.n = n;
    thread_arg *t = calloc(n, sizeof *t);
    g.wait = malloc(n * sizeof *g.wait);
    g.waiter = malloc(n * sizeof *g.waiter);
    g.part = malloc(n * sizeof *g.part);
    g.done = malloc(n * sizeof *g.done);
    g.ops = malloc(n * sizeof *g.ops);
    if (!t || !g.wait || !g.waiter || !g.part || !g.done || !g.ops || mfd_sense_group_alloc(n, &g.grp) != MFD_OK) {
        free(t);
        group_free(&g);
        app_error(prog, "%s", mfd_status_str(MFD_ENOMEM));
        return APP_EXIT_FAILURE;
    }
    pthread_mutex_init(&g.lock, NULL);
    pthread_cond_init(&g.woken, NULL);
    /* the threads start once all are there: none can evaluate before the
     * others are counted as setting up */
    pthread_mutex_lock(&g.lock);
    int code = APP_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        t[i] = (thread_arg){{&g, true, false, MFD_OK, 0, 0}, one, argc[i], argv[i], APP_EXIT_FAILURE, 0, false};
        g.npending++;
        t[i].started = pthread_create(&t[i].thread, NULL, member_main, &t[i]) == 0;
        if (!t[i].started) {
            leave(&t[i].member);
            app_error(prog, "cannot start the thread of run %zu of the group", i + 1);
        }
    }
    pthread_mutex_unlock(&g.lock);
    for (size_t i = 0; i < n; i++) {
        if (t[i].started)
            pthread_join(t[i].thread, NULL);
        code = app_runs_worse(code, t[i].code);
    }
    pthread_cond_destroy(&g.woken);
    pthread_mutex_destroy(&g.lock);
    group_free(&g);
    free(t);
    return code;
}

mfd_status app_group_run_info(const app_member *member, mfd_kv *kv)
{
    if (!member)
        return MFD_OK;
    MFD_CHECK(mfd_kv_add_int(kv, "op_group_runs", (long)member->group->n));
    return mfd_kv_add_int(kv, "op_shared_evals", member->shared_evals);
}
