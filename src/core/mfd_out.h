/* mfd_out.h — what one run writes: run.ini, trace.csv, summary.csv, final/.
 *
 * Every file is written under a temporary name (<name>.part) and renamed
 * when complete, and summary.csv comes last: a run directory that holds
 * summary.csv is complete, and nothing else makes it look so.  Opening a
 * directory removes the files of an earlier run in it (summary.csv first), so
 * a run that fails half-way never leaves an older, complete-looking result
 * behind.
 *
 * A run that continues from a checkpoint (mfd_ckpt.h; the file
 * MFD_OUT_CHECKPOINT in its directory) reopens its directory instead
 * (mfd_out_reopen): summary.csv goes first, as above, and trace.csv.part (or
 * the trace.csv of a complete run, renamed back) is cut back to the length it
 * had when the checkpoint was written, then appended to (mfd_out_trace_resume).
 * mfd_out_trace_sync flushes the trace to the disk and gives that length.
 *
 * Formats (DESIGN.md): trace.csv starts with '# key: value' lines, then one
 * header row, then one row per logged iteration, numbers as %.17g.
 * summary.csv is a header and one row.  run.ini has [sections] of key = value. */
#ifndef MFD_OUT_H
#define MFD_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mfd_status.h"

/* An ordered list of key/value texts (for run.ini sections, trace metadata
 * and the summary row). */
typedef struct mfd_kv {
    size_t n, cap;
    char **keys;
    char **vals;
} mfd_kv;

void mfd_kv_init(mfd_kv *kv);
void mfd_kv_free(mfd_kv *kv);
mfd_status mfd_kv_add_str(mfd_kv *kv, const char *key, const char *val);
mfd_status mfd_kv_add_real(mfd_kv *kv, const char *key, double val); /* shortest exact form */
mfd_status mfd_kv_add_int(mfd_kv *kv, const char *key, long val);
/* Value of key, or NULL. */
const char *mfd_kv_get(const mfd_kv *kv, const char *key);

/* A growing list of strings (trace column names). */
typedef struct mfd_strlist {
    size_t n, cap;
    char **s;
} mfd_strlist;

