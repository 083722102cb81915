/* Configuration records. Directives live in mod_gamehoney.c; every field
 * has an "unset" value so that merging is explicit, and the accessors
 * below apply the defaults. */
#ifndef GH_CONFIG_H
#define GH_CONFIG_H

#include "gh_private.h"

#define GH_UNSET (-1)

#define GH_DEFAULT_MAX_BODY        (64 * 1024)
#define GH_DEFAULT_AUTHFAIL_COUNT  20
#define GH_DEFAULT_AUTHFAIL_WINDOW 600

typedef enum {
    GH_UNLINK_DELETE = 0,
    GH_UNLINK_DEACTIVATE = 1
} gh_unlink_mode_e;

/* "count events per window seconds"; count 0 turns the limit off. */
typedef struct {
    int count;     /* GH_UNSET when not configured here */
    int window;    /* seconds */
} gh_limit_t;

typedef struct {
    const char *audit_key;       /* GameHoneyAuditKey; NULL: a per-boot key */
    const char *limit_cache;     /* GameHoneyRateLimitCache, "shmcb" if NULL */
} gh_server_conf_t;

typedef struct {
    apr_off_t max_body;          /* GameHoneyMaxBody */
    const char *auth_user;       /* GameHoneyAuthUser */
    const char *auth_password;   /* GameHoneyAuthPassword */
    int unlink_mode;             /* GameHoneyUnlinkMode */
    gh_limit_t authfail_limit;   /* GameHoneyAuthFailLimit */
    gh_limit_t request_limit;    /* GameHoneyRequestLimit */
} gh_dir_conf_t;

static APR_INLINE gh_dir_conf_t *gh_dir_conf(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &gamehoney_module);
}

static APR_INLINE gh_server_conf_t *gh_server_conf(server_rec *s)
{
    return ap_get_module_config(s->module_config, &gamehoney_module);
}

static APR_INLINE apr_off_t gh_conf_max_body(const gh_dir_conf_t *dc)
{
    return dc->max_body == GH_UNSET ? GH_DEFAULT_MAX_BODY : dc->max_body;
}

static APR_INLINE gh_unlink_mode_e gh_conf_unlink_mode(const gh_dir_conf_t *dc)
{
    return dc->unlink_mode == GH_UNSET ? GH_UNLINK_DELETE
                                       : (gh_unlink_mode_e)dc->unlink_mode;
}

static APR_INLINE gh_limit_t gh_conf_authfail_limit(const gh_dir_conf_t *dc)
{
    gh_limit_t def = { GH_DEFAULT_AUTHFAIL_COUNT, GH_DEFAULT_AUTHFAIL_WINDOW };
    return dc->authfail_limit.count == GH_UNSET ? def : dc->authfail_limit;
}

static APR_INLINE gh_limit_t gh_conf_request_limit(const gh_dir_conf_t *dc)
{
    gh_limit_t off = { 0, 0 };
    return dc->request_limit.count == GH_UNSET ? off : dc->request_limit;
}

#endif
