/* mod_gamehoney: the Game Honey backend inside httpd. This file holds the
 * module record, its directives and hooks, and the table of API areas;
 * each area lives in modules/area_*.c and the shared core in modules/gh_*.c. */
#include <string.h>

#include "ap_provider.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"
#include "mod_status.h"

#include "modules/gh_app_settings.h"
#include "modules/gh_area.h"
#include "modules/gh_auth.h"
#include "modules/gh_bus.h"
#include "modules/gh_chat.h"
#include "modules/gh_authn.h"
#include "modules/gh_cfg.h"
#include "modules/gh_config.h"
#include "modules/gh_chat_cfg.h"
#include "modules/gh_cognito_cfg.h"
#include "modules/gh_google_cfg.h"
#include "modules/gh_payaction_cfg.h"
#include "modules/gh_toss_login_cfg.h"
#include "modules/gh_toss_payments_cfg.h"
#include "modules/area_toss_unlink.h"
#include "modules/gh_crypto.h"
#include "modules/gh_curl.h"
#include "modules/gh_db.h"
#include "modules/gh_http.h"
#include "modules/gh_jwks.h"
#include "modules/gh_metrics.h"
#include "modules/gh_pay_history.h"
#include "modules/gh_payments.h"
#include "modules/gh_quests.h"
#include "modules/gh_ratelimit.h"
#include "modules/gh_response.h"
#include "modules/gh_route.h"
#include "modules/gh_self_check.h"
#include "modules/gh_sns.h"
#include "modules/gh_user_cache.h"

/* Each area file defines its record; this table is the only list. */
extern const gh_area_t gh_area_toss_unlink;
extern const gh_area_t gh_area_health;
extern const gh_area_t gh_area_accounts;
extern const gh_area_t gh_area_user_data;
extern const gh_area_t gh_area_payments;
extern const gh_area_t gh_area_points;
extern const gh_area_t gh_area_payments_admin;
extern const gh_area_t gh_area_payaction;
extern const gh_area_t gh_area_chat;
extern const gh_area_t gh_area_chat_ws;
extern const gh_area_t gh_area_metrics;
extern const gh_area_t gh_area_app_settings;
extern const gh_area_t gh_area_sns;
extern const gh_area_t gh_area_sns_accounts;
extern const gh_area_t gh_area_self_check;
extern const gh_area_t gh_area_home;
extern const gh_area_t gh_area_quests;
extern const gh_area_t gh_area_analysis;

static const gh_area_t *const areas[] = {
    &gh_area_toss_unlink,
    &gh_area_health,
    &gh_area_accounts,
    &gh_area_user_data,
    &gh_area_payments,
    &gh_area_points,
    &gh_area_payments_admin,
    &gh_area_payaction,
    &gh_area_chat,
    &gh_area_chat_ws,
    &gh_area_metrics,
    &gh_area_app_settings,
    &gh_area_sns,
    &gh_area_sns_accounts,
    &gh_area_self_check,
    &gh_area_home,
    &gh_area_quests,
    &gh_area_analysis,
    NULL
};

/* Handlers that also serve another area, for the routes their own does
 * not take: the points wallet was part of gamehoney-payments before it
 * was an area of its own, and a <Location> naming that keeps serving it. */
static const struct {
    const char *handler, *also;
} shared_handlers[] = {
    { "payments", "points" },
    { NULL, NULL }
};

static int area_named(const char *name)
{
    for (int a = 0; areas[a]; a++) {
        if (strcasecmp(areas[a]->name, name) == 0) {
            return a;
        }
    }
    return -1;
}

/* The index of the area that serves r under SetHandler gamehoney-<name>,
 * or -1 when no area has that name. */
