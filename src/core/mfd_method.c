#include "mfd_method.h"

#include <stdlib.h>
#include <string.h>

static const char *model_name(mfd_method_model model)
{
    return model == MFD_METHOD_DEEP ? "deep (N-layer)" : "two-factor";
}

mfd_status mfd_method_check(const mfd_method_type *type, const mfd_method_params *p, const mfd_method_problem *pb,
                            char *msg, size_t len)
{
    if (type->model != pb->model)
        return mfd_status_invalid(msg, len, "method=%s moves the %s model, not the %s one", type->name,
                                  model_name(type->model), model_name(pb->model));
    return type->check ? type->check(p, pb, msg, len) : MFD_OK;
}

mfd_status mfd_method_alloc(const mfd_method_type *type, void *model, const mfd_method_params *p, mfd_method **out)
{
    *out = NULL;
    mfd_method *m = calloc(1, sizeof *m);
    if (!m)
        return MFD_ENOMEM;
    m->type = type;
    mfd_status st = type->alloc(model, p, &m->state);
    if (st != MFD_OK) {
        free(m);
        return st;
    }
    *out = m;
    return MFD_OK;
}

void mfd_method_free(mfd_method *m)
{
    if (!m)
        return;
    m->type->free(m->state);
    free(m);
}

mfd_status mfd_method_step(mfd_method *m, mfd_stop *stop) { return m->type->step(m->state, stop); }

double mfd_method_lambda_used(const mfd_method *m)
{
    return m->type->lambda_used ? m->type->lambda_used(m->state) : 0.0;
}

void mfd_method_save(const mfd_method *m, mfd_ckpt_buf *b)
{
    mfd_ckpt_put_tag(b, "method");
    mfd_ckpt_put_u64(b, mfd_ckpt_fnv1a(MFD_CKPT_FNV_OFFSET, m->type->name, strlen(m->type->name)));
    mfd_ckpt_put_u64(b, m->type->save != NULL);
    if (m->type->save)
        m->type->save(m->state, b);
}

mfd_status mfd_method_load(mfd_method *m, mfd_ckpt_buf *b)
{
    mfd_ckpt_get_tag(b, "method");
    uint64_t name = mfd_ckpt_get_u64(b), has = mfd_ckpt_get_u64(b);
    MFD_CHECK(b->st);
    if (name != mfd_ckpt_fnv1a(MFD_CKPT_FNV_OFFSET, m->type->name, strlen(m->type->name)) ||
        has != (m->type->save != NULL))
        return MFD_EFORMAT;
    return m->type->load ? m->type->load(m->state, b) : MFD_OK;
}

const mfd_method_type *mfd_method_find(const mfd_method_type *const *types, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(types[i]->name, name) == 0)
            return types[i];
    return NULL;
}

mfd_status mfd_method_choices(const mfd_method_type *const *types, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return MFD_ERANGE;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(types[i]->name) + (i > 0);
        if (used + l >= len)
            return MFD_ERANGE;
        if (i > 0)
            buf[used++] = '|';
        memcpy(buf + used, types[i]->name, l - (i > 0) + 1);
        used += l - (i > 0);
    }
    return MFD_OK;
}
