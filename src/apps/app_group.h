/* app_group.h — runs of one --runs file that share a sensing operator,
 * stepped together over one copy of it.
 *
 * The runs of a group each run the program's whole single-run path (parse,
 * build, loop, write) on a stack of its own (ucontext), all in the calling
 * thread, so only one computes at a time and a member goes on until it waits
 * at an evaluation or ends.  Every evaluation of a member's normal map
 * (mfd_sense_set_normal) waits until each member still running waits too;
 * the last to arrive evaluates all of them, one pass over the operator per
 * operator among them (mfd_sense_group_normal), and the others go on in
 * turn.  The batched map gives each run the bits it gets alone
 * (mfd_sensbatch.h), so a member's numbers are those of the same run by
 * itself; its time columns count the group's work, not its own.
 *
 * A pass is shared only where it pays.  Switching from member to member
 * costs a fraction of a microsecond per member and evaluation (a context
 * switch within the thread: two signal-mask system calls), while one pass
 * over a small stored operator costs about as much: so a stored operator of
 * fewer than APP_GROUP_SHARE_MIN entries is still built once and borrowed,
 * but each member evaluates it alone (op_shared_evals = 0); the bits are the
 * same either way.  The environment variable MFD_GROUP_SHARE_MIN sets
 * another bound (0: every pass shared; the tests use it).
 *
 * The first member to build a Gaussian operator hands it to the group
 * (app_group_adopt_op), and members that draw the same one borrow it
 * (app_group_shared_op): one copy in memory, freed with the group. */
#ifndef APP_GROUP_H
#define APP_GROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "mfd_lowrank.h"
#include "mfd_out.h"
#include "mfd_sense.h"

typedef struct app_group app_group;

/* The smallest stored operator (m n1 n2 entries) over which a group's runs
 * are evaluated in one pass (above). */
#define APP_GROUP_SHARE_MIN ((size_t)1 << 17)

/* One run of a group, as the program's single-run function sees it. */
typedef struct app_member {
    app_group *group;
    bool pending; /* not yet joined or gone its own way */
    bool joined;  /* its evaluations wait for the group's */
    mfd_status st;
    long evals, shared_evals; /* its evaluations, and those done in one pass with other runs */
} app_member;

/* A run of a program that steps group members: the program's whole path for
 * one command line; member is NULL for a run alone. */
typedef int (*app_member_fn)(int argc, char **argv, app_member *member);

/* Run the n command lines together, each on its own stack (as above),
 * sharing the passes over stored operators of share_min entries or more; the
 * worst exit code (app_runs_worse), APP_EXIT_FAILURE for a run that cannot
 * be given a stack. */
int app_group_run(const char *prog, size_t n, int *argc, char ***argv, app_member_fn one, size_t share_min);

/* *out = the bound under which a group's passes are not shared:
 * APP_GROUP_SHARE_MIN, or MFD_GROUP_SHARE_MIN from the environment (a whole
 * number of entries; 0 shares every pass).  false (reported) on a bad
 * value: the caller exits 2 before any run starts. */
bool app_group_share_min(const char *prog, size_t *out);

/* The group's Gaussian operator that p draws, if a member built it (NULL
 * otherwise, or when member is NULL). */
const mfd_sensop *app_group_shared_op(app_member *member, const mfd_lowrank_params *p);

/* After building: the group takes lr's Gaussian operator when lr drew it
 * itself, so that the members that follow borrow it. */
void app_group_adopt_op(app_member *member, mfd_lowrank *lr);

/* Set up and about to loop: s's evaluations join the group's when s is
 * batchable; otherwise the run goes its own way.  Either way the member no
 * longer holds the others back.  A no-op when member is NULL. */
mfd_status app_group_join(app_member *member, mfd_sense *s);

/* run.ini lines of a member: op_group_runs (the runs of its group) and
 * op_shared_evals (its evaluations done in one pass with others).  A no-op
 * when member is NULL. */
mfd_status app_group_run_info(const app_member *member, mfd_kv *kv);

#endif