static int serving_area(request_rec *r, const char *name)
{
    int a = area_named(name), b;

    for (int i = 0; a >= 0 && shared_handlers[i].handler; i++) {
        if (strcasecmp(shared_handlers[i].handler, name) == 0
            && (b = area_named(shared_handlers[i].also)) >= 0
            && gh_http_route_index(r, areas[a]->routes) < 0
            && gh_http_route_index(r, areas[b]->routes) >= 0) {
            return b;
        }
    }
    return a;
}

/* Each concern's settings, in the order of the start-up warnings. */
static gh_cfg_part_t *const parts[] = {
    &gh_config_part,
    &gh_config_dir_part,
    &gh_google_part,
    &gh_cognito_part,
    &gh_toss_login_part,
    &gh_toss_payments_part,
    &gh_payaction_part,
    &gh_chat_part,
    &gh_chat_dir_part,
    &gh_unlink_part,
    NULL
};

static const command_rec directives[] = {
    GH_CONFIG_DIRECTIVES,
    GH_GOOGLE_DIRECTIVES,
    GH_COGNITO_DIRECTIVES,
    GH_TOSS_LOGIN_DIRECTIVES,
    GH_TOSS_PAYMENTS_DIRECTIVES,
    GH_PAYACTION_DIRECTIVES,
    GH_CHAT_DIRECTIVES,
    GH_UNLINK_DIRECTIVES,
    { .name = NULL }
};

/* ---- hooks ------------------------------------------------------------- */

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    if (gh_ratelimit_pre_config(pconf) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return gh_jwks_pre_config(pconf);
}

static apr_status_t crypto_cleanup(void *data)
{
    (void)data;
    gh_crypto_cleanup();
    return APR_SUCCESS;
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    int rv;

    (void)plog;
    if (gh_crypto_init() != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "OpenSSL has no SHA-256");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, NULL, crypto_cleanup, apr_pool_cleanup_null);
    if ((rv = gh_cfg_post_config(pconf, s)) != OK
        || (rv = gh_curl_post_config(s)) != OK
        || (rv = gh_jwks_post_config(pconf, ptemp, s)) != OK
        || (rv = gh_db_post_config(pconf, s)) != OK
        || (rv = gh_metrics_post_config(pconf, s, areas)) != OK) {
        return rv;
    }
    gh_db_register(pconf, gh_identity_statements);
    gh_db_register(pconf, gh_user_cache_statements);
    gh_db_register(pconf, gh_payments_statements);
    gh_db_register(pconf, gh_pay_history_statements);
    gh_db_register(pconf, gh_chat_statements);
    gh_db_register(pconf, gh_app_settings_statements);
    gh_db_register(pconf, gh_sns_statements);
    gh_db_register(pconf, gh_self_check_statements);
    gh_db_register(pconf, gh_quests_statements);
    for (const gh_area_t *const *a = areas; *a; a++) {
        gh_db_register(pconf, (*a)->statements);
        if ((*a)->post_config && (rv = (*a)->post_config(pconf, s)) != OK) {
            return rv;
        }
    }
    if ((rv = gh_ratelimit_post_config(pconf, ptemp, s)) != OK) {
        return rv;
    }
    /* Once per configuration that serves, as httpd's own "configured" line. */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "mod_gamehoney/" GH_VERSION " configured");
        gh_cfg_warn_unready(s);
    }
    return OK;
}

static void child_init(apr_pool_t *p, server_rec *s)
{
    gh_curl_child_init(p, s);
    gh_db_child_init(p);
    gh_ratelimit_child_init(p, s);
    gh_auth_child_init(p, s);
    for (const gh_area_t *const *a = areas; *a; a++) {
        if ((*a)->child_init) {
            (*a)->child_init(p, s);
        }
    }
    gh_bus_start(p, s);          /* after every subscriber */
}

/* Finds r's route in its area's table, relative to the <Location> the
 * area is mounted at; signs the user in for a GH_ROUTE_USER route, and
 * runs it. */
