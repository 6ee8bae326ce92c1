#define _POSIX_C_SOURCE 200809L
#include "drv_plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drv_claimtab.h"
#include "drv_collect.h"
#include "drv_plotdata.h"
#include "mfd_out.h"

/* gnuplot -c script data out, its output in log; 0 or a message in err. */
static bool run_gnuplot(const char *script, const char *data, const char *out, const char *log, char *err,
                        size_t errlen)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot start gnuplot: %s", strerror(errno));
        return false;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execlp("gnuplot", "gnuplot", "-c", script, data, out, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        snprintf(err, errlen, "gnuplot is not installed (Debian package gnuplot-nox; make deps installs it)");
        return false;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "gnuplot failed on %.400s; see %.400s", script, log);
        return false;
    }
    return true;
}

int drv_plot_spec(const drv_cmd_opts *o, const char *x)
{
    drv_experiment s;
    drv_csv t;
    size_t done, total;
    char dir[PATH_MAX], err[1024];
    int code = drv_collect_load_index(o, x, &s, &t, dir, sizeof dir, &done, &total);
    if (code)
        return code;
    char figs[PATH_MAX + 16], data[PATH_MAX + 32];
    snprintf(figs, sizeof figs, "%s/figures", dir);
    snprintf(data, sizeof data, "%s/data", figs);
    if (mfd_out_mkdirs(data, err, sizeof err) != MFD_OK) {
        drv_csv_free(&t);
        drv_experiment_free(&s);
        return drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    }
    char *tex = NULL;
    size_t tlen = 0;
    FILE *tf = open_memstream(&tex, &tlen);
    size_t drawn = 0;
    for (size_t i = 0; tf && i < s.nplots && code == 0; i++) {
        const drv_experiment_section *p = &s.plots[i];
        const char *script = drv_experiment_get(p, "script", NULL);
        char sp[PATH_MAX], dp[PATH_MAX + 300], part[PATH_MAX + 300], log[PATH_MAX + 300];
        snprintf(sp, sizeof sp, "%s/%s.gp", o->plots, script ? script : p->name);
        snprintf(dp, sizeof dp, "%s/%s", data, p->name);
        snprintf(part, sizeof part, "%s/%s.part", figs, p->name);
        snprintf(log, sizeof log, "%s/%s.log", data, p->name);
        size_t ns;
        if (access(sp, R_OK) != 0) {
            code = drv_cmd_fail(DRV_EXIT_USAGE, "%s:%d: [plot %s]: no script %s", s.path, p->line, p->name, sp);
            break;
        }
        if (!drv_plotdata_prepare(&s, p, dir, &t, dp, &ns, err, sizeof err)) {
            code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
            break;
        }
        if (!run_gnuplot(sp, dp, part, log, err, sizeof err)) {
            code = drv_cmd_fail(DRV_EXIT_FAILURE, "%s: %s", s.name, err);
            break;
        }
        for (int k = 0; k < 2 && code == 0; k++) { /* the figure appears only when both files are complete */
            char from[PATH_MAX + 320], to[PATH_MAX + 320];
            snprintf(from, sizeof from, "%s.%s", part, k ? "png" : "pdf");
            snprintf(to, sizeof to, "%s/%s.%s", figs, p->name, k ? "png" : "pdf");
            struct stat st;
            if (stat(from, &st) != 0 || st.st_size == 0 || rename(from, to) != 0) {
                code = drv_cmd_fail(DRV_EXIT_FAILURE, "%s: %s wrote no %s (see %s)", s.name, sp, from, log);
            }
        }
        const char *caption = drv_experiment_get(p, "caption", NULL);
        fprintf(tf, "\\begin{figure}[tbp]\n\\centering\n\\includegraphics[width=0.8\\linewidth,height=0.7\\textheight,keepaspectratio]{%s%s%s/figures/%s.pdf}\n"
                    "\\caption{",
                s.name, s.scale ? "-" : "", s.scale ? s.scale : "", p->name);
        drv_claimtab_tex_escape(tf, caption ? caption : s.title);
        fprintf(tf, " (\\texttt{");
        drv_claimtab_tex_escape(tf, s.name);
        fprintf(tf, "})}\n\\label{fig:%s:%s}\n\\end{figure}\n\n", s.name, p->name);
        drawn++;
    }
    if (tf) {
        fclose(tf);
        char tp[PATH_MAX + 32];
        snprintf(tp, sizeof tp, "%s/figures.tex", figs);
        if (code == 0 && mfd_out_write_text(tp, tex ? tex : "", err, sizeof err) != MFD_OK)
            code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
        free(tex);
    }
    if (code == 0)
        printf("%s: %zu figure%s in %s (%zu of %zu runs)\n", s.name, drawn, drawn == 1 ? "" : "s", figs, done, total);
    drv_csv_free(&t);
    drv_experiment_free(&s);
    return code;
}
