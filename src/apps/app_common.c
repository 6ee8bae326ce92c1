#define _POSIX_C_SOURCE 200809L
#include "app_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mfd_la.h"
#include "mfd_gauss.h"
#include "mfd_sensbatch.h"
#include "mfd_small.h"
#include "mfd_version.h"

static void verror(const char *prog, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: error: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void app_error(const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(prog, fmt, ap);
    va_end(ap);
}

int app_usage_error(const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(prog, fmt, ap);
    va_end(ap);
    return APP_EXIT_USAGE;
}

void app_blas_core_restart(char **argv)
{
    const char *preload = getenv("LD_PRELOAD");
    if (getenv("OPENBLAS_CORETYPE") || (preload && strstr(preload, "vgpreload")))
        return;
    const char *core = mfd_la_blas_core_upgrade();
    if (!core)
        return;
    /* /proc/self/exe is the program, unless the dynamic loader was run with
     * the program as its argument (ld-linux-x86-64.so.2 ./mfd-deep ...) */
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return; /* no /proc: the generic kernels it is */
    exe[len] = '\0';
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    if (strncmp(base, "ld-", 3) == 0 || strncmp(base, "ld.so", 5) == 0 || setenv("OPENBLAS_CORETYPE", core, 1) != 0)
        return;
    fflush(NULL);
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");
}

static void emit_line(void *ctx, const char *line) { fprintf((FILE *)ctx, "%s\n", line); }

bool app_info_flags(const char *prog, const char *synopsis, mfd_param_table t, int argc, char **argv, int *code)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s key=value ...\n"
                   "       %s --runs FILE   (one run per line, its key=value arguments TAB-separated)\n\n"
                   "%s\n\nkeys:\n",
                   prog, prog, synopsis);
            mfd_param_help(t, emit_line, stdout);
            printf("\nexit codes: 0 run complete (any stop reason), 1 run failed, 2 bad arguments or input\n");
            *code = APP_EXIT_OK;
            return true;
        }
        if (strcmp(argv[i], "--keys") == 0) { /* machine-readable: the driver validates specs with it */
            for (size_t k = 0; k < t.n; k++)
                printf("%s\n", t.spec[k].key);
            *code = APP_EXIT_OK;
            return true;
        }
        if (strcmp(argv[i], "--observing-keys") == 0) { /* the keys the driver leaves out of seeds */
            for (size_t k = 0; k < t.n; k++)
                if (t.spec[k].flags & MFD_P_OBSERVE)
                    printf("%s\n", t.spec[k].key);
            *code = APP_EXIT_OK;
            return true;
        }
        if (strcmp(argv[i], "--operator-keys") == 0) { /* the keys the driver's operator seed hashes */
            for (size_t k = 0; k < t.n; k++)
                if (t.spec[k].flags & MFD_P_OPERATOR)
                    printf("%s\n", t.spec[k].key);
            *code = APP_EXIT_OK;
            return true;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("%s %s\n", prog, MFD_VERSION);
            *code = APP_EXIT_OK;
            return true;
        }
    }
    return false;
}

bool app_given(mfd_param_table t, const bool *given, const char *key)
{
    const mfd_param_spec *s = mfd_param_find(t, key);
    return s && given[s - t.spec];
}

int app_read_npy(const char *prog, const char *key, const char *path, mfd_npy *out)
{
    char err[1024];
    if (mfd_npy_read(path, out, err, sizeof err) != MFD_OK) {
        app_error(prog, "key '%s': %s", key, err);
        return APP_EXIT_USAGE;
    }
    return APP_EXIT_OK;
}

int app_file_choice(const char *prog, const char *choice_key, bool choice_given, int *choice, int file_value,
                    const char *path_key, const char *path)
{
    if (path) {
        if (choice_given && *choice != file_value) {
            app_error(prog, "key '%s' is given but %s is not 'file'; drop one of them", path_key, choice_key);
            return APP_EXIT_USAGE;
        }
        *choice = file_value;
    } else if (*choice == file_value) {
        app_error(prog, "key '%s': 'file' needs %s=<path.npy>", choice_key, path_key);
        return APP_EXIT_USAGE;
    }
    return APP_EXIT_OK;
}

/* Copy the program's rows and fill in the method key's choices; false when
 * they do not fit (a programming error). */
static bool table_init(const app_program *prog, app_table *at)
{
    if (prog->nrows > APP_MAX_KEYS ||
        mfd_method_choices(prog->methods, prog->nmethods, at->methods, sizeof at->methods) != MFD_OK)
        return false;
    memcpy(at->spec, prog->rows, prog->nrows * sizeof *prog->rows);
    for (size_t i = 0; i < prog->nrows; i++)
        if (strcmp(at->spec[i].key, "method") == 0)
            at->spec[i].choices = at->methods;
    at->t.spec = at->spec;
    at->t.n = prog->nrows;
    return true;
}

const mfd_method_type *app_method(mfd_param_table t, const void *params, const mfd_method_type *const *methods,
                                  size_t nm)
{
    char name[64];
    const mfd_param_spec *s = mfd_param_find(t, "method");
    if (!s)
        return NULL;
    mfd_param_format(s, params, name, sizeof name);
    return mfd_method_find(methods, nm, name);
}

