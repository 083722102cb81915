/* mod_gamehoney: the Game Honey backend inside httpd. This file holds the
 * module record, its directives and hooks, and the table of API areas;
 * each area lives in modules/area_*.c and the shared core in modules/gh_*.c. */
#include <string.h>

#include "ap_provider.h"
#include "apr_strings.h"
#include "http_request.h"
#include "mod_auth.h"

#include "modules/gh_area.h"
#include "modules/gh_authn.h"
#include "modules/gh_config.h"
#include "modules/gh_crypto.h"
#include "modules/gh_db.h"
#include "modules/gh_http.h"
#include "modules/gh_ratelimit.h"

static const gh_area_t *const areas[] = {
    &gh_area_toss_unlink,
    &gh_area_health,
    NULL
};

/* ---- configuration ---------------------------------------------------- */

static void *create_server_conf(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(gh_server_conf_t));
}

static void *merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    const gh_server_conf_t *base = basev, *add = addv;
    gh_server_conf_t *m = apr_pcalloc(p, sizeof(*m));

    m->audit_key = add->audit_key ? add->audit_key : base->audit_key;
    m->limit_cache = add->limit_cache ? add->limit_cache : base->limit_cache;
    return m;
}

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    gh_dir_conf_t *dc = apr_pcalloc(p, sizeof(*dc));

    (void)dir;
    dc->max_body = GH_UNSET;
    dc->unlink_mode = GH_UNSET;
    dc->authfail_limit.count = GH_UNSET;
    dc->request_limit.count = GH_UNSET;
    return dc;
}

static void *merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const gh_dir_conf_t *base = basev, *add = addv;
    gh_dir_conf_t *m = apr_pcalloc(p, sizeof(*m));

    m->max_body = add->max_body != GH_UNSET ? add->max_body : base->max_body;
    m->auth_user = add->auth_user ? add->auth_user : base->auth_user;
    m->auth_password = add->auth_password ? add->auth_password : base->auth_password;
    m->unlink_mode = add->unlink_mode != GH_UNSET ? add->unlink_mode : base->unlink_mode;
    m->authfail_limit = add->authfail_limit.count != GH_UNSET ? add->authfail_limit
                                                              : base->authfail_limit;
    m->request_limit = add->request_limit.count != GH_UNSET ? add->request_limit
                                                            : base->request_limit;
    return m;
}

/* A secret must come from the environment; httpd leaves an undefined
 * ${VAR} in place, which must not become a password. */
static const char *check_secret(cmd_parms *cmd, const char *value)
{
    if (*value == '\0' || strstr(value, "${") != NULL) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " is empty or names an "
                           "environment variable that is not set", NULL);
    }
    return NULL;
}

static const char *set_audit_key(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = check_secret(cmd, arg);

    (void)dummy;
    if (err == NULL && strlen(arg) < 16) {
        err = "GameHoneyAuditKey must be at least 16 characters";
    }
    if (err == NULL) {
        gh_server_conf(cmd->server)->audit_key = arg;
    }
    return err;
}

static const char *set_limit_cache(cmd_parms *cmd, void *dummy, const char *arg)
{
    (void)dummy;
    gh_server_conf(cmd->server)->limit_cache = arg;
    return NULL;
}

static const char *set_max_body(cmd_parms *cmd, void *dcv, const char *arg)
{
    gh_dir_conf_t *dc = dcv;
    char *end;
    apr_off_t n;

    if (apr_strtoff(&n, arg, &end, 10) != APR_SUCCESS || *end || n < 1) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes a positive number of bytes", NULL);
    }
    dc->max_body = n;
    return NULL;
}

static const char *set_auth_user(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err = check_secret(cmd, arg);
    if (err == NULL) {
        ((gh_dir_conf_t *)dcv)->auth_user = arg;
    }
    return err;
}

static const char *set_auth_password(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err = check_secret(cmd, arg);
    if (err == NULL) {
        ((gh_dir_conf_t *)dcv)->auth_password = arg;
    }
    return err;
}

static const char *set_unlink_mode(cmd_parms *cmd, void *dcv, const char *arg)
{
    gh_dir_conf_t *dc = dcv;

    (void)cmd;
    if (strcasecmp(arg, "delete") == 0) {
        dc->unlink_mode = GH_UNLINK_DELETE;
    }
    else if (strcasecmp(arg, "deactivate") == 0) {
        dc->unlink_mode = GH_UNLINK_DEACTIVATE;
    }
    else {
        return "GameHoneyUnlinkMode takes 'delete' or 'deactivate'";
    }
    return NULL;
}

