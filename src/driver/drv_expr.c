#include "drv_expr.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N_NUM, N_STR, N_NAME, N_NEG, N_NOT, N_BIN, N_CALL };
enum { OP_OR, OP_AND, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW };

typedef struct node {
    int kind, op;
    double num;
    char *text;         /* string literal, name or function */
    struct node *a, *b; /* operands; a call's arguments chain through b of N_CALL args */
    struct node *args[2];
    int nargs;
} node;

struct drv_expr {
    node *root;
};

typedef struct parser {
    const char *s, *p;
    char *err;
    size_t errlen;
    bool failed;
} parser;

static void perr(parser *ps, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = true;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(ps->err, ps->errlen, "%s at column %d of '%s'", msg, (int)(ps->p - ps->s) + 1, ps->s);
}

static void node_free(node *n)
{
    if (!n)
        return;
    node_free(n->a);
    node_free(n->b);
    for (int i = 0; i < n->nargs; i++)
        node_free(n->args[i]);
    free(n->text);
    free(n);
}

static node *mk(int kind)
{
    node *n = calloc(1, sizeof *n);
    if (n)
        n->kind = kind;
    return n;
}

static void ws(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static bool lit(parser *ps, const char *t)
{
    ws(ps);
    size_t l = strlen(t);
    if (strncmp(ps->p, t, l) != 0)
        return false;
    /* keywords must end at a word boundary */
    if (isalpha((unsigned char)t[0]) && (isalnum((unsigned char)ps->p[l]) || ps->p[l] == '_'))
        return false;
    ps->p += l;
    return true;
}

static node *parse_or(parser *ps);

static char *dup_range(const char *a, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, a, n);
        s[n] = '\0';
    }
    return s;
}

/* A number, as strtod reads it. */
static node *parse_number(parser *ps)
{
    char *end;
    double v = strtod(ps->p, &end);
    node *n = mk(N_NUM);
    if (n)
        n->num = v;
    ps->p = end;
    return n;
}

/* "text": a string literal (no escapes). */
static node *parse_string(parser *ps)
{
    const char *q = strchr(ps->p + 1, '"');
    if (!q) {
        perr(ps, "unterminated string");
        return NULL;
    }
    node *n = mk(N_STR);
    if (n)
        n->text = dup_range(ps->p + 1, (size_t)(q - ps->p - 1));
    ps->p = q + 1;
    return n;
}

/* name(arg, ...): at most two arguments; ps->p is just past '('. */
static node *parse_call(parser *ps, const char *name, size_t len)
{
    node *n = mk(N_CALL);
    if (!n)
        return NULL;
    n->text = dup_range(name, len);
    ws(ps);
    if (*ps->p != ')') {
        do {
            if (n->nargs == 2) {
                perr(ps, "too many arguments");
                node_free(n);
                return NULL;
            }
            n->args[n->nargs++] = parse_or(ps);
        } while (lit(ps, ","));
    }
    if (!lit(ps, ")")) {
        perr(ps, "expected ')' after the arguments of %s", n->text);
        node_free(n);
        return NULL;
    }
    return n;
}

/* A name (letters, digits, '_'; or `any text` in backquotes), or a call. */
static node *parse_name(parser *ps)
{
    const char *c = ps->p, *start = c;
    size_t len;
    if (*c == '`') {
        const char *q = strchr(c + 1, '`');
        if (!q) {
            perr(ps, "unterminated `name`");
            return NULL;
        }
        start = c + 1;
        len = (size_t)(q - start);
        ps->p = q + 1;
    } else if (isalpha((unsigned char)*c) || *c == '_') {
        while (isalnum((unsigned char)*ps->p) || *ps->p == '_')
            ps->p++;
        len = (size_t)(ps->p - c);
    } else {
        perr(ps, *c ? "unexpected '%c'" : "unexpected end of expression", *c);
        return NULL;
    }
    ws(ps);
    if (*c != '`' && *ps->p == '(') {
        ps->p++;
        return parse_call(ps, start, len);
    }
    node *n = mk(N_NAME);
    if (n)
        n->text = dup_range(start, len);
    return n;
}

static node *parse_atom(parser *ps)
{
    ws(ps);
    const char *c = ps->p;
    if (*c == '(') {
        ps->p++;
        node *e = parse_or(ps);
        if (!lit(ps, ")")) {
            perr(ps, "expected ')'");
            node_free(e);
            return NULL;
        }
        return e;
    }
    if (isdigit((unsigned char)*c) || (*c == '.' && isdigit((unsigned char)c[1])))
        return parse_number(ps);
    if (*c == '"')
        return parse_string(ps);
    return parse_name(ps);
}

