/* mmap's MAP_ANONYMOUS and MAP_NORESERVE, and the ucontext calls */
#define _DEFAULT_SOURCE
#include "app_group.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h> /* its requests cost nothing outside valgrind */
#define STACK_REGISTER(lo, hi) VALGRIND_STACK_REGISTER(lo, hi)
#define STACK_DEREGISTER(id) VALGRIND_STACK_DEREGISTER(id)
#endif
#endif
#ifndef STACK_REGISTER
#define STACK_REGISTER(lo, hi) 0u
#define STACK_DEREGISTER(id) ((void)(id))
#endif

#include "app_common.h"
#include "app_runs.h"

typedef struct member_ctx member_ctx;

struct app_group {
    ucontext_t sched; /* app_group_run's own context, which picks the member to go on */
    member_ctx *m;
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
    size_t cur;       /* the member going on */
};

/* A member: its run on a stack of its own (app_member first, so that the
 * normal map's context leads back here). */
struct member_ctx {
    app_member member;
    app_member_fn one;
    int argc;
    char **argv;
    int code;
    ucontext_t ctx;
    void *stack;
    unsigned vg_stack; /* valgrind's id for the stack */
    bool started, finished;
    bool waiting;          /* at an evaluation ... */
    unsigned long wait_gen; /* ... that the group has not done while generation == wait_gen */
};

/* The member's stack, as large as a thread's by default; pages are taken
 * as they are touched. */
#define MEMBER_STACK ((size_t)8 << 20)

/* Evaluate every waiting member, one pass per operator; they go on as the
 * scheduler reaches them (app_group_run). */
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
}

/* Evaluate once every member that still runs waits and none is setting up. */
static void maybe_flush(app_group *g)
{
    if (g->nwait > 0 && g->nwait == g->nactive && g->npending == 0)
        flush(g);
}

/* The members' normal map (mfd_sense_normal_fn): wait for the group, the
 * others going on meanwhile. */
static mfd_status group_normal(void *ctx, mfd_sense *s)
{
    app_member *me = ctx;
    member_ctx *mc = (member_ctx *)me;
    app_group *g = me->group;
    g->wait[g->nwait] = s;
    g->waiter[g->nwait++] = me;
    mc->wait_gen = g->generation;
    mc->waiting = true;
    maybe_flush(g);
    while (g->generation == mc->wait_gen)
        swapcontext(&mc->ctx, &g->sched);
    mc->waiting = false;
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

/* A member's first entry (makecontext passes ints only: the group finds
 * the member it starts in g->m[g->cur]). */
static app_group *starting;

static void member_main(void)
{
    app_group *g = starting;
    member_ctx *a = &g->m[g->cur];
    a->code = a->one(a->argc, a->argv, &a->member);
    leave(&a->member);
    a->finished = true; /* back to the scheduler through uc_link */
}

/* Give member i its stack and context; false when it cannot have them. */
static bool member_start(app_group *g, size_t i)
{
    member_ctx *a = &g->m[i];
    a->stack = mmap(NULL, MEMBER_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (a->stack == MAP_FAILED) {
        a->stack = NULL;
        return false;
    }
    /* a guard page under the stack: an overflow faults instead of writing
     * into whatever lies below */
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || mprotect(a->stack, (size_t)page, PROT_NONE) != 0 || getcontext(&a->ctx) != 0) {
        munmap(a->stack, MEMBER_STACK);
        a->stack = NULL;
        return false;
    }
    a->ctx.uc_stack.ss_sp = a->stack;
    a->ctx.uc_stack.ss_size = MEMBER_STACK;
    a->ctx.uc_link = &g->sched;
    a->vg_stack = STACK_REGISTER((char *)a->stack, (char *)a->stack + MEMBER_STACK);
    makecontext(&a->ctx, member_main, 0);
    a->started = true;
    return true;
}

/* May member i go on: started, not finished, and not waiting for an
 * evaluation the group has still to do? */
static bool runnable(const app_group *g, size_t i)
{
    const member_ctx *a = &g->m[i];
    return a->started && !a->finished && !(a->waiting && a->wait_gen == g->generation);
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
    free(g->m);
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
    g.m = calloc(n, sizeof *g.m);
    g.wait = malloc(n * sizeof *g.wait);
    g.waiter = malloc(n * sizeof *g.waiter);
    g.part = malloc(n * sizeof *g.part);
    g.done = malloc(n * sizeof *g.done);
    g.ops = malloc(n * sizeof *g.ops);
    if (!g.m || !g.wait || !g.waiter || !g.part || !g.done || !g.ops || mfd_sense_group_alloc(n, &g.grp) != MFD_OK) {
        group_free(&g);
        app_error(prog, "%s", mfd_status_str(MFD_ENOMEM));
        return APP_EXIT_FAILURE;
    }
    /* every member counts as setting up before any starts: none can
     * evaluate before the others have joined or gone their own way */
    for (size_t i = 0; i < n; i++) {
        g.m[i] = (member_ctx){.member = {&g, true, false, MFD_OK, 0, 0},
                              .one = one,
                              .argc = argc[i],
                              .argv = argv[i],
                              .code = APP_EXIT_FAILURE};
        g.npending++;
    }
    for (size_t i = 0; i < n; i++)
        if (!member_start(&g, i)) {
            leave(&g.m[i].member);
            app_error(prog, "cannot give run %zu of the group a stack", i + 1);
        }
    /* One member computes at a time, in this thread: each goes on until it
     * waits at an evaluation or ends, then the next that may go on does.
     * The last to arrive at an evaluation does it for all (flush), so one
     * member at least may always go on until all have ended. */
    starting = &g;
    for (bool any = true; any;) {
        any = false;
        for (size_t i = 0; i < n; i++)
            if (runnable(&g, i)) {
                g.cur = i;
                swapcontext(&g.sched, &g.m[i].ctx);
                any = true;
            }
    }
    int code = APP_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        if (g.m[i].started && !g.m[i].finished) { /* cannot happen: reported, not hidden */
            app_error(prog, "run %zu of the group was left waiting for an evaluation", i + 1);
            g.m[i].code = APP_EXIT_FAILURE;
        }
        code = app_runs_worse(code, g.m[i].code);
        if (g.m[i].stack) {
            STACK_DEREGISTER(g.m[i].vg_stack);
            munmap(g.m[i].stack, MEMBER_STACK);
        }
    }
    group_free(&g);
    return code;
}

mfd_status app_group_run_info(const app_member *member, mfd_kv *kv)
{
    if (!member)
        return MFD_OK;
    MFD_CHECK(mfd_kv_add_int(kv, "op_group_runs", (long)member->group->n));
    return mfd_kv_add_int(kv, "op_shared_evals", member->shared_evals);
}
