/* drv_expr and drv_rowexpr: the expression language of claims and figures —
 * precedence, functions, comparisons, texts, errors with their positions,
 * and expressions over the rows of a table. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "drv_expr.h"
#include "drv_fixtures.h"
#include "drv_rowexpr.h"
#include "testhelp.h"

/* Names the tests use: numbers, a text, a NaN and a name with '-'. */
static bool lookup(void *ctx, const char *name, drv_expr_value *out)
{
    static const struct {
        const char *name;
        double v;
    } nums[] = {{"eta", 0.01}, {"sigma", 2}, {"iter_to_1e-10", 100}, {"missing", NAN}, {"zero", 0}};
    (void)ctx;
    if (strcmp(name, "field") == 0) {
        out->is_str = true;
        out->str = "real";
        return true;
    }
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
        if (strcmp(name, nums[i].name) == 0) {
            out->is_str = false;
            out->num = nums[i].v;
            return true;
        }
    return false;
}

static char err[512];

/* The value of text (NaN with the message in err on any error). */
static double val(const char *text)
{
    err[0] = '\0';
    drv_expr *e = drv_expr_compile(text, err, sizeof err);
    if (!e)
        return NAN;
    drv_expr_value v;
    bool ok = drv_expr_eval(e, lookup, NULL, &v, err, sizeof err);
    drv_expr_free(e);
    return ok && !v.is_str ? v.num : NAN;
}

/* Does compiling text fail with exactly the message want? */
static bool syntax_error(const char *text, const char *want)
{
    drv_expr *e = drv_expr_compile(text, err, sizeof err);
    drv_expr_free(e);
    if (e || strcmp(err, want) != 0)
        printf("  (compiled %s: got \"%s\")\n", e ? "fine" : "with an error", e ? "" : err);
    return !e && strcmp(err, want) == 0;
}

/* Does text compile and fail to evaluate with a message that holds want? */
static bool eval_error(const char *text, const char *want)
{
    err[0] = '\0';
    drv_expr *e = drv_expr_compile(text, err, sizeof err);
    drv_expr_value v;
    bool failed = e && !drv_expr_eval(e, lookup, NULL, &v, err, sizeof err);
    drv_expr_free(e);
    if (!failed || !strstr(err, want))
        printf("  (%s: \"%s\")\n", text, err);
    return failed && strstr(err, want) != NULL;
}

static char names[256];
static void add_name(void *ctx, const char *name)
{
    (void)ctx;
    size_t l = strlen(names);
    snprintf(names + l, sizeof names - l, "%s%s", l ? "," : "", name);
}

static void test_precedence(void)
{
    CHECK_CLOSE("* binds tighter than +", val("1 + 2 * 3"), 7, 0);
    CHECK_CLOSE("parentheses group", val("(1 + 2) * 3"), 9, 0);
    CHECK_CLOSE("- is left-associative", val("10 - 4 - 3"), 3, 0);
    CHECK_CLOSE("/ is left-associative", val("8 / 4 / 2"), 1, 0);
    CHECK_CLOSE("^ is right-associative", val("2 ^ 3 ^ 2"), 512, 0);
    CHECK_CLOSE("^ binds tighter than unary -", val("-2 ^ 2"), -4, 0);
    CHECK_CLOSE("a negative exponent", val("2 ^ -1"), 0.5, 0);
    CHECK_CLOSE("unary - after *", val("2 * -3"), -6, 0);
    CHECK_CLOSE("arithmetic before comparison", val("1 + 1 == 2"), 1, 0);
    CHECK_CLOSE("and binds tighter than or", val("1 or 0 and 0"), 1, 0);
    CHECK_CLOSE("not binds looser than comparison", val("not 1 == 2"), 1, 0);
    CHECK_CLOSE("not, then and", val("not 0 and 1"), 1, 0);
    CHECK_CLOSE("a claim's prediction: (1 - 4 eta sigma^1.5)^2", val("(1 - 4*eta*sigma^1.5)^2"),
                pow(1 - 4 * 0.01 * pow(2, 1.5), 2), 4 * TH_U);
    CHECK_CLOSE("numbers in exponent form", val("1e-3 * 2.5E2"), 0.25, TH_U);
    CHECK_CLOSE("a number starting with a point", val(".5 + 1"), 1.5, 0);
}

static void test_comparisons(void)
{
    CHECK_CLOSE("1 < 2", val("1 < 2"), 1, 0);
    CHECK_CLOSE("2 <= 2", val("2 <= 2"), 1, 0);
    CHECK_CLOSE("3 > 4 is 0", val("3 > 4"), 0, 0);
    CHECK_CLOSE("3 >= 4 is 0", val("3 >= 4"), 0, 0);
    CHECK_CLOSE("1 == 1", val("1 == 1"), 1, 0);
    CHECK_CLOSE("1 != 1 is 0", val("1 != 1"), 0, 0);
    CHECK_CLOSE("NaN equals nothing, not even NaN", val("missing == missing"), 0, 0);
    CHECK_CLOSE("a comparison with NaN is false", val("missing < 1"), 0, 0);
    CHECK_CLOSE("texts compare with ==", val("field == \"real\""), 1, 0);
    CHECK_CLOSE("texts compare with !=", val("field != \"complex\""), 1, 0);
    CHECK_CLOSE("a text and a number are unequal, not an error", val("field == 1"), 0, 0);
    CHECK_CLOSE("a string literal compares with a string literal", val("\"a\" == \"a\""), 1, 0);
    CHECK_CLOSE("and/or give 1 and 0", val("eta > 0 and sigma > 1"), 1, 0);
}

