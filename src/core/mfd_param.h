/* mfd_param.h — a typed key=value parameter table.
 *
 * A program describes its keys once, as an array of mfd_param_spec pointing
 * (by offset) into its own parameter struct.  The same table sets defaults,
 * parses and validates command-line arguments, formats the resolved values
 * for run.ini, and generates --help, so the three can never disagree.
 *
 * Storage by type: INT -> long, SEED -> uint64_t, REAL -> double, STR ->
 * const char * (not owned: points into argv or at the default), CHOICE ->
 * int (the parser's index of the word among the '|'-separated choices; a
 * program reads it by name, with mfd_param_word lists, never by position),
 * BOOL -> int (0/1), LIST -> mfd_list (owned; release with mfd_param_free). */
#ifndef MFD_PARAM_H
#define MFD_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfd_status.h"

typedef enum mfd_ptype {
    MFD_P_INT,    /* integer; "1e6" is accepted when it is an exact integer */
    MFD_P_SEED,   /* unsigned 64-bit integer */
    MFD_P_REAL,   /* finite double */
    MFD_P_STR,    /* text (a path, a name) */
    MFD_P_CHOICE, /* one of a fixed set of words */
    MFD_P_BOOL,   /* 0 or 1 */
    MFD_P_LIST    /* comma-separated finite doubles */
} mfd_ptype;

enum {
    MFD_P_REQUIRED = 1u << 0, /* no default: the key must be given */
    MFD_P_MIN_OPEN = 1u << 1, /* value > min rather than >= min */
    MFD_P_MAX_OPEN = 1u << 2, /* value < max rather than <= max */
    MFD_P_INTEGERS = 1u << 3, /* LIST entries must be integers */
    MFD_P_INF_OK = 1u << 4,   /* REAL: "inf" (+infinity) is a valid value */
    MFD_P_OBSERVE = 1u << 5,  /* the key only watches, budgets or stops a run and never changes its
                               * problem (logging, stopping, output, threads): the driver leaves it
                               * out of a run's seed, so that runs differing in it see one instance */
    MFD_P_OPERATOR = 1u << 6  /* the key defines the measurement operator (sizes, m, its kind): the
                               * driver derives a run's operator seed from these keys alone, so that
                               * runs differing in anything else share one operator */
};

typedef struct mfd_list {
    size_t n;
    double *v;
} mfd_list;

typedef struct mfd_param_spec {
    const char *key;
    mfd_ptype type;
    const char *def;     /* default in command-line syntax; NULL = none */
    double min, max;     /* range of INT, REAL and LIST entries (±INFINITY = unbounded) */
    unsigned flags;
    const char *choices; /* CHOICE only: "real|complex" */
    size_t offset;       /* offsetof(struct, member) */
    const char *help;    /* one line */
} mfd_param_spec;

typedef struct mfd_param_table {
    const mfd_param_spec *spec;
    size_t n;
} mfd_param_table;

/* Set every key to its default (keys without one get 0 / NULL / empty). */
mfd_status mfd_param_defaults(mfd_param_table t, void *params, char *err, size_t errlen);

/* Parse and store one value.  Errors name the key, the value and what was
 * expected, e.g. "key 'eta': -1 is out of range; expected a real number > 0". */
mfd_status mfd_param_set(mfd_param_table t, void *params, const char *key, const char *value, char *err,
                         size_t errlen);

/* Parse argv entries of the form key=value.  given (n entries, may be NULL)
 * records which keys were set.  An argument without '=', an unknown key, a
 * key given twice, a bad value, or a missing required key is an error. */
mfd_status mfd_param_parse_args(mfd_param_table t, void *params, int argc, char **argv, bool *given, char *err,
                                size_t errlen);

const mfd_param_spec *mfd_param_find(mfd_param_table t, const char *key);

/* The value of s in params as command-line text (reals in their shortest
 * form that re-parses to the same bits).  Returns the length snprintf would. */
int mfd_param_format(const mfd_param_spec *s, const void *params, char *buf, size_t len);

/* What a valid value looks like: "a real number > 0", "one of real|complex". */
void mfd_param_expected(const mfd_param_spec *s, char *buf, size_t len);

/* Name of choice `index` of a CHOICE spec, copied into buf ("" when there
 * is no such choice, e.g. index -1). */
void mfd_param_choice_name(const mfd_param_spec *s, int index, char *buf, size_t len);

/* A CHOICE key's word and the value an enum gives it.  Programs map choices
 * to enums by name through such lists, so that no enum depends on a word's
 * place in a key's choices text, and two programs may list one key's words
 * in different orders (model = sym|asym in one, asym|sym in the other). */
typedef struct mfd_param_word {
    const char *name;
    int value;
} mfd_param_word;

/* *value = the value that words (n entries) pairs with the word CHOICE key
 * `key` holds in params.  MFD_EINVAL, with err naming the key and the word,
 * when key is not a CHOICE key of t or words has no such word. */
mfd_status mfd_param_word_value(mfd_param_table t, const void *params, const char *key, const mfd_param_word *words,
                                size_t n, int *value, char *err, size_t errlen);

/* Make CHOICE key `key` hold the word that words pairs with value: a program
 * records what it resolved a choice to (operator=auto ran as gaussian) for
 * run.ini.  When value has no word in words, or the key does not offer that
 * word, the key holds none and formats as empty text.  MFD_EINVAL when key is
 * not a CHOICE key of t. */
mfd_status mfd_param_word_store(mfd_param_table t, void *params, const char *key, const mfd_param_word *words,
                                size_t n, int value);

/* --help text, one call of emit per line. */
void mfd_param_help(mfd_param_table t, void (*emit)(void *ctx, const char *line), void *ctx);

/* x in the shortest of %.15g, %.16g, %.17g that reads back as the same
 * double (0.005 rather than 0.0050000000000000001). */
int mfd_format_real(char *buf, size_t len, double x);

/* Free the lists a table owns. */
void mfd_param_free(mfd_param_table t, void *params);

#endif
