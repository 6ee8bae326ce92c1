/* mfd_method: the rules found by name, their choices text, every check's
 * message for the values a rule cannot take, and the steps of the two GD
 * rules against the model updates they wrap.  (The scaled rules' steps
 * against their closed forms: test_scaled.) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfd_deep.h"
#include "mfd_deepinit.h"
#include "mfd_method.h"
#include "mfd_random.h"
#include "mfd_rng.h"
#include "mfd_sense.h"
#include "mfd_sensop.h"
#include "mfd_target.h"
#include "testhelp.h"

static const mfd_method_type *const TWO_FACTOR[] = {&mfd_gd_type,     &mfd_scaledgd_type,    &mfd_scaledgd_lambda_type,
                                                    &mfd_precgd_type, &mfd_altscaledgd_type, &mfd_altmin_type};
#define NTWO (sizeof TWO_FACTOR / sizeof *TWO_FACTOR)

static char msg[512];
static int has(const char *s) { return strstr(msg, s) != NULL; }

/* check(type) with the given settings on a problem; prints the message. */
static mfd_status check(const mfd_method_type *type, mfd_method_params p, mfd_method_problem pb)
{
    msg[0] = '\0';
    mfd_status st = mfd_method_check(type, &p, &pb, msg, sizeof msg);
    if (st != MFD_OK)
        printf("     %s: %s\n", type->name, msg);
    return st;
}

