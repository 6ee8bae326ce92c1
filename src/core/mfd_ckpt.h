/* mfd_ckpt.h — checkpoints: a run's complete state in one file, written
 * atomically, read back with every byte checked.
 *
 * Two parts.  A serialization buffer (mfd_ckpt_buf) into which each module
 * writes its own state (mfd_linreg_save, mfd_deeptrack_save, ...) and from
 * which it reads it back (..._load), in the same order; a buffer opened with
 * no memory only counts, so that a caller sizes its buffer once at set-up
 * and nothing allocates while a run goes on.  Each part of a state starts
 * with an 8-byte tag, so that a reader that gets out of step fails at once
 * (MFD_EFORMAT) instead of reading numbers into the wrong places.  Numbers
 * are stored as their 8 bytes in the machine's order (the header records
 * which), doubles bit for bit: a state read back is the state written.
 *
 * And the file (format version MFD_CKPT_VERSION), little-endian header:
 *
 *   offset  bytes  field
 *   0       8      magic "MFDCKPT" and a zero byte
 *   8       4      format version
 *   12      4      byte-order mark 0x01020304 as the writer stored it
 *   16      8      iteration the run continues at (its state at the top of that iteration)
 *   24      4      flags (MFD_CKPT_FINAL: the state at the run's budget, written when it stopped there)
 *   28      4      length P of the program name
 *   32      4      length V of the version text
 *   36      4      length Q of the parameter text
 *   40      8      payload length L
 *   48      8      checksum of the payload (64-bit FNV-1a)
 *   56      P+V+Q  program name, version, parameters ("key = value" lines: the run's defining keys)
 *   56+P+V+Q 8     checksum of the header bytes before it (64-bit FNV-1a)
 *   then    L      payload (the tagged states)
 *
 * mfd_ckpt_file_write writes <path>.part, fsyncs it, then renames it over
 * <path>: a kill at any moment leaves the previous checkpoint or the new one,
 * never a part of either under <path>.  mfd_ckpt_file_read refuses anything
 * that is not exactly such a file (a wrong magic, another format version,
 * another byte order, a checksum that does not match, a truncated or
 * over-long file), with a message naming the file and what is wrong. */
#ifndef MFD_CKPT_H
#define MFD_CKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfd_status.h"

#define MFD_CKPT_VERSION 1
#define MFD_CKPT_FINAL 1u /* flags: the state at the run's budget (iteration == iters) */

/* ---- the serialization buffer -------------------------------------------- */

typedef struct mfd_ckpt_buf {
    unsigned char *data; /* NULL while counting */
    size_t cap;          /* bytes data holds */
    size_t len;          /* writing: bytes written (or counted); reading: bytes available */
    size_t pos;          /* reading: bytes consumed */
    mfd_status st;       /* the first failure (MFD_ERANGE: full; MFD_EFORMAT: short or out of step); sticky */
} mfd_ckpt_buf;

/* A writer into data[0..cap) (data NULL: count the bytes only). */
void mfd_ckpt_buf_writer(mfd_ckpt_buf *b, void *data, size_t cap);

/* A reader of data[0..len). */
void mfd_ckpt_buf_reader(mfd_ckpt_buf *b, const void *data, size_t len);

/* Writers: after a failure they do nothing (b->st keeps it). */
void mfd_ckpt_put_tag(mfd_ckpt_buf *b, const char *tag); /* up to 8 characters, zero-padded */
void mfd_ckpt_put_u64(mfd_ckpt_buf *b, uint64_t v);
void mfd_ckpt_put_i64(mfd_ckpt_buf *b, int64_t v);
void mfd_ckpt_put_f64(mfd_ckpt_buf *b, double v);
void mfd_ckpt_put_f64s(mfd_ckpt_buf *b, const double *v, size_t n); /* n, then the n values */

/* Readers: on a short buffer or a wrong tag they set b->st = MFD_EFORMAT and
 * return 0 (the caller checks b->st, or the status the *_load returns). */
mfd_status mfd_ckpt_get_tag(mfd_ckpt_buf *b, const char *tag);
uint64_t mfd_ckpt_get_u64(mfd_ckpt_buf *b);
int64_t mfd_ckpt_get_i64(mfd_ckpt_buf *b);
double mfd_ckpt_get_f64(mfd_ckpt_buf *b);
/* n values written by mfd_ckpt_put_f64s; their count must be n. */
mfd_status mfd_ckpt_get_f64s(mfd_ckpt_buf *b, double *v, size_t n);
/* The count of the next mfd_ckpt_put_f64s block, without consuming it. */
uint64_t mfd_ckpt_peek_count(const mfd_ckpt_buf *b);

/* 64-bit FNV-1a of len bytes, continuing from h (start: MFD_CKPT_FNV_OFFSET). */
#define MFD_CKPT_FNV_OFFSET 0xcbf29ce484222325ULL
uint64_t mfd_ckpt_fnv1a(uint64_t h, const void *data, size_t len);

/* ---- the file ------------------------------------------------------------ */

/* What a checkpoint file says about itself. */
typedef struct mfd_ckpt_info {
    int64_t iter;
    uint32_t flags;
    char *program, *version, *params; /* owned (mfd_ckpt_info_free) */
    unsigned char *payload;           /* owned */
    size_t payload_len;
} mfd_ckpt_info;

void mfd_ckpt_info_free(mfd_ckpt_info *ci);

/* A checkpoint writer for one path: the header's texts are laid out once
 * (mfd_ckpt_file_init allocates), and each write only fills in the numbers,
 * so that writing allocates nothing. */
typedef struct mfd_ckpt_file {
    char *path, *tmp;
    unsigned char *head; /* the header, its texts in place */
    size_t head_len;
} mfd_ckpt_file;

mfd_status mfd_ckpt_file_init(mfd_ckpt_file *f, const char *path, const char *program, const char *version,
                              const char *params);
void mfd_ckpt_file_free(mfd_ckpt_file *f);

/* Write the state payload[0..len) of iteration iter: <path>.part, fsync,
 * rename.  On failure <path> is untouched, the part file removed and err
 * names the file and the reason (MFD_EIO). */
mfd_status mfd_ckpt_file_write(mfd_ckpt_file *f, int64_t iter, uint32_t flags, const void *payload, size_t len,
                               char *err, size_t errlen);

/* Read and check the checkpoint at path.  MFD_EIO: it cannot be opened or
 * read (errno ENOENT: there is none); MFD_EFORMAT: it is not an intact
 * checkpoint of this format (err says what is wrong); MFD_ENOMEM. */
mfd_status mfd_ckpt_file_read(const char *path, mfd_ckpt_info *out, char *err, size_t errlen);

/* The same checks on a file image held in memory (tests). */
mfd_status mfd_ckpt_parse(const unsigned char *buf, size_t len, const char *name, mfd_ckpt_info *out, char *err,
                          size_t errlen);

#endif
