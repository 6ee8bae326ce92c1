#define _POSIX_C_SOURCE 200809L
#include "drv_select.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_rowexpr.h"

bool drv_select_columns(const drv_csv *t, const char *group_by, long *cols, size_t *ncols, char *bad, size_t badlen)
{
    *ncols = 0;
    if (!group_by)
        return true;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", group_by);
    char *save = NULL;
    for (char *g = strtok_r(buf, ", ", &save); g && *ncols < DRV_SELECT_MAX_COLUMNS; g = strtok_r(NULL, ", ", &save)) {
        if ((cols[*ncols] = drv_csv_col(t, g)) < 0) {
            snprintf(bad, badlen, "%s", g);
            return false;
        }
        (*ncols)++;
    }
    return true;
}

bool drv_select_where(const drv_expr *where, const drv_csv *t, size_t **rows, size_t *n)
{
    *n = 0;
    *rows = malloc((t->nrows ? t->nrows : 1) * sizeof **rows);
    for (size_t i = 0; *rows && i < t->nrows; i++) {
        char e[256];
        if (!where || drv_rowexpr_num(where, t, i, NULL, 0, e, sizeof e) != 0)
            (*rows)[(*n)++] = i;
    }
    return *rows != NULL;
}

static bool same_cells(const drv_csv *t, size_t a, size_t b, const long *cols, size_t ncols)
{
    for (size_t g = 0; g < ncols; g++)
        if (strcmp(drv_csv_cell(t, a, (size_t)cols[g]), drv_csv_cell(t, b, (size_t)cols[g])) != 0)
            return false;
    return true;
}

bool drv_select_groups(const drv_csv *t, const size_t *rows, size_t n, const long *cols, size_t ncols,
                       drv_select_group **groups, size_t *ngroups)
{
    drv_select_group *g = NULL;
    size_t ng = 0;
    bool *taken = calloc(n ? n : 1, sizeof *taken);
    bool ok = taken != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        if (taken[i])
            continue;
        drv_select_group *more = realloc(g, (ng + 1) * sizeof *g);
        size_t *members = malloc((n - i) * sizeof *members);
        if (more)
            g = more;
        if (!more || !members) {
            free(members);
            ok = false;
            break;
        }
        g[ng] = (drv_select_group){members, 0};
        for (size_t j = i; j < n; j++)
            if (!taken[j] && same_cells(t, rows[i], rows[j], cols, ncols)) {
                taken[j] = true;
                members[g[ng].n++] = rows[j];
            }
        ng++;
    }
    free(taken);
    if (!ok) {
        drv_select_free(g, ng);
        g = NULL;
        ng = 0;
    }
    *groups = g;
    *ngroups = ng;
    return ok;
}

void drv_select_free(drv_select_group *groups, size_t ngroups)
{
    for (size_t i = 0; groups && i < ngroups; i++)
        free(groups[i].rows);
    free(groups);
}

void drv_select_label(const drv_csv *t, size_t row, const long *cols, size_t ncols, const char *sep, char *buf,
                      size_t len)
{
    buf[0] = '\0';
    for (size_t g = 0; g < ncols; g++) {
        size_t l = strlen(buf);
        snprintf(buf + l, len - l, "%s%s=%s", g ? sep : "", t->names[cols[g]], drv_csv_cell(t, row, (size_t)cols[g]));
    }
}