static void test_functions(void)
{
    CHECK_CLOSE("sqrt", val("sqrt(16)"), 4, 0);
    CHECK_CLOSE("log is natural", val("log(exp(2))"), 2, 4 * TH_U);
    CHECK_CLOSE("log10", val("log10(1000)"), 3, 4 * TH_U);
    CHECK_CLOSE("abs", val("abs(-3)"), 3, 0);
    CHECK_CLOSE("cos and sin", val("cos(0) + sin(0)"), 1, 0);
    CHECK_CLOSE("cos(pi) with the constant pi", val("cos(pi)"), -1, TH_U);
    CHECK_CLOSE("min", val("min(2, 3)"), 2, 0);
    CHECK_CLOSE("max", val("max(2, 3)"), 3, 0);
    CHECK_CLOSE("isnan of a NaN name", val("isnan(missing)"), 1, 0);
    CHECK_CLOSE("isnan of a number", val("isnan(1)"), 0, 0);
    CHECK_CLOSE("isnan(nan) with the constant nan", val("isnan(nan)"), 1, 0);
    CHECK("inf is infinite", isinf(val("inf")) && val("-inf") < 0);
    CHECK_CLOSE("a backquoted name may hold '-'", val("`iter_to_1e-10` / 2"), 50, 0);
    CHECK_CLOSE("sqrt of a negative is NaN, not an error", isnan(val("sqrt(-1)")) && err[0] == '\0', 1, 0);
    CHECK("division by zero is infinite, not an error", isinf(val("1 / zero")) && err[0] == '\0');
}

static void test_syntax_errors(void)
{
    CHECK("an unexpected character names its column", syntax_error("1 + )", "unexpected ')' at column 5 of '1 + )'"));
    CHECK("a missing ')' names where it was expected", syntax_error("(1 + 2", "expected ')' at column 7 of '(1 + 2'"));
    CHECK("an unterminated string", syntax_error("\"abc", "unterminated string at column 1 of '\"abc'"));
    CHECK("an unterminated backquoted name", syntax_error("1 + `abc", "unterminated `name` at column 5 of '1 + `abc'"));
    CHECK("two numbers in a row", syntax_error("1 2", "unexpected '2' at column 3 of '1 2'"));
    CHECK("an empty expression", syntax_error("", "unexpected end of expression at column 1 of ''"));
    CHECK("an operator without its right operand",
          syntax_error("1 +", "unexpected end of expression at column 4 of '1 +'"));
    CHECK("comparisons do not chain", syntax_error("1 < 2 < 3", "unexpected '<' at column 7 of '1 < 2 < 3'"));
    CHECK("a call takes at most two arguments",
          syntax_error("max(1, 2, 3)", "too many arguments at column 10 of 'max(1, 2, 3)'"));
    CHECK("a call's arguments end with ')'",
          syntax_error("min(1, 2", "expected ')' after the arguments of min at column 9 of 'min(1, 2'"));
    CHECK("'and' needs a word boundary (andx is a name, so two names in a row)",
          syntax_error("1 andx 2", "unexpected 'a' at column 3 of '1 andx 2'"));
}

static void test_eval_errors(void)
{
    CHECK("an unknown name",
          eval_error("nope + 1", "unknown name 'nope' (neither a run parameter nor a summary column)"));
    CHECK("an unknown function", eval_error("foo(1)", "unknown function 'foo'"));
    CHECK("a function with too few arguments", eval_error("min(1)", "min takes 2 arguments"));
    CHECK("a function with too many arguments", eval_error("sqrt(1, 2)", "sqrt takes 1 argument"));
    CHECK("arithmetic on a text", eval_error("field + 1", "this operator needs a number, not the text \"real\""));
    CHECK("a text where a function needs a number",
          eval_error("abs(field)", "abs needs a number, not the text \"real\""));
    CHECK("unary - of a text", eval_error("-field", "unary - needs a number"));
    CHECK("not of a text", eval_error("not field", "not needs a number"));
    CHECK("and/or of a text", eval_error("field and 1", "and/or needs a number"));
    CHECK("and evaluates both sides: an unknown name after a false one is an error",
          eval_error("zero and nope", "unknown name 'nope'"));
    drv_expr *e = drv_expr_compile("field", err, sizeof err);
    drv_expr_value v;
    CHECK("a text is a value of its own",
          e && drv_expr_eval(e, lookup, NULL, &v, err, sizeof err) && v.is_str && strcmp(v.str, "real") == 0);
    drv_expr_free(e);
    drv_expr_free(NULL);
    CHECK("drv_expr_free(NULL) is a no-op", 1);
}

