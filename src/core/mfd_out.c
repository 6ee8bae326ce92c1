#define _GNU_SOURCE /* syncfs */
#include "mfd_out.h"

#include "mfd_fmt.h"
#include "mfd_param.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- key/value lists --------------------------------------------------- */

void mfd_kv_init(mfd_kv *kv)
{
    kv->n = kv->cap = 0;
    kv->keys = kv->vals = NULL;
}

void mfd_kv_free(mfd_kv *kv)
{
    if (!kv)
        return;
    for (size_t i = 0; i < kv->n; i++) {
        free(kv->keys[i]);
        free(kv->vals[i]);
    }
    free(kv->keys);
    free(kv->vals);
    mfd_kv_init(kv);
}

static char *dup_str(const char *s)
{
    size_t l = strlen(s) + 1;
    char *p = malloc(l);
    if (p)
        memcpy(p, s, l);
    return p;
}

mfd_status mfd_kv_add_str(mfd_kv *kv, const char *key, const char *val)
{
    if (kv->n == kv->cap) {
        size_t cap = kv->cap ? 2 * kv->cap : 16;
        char **k = realloc(kv->keys, cap * sizeof *k);
        if (!k)
            return MFD_ENOMEM;
        kv->keys = k;
        char **v = realloc(kv->vals, cap * sizeof *v);
        if (!v)
            return MFD_ENOMEM;
        kv->vals = v;
        kv->cap = cap;
    }
    char *k = dup_str(key), *v = dup_str(val ? val : "");
    if (!k || !v) {
        free(k);
        free(v);
        return MFD_ENOMEM;
    }
    kv->keys[kv->n] = k;
    kv->vals[kv->n] = v;
    kv->n++;
    return MFD_OK;
}

mfd_status mfd_kv_add_real(mfd_kv *kv, const char *key, double val)
{
    char b[40];
    mfd_format_real(b, sizeof b, val);
    return mfd_kv_add_str(kv, key, b);
}

mfd_status mfd_kv_add_int(mfd_kv *kv, const char *key, long val)
{
    char b[32];
    snprintf(b, sizeof b, "%ld", val);
    return mfd_kv_add_str(kv, key, b);
}

const char *mfd_kv_get(const mfd_kv *kv, const char *key)
{
    for (size_t i = 0; i < kv->n; i++)
        if (strcmp(kv->keys[i], key) == 0)
            return kv->vals[i];
    return NULL;
}

mfd_status mfd_strlist_addf(mfd_strlist *l, const char *fmt, ...)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        char **p = realloc(l->s, cap * sizeof *p);
        if (!p)
            return MFD_ENOMEM;
        l->s = p;
        l->cap = cap;
    }
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!(l->s[l->n] = dup_str(buf)))
        return MFD_ENOMEM;
    l->n++;
    return MFD_OK;
}

void mfd_strlist_free(mfd_strlist *l)
{
    for (size_t i = 0; l && i < l->n; i++)
        free(l->s[i]);
    if (l) {
        free(l->s);
        l->s = NULL;
        l->n = l->cap = 0;
    }
}

/* ---- files -------------------------------------------------------------- */

mfd_status mfd_out_mkdirs(const char *path, char *err, size_t errlen)
{
    size_t l = strlen(path);
    char *p = malloc(l + 1);
    if (!p)
        return MFD_ENOMEM;
    memcpy(p, path, l + 1);
    for (size_t i = 1; i <= l; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            mfd_errf(err, errlen, "cannot create directory '%s': %s", p, strerror(errno));
            free(p);
            return MFD_EIO;
        }
        p[i] = c;
    }
    struct stat sb;
    int ok = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    if (!ok)
        mfd_errf(err, errlen, "'%s' exists and is not a directory", path);
    free(p);
    return ok ? MFD_OK : MFD_EIO;
}

mfd_status mfd_out_path(const mfd_out *o, const char *name, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/%s", o->dir, name);
    return (n < 0 || (size_t)n >= len) ? MFD_ERANGE : MFD_OK;
}

