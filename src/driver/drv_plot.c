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

#include "drv_collect.h"
#include "drv_file.h"
#include "drv_plotdata.h"
#include "drv_text.h"
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

/* Where one figure's files go: its script, data prefix, gnuplot's output
 * prefix (renamed when complete) and log. */
typedef struct figure {
    char script[PATH_MAX], data[PATH_MAX + 300], part[PATH_MAX + 300], log[PATH_MAX + 300];
} figure;

/* Draw plot section p into figs: its data, gnuplot, then NAME.pdf and
 * NAME.png renamed into place, only when both are complete.  0 or an exit
 * code with the error printed. */
static int draw(const drv_cmd_opts *o, const drv_experiment *s, const drv_experiment_section *p, const char *dir,
                const drv_csv *t, const char *figs)
{
    const char *script = drv_experiment_get(p, "script", NULL);
    figure g;
    char err[1024];
    snprintf(g.script, sizeof g.script, "%s/%s.gp", o->plots, script ? script : p->name);
    snprintf(g.data, sizeof g.data, "%s/data/%s", figs, p->name);
    snprintf(g.part, sizeof g.part, "%s/%s.part", figs, p->name);
    snprintf(g.log, sizeof g.log, "%s/data/%s.log", figs, p->name);
    size_t ns;
    if (access(g.script, R_OK) != 0)
        return drv_cmd_fail(DRV_EXIT_USAGE, "%s:%d: [plot %s]: no script %s", s->path, p->line, p->name, g.script);
    if (!drv_plotdata_prepare(s, p, dir, t, g.data, &ns, err, sizeof err))
        return drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    if (!run_gnuplot(g.script, g.data, g.part, g.log, err, sizeof err))
        return drv_cmd_fail(DRV_EXIT_FAILURE, "%s: %s", s->name, err);
    for (int k = 0; k < 2; k++) {
        char from[PATH_MAX + 320], to[PATH_MAX + 320];
        snprintf(from, sizeof from, "%s.%s", g.part, k ? "png" : "pdf");
        snprintf(to, sizeof to, "%s/%s.%s", figs, p->name, k ? "png" : "pdf");
        struct stat st;
        if (stat(from, &st) != 0 || st.st_size == 0 || rename(from, to) != 0)
            return drv_cmd_fail(DRV_EXIT_FAILURE, "%s: %s wrote no %s (see %s)", s->name, g.script, from, g.log);
    }
    return DRV_EXIT_OK;
}

/* figures.tex: every figure of the experiment with its caption (the
 * title when it has none). */
static bool put_figures_tex(FILE *f, const void *ctx, char *err, size_t errlen)
{
    const drv_experiment *s = ctx;
    char label[512];
    (void)err, (void)errlen;
    drv_experiment_label(s, label, sizeof label);
    for (size_t i = 0; i < s->nplots; i++) {
        const drv_experiment_section *p = &s->plots[i];
        const char *caption = drv_experiment_get(p, "caption", NULL);
        fprintf(f, "\\begin{figure}[tbp]\n\\centering\n\\includegraphics[width=0.8\\linewidth,height=0.7\\textheight,"
                   "keepaspectratio]{%s/figures/%s.pdf}\n\\caption{",
                label, p->name);
        drv_text_tex_escape(f, caption ? caption : s->title);
        fprintf(f, " (\\texttt{");
        drv_text_tex_escape(f, s->name);
        fprintf(f, "})}\n\\label{fig:%s:%s}\n\\end{figure}\n\n", s->name, p->name);
    }
    return true;
}

int drv_plot_spec(const drv_cmd_opts *o, const char *x)
{
    drv_experiment s;
    drv_csv t;
    size_t done, total;
    char dir[PATH_MAX], err[1024];
    int code = drv_collect_load_index(o, x, true, &s, &t, dir, sizeof dir, &done, &total);
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
    for (size_t i = 0; i < s.nplots && code == DRV_EXIT_OK; i++)
        code = draw(o, &s, &s.plots[i], dir, &t, figs);
    char tp[PATH_MAX + 32];
    snprintf(tp, sizeof tp, "%s/figures.tex", figs);
    if (code == DRV_EXIT_OK && !drv_file_write(tp, put_figures_tex, &s, err, sizeof err))
        code = drv_cmd_fail(DRV_EXIT_USAGE, "%s", err);
    if (code != DRV_EXIT_OK)
        drv_collect_hint_no_runs(&s, dir, done);
    if (code == DRV_EXIT_OK)
        printf("%s: %zu figure%s in %s (%zu of %zu runs)\n", s.name, s.nplots, s.nplots == 1 ? "" : "s", figs, done,
               total);
    drv_csv_free(&t);
    drv_experiment_free(&s);
    return code;
}