int main(void)
{
    /* ---- by name ---- */
    for (size_t i = 0; i < NTWO; i++) {
        char name[96];
        snprintf(name, sizeof name, "method=%s is found by its name", TWO_FACTOR[i]->name);
        CHECK(name, mfd_method_find(TWO_FACTOR, NTWO, TWO_FACTOR[i]->name) == TWO_FACTOR[i]);
    }
    const mfd_method_type *deep[] = {&mfd_deepgd_type};
    CHECK("the deep rule is found as gd", mfd_method_find(deep, 1, "gd") == &mfd_deepgd_type);
    CHECK("an unknown name is refused", mfd_method_find(TWO_FACTOR, NTWO, "adam") == NULL);
    CHECK("a name is matched whole, not by prefix", mfd_method_find(TWO_FACTOR, NTWO, "scaled") == NULL);
    char buf[256];
    CHECK("the choices text lists the names in table order",
          mfd_method_choices(TWO_FACTOR, NTWO, buf, sizeof buf) == MFD_OK &&
              strcmp(buf, "gd|scaledgd|scaledgd_lambda|precgd|altscaledgd|altmin") == 0);
    CHECK("a choices text that does not fit is refused", mfd_method_choices(TWO_FACTOR, NTWO, buf, 20) == MFD_ERANGE);
    CHECK("one rule is its own choices text", mfd_method_choices(deep, 1, buf, sizeof buf) == MFD_OK &&
                                                  strcmp(buf, "gd") == 0);

    /* ---- checks: each bad value is named ---- */
    mfd_method_params p = {.eta = 0.5, .lambda = 0, .precgd_c = 1, .gd_scale = 1, .mem_limit = 1e9};
    mfd_method_problem asym = {MFD_METHOD_TWO_FACTOR, false, MFD_SENSOP_DENSE, 20, 20, 2, 800};
    mfd_method_problem sym = asym;
    sym.symmetric = true;
    for (size_t i = 0; i < NTWO; i++) {
        char name[96];
        snprintf(name, sizeof name, "method=%s takes an asymmetric sensing problem with lambda = 0", TWO_FACTOR[i]->name);
        mfd_method_params q = p;
        if (TWO_FACTOR[i] == &mfd_scaledgd_lambda_type)
            q.lambda = 1e-3;
        CHECK(name, check(TWO_FACTOR[i], q, asym) == MFD_OK);
    }
    mfd_method_params lam = p;
    lam.lambda = 0.1;
    CHECK("scaledgd with lambda > 0 is refused naming lambda and scaledgd_lambda",
          check(&mfd_scaledgd_type, lam, asym) == MFD_EINVAL && has("key 'lambda'") && has("method=scaledgd_lambda"));
    CHECK("scaledgd_lambda without lambda is refused", check(&mfd_scaledgd_lambda_type, p, asym) == MFD_EINVAL &&
                                                           has("key 'lambda'") && has("needs lambda > 0, not 0"));
    lam.lambda = -1;
    CHECK("scaledgd_lambda with a negative lambda is refused", check(&mfd_scaledgd_lambda_type, lam, asym) == MFD_EINVAL &&
                                                                   has("not -1"));
    CHECK("altscaledgd on the symmetric model is refused naming model=asym",
          check(&mfd_altscaledgd_type, p, sym) == MFD_EINVAL && has("method=altscaledgd") && has("model=asym"));
    CHECK("altmin on the symmetric model is refused", check(&mfd_altmin_type, p, sym) == MFD_EINVAL &&
                                                          has("method=altmin alternates"));
    mfd_method_problem otf = asym;
    otf.op = MFD_SENSOP_GAUSSIAN_OTF;
    CHECK("altmin with the on-the-fly operator is refused naming the stored one",
          check(&mfd_altmin_type, p, otf) == MFD_EINVAL && has("operator=gaussian"));
    mfd_method_params tight = p;
    tight.mem_limit = 30000; /* m = 30, n k = 50: 8 (50 * 30 + 50^2 + 50) = 32400 bytes */
    mfd_method_problem small = {MFD_METHOD_TWO_FACTOR, false, MFD_SENSOP_DENSE, 10, 10, 5, 30};
    CHECK("altmin above mem_limit is refused with the bytes it needs",
          check(&mfd_altmin_type, tight, small) == MFD_EINVAL && has("needs 32400 bytes") && has("mem_limit is 30000"));
    small.op = MFD_SENSOP_MASK;
    CHECK("altmin on a mask needs no normal equations", check(&mfd_altmin_type, tight, small) == MFD_OK);
    mfd_method_problem deep_pb = {MFD_METHOD_DEEP, false, MFD_SENSOP_IDENTITY, 0, 0, 0, 0};
    CHECK("a two-factor rule on the deep model is refused", check(&mfd_scaledgd_type, p, deep_pb) == MFD_EINVAL &&
                                                                has("method=scaledgd moves the two-factor model"));
    CHECK("the deep rule on two factors is refused", check(&mfd_deepgd_type, p, asym) == MFD_EINVAL &&
                                                         has("method=gd moves the deep (N-layer) model"));
    CHECK("the deep rule on the deep model passes", check(&mfd_deepgd_type, p, deep_pb) == MFD_OK);

    /* ---- gd is the model's update with eta / gd_scale; nothing is lambda ---- */
    {
        size_t n1 = 6, n2 = 5, k = 3;
        mfd_sensop *op;
        mfd_sensop_identity(n1, n2, &op);
        double *y = calloc(n1 * n2, sizeof(double));
        mfd_rng r;
        mfd_rng_init(&r, 3, 1);
        for (size_t i = 0; i < n1 * n2; i++)
            y[i] = mfd_rng_gaussian(&r);
        mfd_sense *a, *b;
        mfd_sense_alloc(false, n1, n2, k, op, y, &a);
        mfd_sense_alloc(false, n1, n2, k, op, y, &b);
        mfd_random_gaussian(&r, a->F, 0.5);
        mfd_random_gaussian(&r, a->G, 0.5);
        mfd_mat_copy(b->F, a->F);
        mfd_mat_copy(b->G, a->G);
        mfd_method *m;
        mfd_method_params q = {.eta = 0.3, .gd_scale = 1.5};
        CHECK("gd is set up", mfd_method_alloc(&mfd_gd_type, a, &q, &m) == MFD_OK);
        mfd_sense_eval(a);
        mfd_sense_eval(b);
        mfd_stop stop = MFD_STOP_NONE;
        mfd_method_step(m, &stop);
        mfd_sense_update(b, 0.3 / 1.5);
        CHECK("gd's step is mfd_sense_update with eta / gd_scale, to the bit",
              mfd_mat_maxabs_diff(a->F, b->F) == 0 && mfd_mat_maxabs_diff(a->G, b->G) == 0 && stop == MFD_STOP_NONE);
        CHECK("gd has no lambda", mfd_method_lambda_used(m) == 0);
        mfd_method_free(m);
        mfd_method *sg;
        q.lambda = 0.25;
        mfd_method_alloc(&mfd_scaledgd_lambda_type, a, &q, &sg);
        CHECK("a scaled rule's lambda is 0 before its first step", mfd_method_lambda_used(sg) == 0);
        mfd_sense_eval(a);
        mfd_method_step(sg, &stop);
        CHECK("and its lambda after it", mfd_method_lambda_used(sg) == 0.25);
        mfd_method_free(sg);
        mfd_method_free(NULL);
        CHECK("mfd_method_free(NULL) is a no-op", 1);
        mfd_sense_free(a);
        mfd_sense_free(b);
        mfd_sensop_free(op);
        free(y);
    }
    /* ---- the deep gd is mfd_deep_update ---- */
    {
        size_t dims[4] = {3, 3, 3, 3};
        mfd_deep *a, *b;
        mfd_deep_alloc(MFD_COMPLEX, 3, dims, &a);
        mfd_deep_alloc(MFD_COMPLEX, 3, dims, &b);
        mfd_rng r;
        mfd_rng_init(&r, 5, 2);
        mfd_target_identity(a->target, 1.0);
        mfd_target_identity(b->target, 1.0);
        mfd_deepinit_gaussian(a, &r, 0.4);
        mfd_deep_set_layers(b, a->w);
        mfd_method *m;
        mfd_method_params q = {.eta = 0.05};
        CHECK("the deep gd is set up", mfd_method_alloc(&mfd_deepgd_type, a, &q, &m) == MFD_OK);
        mfd_deep_eval(a);
        mfd_deep_eval(b);
        mfd_stop stop = MFD_STOP_NONE;
        mfd_method_step(m, &stop);
        mfd_deep_update(b, 0.05);
        int same = memcmp(a->w, b->w, mfd_deep_ndoubles(a) * sizeof(double)) == 0;
        CHECK("the deep gd's step is mfd_deep_update, to the bit", same && stop == MFD_STOP_NONE);
        mfd_method_free(m);
        mfd_deep_free(a);
        mfd_deep_free(b);
    }
    /* ---- alloc refuses a model the rule cannot move ---- */
    {
        mfd_sensop *op;
        mfd_sensop_identity(4, 4, &op);
        double *y = calloc(16, sizeof(double));
        mfd_sense *s;
        mfd_sense_alloc(true, 4, 4, 2, op, y, &s);
        mfd_method *m = (mfd_method *)&m;
        mfd_method_params q = {.eta = 0.5};
        CHECK("altmin on the symmetric model is not set up", mfd_method_alloc(&mfd_altmin_type, s, &q, &m) == MFD_EINVAL &&
                                                                 m == NULL);
        mfd_sense_free(s);
        mfd_sensop_free(op);
        free(y);
    }
    TEST_REPORT();
}