static node *bin(int op, node *a, node *b)
{
    node *n = mk(N_BIN);
    if (!n) {
        node_free(a);
        node_free(b);
        return NULL;
    }
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

static node *parse_unary(parser *ps);

static node *parse_power(parser *ps)
{
    node *a = parse_atom(ps);
    if (lit(ps, "^"))
        return bin(OP_POW, a, parse_unary(ps));
    return a;
}

/* A prefix operator (right-recursive): text, then an operand of the same
 * level (self); otherwise the next level. */
static node *parse_prefix(parser *ps, const char *text, int kind, node *(*self)(parser *), node *(*next)(parser *))
{
    if (!lit(ps, text))
        return next(ps);
    node *n = mk(kind);
    if (n)
        n->a = self(ps);
    return n;
}

static node *parse_unary(parser *ps) { return parse_prefix(ps, "-", N_NEG, parse_unary, parse_power); }

/* A binary operator as written, and its node. */
typedef struct binop {
    const char *text;
    int op;
} binop;

/* A left-associative level: operand (op operand)*, with the operators
 * ops[0..nops) tried in order. */
static node *parse_left(parser *ps, node *(*operand)(parser *), const binop *ops, size_t nops)
{
    node *a = operand(ps);
    for (;;) {
        size_t i = 0;
        while (i < nops && !lit(ps, ops[i].text))
            i++;
        if (i == nops)
            return a;
        a = bin(ops[i].op, a, operand(ps));
    }
}

static node *parse_prod(parser *ps)
{
    static const binop ops[] = {{"*", OP_MUL}, {"/", OP_DIV}};
    return parse_left(ps, parse_unary, ops, 2);
}

static node *parse_sum(parser *ps)
{
    static const binop ops[] = {{"+", OP_ADD}, {"-", OP_SUB}};
    return parse_left(ps, parse_prod, ops, 2);
}

/* Comparisons do not chain: a < b < c is a syntax error. */
static node *parse_cmp(parser *ps)
{
    node *a = parse_sum(ps);
    static const binop ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE}, {"<", OP_LT}, {">", OP_GT}};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (lit(ps, ops[i].text))
            return bin(ops[i].op, a, parse_sum(ps));
    return a;
}

static node *parse_not(parser *ps) { return parse_prefix(ps, "not", N_NOT, parse_not, parse_cmp); }

static node *parse_and(parser *ps)
{
    static const binop ops[] = {{"and", OP_AND}};
    return parse_left(ps, parse_not, ops, 1);
}

static node *parse_or(parser *ps)
{
    static const binop ops[] = {{"or", OP_OR}};
    return parse_left(ps, parse_and, ops, 1);
}

/* a tree with a NULL child after a failed allocation or parse */
static bool complete(const node *n)
{
    if (!n)
        return false;
    if ((n->kind == N_NEG || n->kind == N_NOT) && !complete(n->a))
        return false;
    if (n->kind == N_BIN && (!complete(n->a) || !complete(n->b)))
        return false;
    for (int i = 0; i < n->nargs; i++)
        if (!complete(n->args[i]))
            return false;
    return true;
}

drv_expr *drv_expr_compile(const char *text, char *err, size_t errlen)
{
    parser ps = {text, text, err, errlen, false};
    node *root = parse_or(&ps);
    ws(&ps);
    if (!ps.failed && *ps.p)
        perr(&ps, "unexpected '%c'", *ps.p);
    if (ps.failed || !complete(root)) {
        if (!ps.failed)
            snprintf(err, errlen, "cannot parse '%s'", text);
        node_free(root);
        return NULL;
    }
    drv_expr *e = malloc(sizeof *e);
    if (!e) {
        node_free(root);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->root = root;
    return e;
}

void drv_expr_free(drv_expr *e)
{
    if (!e)
        return;
    node_free(e->root);
    free(e);
}

typedef struct evalctx {
    drv_expr_lookup lookup;
    void *ctx;
    char *err;
    size_t errlen;
} evalctx;

static bool num_of(evalctx *c, drv_expr_value v, const char *what, double *out)
{
    if (v.is_str) {
        snprintf(c->err, c->errlen, "%s needs a number, not the text \"%s\"", what, v.str);
        return false;
    }
    *out = v.num;
    return true;
}

static bool eval(const node *n, evalctx *c, drv_expr_value *out);

/* A name: pi, inf, nan, or what the lookup gives. */
static bool eval_name(const node *n, evalctx *c, drv_expr_value *out)
{
    if (strcmp(n->text, "pi") == 0)
        return out->num = 3.14159265358979323846, true;
    if (strcmp(n->text, "inf") == 0)
        return out->num = INFINITY, true;
    if (strcmp(n->text, "nan") == 0)
        return out->num = NAN, true;
    if (!c->lookup(c->ctx, n->text, out)) {
        snprintf(c->err, c->errlen, "unknown name '%s' (neither a run parameter nor a summary column)", n->text);
        return false;
    }
    return true;
}

/* A function call: its arguments are numbers, their count the function's. */
static bool eval_call(const node *n, evalctx *c, drv_expr_value *out)
{
    static const struct {
        const char *name;
        int nargs;
    } fns[] = {{"sqrt", 1}, {"log", 1}, {"log10", 1}, {"exp", 1}, {"abs", 1},
               {"cos", 1},  {"sin", 1}, {"min", 2},   {"max", 2}, {"isnan", 1}};
    double v[2] = {0, 0};
    drv_expr_value a;
    for (int i = 0; i < n->nargs; i++)
        if (!eval(n->args[i], c, &a) || !num_of(c, a, n->text, &v[i]))
            return false;
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
        if (strcmp(n->text, fns[i].name) != 0)
            continue;
        if (n->nargs != fns[i].nargs) {
            snprintf(c->err, c->errlen, "%s takes %d argument%s", fns[i].name, fns[i].nargs,
                     fns[i].nargs > 1 ? "s" : "");
            return false;
        }
        switch (i) {
        case 0: out->num = sqrt(v[0]); break;
        case 1: out->num = log(v[0]); break;
        case 2: out->num = log10(v[0]); break;
        case 3: out->num = exp(v[0]); break;
        case 4: out->num = fabs(v[0]); break;
        case 5: out->num = cos(v[0]); break;
        case 6: out->num = sin(v[0]); break;
        case 7: out->num = fmin(v[0], v[1]); break;
        case 8: out->num = fmax(v[0], v[1]); break;
        default: out->num = isnan(v[0]); break;
        }
        return true;
    }
    snprintf(c->err, c->errlen, "unknown function '%s'", n->text);
    return false;
}

