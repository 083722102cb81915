/* Creating and merging settings records field by field (gh_cfg_fields.h). */
#include "gh_cfg_fields.h"

void *gh_cfg_fields_create(apr_pool_t *p, apr_size_t size, const gh_cfg_field_t *fields)
{
    char *conf = apr_pcalloc(p, size);

    for (const gh_cfg_field_t *f = fields; f->name; f++) {
        void *at = conf + f->offset;
        switch (f->kind) {
        case GH_CFG_INT:
            *(int *)at = GH_UNSET;
            break;
        case GH_CFG_OFF:
            *(apr_off_t *)at = GH_UNSET;
            break;
        case GH_CFG_RANGE:
            ((gh_range_t *)at)->min = GH_UNSET;
            break;
        case GH_CFG_LIMIT:
            ((gh_limit_t *)at)->count = GH_UNSET;
            break;
        default:
            break;           /* pointers start NULL */
        }
    }
    return conf;
}

/* add's value where add sets it, else base's; derived fields stay unset
 * until post_config fills them in the merged record. */
void *gh_cfg_fields_merge(apr_pool_t *p, apr_size_t size, const gh_cfg_field_t *fields,
                          const void *base, const void *add)
{
    char *m = gh_cfg_fields_create(p, size, fields);

    for (const gh_cfg_field_t *f = fields; f->name; f++) {
        const char *b = (const char *)base + f->offset, *a = (const char *)add + f->offset;
        void *to = m + f->offset;
        switch (f->kind) {
        case GH_CFG_PTR:
        case GH_CFG_FILE:
            *(void **)to = *(void *const *)a ? *(void *const *)a : *(void *const *)b;
            break;
        case GH_CFG_INT:
            *(int *)to = *(const int *)a != GH_UNSET ? *(const int *)a : *(const int *)b;
            break;
        case GH_CFG_OFF:
            *(apr_off_t *)to = *(const apr_off_t *)a != GH_UNSET ? *(const apr_off_t *)a
                                                                 : *(const apr_off_t *)b;
            break;
        case GH_CFG_RANGE:
            *(gh_range_t *)to = ((const gh_range_t *)a)->min != GH_UNSET
                              ? *(const gh_range_t *)a : *(const gh_range_t *)b;
            break;
        case GH_CFG_LIMIT:
            *(gh_limit_t *)to = ((const gh_limit_t *)a)->count != GH_UNSET
                              ? *(const gh_limit_t *)a : *(const gh_limit_t *)b;
            break;
        case GH_CFG_DERIVED:
            break;
        }
    }
    return m;
}
