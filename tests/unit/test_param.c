/* mfd_param: parsing, validation messages, defaults, formatting, help. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_param.h"
#include "testhelp.h"

typedef struct P {
    long n;
    uint64_t seed;
    double eta, frac;
    const char *out;
    int field, flag;
    mfd_list list;
} P;

#define OFF(f) offsetof(P, f)
static const mfd_param_spec SPEC[] = {
    {"n", MFD_P_INT, "4", 2, 64, 0, NULL, OFF(n), "a size"},
    {"seed", MFD_P_SEED, "1", 0, 0, 0, NULL, OFF(seed), "a seed"},
    {"eta", MFD_P_REAL, "0.1", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(eta), "step size"},
    {"frac", MFD_P_REAL, "0.5", 0, 1, MFD_P_MAX_OPEN, NULL, OFF(frac), "a fraction"},
    {"out", MFD_P_STR, NULL, 0, 0, MFD_P_REQUIRED, NULL, OFF(out), "output directory"},
    {"field", MFD_P_CHOICE, "real", 0, 0, 0, "real|complex", OFF(field), "field"},
    {"flag", MFD_P_BOOL, "0", 0, 0, 0, NULL, OFF(flag), "a switch"},
    {"list", MFD_P_LIST, "1e-2,1e-6", 0, INFINITY, MFD_P_MIN_OPEN, NULL, OFF(list), "thresholds"},
};
static const mfd_param_table T = {SPEC, sizeof SPEC / sizeof *SPEC};

static char err[512];

static mfd_status parse(P *p, int argc, const char **argv)
{
    mfd_param_free(T, p);
    mfd_param_defaults(T, p, err, sizeof err);
    bool given[8];
    return mfd_param_parse_args(T, p, argc, (char **)argv, given, err, sizeof err);
}

static int has(const char *s) { return strstr(err, s) != NULL; }

static size_t help_lines;
static int help_has_all;
static void count_help(void *ctx, const char *line)
{
    (void)ctx;
    help_lines++;
    for (size_t i = 0; i < T.n; i++)
        if (strncmp(line + 2, SPEC[i].key, strlen(SPEC[i].key)) == 0)
            help_has_all |= 1 << i;
}

int main(void)
{
    P p;
    memset(&p, 0, sizeof p);
    CHECK("defaults parse", mfd_param_defaults(T, &p, err, sizeof err) == MFD_OK);
    CHECK("defaults have the documented values",
          p.n == 4 && p.seed == 1 && p.eta == 0.1 && p.field == 0 && p.list.n == 2 && p.list.v[1] == 1e-6);

    const char *ok[] = {"n=10", "eta=2.5e-3", "out=res/x", "field=complex", "flag=1", "seed=18446744073709551615",
                        "list=1,2,3", "frac=0"};
    CHECK("valid arguments parse", parse(&p, 8, ok) == MFD_OK);
    CHECK("values are stored", p.n == 10 && p.eta == 2.5e-3 && strcmp(p.out, "res/x") == 0 && p.field == 1 &&
                                   p.flag == 1 && p.seed == UINT64_MAX && p.list.n == 3 && p.list.v[2] == 3);
    const char *sci[] = {"n=1e1", "out=o"};
    CHECK("an integer written as 1e1 is accepted", parse(&p, 2, sci) == MFD_OK && p.n == 10);

    struct {
        const char *arg, *needle1, *needle2;
    } bad[] = {
        {"etaa=1", "unknown key 'etaa'", ""},
        {"eta=abc", "key 'eta'", "'abc' is not a finite number"},
        {"eta=-1", "key 'eta'", "expected a real number > 0"},
        {"eta=0", "key 'eta'", "out of range"},
        {"eta=1e999", "key 'eta'", "not a finite number"},
        {"eta=nan", "key 'eta'", "not a finite number"},
        {"eta=", "key 'eta'", "empty value"},
        {"eta=0.1x", "key 'eta'", "'0.1x'"},
        {"n=2.5", "key 'n'", "not an integer"},
        {"n=1", "key 'n'", "in [2, 64]"},
        {"n=65", "key 'n'", "out of range"},
        {"frac=1", "key 'frac'", "in [0, 1)"},
        {"seed=-3", "key 'seed'", "unsigned"},
        {"seed=18446744073709551616", "key 'seed'", "unsigned"},
        {"field=quaternion", "key 'field'", "not one of real|complex"},
        {"flag=yes", "key 'flag'", "0 or 1"},
        {"list=1,,2", "key 'list'", "empty entry"},
        {"list=1,-2", "key 'list'", "'-2'"},
        {"list=1,x", "key 'list'", "not a number"},
        {"noequals", "not of the form key=value", ""},
        {"=5", "not of the form key=value", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *argv[2] = {"out=o", bad[i].arg};
        char name[160];
        snprintf(name, sizeof name, "'%s' is rejected with a message naming key and value", bad[i].arg);
        mfd_status st = parse(&p, 2, argv);
        CHECK(name, st == MFD_EINVAL && has(bad[i].needle1) && has(bad[i].needle2));
        if (!(st == MFD_EINVAL && has(bad[i].needle1) && has(bad[i].needle2)))
            printf("     message was: %s\n", err);
    }
    const char *dup[] = {"out=o", "eta=1", "eta=2"};
    CHECK("a key given twice is rejected", parse(&p, 3, dup) == MFD_EINVAL && has("given twice"));
    const char *noreq[] = {"eta=1"};
    CHECK("a missing required key is rejected naming it", parse(&p, 1, noreq) == MFD_EINVAL && has("'out' is required"));

    /* format re-parses to the same bits */
    const char *rt[] = {"out=o", "eta=0.1", "list=0.3,1e-300"};
    parse(&p, 3, rt);
    char buf[256];
    const mfd_param_spec *se = mfd_param_find(T, "eta"), *sl = mfd_param_find(T, "list");
    mfd_param_format(se, &p, buf, sizeof buf);
    CHECK("a real formats in its shortest exact form", strcmp(buf, "0.1") == 0);
    double eta0 = p.eta;
    mfd_param_set(T, &p, "eta", buf, err, sizeof err);
    CHECK("formatted real re-parses to the same bits", p.eta == eta0);
    mfd_param_format(sl, &p, buf, sizeof buf);
    CHECK("a list formats as comma-separated values", strcmp(buf, "0.3,1e-300") == 0);
    p.eta = 1.0 / 3.0;
    mfd_param_format(se, &p, buf, sizeof buf);
    mfd_param_set(T, &p, "eta", buf, err, sizeof err);
    CHECK("1/3 survives format and parse", p.eta == 1.0 / 3.0);
    char ch[32];
    mfd_param_choice_name(mfd_param_find(T, "field"), 1, ch, sizeof ch);
    CHECK("choice names are recovered", strcmp(ch, "complex") == 0);

    /* choices by name: a word list in another order than the choices text */
    enum { F_COMPLEX = 10, F_REAL = 20 };
    const mfd_param_word words[] = {{"complex", F_COMPLEX}, {"real", F_REAL}};
    const char *cx[] = {"out=o", "field=complex"};
    parse(&p, 2, cx);
    int v = -1;
    CHECK("a choice maps to its enum by name, not by position",
          mfd_param_word_value(T, &p, "field", words, 2, &v, err, sizeof err) == MFD_OK && v == F_COMPLEX);
    CHECK("a word missing from the list is an error naming key and word",
          mfd_param_word_value(T, &p, "field", words + 1, 1, &v, err, sizeof err) == MFD_EINVAL && has("key 'field'") &&
              has("'complex'"));
    CHECK("a key that is no choice is refused naming it",
          mfd_param_word_value(T, &p, "eta", words, 2, &v, err, sizeof err) == MFD_EINVAL && has("key 'eta'"));
    CHECK("storing a value selects its word",
          mfd_param_word_store(T, &p, "field", words, 2, F_REAL) == MFD_OK &&
              mfd_param_format(mfd_param_find(T, "field"), &p, buf, sizeof buf) >= 0 && strcmp(buf, "real") == 0);
    const mfd_param_word extra[] = {{"quaternion", 30}};
    mfd_param_word_store(T, &p, "field", extra, 1, 30);
    mfd_param_format(mfd_param_find(T, "field"), &p, buf, sizeof buf);
    CHECK("a value whose word the key does not offer formats as empty text", strcmp(buf, "") == 0);
    mfd_param_choice_name(mfd_param_find(T, "field"), -1, ch, sizeof ch);
    CHECK("choice -1 has no name", strcmp(ch, "") == 0);

    help_lines = 0;
    help_has_all = 0;
    mfd_param_help(T, count_help, NULL);
    CHECK("help lists every key", help_has_all == (1 << T.n) - 1 && help_lines == 2 * T.n);
    mfd_param_free(T, &p);
    CHECK("free releases lists", p.list.v == NULL && p.list.n == 0);
    TEST_REPORT();
}
