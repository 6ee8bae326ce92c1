/* drv_budget.h — a larger budget: continuing a complete run of a smaller one.
 *
 * A run's id depends on all its arguments, iters and tol included, so a spec
 * whose budget was raised plans new folders.  Before a run whose folder does
 * not exist yet is started, drv_budget_adopt copies into it the complete run
 * of the results folder that it continues, if there is one (drv_budget.c
 * says which); the program, started there with the larger budget, continues
 * it from its final checkpoint (app_ckpt.h). */
#ifndef DRV_BUDGET_H
#define DRV_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct drv_budget_sib drv_budget_sib;

typedef struct drv_budget {
    const char *dir, *prog; /* the results folder and the program's path */
    drv_budget_sib *sibs;   /* its complete runs, read when first needed */
    size_t nsibs, adopted;  /* adopted: runs copied so far */
    bool sibs_read;
} drv_budget;

/* Run id with key=value arguments args[0..n) of b->prog: when its folder does
 * not exist, copy the complete run of a smaller budget that it continues. */
void drv_budget_adopt(drv_budget *b, const char *id, char **args, size_t n);

void drv_budget_free(drv_budget *b);

#endif