static void test_names(void)
{
    drv_expr *e = drv_expr_compile("a + pi * max(b, `c-d`) - inf + nan + a", err, sizeof err);
    names[0] = '\0';
    if (e)
        drv_expr_names(e, add_name, NULL);
    drv_expr_free(e);
    CHECK("names lists every name read, constants left out, calls' arguments included",
          strcmp(names, "a,b,c-d,a") == 0);
}

/* Expressions over the rows of an index table, compiled from a spec's claim. */
static void test_rowexpr(void)
{
    static const char spec[] = "[experiment]\nprogram = mfd-deep\n[claim c]\nmeasure = loss / loss_init\n"
                               "where = stop_reason == \"converged\"\npredicted = nope * 2\nagainst = loss +\n"
                               "[plot p]\ntheory = 1 / iter\n";
    static const char table[] = "id,eta,loss,loss_init,stop_reason\n"
                                "a,0.01,0.5,2,converged\n"
                                "b,0.02,nan,2,diverged\n";
    drv_experiment s;
    drv_csv t;
    drv_expr *e = NULL;
    bool ok = fx_spec(spec, "x.ini", NULL, &s, err, sizeof err) && fx_table(table, &t, err, sizeof err);
    CHECK("the fixture spec and table load", ok);
    if (!ok)
        return;
    const drv_experiment_section *c = &s.claims[0];
    CHECK("a claim's expression compiles against the table's columns",
          drv_rowexpr_compile(&s, c, "claim", "measure", true, &t, NULL, &e, err, sizeof err));
    CHECK_CLOSE("... and evaluates at a row", drv_rowexpr_num(e, &t, 0, NULL, 0, err, sizeof err), 0.25, 0);
    CHECK("... a NaN cell reads as NaN", isnan(drv_rowexpr_num(e, &t, 1, NULL, 0, err, sizeof err)));
    drv_expr_free(e);
    CHECK("a text cell compares as a text",
          drv_rowexpr_compile(&s, c, "claim", "where", true, &t, NULL, &e, err, sizeof err) &&
              drv_rowexpr_num(e, &t, 0, NULL, 0, err, sizeof err) == 1 &&
              drv_rowexpr_num(e, &t, 1, NULL, 0, err, sizeof err) == 0);
    drv_expr_free(e);
    CHECK("an unknown name is an error at compile time, naming file, line, section and key",
          !drv_rowexpr_compile(&s, c, "claim", "predicted", true, &t, NULL, &e, err, sizeof err) && !e &&
              strcmp(err, "x.ini:6: [claim c] key 'predicted': 'nope' is neither a run parameter nor a summary "
                          "column of this experiment") == 0);
    CHECK("a syntax error names file, line, section and key",
          !drv_rowexpr_compile(&s, c, "claim", "against", true, &t, NULL, &e, err, sizeof err) &&
              strcmp(err, "x.ini:7: [claim c] key 'against': unexpected end of expression at column 7 of "
                          "'loss +'") == 0);
    CHECK("a missing required key names the line of the section's first key",
          !drv_rowexpr_compile(&s, c, "claim", "bound", true, &t, NULL, &e, err, sizeof err) &&
              strcmp(err, "x.ini:4: [claim c] has no 'bound'") == 0);
    CHECK("a missing optional key is no expression and no error",
          drv_rowexpr_compile(&s, c, "claim", "tolerance", false, &t, NULL, &e, err, sizeof err) && !e);
    const drv_experiment_section *p = &s.plots[0];
    CHECK("a bound name (a trace's x) is known to a theory line",
          drv_rowexpr_compile(&s, p, "plot", "theory", false, &t, "iter", &e, err, sizeof err) && e);
    CHECK_CLOSE("... and takes the value given", drv_rowexpr_num(e, &t, 0, "iter", 4, err, sizeof err), 0.25, 0);
    drv_expr_free(e);
    CHECK("without the bound name it is unknown",
          !drv_rowexpr_compile(&s, p, "plot", "theory", false, &t, NULL, &e, err, sizeof err) &&
              strstr(err, "[plot p] key 'theory': 'iter' is neither") != NULL);
    e = drv_expr_compile("stop_reason", err, sizeof err);
    CHECK("a text where a number is wanted is NaN with a reason",
          e && isnan(drv_rowexpr_num(e, &t, 0, NULL, 0, err, sizeof err)) &&
              strcmp(err, "the expression gives the text \"converged\", not a number") == 0);
    drv_expr_free(e);
    drv_csv_free(&t);
    drv_experiment_free(&s);
}

int main(void)
{
    test_precedence();
    test_comparisons();
    test_functions();
    test_syntax_errors();
    test_eval_errors();
    test_names();
    test_rowexpr();
    TEST_REPORT();
}