/* BLAS's threads when the program started: OPENBLAS_NUM_THREADS as OpenBLAS
 * read it (capped at the online CPUs, its default when the value is bad);
 * recorded by app_start before any run sets its own. */
static int blas_start_threads;

/* The kernel path the environment variable var names, if it is set; false
 * (with the error printed) for a name set() refuses. */
static bool kernels_from_env(const char *prog, const char *var, mfd_status (*set)(const char *name),
                             const char *expected)
{
    const char *name = getenv(var);
    mfd_status st = name && *name ? set(name) : MFD_OK;
    if (st == MFD_EUNSUPPORTED)
        app_error(prog, "environment variable %s: '%s' needs an instruction set this CPU or build lacks", var, name);
    else if (st != MFD_OK)
        app_error(prog, "environment variable %s: '%s' is not a kernel path; expected %s", var, name, expected);
    return st == MFD_OK;
}

bool app_start(const app_program *program, app_table *tab, void *params, bool *given, int argc, char **argv, int *code)
{
    const char *prog = program->name;
    char err[1024];
    if (!table_init(program, tab)) {
        app_error(prog, "the parameter table does not fit (%zu keys, %zu methods)", program->nrows, program->nmethods);
        *code = APP_EXIT_FAILURE;
        return false;
    }
    mfd_param_table t = tab->t;
    if (app_info_flags(prog, program->synopsis, t, argc - 1, argv + 1, code))
        return false;
    if (!kernels_from_env(prog, "MFD_SMALL_KERNELS", mfd_small_set_path, "auto, avx2 or plain") ||
        !kernels_from_env(prog, "MFD_GAUSS_KERNELS", mfd_gauss_set_path, "auto, avx512, avx2 or plain") ||
        !kernels_from_env(prog, "MFD_SENSE_KERNELS", mfd_sensbatch_set_path, "auto, avx512, avx2 or plain")) {
        *code = APP_EXIT_USAGE;
        return false;
    }
    if (mfd_param_defaults(t, params, err, sizeof err) != MFD_OK) {
        app_error(prog, "%s", err);
        *code = APP_EXIT_FAILURE;
        return false;
    }
    if (mfd_param_parse_args(t, params, argc - 1, argv + 1, given, err, sizeof err) != MFD_OK) {
        app_error(prog, "%s (%s --help lists the keys)", err, prog);
        *code = APP_EXIT_USAGE;
        return false;
    }
    if (blas_start_threads == 0)
        blas_start_threads = mfd_la_blas_threads();
    const mfd_param_spec *threads = mfd_param_find(t, "threads");
    long n = threads ? *(const long *)((const char *)params + threads->offset) : 0;
    if (n > 0)
        mfd_la_set_blas_threads((int)n);
    return true;
}

int app_threads_free(void)
{
    const char *e = getenv("MFD_THREADS_AVAILABLE");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN), avail = e ? strtol(e, NULL, 10) : cpus;
    if (cpus > 0 && avail > cpus) /* more threads than cores never pays (mfd run -j may exceed them) */
        avail = cpus;
    return avail > 1 ? (int)avail : 1;
}

void app_blas_threads(long threads, bool big)
{
    if (threads > 0)
        mfd_la_set_blas_threads((int)threads);
    else if (getenv("OPENBLAS_NUM_THREADS") && blas_start_threads > 0)
        mfd_la_set_blas_threads(blas_start_threads);
    else
        mfd_la_set_blas_threads(big ? app_threads_free() : 1);
}

double app_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void app_utc_iso(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

mfd_status app_params_kv(mfd_param_table t, const void *params, mfd_kv *kv)
{
    char buf[8192];
    for (size_t i = 0; i < t.n; i++) {
        mfd_param_format(&t.spec[i], params, buf, sizeof buf);
        MFD_CHECK(mfd_kv_add_str(kv, t.spec[i].key, buf));
    }
    return MFD_OK;
}

mfd_status app_run_kv(const char *prog, int argc, char **argv, mfd_kv *kv)
{
    char buf[8192], host[256];
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, i ? " %s" : "%s", argv[i]);
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    MFD_CHECK(mfd_kv_add_str(kv, "program", prog));
    MFD_CHECK(mfd_kv_add_str(kv, "version", MFD_VERSION));
    MFD_CHECK(mfd_kv_add_str(kv, "command", buf));
    MFD_CHECK(mfd_kv_add_str(kv, "blas_core", mfd_la_blas_core()));
    MFD_CHECK(mfd_kv_add_int(kv, "blas_threads", mfd_la_blas_threads()));
    MFD_CHECK(mfd_kv_add_str(kv, "small_kernels", mfd_small_path()));
    MFD_CHECK(mfd_kv_add_str(kv, "gauss_kernels", mfd_gauss_path()));
    MFD_CHECK(mfd_kv_add_str(kv, "sense_kernels", mfd_sensbatch_path()));
    MFD_CHECK(mfd_kv_add_str(kv, "host", host));
    return MFD_OK;
}