/* Remove a file if present; a missing file is fine. */
static int remove_if_present(const char *path) { return (unlink(path) == 0 || errno == ENOENT) ? 0 : -1; }

/* Remove the files of <dir>/<name>/ and the folder (if present). */
static void remove_folder(const mfd_out *o, const char *name)
{
    char path[4096];
    if (mfd_out_path(o, name, path, sizeof path) != MFD_OK)
        return;
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    char f[4096 + 256];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(f, sizeof f, "%s/%s", path, e->d_name);
        remove_if_present(f);
    }
    closedir(d);
    rmdir(path);
}

/* Remove the named files of dir (in order); the first failure goes to err. */
static mfd_status remove_files(const mfd_out *o, const char *const *names, size_t n, char *err, size_t errlen)
{
    char path[4096];
    for (size_t i = 0; i < n; i++) {
        if (mfd_out_path(o, names[i], path, sizeof path) != MFD_OK)
            return MFD_ERANGE;
        if (remove_if_present(path) != 0) {
            mfd_errf(err, errlen, "cannot remove '%s' of an earlier run: %s", path, strerror(errno));
            return MFD_EIO;
        }
    }
    return MFD_OK;
}

/* Create dir, check that it can be written, keep its name in o. */
static mfd_status open_dir(mfd_out *o, const char *dir, char *err, size_t errlen)
{
    o->trace = NULL;
    o->ncols = 0;
    o->keep_trace = 0;
    o->queue = NULL;
    o->queued = 0;
    o->dir = dup_str(dir);
    if (!o->dir)
        return MFD_ENOMEM;
    size_t l = strlen(o->dir);
    while (l > 1 && o->dir[l - 1] == '/')
        o->dir[--l] = '\0';
    mfd_status st = mfd_out_mkdirs(o->dir, err, errlen);
    if (st != MFD_OK)
        return st;
    if (access(o->dir, W_OK) != 0) {
        mfd_errf(err, errlen, "cannot write into directory '%s': %s", o->dir, strerror(errno));
        return MFD_EIO;
    }
    return MFD_OK;
}

mfd_status mfd_out_open(mfd_out *o, const char *dir, char *err, size_t errlen)
{
    MFD_CHECK(open_dir(o, dir, err, errlen));
    /* summary.csv first: from here on the directory does not look complete;
     * then the checkpoint, so that nothing continues the earlier run. */
    static const char *const stale[] = {"summary.csv",      "checkpoint.bin", "checkpoint.bin.part", "run.ini",
                                        "trace.csv",        "summary.csv.part", "run.ini.part",      "trace.csv.part"};
    MFD_CHECK(remove_files(o, stale, sizeof stale / sizeof *stale, err, errlen));
    remove_folder(o, "final");
    remove_folder(o, MFD_OUT_SNAPSHOTS);
    return MFD_OK;
}

mfd_status mfd_out_reopen(mfd_out *o, const char *dir, char *err, size_t errlen)
{
    MFD_CHECK(open_dir(o, dir, err, errlen));
    static const char *const stale[] = {"summary.csv", "summary.csv.part", "run.ini", "run.ini.part"};
    MFD_CHECK(remove_files(o, stale, sizeof stale / sizeof *stale, err, errlen));
    remove_folder(o, "final");
    char part[4096], done[4096];
    if (mfd_out_path(o, "trace.csv.part", part, sizeof part) != MFD_OK ||
        mfd_out_path(o, "trace.csv", done, sizeof done) != MFD_OK)
        return MFD_ERANGE;
    if (access(part, F_OK) == 0)
        return MFD_OK;
    if (rename(done, part) != 0) { /* a complete run's trace continues under its temporary name */
        mfd_errf(err, errlen, "'%s' has a checkpoint but no trace to continue ('%s': %s)", o->dir, done,
                 strerror(errno));
        return errno == ENOENT ? MFD_EFORMAT : MFD_EIO;
    }
    return MFD_OK;
}

