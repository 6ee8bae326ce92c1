/* app_common.h — what the mfdyn programs share: error reporting, --help and
 * --version from the parameter table, clocks, and the metadata every run
 * records.  The programs use only libmfdyn's public API. */
#ifndef APP_COMMON_H
#define APP_COMMON_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "mfd_method.h"
#include "mfd_out.h"
#include "mfd_npy.h"
#include "mfd_param.h"

/* Exit codes of every mfdyn program (README.md "Exit codes"). */
enum {
    APP_EXIT_OK = 0,      /* the run completed and wrote its files (whatever its stop reason) */
    APP_EXIT_FAILURE = 1, /* the run could not complete: I/O error, out of memory, LAPACK failure */
    APP_EXIT_USAGE = 2    /* bad command line or input file: nothing was written */
};

/* "prog: error: <message>" on stderr. */
void app_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* app_error, then APP_EXIT_USAGE: for bad arguments and inputs. */
int app_usage_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Handle --help / -h, --keys (one key per line) and --version.  Returns true (and sets *code) when one
 * of them was given and answered. */
bool app_info_flags(const char *prog, const char *synopsis, mfd_param_table t, int argc, char **argv, int *code);

/* True when `key` was given on the command line (given[] as filled by app_parse). */
bool app_given(mfd_param_table t, const bool *given, const char *key);

/* Read an .npy given by `key`; on failure print "key '<key>': <why>" and
 * return APP_EXIT_USAGE. */
int app_read_npy(const char *prog, const char *key, const char *path, struct mfd_npy *out);

/* A choice key that has a "file" value paired with a path key (target and
 * target_file): a given path selects "file" (the choice must then be unset
 * or "file"); "file" without a path is an error.  Returns an exit code. */
int app_file_choice(const char *prog, const char *choice_key, bool choice_given, int *choice, int file_value,
                    const char *path_key, const char *path);

/* What a program is: its name, its synopsis, its parameter rows and the
 * update rules it offers (whose names are its method key's choices). */
typedef struct app_program {
    const char *name, *synopsis;
    const mfd_param_spec *rows;
    size_t nrows;
    const mfd_method_type *const *methods;
    size_t nmethods;
} app_program;

/* A program's parameter table, made at start-up from its rows: the choices
 * of its `method` key (APP_METHOD_KEY) are the names of the update rules it
 * offers, so that method=, --help and --keys list exactly the rules it has. */
#define APP_MAX_KEYS 96
typedef struct app_table {
    mfd_param_spec spec[APP_MAX_KEYS];
    char methods[256]; /* the method key's choices: "gd|scaledgd|..." */
    mfd_param_table t;
} app_table;

/* The method key's row, its choices filled in by app_start. */
#define APP_METHOD_KEY(T, member, DEF, HELP) \
    {"method", MFD_P_CHOICE, DEF, 0, 0, 0, NULL, offsetof(T, member), HELP}

/* Rows every program has, with its own defaults. */
#define APP_ETA_KEY(T, member, DEF) \
    {"eta", MFD_P_REAL, DEF, 0, INFINITY, MFD_P_MIN_OPEN, NULL, offsetof(T, member), "step size"}
#define APP_ITERS_KEY(T, member, DEF) \
    {"iters", MFD_P_INT, DEF, 0, 1e15, MFD_P_OBSERVE, NULL, offsetof(T, member), "iteration budget"}
#define APP_OUT_KEY(T, member) \
    {"out", MFD_P_STR, NULL, 0, 0, MFD_P_REQUIRED, NULL, offsetof(T, member), "output directory of the run"}
#define APP_THREADS_KEY(T, member)                                                  \
    {"threads", MFD_P_INT, "0", 0, 1024, MFD_P_OBSERVE, NULL, offsetof(T, member), \
     "BLAS threads (0: OPENBLAS_NUM_THREADS when set, else one below d = 160 and the free cores from it)"}

/* The rule that the method key holds in params, found by its name. */
const mfd_method_type *app_method(mfd_param_table t, const void *params, const mfd_method_type *const *methods,
                                  size_t nm);

/* The start of every main(): the table (*tab), --help, --keys,
 * --observing-keys and --version, defaults, key=value parsing with the error
 * printed, and the BLAS threads of the `threads` key.  Returns true when the
 * program goes on; otherwise *code is its exit code. */
bool app_start(const app_program *prog, app_table *tab, void *params, bool *given, int argc, char **argv, int *code);

/* OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded, before main.
 * Where it is unset and OpenBLAS fell back to its generic kernels on a CPU it
 * does not know (mfd_la_blas_core_upgrade), the program starts itself again
 * (execv of /proc/self/exe with the same argv) with the core whose
 * instructions the CPU has: by hand and under mfd run alike, so a run's bits
 * do not depend on who started it.  Not when the user set a core, nor under
 * valgrind (the program started again would run outside it), nor when the
 * dynamic loader was started with the program as its argument; where the
 * restart fails the program goes on with the generic kernels.  The first
 * call of app_main_batch and app_main_grouped. */
void app_blas_core_restart(char **argv);

/* The cores a program may give one run's threads: MFD_THREADS_AVAILABLE
 * when set (mfd run sets it: 1, or the job slots left idle), at most the
 * online CPUs; the online CPUs otherwise. */
int app_threads_free(void);

/* A run's BLAS threads: `threads` when positive; else, when
 * OPENBLAS_NUM_THREADS is set, the threads OpenBLAS took from it at start
 * (its own parsing and cap); else app_threads_free() when `big` (products
 * large enough for a second thread to pay) and one otherwise.  Set for every
 * run, before its build, so that a run of a batch gets what it would get
 * alone. */
void app_blas_threads(long threads, bool big);

/* Monotonic seconds. */
double app_now(void);

/* Current UTC time as 2026-01-31T12:00:00Z. */
void app_utc_iso(char *buf, size_t len);

/* Every parameter's resolved value, in table order. */
mfd_status app_params_kv(mfd_param_table t, const void *params, mfd_kv *kv);

/* program, version, command line, BLAS core and threads, host. */
mfd_status app_run_kv(const char *prog, int argc, char **argv, mfd_kv *kv);

#endif