/* "<count> <seconds>", count 0 meaning off. */
static const char *parse_limit(cmd_parms *cmd, gh_limit_t *limit, const char *count,
                               const char *seconds)
{
    char *e1, *e2;
    long c = strtol(count, &e1, 10), w = strtol(seconds, &e2, 10);

    if (*count == '\0' || *e1 || *seconds == '\0' || *e2
        || c < 0 || c > 1000000 || w < 1 || w > 86400 * 7) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes <count> <seconds>: "
                           "count 0 (off) to 1000000, seconds 1 to 604800", NULL);
    }
    limit->count = (int)c;
    limit->window = (int)w;
    return NULL;
}

static const char *set_authfail_limit(cmd_parms *cmd, void *dcv, const char *c, const char *w)
{
    return parse_limit(cmd, &((gh_dir_conf_t *)dcv)->authfail_limit, c, w);
}

static const char *set_request_limit(cmd_parms *cmd, void *dcv, const char *c, const char *w)
{
    return parse_limit(cmd, &((gh_dir_conf_t *)dcv)->request_limit, c, w);
}

#define DIR_CONF (RSRC_CONF | ACCESS_CONF)

static const command_rec directives[] = {
    AP_INIT_TAKE1("GameHoneyAuditKey", set_audit_key, NULL, RSRC_CONF,
                  "HMAC key (16+ characters, from the environment) for hashing user "
                  "keys in audit rows; unset: a random key per httpd start"),
    AP_INIT_TAKE1("GameHoneyRateLimitCache", set_limit_cache, NULL, RSRC_CONF,
                  "socache provider[:args] holding rate-limit counters (default shmcb)"),
    AP_INIT_TAKE1("GameHoneyMaxBody", set_max_body, NULL, DIR_CONF,
                  "largest request body in bytes (default 65536); larger gets 413"),
    AP_INIT_TAKE1("GameHoneyAuthUser", set_auth_user, NULL, DIR_CONF,
                  "user name accepted by 'AuthBasicProvider gamehoney'"),
    AP_INIT_TAKE1("GameHoneyAuthPassword", set_auth_password, NULL, DIR_CONF,
                  "password accepted by 'AuthBasicProvider gamehoney' (from the environment)"),
    AP_INIT_TAKE1("GameHoneyUnlinkMode", set_unlink_mode, NULL, DIR_CONF,
                  "what the Toss unlink callback does to a user: delete (default) or deactivate"),
    AP_INIT_TAKE2("GameHoneyAuthFailLimit", set_authfail_limit, NULL, DIR_CONF,
                  "<count> <seconds>: failed authentications per client IP before 429 "
                  "(default 20 600; 0 turns it off)"),
    AP_INIT_TAKE2("GameHoneyRequestLimit", set_request_limit, NULL, DIR_CONF,
                  "<count> <seconds>: requests per client IP before 429 (default off)"),
    { NULL }
};

/* ---- hooks ------------------------------------------------------------- */

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    return gh_ratelimit_pre_config(pconf);
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    int rv;

    (void)plog;
    if (gh_crypto_init() != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "OpenSSL has no SHA-256");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rv = gh_db_post_config(pconf, s)) != OK) {
        return rv;
    }
    for (const gh_area_t *const *a = areas; *a; a++) {
        gh_db_register(pconf, (*a)->statements);
        if ((*a)->post_config && (rv = (*a)->post_config(pconf, s)) != OK) {
            return rv;
        }
    }
    return gh_ratelimit_post_config(pconf, ptemp, s);
}

static void child_init(apr_pool_t *p, server_rec *s)
{
    gh_ratelimit_child_init(p, s);
    for (const gh_area_t *const *a = areas; *a; a++) {
        if ((*a)->child_init) {
            (*a)->child_init(p, s);
        }
    }
}

static int handler(request_rec *r)
{
    if (r->handler == NULL || strncmp(r->handler, "gamehoney-", 10) != 0) {
        return DECLINED;
    }
    for (const gh_area_t *const *a = areas; *a; a++) {
        if (strcmp((*a)->name, r->handler + 10) == 0) {
            return gh_http_dispatch(r, (*a)->routes);
        }
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "SetHandler %s names no gamehoney area",
                  r->handler);
    return gh_fail(r, HTTP_INTERNAL_SERVER_ERROR, "server_misconfigured",
                   "This location is not configured correctly.");
}

static void register_hooks(apr_pool_t *p)
{
    static const char *const after_dbd[] = { "mod_dbd.c", NULL };

    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, after_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_quick_handler(gh_ratelimit_count_failure, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_quick_handler(gh_http_error_document, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_translate_name(gh_http_translate, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(gh_http_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_check_access(gh_ratelimit_check_access, NULL, NULL, APR_HOOK_FIRST,
                         AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "gamehoney",
                              AUTHN_PROVIDER_VERSION, &gh_authn_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}

/* Not AP_DECLARE_MODULE: gh_private.h already names the log module. */
module AP_MODULE_DECLARE_DATA gamehoney_module = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    create_server_conf,
    merge_server_conf,
    directives,
    register_hooks,
    AP_MODULE_FLAG_NONE
};