mfd_status mfd_out_mkdir(const mfd_out *o, const char *name, char *err, size_t errlen)
{
    char path[4096];
    if (mfd_out_path(o, name, path, sizeof path) != MFD_OK)
        return MFD_ERANGE;
    return mfd_out_mkdirs(path, err, errlen);
}

/* Flush, fsync (when sync) and close; report the first failure (a full disk
 * shows here, or at the queue's sync). */
static int close_file(FILE *f, int sync)
{
    int bad = fflush(f) != 0 || ferror(f);
    int saved = errno;
    if (!bad && sync && fsync(fileno(f)) != 0 && errno != EINVAL && errno != EROFS)
        bad = 1, saved = errno;
    if (fclose(f) != 0 && !bad)
        bad = 1, saved = errno;
    errno = saved;
    return bad ? -1 : 0;
}

static mfd_status commit(const char *tmp, const char *path, char *err, size_t errlen)
{
    if (rename(tmp, path) != 0) {
        mfd_errf(err, errlen, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        unlink(tmp);
        return MFD_EIO;
    }
    return MFD_OK;
}

/* Write text to path.part (fsync'ed when sync). */
static mfd_status write_part(const char *path, const char *text, int sync, char *err, size_t errlen)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.part", path) >= (int)sizeof tmp)
        return MFD_ERANGE;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        mfd_errf(err, errlen, "cannot create '%s': %s", tmp, strerror(errno));
        return MFD_EIO;
    }
    size_t len = strlen(text);
    int bad = fwrite(text, 1, len, f) != len;
    int saved = errno;
    if (close_file(f, sync) != 0 && !bad)
        bad = 1, saved = errno;
    if (bad) {
        mfd_errf(err, errlen, "cannot write '%s': %s", tmp, strerror(saved));
        unlink(tmp);
        return MFD_EIO;
    }
    return MFD_OK;
}

mfd_status mfd_out_write_text(const char *path, const char *text, char *err, size_t errlen)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.part", path) >= (int)sizeof tmp)
        return MFD_ERANGE;
    MFD_CHECK(write_part(path, text, 1, err, errlen));
    return commit(tmp, path, err, errlen);
}

/* ---- deferred completion ------------------------------------------------ */

/* The files a queued run renames, in this order (summary.csv last). */
enum { Q_INI = 1u, Q_TRACE = 2u, Q_SUMMARY = 4u };
static const char *const q_names[] = {"run.ini", "trace.csv", "summary.csv"};

typedef struct q_run {
    char *dir;
    unsigned files; /* Q_ bits */
} q_run;

#define Q_MAX_FS 8 /* file systems watched; beyond them sync() */

struct mfd_out_queue {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t timer;
    bool timer_on, stop;
    q_run *run;
    size_t n, cap;
    double seconds, last; /* the flush period and the last flush (monotonic seconds) */
    /* a descriptor per file system, opened when its first run was attached:
     * syncfs reports the write errors that happened since its descriptor was
     * opened (Linux 5.8 and later) */
    int fd[Q_MAX_FS];
    dev_t dev[Q_MAX_FS];
    size_t nfs;
    bool many_fs;
    mfd_status st; /* the first failure since the queue was made, and its message */
    char err[1024];
};

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void flush_locked(mfd_out_queue *q);

