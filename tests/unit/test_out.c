/* mfd_out: atomic completion, stale files, formats. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mfd_out.h"
#include "testhelp.h"

static int exists(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat sb;
    return stat(p, &sb) == 0;
}

static size_t slurp(const char *dir, const char *name, char *buf, size_t cap)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return n;
}

int main(void)
{
    const char *dir = "test_out_dir/nested/run";
    char err[512], buf[4096];
    mfd_out o;
    mfd_kv meta, sum;
    mfd_kv_init(&meta);
    mfd_kv_init(&sum);
    mfd_kv_add_str(&meta, "program", "test");
    mfd_kv_add_real(&sum, "loss", 0.1);
    mfd_kv_add_str(&sum, "note", "a,b \"c\"");
    mfd_kv_add_int(&sum, "iters", 42);
    CHECK("kv get finds a value and misses an absent key",
          strcmp(mfd_kv_get(&sum, "iters"), "42") == 0 && mfd_kv_get(&sum, "nope") == NULL);

    CHECK("open creates nested directories", mfd_out_open(&o, dir, err, sizeof err) == MFD_OK);
    const char *cols[3] = {"iter", "loss", "x"};
    CHECK("trace begins", mfd_out_trace_begin(&o, &meta, cols, 3, err, sizeof err) == MFD_OK);
    double row[3] = {0, 1.0 / 3.0, -2.5e-300};
    mfd_out_trace_row(&o, row, err, sizeof err);
    CHECK("an unfinished trace exists only under its temporary name",
          exists(dir, "trace.csv.part") && !exists(dir, "trace.csv") && !exists(dir, "summary.csv"));
    mfd_kv *secs[1] = {&meta};
    const char *titles[1] = {"run"};
    CHECK("run.ini is written", mfd_out_write_ini(&o, titles, (const mfd_kv *const *)secs, 1, err, sizeof err) == MFD_OK);
    CHECK("finish succeeds", mfd_out_finish(&o, &sum, err, sizeof err) == MFD_OK);
    CHECK("a finished run has trace.csv, run.ini and summary.csv and no .part files",
          exists(dir, "trace.csv") && exists(dir, "run.ini") && exists(dir, "summary.csv") &&
              !exists(dir, "trace.csv.part") && !exists(dir, "summary.csv.part"));
    slurp(dir, "trace.csv", buf, sizeof buf);
    CHECK("trace has metadata, header and %.17g rows",
          strcmp(buf, "# program: test\niter,loss,x\n0,0.33333333333333331,-2.5e-300\n") == 0);
    slurp(dir, "summary.csv", buf, sizeof buf);
    CHECK("summary is a header and one row, CSV-quoted where needed",
          strcmp(buf, "loss,note,iters\n0.1,\"a,b \"\"c\"\"\",42\n") == 0);
    slurp(dir, "run.ini", buf, sizeof buf);
    CHECK("run.ini has sections of key = value", strcmp(buf, "[run]\nprogram = test\n") == 0);
    mfd_out_close(&o);

    /* Re-opening the directory removes the complete-looking files first. */
    CHECK("re-open succeeds", mfd_out_open(&o, dir, err, sizeof err) == MFD_OK);
    CHECK("re-open removes the earlier run's files",
          !exists(dir, "summary.csv") && !exists(dir, "trace.csv") && !exists(dir, "run.ini"));
    mfd_out_trace_begin(&o, &meta, cols, 3, err, sizeof err);
    mfd_out_abandon(&o);
    mfd_out_close(&o);
    CHECK("an abandoned run leaves no summary and no temporary files",
          !exists(dir, "summary.csv") && !exists(dir, "trace.csv.part"));

    /* A run that continues: the trace is cut back to where its checkpoint was. */
    const char *rdir = "test_out_dir/resume";
    long pos = -1;
    mfd_out_open(&o, rdir, err, sizeof err);
    mfd_out_trace_begin(&o, &meta, cols, 3, err, sizeof err);
    mfd_out_trace_row(&o, row, err, sizeof err);
    CHECK("sync gives the trace's length", mfd_out_trace_sync(&o, &pos, err, sizeof err) == MFD_OK && pos == 60);
    row[0] = 1;
    mfd_out_trace_row(&o, row, err, sizeof err); /* written after the checkpoint: lost with the process */
    fflush(o.trace);
    o.keep_trace = 1;
    mfd_out_abandon(&o);
    mfd_out_close(&o);
    CHECK("an abandoned run with a checkpoint keeps its trace", exists(rdir, "trace.csv.part"));
    CHECK("reopen finds the trace", mfd_out_reopen(&o, rdir, err, sizeof err) == MFD_OK);
    CHECK("resume cuts it back", mfd_out_trace_resume(&o, 3, pos, err, sizeof err) == MFD_OK);
    row[0] = 2;
    mfd_out_trace_row(&o, row, err, sizeof err);
    mfd_out_finish(&o, &sum, err, sizeof err);
    mfd_out_close(&o);
    slurp(rdir, "trace.csv", buf, sizeof buf);
    CHECK("the continued trace has the rows before the checkpoint, then the new ones",
          strcmp(buf, "# program: test\niter,loss,x\n0,0.33333333333333331,-2.5e-300\n2,0.33333333333333331,-2.5e-300\n") ==
              0);
    CHECK("reopening a complete run removes summary.csv and renames its trace back",
          mfd_out_reopen(&o, rdir, err, sizeof err) == MFD_OK && !exists(rdir, "summary.csv") &&
              exists(rdir, "trace.csv.part") && !exists(rdir, "trace.csv"));
    CHECK("a trace shorter than the checkpoint says is MFD_EFORMAT, naming the file",
          mfd_out_trace_resume(&o, 3, 100000, err, sizeof err) == MFD_EFORMAT && strstr(err, "trace.csv.part"));
    mfd_out_abandon(&o);
    mfd_out_close(&o);
    CHECK("reopen without a trace is MFD_EFORMAT", mfd_out_reopen(&o, rdir, err, sizeof err) == MFD_EFORMAT);
    mfd_out_close(&o);

    /* Deferred completion: a queue holds the renames until its flush. */
    {
        const char *qa = "test_out_dir/queued_a", *qb = "test_out_dir/queued_b";
        mfd_out_queue *q;
        row[0] = 0;
        CHECK("a queue with a negative period is refused", mfd_out_queue_new(-1, &q) == MFD_EINVAL && !q);
        CHECK("a queue is made", mfd_out_queue_new(1e9, &q) == MFD_OK && q);
        for (int k = 0; k < 2; k++) {
            mfd_out_open(&o, k ? qb : qa, err, sizeof err);
            o.queue = q;
            mfd_out_trace_begin(&o, &meta, cols, 3, err, sizeof err);
            mfd_out_trace_row(&o, row, err, sizeof err);
            mfd_out_write_ini(&o, titles, (const mfd_kv *const *)secs, 1, err, sizeof err);
            CHECK("a queued run finishes", mfd_out_finish(&o, &sum, err, sizeof err) == MFD_OK);
            mfd_out_close(&o);
        }
        CHECK("before the flush a queued run has its files under .part names only",
              exists(qa, "summary.csv.part") && exists(qa, "trace.csv.part") && exists(qa, "run.ini.part") &&
                  !exists(qa, "summary.csv") && !exists(qa, "trace.csv") && !exists(qa, "run.ini") &&
                  mfd_out_queue_pending(q) == 2);
        CHECK("the flush renames every queued run's files",
              mfd_out_queue_flush(q, err, sizeof err) == MFD_OK && mfd_out_queue_pending(q) == 0 &&
                  exists(qa, "summary.csv") && exists(qb, "trace.csv") && exists(qb, "run.ini") &&
                  !exists(qb, "summary.csv.part"));
        slurp(qb, "summary.csv", buf, sizeof buf);
        CHECK("a queued summary has the same contents", strcmp(buf, "loss,note,iters\n0.1,\"a,b \"\"c\"\"\",42\n") == 0);
        slurp(qb, "trace.csv", buf, sizeof buf);
        CHECK("a queued trace has the same contents",
              strcmp(buf, "# program: test\niter,loss,x\n0,0.33333333333333331,-2.5e-300\n") == 0);

        /* a run whose trace cannot be renamed gets no summary; the other run completes */
        for (int k = 0; k < 2; k++) {
            mfd_out_open(&o, k ? qb : qa, err, sizeof err);
            o.queue = q;
            mfd_out_trace_begin(&o, &meta, cols, 3, err, sizeof err);
            mfd_out_write_ini(&o, titles, (const mfd_kv *const *)secs, 1, err, sizeof err);
            mfd_out_finish(&o, &sum, err, sizeof err);
            mfd_out_close(&o);
        }
        unlink("test_out_dir/queued_a/trace.csv.part");
        err[0] = '\0';
        CHECK("a failed rename fails the flush, naming the file",
              mfd_out_queue_flush(q, err, sizeof err) == MFD_EIO && strstr(err, "queued_a/trace.csv"));
        CHECK("the run whose rename failed is left without a summary (its .part files stay, never looking complete)",
              !exists(qa, "summary.csv") && exists(qa, "summary.csv.part") && exists(qa, "run.ini"));
        CHECK("the other run completes", exists(qb, "summary.csv") && exists(qb, "trace.csv"));

        /* the process ends before the flush: the run looks incomplete, and opening it again clears it */
        mfd_out_open(&o, qa, err, sizeof err);
        o.queue = q;
        mfd_out_trace_begin(&o, &meta, cols, 3, err, sizeof err);
        mfd_out_finish(&o, &sum, err, sizeof err);
        mfd_out_close(&o);
        mfd_out_queue_free(q);
        CHECK("a queue freed without a flush leaves .part files and no summary",
              exists(qa, "summary.csv.part") && !exists(qa, "summary.csv"));
        mfd_out_open(&o, qa, err, sizeof err);
        mfd_out_close(&o);
        CHECK("opening the directory again removes them", !exists(qa, "summary.csv.part") && !exists(qa, "trace.csv.part"));

        /* the timer flushes once the period is over, with no finish or flush call */
        mfd_out_queue_new(0.2, &q);
        mfd_out_open(&o, qb, err, sizeof err);
        o.queue = q;
        mfd_out_queue_watch(q, o.dir);
        mfd_out_trace_begin(&o, &meta, cols, 3, err, sizeof err);
        mfd_out_finish(&o, &sum, err, sizeof err);
        mfd_out_close(&o);
        CHECK("a run waits under .part names until the timer", !exists(qb, "summary.csv") && mfd_out_queue_holds(q, qb));
        /* the timer is due 0.2 s after the queue was made; a loaded machine may take longer to sync, so wait
         * up to 20 s for it (no other call flushes meanwhile) */
        struct timespec nap = {0, 50000000};
        for (int k = 0; k < 400 && !exists(qb, "summary.csv"); k++)
            nanosleep(&nap, NULL);
        CHECK("the timer has flushed it, with no finish or flush call after",
              exists(qb, "summary.csv") && mfd_out_queue_pending(q) == 0 && !mfd_out_queue_holds(q, qb));
        CHECK("no failure was recorded", mfd_out_queue_flush(q, err, sizeof err) == MFD_OK);
        mfd_out_queue_free(q);

        /* a period of 0 flushes at every finish */
        mfd_out_queue_new(0, &q);
        mfd_out_open(&o, qa, err, sizeof err);
        o.queue = q;
        mfd_out_trace_begin(&o, &meta, cols, 3, err, sizeof err);
        mfd_out_finish(&o, &sum, err, sizeof err);
        mfd_out_close(&o);
        CHECK("a queue whose period is over flushes at finish", exists(qa, "summary.csv") && mfd_out_queue_pending(q) == 0);
        mfd_out_queue_free(q);
    }

    /* Errors name the path. */
    FILE *f = fopen("test_out_dir/plainfile", "w");
    if (f)
        fclose(f);
    CHECK("a file in the way of the directory is an error naming it",
          mfd_out_open(&o, "test_out_dir/plainfile/run", err, sizeof err) == MFD_EIO && strstr(err, "plainfile"));
    mfd_out_close(&o);
    if (getuid() != 0) { /* root ignores permissions */
        mkdir("test_out_dir/ro", 0555);
        CHECK("an unwritable directory is an error",
              mfd_out_open(&o, "test_out_dir/ro/run", err, sizeof err) == MFD_EIO);
        mfd_out_close(&o);
    }
    mfd_kv_free(&meta);
    mfd_kv_free(&sum);
    TEST_REPORT();
}