/* Append a printf-formatted string. */
mfd_status mfd_strlist_addf(mfd_strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mfd_strlist_free(mfd_strlist *l);

/* The checkpoint of a run and its snapshots' folder, in the run's directory. */
#define MFD_OUT_CHECKPOINT "checkpoint.bin"
#define MFD_OUT_SNAPSHOTS "snapshots"

/* Deferred completion, for a process that writes many runs (a --runs batch).
 * Alone, every file is flushed to the disk (fsync) before its rename, so that
 * a file under its final name has its contents on the disk.  At 10^5 small
 * runs those three syncs per run cost more than the runs' arithmetic (a third
 * of the phase diagram's wall time).  A run whose mfd_out has a queue writes
 * its .part files unsynced; mfd_out_finish hands its renames (run.ini,
 * trace.csv, then summary.csv) to the queue, and a flush syncs the file
 * systems once and then renames, run by run in the order queued.  The
 * promise above holds: a name is given only after the sync.  A timer thread
 * flushes `seconds` after the last flush (0: every finish flushes at once).
 * A process that dies before a flush leaves .part files only, so those runs
 * look incomplete and the next mfd run repeats them.  A failure (a sync, a
 * rename) leaves the .part files in place and is kept for
 * mfd_out_queue_flush to report.  A queue may be shared by threads (its
 * functions lock). */
typedef struct mfd_out_queue mfd_out_queue;

/* A queue that flushes every `seconds` (>= 0, finite). */
mfd_status mfd_out_queue_new(double seconds, mfd_out_queue **q);
/* Watch dir's file system: call when a run in dir is attached, before its
 * files are written (syncfs reports the write errors since its descriptor
 * was opened; Linux 5.8 and later). */
void mfd_out_queue_watch(mfd_out_queue *q, const char *dir);
/* Flush now.  MFD_OK, or the first failure of any flush since the queue was
 * made (the timer's included), with err naming the file and the runs left
 * incomplete. */
mfd_status mfd_out_queue_flush(mfd_out_queue *q, char *err, size_t errlen);
/* Is a run in dir waiting for a flush? */
bool mfd_out_queue_holds(mfd_out_queue *q, const char *dir);
/* The number of runs waiting for a flush. */
size_t mfd_out_queue_pending(mfd_out_queue *q);
/* Stop the timer and free the queue; what is still queued stays under its
 * .part names. */
void mfd_out_queue_free(mfd_out_queue *q);

typedef struct mfd_out {
    char *dir;
    FILE *trace;
    size_t ncols;
    int keep_trace;       /* mfd_out_abandon keeps trace.csv.part (a checkpoint continues it) */
    mfd_out_queue *queue; /* NULL (set by open): each file synced and renamed when complete */
    unsigned queued;      /* with a queue: the files written under .part names, waiting for finish */
} mfd_out;

/* Create dir (and its parents) and clear the files of an earlier run in it.
 * The queue is NULL: set o->queue afterwards to defer completion.
 * On failure err names the path and the reason. */
mfd_status mfd_out_open(mfd_out *o, const char *dir, char *err, size_t errlen);

/* Reopen dir for a run that continues: remove summary.csv (first), run.ini
 * and final/, keep trace.csv.part (or rename trace.csv back to it) and the
 * snapshots and the checkpoint.  MFD_EFORMAT, with err saying so, when there
 * is no trace to continue. */
mfd_status mfd_out_reopen(mfd_out *o, const char *dir, char *err, size_t errlen);

/* "<dir>/<name>" into buf (MFD_ERANGE if it does not fit). */
mfd_status mfd_out_path(const mfd_out *o, const char *name, char *buf, size_t len);

/* Create <dir>/<name>/ (e.g. "final"). */
mfd_status mfd_out_mkdir(const mfd_out *o, const char *name, char *err, size_t errlen);

/* Start trace.csv.part: metadata lines, then the header row. */
mfd_status mfd_out_trace_begin(mfd_out *o, const mfd_kv *meta, const char *const *cols, size_t ncols, char *err,
                               size_t errlen);

/* Continue trace.csv.part: cut it to its first pos bytes and append from
 * there.  MFD_EFORMAT when it is shorter than pos (it lost rows that the
 * checkpoint counts on). */
mfd_status mfd_out_trace_resume(mfd_out *o, size_t ncols, long pos, char *err, size_t errlen);

/* Flush trace.csv.part to the disk (fflush, fsync) and set *pos to its length. */
mfd_status mfd_out_trace_sync(mfd_out *o, long *pos, char *err, size_t errlen);

/* One row of ncols values. */
mfd_status mfd_out_trace_row(mfd_out *o, const double *v, char *err, size_t errlen);

/* Write run.ini (atomically) from nsec sections. */
mfd_status mfd_out_write_ini(mfd_out *o, const char *const *titles, const mfd_kv *const *sections, size_t nsec,
                             char *err, size_t errlen);

/* Complete the run: flush and rename trace.csv, then write summary.csv. */
mfd_status mfd_out_finish(mfd_out *o, const mfd_kv *summary, char *err, size_t errlen);

/* Give up: close and delete the temporary files (trace.csv.part stays when
 * keep_trace is set).  The directory keeps no summary.csv, so it never looks
 * complete. */
void mfd_out_abandon(mfd_out *o);

/* Release memory (after finish or abandon). */
void mfd_out_close(mfd_out *o);

/* Write a text file atomically (path.part, fsync, rename). */
mfd_status mfd_out_write_text(const char *path, const char *text, char *err, size_t errlen);

/* mkdir -p */
mfd_status mfd_out_mkdirs(const char *path, char *err, size_t errlen);

#endif