/* The timer: flush what waits once the period has passed since the last flush. */
static void *timer_main(void *arg)
{
    mfd_out_queue *q = arg;
    pthread_mutex_lock(&q->lock);
    while (!q->stop) {
        double due = q->last + q->seconds, now = mono_now();
        if (now >= due) {
            if (q->n > 0)
                flush_locked(q);
            else
                q->last = now;
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double w = due - now, at = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec + w;
        ts.tv_sec = (time_t)at;
        ts.tv_nsec = (long)((at - (double)ts.tv_sec) * 1e9);
        pthread_cond_timedwait(&q->wake, &q->lock, &ts);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

mfd_status mfd_out_queue_new(double seconds, mfd_out_queue **q)
{
    *q = NULL;
    if (!(seconds >= 0) || !isfinite(seconds))
        return MFD_EINVAL;
    mfd_out_queue *r = calloc(1, sizeof *r);
    if (!r)
        return MFD_ENOMEM;
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        free(r);
        return MFD_ENOMEM;
    }
    if (pthread_cond_init(&r->wake, NULL) != 0) {
        pthread_mutex_destroy(&r->lock);
        free(r);
        return MFD_ENOMEM;
    }
    r->seconds = seconds;
    r->last = mono_now();
    r->st = MFD_OK;
    if (seconds > 0 && pthread_create(&r->timer, NULL, timer_main, r) != 0) {
        mfd_out_queue_free(r);
        return MFD_ENOMEM;
    }
    r->timer_on = seconds > 0;
    *q = r;
    return MFD_OK;
}

size_t mfd_out_queue_pending(mfd_out_queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->n;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void mfd_out_queue_free(mfd_out_queue *q)
{
    if (!q)
        return;
    if (q->timer_on) {
        pthread_mutex_lock(&q->lock);
        q->stop = true;
        pthread_cond_signal(&q->wake);
        pthread_mutex_unlock(&q->lock);
        pthread_join(q->timer, NULL);
    }
    for (size_t i = 0; i < q->n; i++)
        free(q->run[i].dir);
    for (size_t i = 0; i < q->nfs; i++)
        close(q->fd[i]);
    free(q->run);
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

static void watch_locked(mfd_out_queue *q, const char *dir);

void mfd_out_queue_watch(mfd_out_queue *q, const char *dir)
{
    pthread_mutex_lock(&q->lock);
    watch_locked(q, dir);
    pthread_mutex_unlock(&q->lock);
}

static void watch_locked(mfd_out_queue *q, const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return; /* the flush names the folder if it is still missing */
    size_t k = 0;
    while (k < q->nfs && q->dev[k] != sb.st_dev)
        k++;
    if (k == q->nfs) {
        int fd = q->nfs < Q_MAX_FS ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (fd >= 0) {
            q->dev[q->nfs] = sb.st_dev;
            q->fd[q->nfs++] = fd;
        } else
            q->many_fs = true;
    }
}

/* Put the queued files' contents on the disk: one syncfs per watched file
 * system (Linux), else an fsync per file.  0, or -1 with errno set. */
static int sync_queued(const mfd_out_queue *q)
{
#ifdef __linux__
    if (q->many_fs)
        sync(); /* a file system beyond the watched ones: everything */
    for (size_t k = 0; k < q->nfs; k++)
        if (syncfs(q->fd[k]) != 0)
            return -1;
    return 0;
#else
    char tmp[4096];
    for (size_t i = 0; i < q->n; i++)
        for (size_t f = 0; f < sizeof q_names / sizeof *q_names; f++) {
            if (!(q->run[i].files & (1u << f)))
                continue;
            if (snprintf(tmp, sizeof tmp, "%s/%s.part", q->run[i].dir, q_names[f]) >= (int)sizeof tmp)
                continue; /* the rename reports it */
            int fd = open(tmp, O_RDWR | O_CLOEXEC);
            if (fd < 0)
                continue; /* the rename reports it */
            int r = fsync(fd);
            int saved = errno;
            close(fd);
            if (r != 0 && saved != EINVAL && saved != EROFS) {
                errno = saved;
                return -1;
            }
        }
    return 0;
#endif
}

/* Keep the first failure and its message. */
static void record(mfd_out_queue *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void record(mfd_out_queue *q, const char *fmt, ...)
{
    if (q->st != MFD_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->err, sizeof q->err, fmt, ap);
    va_end(ap);
    q->st = MFD_EIO;
}

/* Sync, then rename.  A failure leaves the .part files where they are (no
 * name looks complete, and a run with a checkpoint keeps its trace to
 * continue); it is recorded for mfd_out_queue_flush to report. */
static void flush_locked(mfd_out_queue *q)
{
    q->last = mono_now();
    if (q->n == 0)
        return;
    if (sync_queued(q) != 0) {
        record(q, "cannot sync the files of %zu completed runs (the first in '%s') to the disk: %s; they are left "
               "incomplete", q->n, q->run[0].dir, strerror(errno));
    } else {
        char tmp[4096], path[4096];
        size_t lost = 0;
        for (size_t i = 0; i < q->n; i++) {
            const q_run *r = &q->run[i];
            for (size_t f = 0; f < sizeof q_names / sizeof *q_names; f++) {
                if (!(r->files & (1u << f)))
                    continue;
                if (snprintf(tmp, sizeof tmp, "%s/%s.part", r->dir, q_names[f]) >= (int)sizeof tmp ||
                    snprintf(path, sizeof path, "%s/%s", r->dir, q_names[f]) >= (int)sizeof path)
                    errno = ENAMETOOLONG;
                else if (rename(tmp, path) == 0)
                    continue;
                if (lost++ == 0)
                    record(q, "cannot rename '%s' to '%s': %s; its run is left incomplete", tmp, path,
                           strerror(errno));
                break; /* no later name, summary.csv above all */
            }
        }
        if (lost > 1) {
            size_t l = strlen(q->err);
            if (l < sizeof q->err)
                snprintf(q->err + l, sizeof q->err - l, " (and %zu more runs)", lost - 1);
        }
    }
    for (size_t i = 0; i < q->n; i++)
        free(q->run[i].dir);
    q->n = 0;
}

mfd_status mfd_out_queue_flush(mfd_out_queue *q, char *err, size_t errlen)
{
    pthread_mutex_lock(&q->lock);
    flush_locked(q);
    mfd_status st = q->st;
    if (st != MFD_OK)
        mfd_errf(err, errlen, "%s", q->err);
    pthread_mutex_unlock(&q->lock);
    return st;
}

bool mfd_out_queue_holds(mfd_out_queue *q, const char *dir)
{
    size_t l = strlen(dir);
    while (l > 1 && dir[l - 1] == '/')
        l--;
    pthread_mutex_lock(&q->lock);
    bool held = false;
    for (size_t i = 0; i < q->n && !held; i++)
        held = strlen(q->run[i].dir) == l && strncmp(q->run[i].dir, dir, l) == 0;
    pthread_mutex_unlock(&q->lock);
    return held;
}

/* Hand the run's .part files to its queue (a period of 0 flushes at once). */
static mfd_status enqueue(mfd_out *o)
{
    mfd_out_queue *q = o->queue;
    char *dir = dup_str(o->dir);
    if (!dir)
        return MFD_ENOMEM;
    pthread_mutex_lock(&q->lock);
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        q_run *p = realloc(q->run, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&q->lock);
            free(dir);
            return MFD_ENOMEM;
        }
        q->run = p;
        q->cap = cap;
    }
    q->run[q->n++] = (q_run){dir, o->queued};
    o->queued = 0;
    watch_locked(q, dir); /* a folder no one watched (mfd_out_queue_watch) is synced all the same */
    if (q->seconds == 0)
        flush_locked(q);
    pthread_mutex_unlock(&q->lock);
    return MFD_OK;
}

/* Append to a growing text buffer. */
typedef struct strbuf {
    char *s;
    size_t n, cap;
    int failed;
} strbuf;

static void sb_add(strbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int need = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (need < 0) {
            b->failed = 1;
            return;
        }
        if (b->s && b->n + (size_t)need < b->cap) {
            b->n += (size_t)need;
            return;
        }
        size_t cap = b->cap ? b->cap : 1024;
        while (cap <= b->n + (size_t)need)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
}

/* A CSV field, quoted when it holds a comma, a quote or a line break. */
static void sb_csv_field(strbuf *b, const char *v)
{
    if (strpbrk(v, ",\"\n\r") == NULL) {
        sb_add(b, "%s", v);
        return;
    }
    sb_add(b, "\"");
    for (const char *p = v; *p; p++)
        sb_add(b, *p == '"' ? "\"\"" : "%c", *p);
    sb_add(b, "\"");
}

mfd_status mfd_out_trace_begin(mfd_out *o, const mfd_kv *meta, const char *const *cols, size_t ncols, char *err,
                               size_t errlen)
{
    char tmp[4096];
    if (mfd_out_path(o, "trace.csv.part", tmp, sizeof tmp) != MFD_OK)
        return MFD_ERANGE;
    o->trace = fopen(tmp, "w");
    if (!o->trace) {
        mfd_errf(err, errlen, "cannot create '%s': %s", tmp, strerror(errno));
        return MFD_EIO;
    }
    o->ncols = ncols;
    for (size_t i = 0; meta && i < meta->n; i++)
        fprintf(o->trace, "# %s: %s\n", meta->keys[i], meta->vals[i]);
    for (size_t i = 0; i < ncols; i++)
        fprintf(o->trace, i ? ",%s" : "%s", cols[i]);
    fputc('\n', o->trace);
    if (ferror(o->trace)) {
        mfd_errf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
        return MFD_EIO;
    }
    return MFD_OK;
}

mfd_status mfd_out_trace_resume(mfd_out *o, size_t ncols, long pos, char *err, size_t errlen)
{
    char tmp[4096];
    if (mfd_out_path(o, "trace.csv.part", tmp, sizeof tmp) != MFD_OK)
        return MFD_ERANGE;
    o->trace = fopen(tmp, "r+");
    if (!o->trace) {
        mfd_errf(err, errlen, "cannot open '%s': %s", tmp, strerror(errno));
        return errno == ENOENT ? MFD_EFORMAT : MFD_EIO;
    }
    o->ncols = ncols;
    struct stat sb;
    if (fstat(fileno(o->trace), &sb) != 0) {
        mfd_errf(err, errlen, "cannot read '%s': %s", tmp, strerror(errno));
        return MFD_EIO;
    }
    if (pos < 0 || sb.st_size < (off_t)pos) {
        mfd_errf(err, errlen, "'%s' has %lld bytes but the checkpoint continues it at byte %ld", tmp,
                 (long long)sb.st_size, pos);
        return MFD_EFORMAT;
    }
    if (ftruncate(fileno(o->trace), (off_t)pos) != 0 || fseek(o->trace, pos, SEEK_SET) != 0) {
        mfd_errf(err, errlen, "cannot cut '%s' back to %ld bytes: %s", tmp, pos, strerror(errno));
        return MFD_EIO;
    }
    return MFD_OK;
}

mfd_status mfd_out_trace_sync(mfd_out *o, long *pos, char *err, size_t errlen)
{
    if (fflush(o->trace) != 0 || ferror(o->trace) ||
        (fsync(fileno(o->trace)) != 0 && errno != EINVAL && errno != EROFS)) {
        mfd_errf(err, errlen, "cannot write '%s/trace.csv.part': %s", o->dir, strerror(errno));
        return MFD_EIO;
    }
    *pos = ftell(o->trace);
    return *pos < 0 ? MFD_EIO : MFD_OK;
}

mfd_status mfd_out_trace_row(mfd_out *o, const double *v, char *err, size_t errlen)
{
    char buf[64 * MFD_FMT_G_MAX]; /* "%.17g" joined by commas, 64 values at a time */
    for (size_t i = 0; i < o->ncols; i += 64) {
        size_t c = o->ncols - i < 64 ? o->ncols - i : 64;
        if (i)
            fputc(',', o->trace);
        fwrite(buf, 1, mfd_fmt_row(buf, v + i, c), o->trace);
    }
    if (fputc('\n', o->trace) == EOF || ferror(o->trace)) {
        mfd_errf(err, errlen, "cannot write '%s/trace.csv.part': %s", o->dir, strerror(errno));
        return MFD_EIO;
    }
    return MFD_OK;
}

mfd_status mfd_out_write_ini(mfd_out *o, const char *const *titles, const mfd_kv *const *sections, size_t nsec,
                             char *err, size_t errlen)
{
    strbuf b = {NULL, 0, 0, 0};
    for (size_t s = 0; s < nsec; s++) {
        sb_add(&b, "%s[%s]\n", s ? "\n" : "", titles[s]);
        for (size_t i = 0; i < sections[s]->n; i++)
            sb_add(&b, "%s = %s\n", sections[s]->keys[i], sections[s]->vals[i]);
    }
    if (b.failed || !b.s) {
        free(b.s);
        return MFD_ENOMEM;
    }
    char path[4096];
    mfd_status st = mfd_out_path(o, "run.ini", path, sizeof path);
    if (st == MFD_OK && o->queue) {
        st = write_part(path, b.s, 0, err, errlen);
        if (st == MFD_OK)
            o->queued |= Q_INI;
    } else if (st == MFD_OK)
        st = mfd_out_write_text(path, b.s, err, errlen);
    free(b.s);
    return st;
}

mfd_status mfd_out_finish(mfd_out *o, const mfd_kv *summary, char *err, size_t errlen)
{
    char tmp[4096], path[4096];
    if (o->trace) {
        FILE *f = o->trace;
        o->trace = NULL;
        if (mfd_out_path(o, "trace.csv.part", tmp, sizeof tmp) != MFD_OK ||
            mfd_out_path(o, "trace.csv", path, sizeof path) != MFD_OK)
            return MFD_ERANGE;
        if (close_file(f, !o->queue) != 0) {
            mfd_errf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
            unlink(tmp);
            return MFD_EIO;
        }
        if (o->queue)
            o->queued |= Q_TRACE;
        else
            MFD_CHECK(commit(tmp, path, err, errlen));
    }
    strbuf b = {NULL, 0, 0, 0};
    for (size_t i = 0; i < summary->n; i++) {
        if (i)
            sb_add(&b, ",");
        sb_csv_field(&b, summary->keys[i]);
    }
    sb_add(&b, "\n");
    for (size_t i = 0; i < summary->n; i++) {
        if (i)
            sb_add(&b, ",");
        sb_csv_field(&b, summary->vals[i]);
    }
    sb_add(&b, "\n");
    if (b.failed || !b.s) {
        free(b.s);
        return MFD_ENOMEM;
    }
    mfd_status st = mfd_out_path(o, "summary.csv", path, sizeof path);
    if (st == MFD_OK && o->queue) {
        st = write_part(path, b.s, 0, err, errlen);
        if (st == MFD_OK) {
            o->queued |= Q_SUMMARY;
            st = enqueue(o);
        }
    } else if (st == MFD_OK)
        st = mfd_out_write_text(path, b.s, err, errlen);
    free(b.s);
    return st;
}

void mfd_out_abandon(mfd_out *o)
{
    char tmp[4096];
    if (o->trace) {
        fclose(o->trace);
        o->trace = NULL;
    }
    static const char *const parts[] = {"run.ini.part", "summary.csv.part", "summary.csv", "trace.csv.part"};
    /* a checkpoint continues the trace: keep it then */
    for (size_t i = 0; o->dir && i < sizeof parts / sizeof *parts - (o->keep_trace ? 1 : 0); i++)
        if (mfd_out_path(o, parts[i], tmp, sizeof tmp) == MFD_OK)
            unlink(tmp);
    o->queued = 0;
}

void mfd_out_close(mfd_out *o)
{
    if (o->trace) {
        fclose(o->trace);
        o->trace = NULL;
    }
    free(o->dir);
    o->dir = NULL;
}