static int dispatch(request_rec *r, const gh_route_t *table)
{
    const char *path = gh_http_area_path(r), *allow = NULL;
    const gh_route_t *rt;
    gh_route_params_t params;

    if (path == NULL) {
        return gh_fail(r, GH_E_NOT_FOUND, NULL);
    }
    switch (gh_route_find(r->pool, table, r->method, path, &rt, &params, &allow)) {
    case GH_ROUTE_NOT_FOUND:
        return gh_fail(r, GH_E_NOT_FOUND, NULL);
    case GH_ROUTE_BAD_METHOD:
        apr_table_setn(r->err_headers_out, "Allow", allow);
        return gh_fail(r, GH_E_METHOD_NOT_ALLOWED,
                       apr_pstrcat(r->pool, "Allowed methods: ", allow, NULL));
    case GH_ROUTE_BAD_PARAM:
        return gh_fail(r, GH_E_BAD_PATH, NULL);
    case GH_ROUTE_FOUND:
        break;
    }
    if ((rt->flags & GH_ROUTE_USER) && gh_auth_token(r) == NULL) {
        int status = gh_auth_user(r);
        if (status != OK) {
            return status;
        }
    }
    if ((rt->flags & GH_ROUTE_AUTH) && r->user == NULL) {
        /* Refuse rather than serve a protected route unauthenticated. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "route %s %s needs authentication, but its <Location> "
                      "has no AuthType and Require", rt->method, rt->pattern);
        return gh_fail(r, GH_E_SERVER_MISCONFIGURED,
                       "This endpoint is not configured for authentication.");
    }
    return rt->handler(r, &params);
}

static int handler(request_rec *r)
{
    int a;

    if (r->handler == NULL || strncmp(r->handler, "gamehoney-", 10) != 0) {
        return DECLINED;
    }
    if ((a = serving_area(r, r->handler + 10)) >= 0) {
        return dispatch(r, areas[a]->routes);
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "SetHandler %s names no gamehoney area",
                  r->handler);
    return gh_fail(r, GH_E_SERVER_MISCONFIGURED, NULL);
}

/* Counts every request of a gamehoney area, matched here rather than by
 * the dispatcher so that one refused before its handler (401, 413, 429)
 * still counts on its route. */
static int log_transaction(request_rec *r)
{
    request_rec *orig = r, *last = r;
    const char *h;
    int a;

    while (orig->prev) {
        orig = orig->prev;
    }
    while (last->next) {
        last = last->next;
    }
    if (!gh_metrics_ready() || (h = gh_http_area_handler(orig)) == NULL) {
        return DECLINED;
    }
    if ((a = serving_area(orig, h + 10)) >= 0) {
        gh_metrics_request(a, gh_http_route_index(orig, areas[a]->routes), last->status,
                           orig->request_time);
    }
    return DECLINED;
}

static void register_hooks(apr_pool_t *p)
{
    static const char *const after_dbd[] = { "mod_dbd.c", NULL };

    gh_cfg_register(parts);
    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, after_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_quick_handler(gh_ratelimit_count_failure, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_quick_handler(gh_response_error_document, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_translate_name(gh_http_translate, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(gh_http_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_check_access(gh_ratelimit_check_access, NULL, NULL, APR_HOOK_FIRST,
                         AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authn(gh_auth_check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(gh_auth_note_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(log_transaction, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, gh_metrics_status, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "gamehoney",
                              AUTHN_PROVIDER_VERSION, &gh_authn_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "gamehoney-role",
                              AUTHZ_PROVIDER_VERSION, &gh_authz_role_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}

/* Not AP_DECLARE_MODULE: gh_private.h already names the log module. */
module AP_MODULE_DECLARE_DATA gamehoney_module = {
    STANDARD20_MODULE_STUFF,
    gh_cfg_create_dir,
    gh_cfg_merge_dir,
    gh_cfg_create_server,
    gh_cfg_merge_server,
    directives,
    register_hooks,
    AP_MODULE_FLAG_NONE
};
