/* drv_expr.h — the small expression language of experiment claims.
 *
 *   (1 - 4*eta*sigma^1.5)^2        arithmetic on run parameters and summary columns
 *   stop_reason == "converged"     strings compare with == and !=
 *   field == "real" and det_sign_init > 0
 *   `iter_to_1e-10` / 2            backquotes quote names that hold '-'
 *
 * Operators by precedence: or; and; not; == != < <= > >=; + -; * /; unary -;
 * ^ (right-associative).  Functions: sqrt log log10 exp abs cos sin min max
 * isnan; constants pi, inf, nan.  Booleans are 1 and 0.  An expression is
 * compiled once and evaluated for each run with a lookup callback. */
#ifndef DRV_EXPR_H
#define DRV_EXPR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct drv_expr_value {
    bool is_str;
    double num;
    const char *str;
} drv_expr_value;

/* Looks a name up; returns false when the name is unknown. */
typedef bool (*drv_expr_lookup)(void *ctx, const char *name, drv_expr_value *out);

typedef struct drv_expr drv_expr;

/* Compile text; NULL on a syntax error, with the message in err. */
drv_expr *drv_expr_compile(const char *text, char *err, size_t errlen);
void drv_expr_free(drv_expr *e);

/* Evaluate; false with a message (an unknown name, a type error) in err. */
bool drv_expr_eval(const drv_expr *e, drv_expr_lookup lookup, void *ctx, drv_expr_value *out, char *err, size_t errlen);

/* Call f on every name the expression reads (for validation). */
void drv_expr_names(const drv_expr *e, void (*f)(void *ctx, const char *name), void *ctx);

#endif
