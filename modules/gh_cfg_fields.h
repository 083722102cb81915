/* The fields of a settings struct, as a part lists them (gh_cfg.h), and
 * how a record of them is created unset and merged. Pure: needs only APR. */
#ifndef GH_CFG_FIELDS_H
#define GH_CFG_FIELDS_H

#include <stddef.h>

#include <apr_pools.h>

#define GH_UNSET (-1)

/* How a field is created and merged. */
typedef enum {
    GH_CFG_PTR,      /* any pointer (string, array); NULL when unset */
    GH_CFG_FILE,     /* a path resolved against ServerRoot, checked readable at start-up */
    GH_CFG_INT,      /* int, GH_UNSET when unset */
    GH_CFG_OFF,      /* apr_off_t, GH_UNSET when unset */
    GH_CFG_RANGE,    /* gh_range_t, min GH_UNSET when unset */
    GH_CFG_LIMIT,    /* gh_limit_t, count GH_UNSET when unset */
    GH_CFG_DERIVED   /* set by post_config only: not merged */
} gh_cfg_kind_e;

typedef struct {
    const char *name;         /* the struct member, as written in C */
    gh_cfg_kind_e kind;
    apr_size_t offset;
} gh_cfg_field_t;

#define GH_CFG_FIELD(type, member, kind) { #member, kind, offsetof(type, member) }

/* "count events per window seconds"; count 0 turns the limit off. */
typedef struct {
    int count;     /* GH_UNSET when not configured here */
    int window;    /* seconds */
} gh_limit_t;

/* Inclusive bounds of an amount in won; min GH_UNSET when not configured. */
typedef struct {
    apr_int64_t min;
    apr_int64_t max;
} gh_range_t;

static APR_INLINE gh_range_t gh_cfg_range(gh_range_t set, apr_int64_t min, apr_int64_t max)
{
    gh_range_t def = { min, max };
    return set.min == GH_UNSET ? def : set;
}

/* A record of size bytes with every field unset (pointers NULL, numbers
 * GH_UNSET), allocated from p. */
void *gh_cfg_fields_create(apr_pool_t *p, apr_size_t size, const gh_cfg_field_t *fields);

/* A record with add's value for every field add sets, else base's;
 * GH_CFG_DERIVED fields stay unset for post_config to fill. */
void *gh_cfg_fields_merge(apr_pool_t *p, apr_size_t size, const gh_cfg_field_t *fields,
                          const void *base, const void *add);

#endif
