/* Fuzzing the key=value parser: one argument per input line, against a table
 * with every parameter type and flag.  Any input must parse or give an error
 * naming the key; formatting a parsed value must not overflow. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_param.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct params {
    long i, j;
    uint64_t seed;
    double r, ro, ri;
    const char *s;
    int c, b;
    mfd_list l, li;
} params;

#define OFF(f) offsetof(params, f)
static const mfd_param_spec SPEC[] = {
    {"i", MFD_P_INT, "4", 2, 64, 0, NULL, OFF(i), "an integer"},
    {"j", MFD_P_INT, "0", 0, 1e15, 0, NULL, OFF(j), "a large integer"},
    {"seed", MFD_P_SEED, "1", 0, 0, 0, NULL, OFF(seed), "a seed"},
    {"r", MFD_P_REAL, "0.1", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(r), "a positive real"},
    {"ro", MFD_P_REAL, "0.5", 0, 1, MFD_P_MIN_OPEN | MFD_P_MAX_OPEN, NULL, OFF(ro), "in (0, 1)"},
    {"ri", MFD_P_REAL, "inf", -INFINITY, INFINITY, MFD_P_INF_OK, NULL, OFF(ri), "inf allowed"},
    {"s", MFD_P_STR, NULL, 0, 0, 0, NULL, OFF(s), "a text"},
    {"c", MFD_P_CHOICE, "real", 0, 0, 0, "real|complex|file", OFF(c), "a choice"},
    {"b", MFD_P_BOOL, "0", 0, 0, 0, NULL, OFF(b), "a flag"},
    {"l", MFD_P_LIST, NULL, -INFINITY, INFINITY, 0, NULL, OFF(l), "reals"},
    {"li", MFD_P_LIST, NULL, 1, 65536, MFD_P_INTEGERS, NULL, OFF(li), "integers"},
};
#undef OFF
static const mfd_param_table TABLE = {SPEC, sizeof SPEC / sizeof *SPEC};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 14)
        return 0;
    char *text = malloc(size + 1), *argv[64];
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    int argc = 0;
    for (char *p = text, *line; argc < 64 && (line = p) != NULL; argc++) {
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
        argv[argc] = line;
        if (!p) {
            argc++;
            break;
        }
    }
    params ps;
    bool given[sizeof SPEC / sizeof *SPEC];
    char err[512], buf[64];
    if (mfd_param_defaults(TABLE, &ps, err, sizeof err) == MFD_OK &&
        mfd_param_parse_args(TABLE, &ps, argc, argv, given, err, sizeof err) == MFD_OK)
        for (size_t k = 0; k < TABLE.n; k++)
            mfd_param_format(&SPEC[k], &ps, buf, sizeof buf);
    mfd_param_free(TABLE, &ps);
    free(text);
    return 0;
}