/* A binary operator.  and/or evaluate both sides (no short cut: both must
 * be valid); == and != compare texts when either side is one (a text and a
 * number are unequal); the rest need numbers. */
static bool eval_binary(const node *n, evalctx *c, drv_expr_value *out)
{
    drv_expr_value a, b;
    double x, y;
    if (!eval(n->a, c, &a))
        return false;
    if (n->op == OP_AND || n->op == OP_OR) {
        if (!eval(n->b, c, &b) || !num_of(c, a, "and/or", &x) || !num_of(c, b, "and/or", &y))
            return false;
        out->num = n->op == OP_AND ? (x != 0 && y != 0) : (x != 0 || y != 0);
        return true;
    }
    if (!eval(n->b, c, &b))
        return false;
    if ((n->op == OP_EQ || n->op == OP_NE) && (a.is_str || b.is_str)) {
        bool eq = a.is_str && b.is_str && strcmp(a.str, b.str) == 0;
        out->num = n->op == OP_EQ ? eq : !eq;
        return true;
    }
    if (!num_of(c, a, "this operator", &x) || !num_of(c, b, "this operator", &y))
        return false;
    switch (n->op) {
    case OP_EQ: out->num = x == y; break;
    case OP_NE: out->num = x != y; break;
    case OP_LT: out->num = x < y; break;
    case OP_LE: out->num = x <= y; break;
    case OP_GT: out->num = x > y; break;
    case OP_GE: out->num = x >= y; break;
    case OP_ADD: out->num = x + y; break;
    case OP_SUB: out->num = x - y; break;
    case OP_MUL: out->num = x * y; break;
    case OP_DIV: out->num = x / y; break;
    default: out->num = pow(x, y); break;
    }
    return true;
}

static bool eval(const node *n, evalctx *c, drv_expr_value *out)
{
    drv_expr_value a;
    double x;
    out->is_str = false;
    out->str = NULL;
    switch (n->kind) {
    case N_NUM: out->num = n->num; return true;
    case N_STR:
        out->is_str = true;
        out->str = n->text;
        return true;
    case N_NAME: return eval_name(n, c, out);
    case N_NEG:
        if (!eval(n->a, c, &a) || !num_of(c, a, "unary -", &x))
            return false;
        out->num = -x;
        return true;
    case N_NOT:
        if (!eval(n->a, c, &a) || !num_of(c, a, "not", &x))
            return false;
        out->num = x == 0;
        return true;
    case N_CALL: return eval_call(n, c, out);
    default: return eval_binary(n, c, out);
    }
}

bool drv_expr_eval(const drv_expr *e, drv_expr_lookup lookup, void *ctx, drv_expr_value *out, char *err, size_t errlen)
{
    evalctx c = {lookup, ctx, err, errlen};
    return eval(e->root, &c, out);
}

static void names(const node *n, void (*f)(void *, const char *), void *ctx)
{
    if (!n)
        return;
    if (n->kind == N_NAME && strcmp(n->text, "pi") && strcmp(n->text, "inf") && strcmp(n->text, "nan"))
        f(ctx, n->text);
    names(n->a, f, ctx);
    names(n->b, f, ctx);
    for (int i = 0; i < n->nargs; i++)
        names(n->args[i], f, ctx);
}

void drv_expr_names(const drv_expr *e, void (*f)(void *ctx, const char *name), void *ctx) { names(e->root, f, ctx); }
