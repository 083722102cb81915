/* Shared per-IP counters over ap_socache, guarded by one global mutex so
 * that read-modify-write is atomic on this host. The cache and mutex live
 * in pconf, as mod_ssl's session cache does: socache providers are DSOs
 * that register pool cleanups of their own, so nothing of theirs may
 * outlive a configuration generation. A graceful restart therefore starts
 * the counts afresh; children of the old generation keep their mapping
 * until they exit. */
#include <string.h>

#include "ap_mpm.h"
#include "http_core.h"
#include "ap_provider.h"
#include "ap_socache.h"
#include "apr_global_mutex.h"
#include "apr_strings.h"
#include "http_protocol.h"
#include "util_mutex.h"

#include "gh_config.h"
#include "gh_http.h"
#include "gh_metrics.h"
#include "gh_ratelimit.h"

#define MUTEX_TYPE  "gamehoney-ratelimit"

typedef struct {
    server_rec *server;
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;
} limiter_t;

typedef struct {
    apr_time_t start;        /* when the window opened */
    apr_uint32_t count;
} counter_t;

static limiter_t *limiter;

int gh_ratelimit_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0);
}

static apr_status_t limiter_destroy(void *data)
{
    limiter_t *lim = data;
    lim->provider->destroy(lim->instance, lim->server);
    limiter = NULL;
    return APR_SUCCESS;
}

int gh_ratelimit_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const gh_server_conf_t *sc = gh_server_conf(s);
    const char *spec = sc->limit_cache;
    const char *sep = strchr(spec, ':');
    const char *name = sep ? apr_pstrmemdup(ptemp, spec, sep - spec) : spec;
    struct ap_socache_hints hints = { 48, sizeof(counter_t), apr_time_from_sec(600) };
    limiter_t *lim;
    const char *err;
    apr_status_t rv;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;    /* the configuration-check pass */
    }
    lim = apr_pcalloc(pconf, sizeof(*lim));
    lim->server = s;
    lim->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                       AP_SOCACHE_PROVIDER_VERSION);
    if (lim->provider == NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "GameHoneyRateLimitCache: socache provider '%s' is not loaded "
                     "(LoadModule socache_%s_module)", name, name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((err = lim->provider->create(&lim->instance, sep ? sep + 1 : NULL, ptemp, pconf))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "GameHoneyRateLimitCache: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = ap_global_mutex_create(&lim->mutex, NULL, MUTEX_TYPE, NULL, s, pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot create the rate-limit mutex");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = lim->provider->init(lim->instance, "gamehoney-ratelimit", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot initialise the rate-limit cache");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, lim, limiter_destroy, apr_pool_cleanup_null);
    limiter = lim;
    return OK;
}

void gh_ratelimit_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv;

    if (limiter == NULL) {
        return;
    }
    rv = apr_global_mutex_child_init(&limiter->mutex,
                                     apr_global_mutex_lockfile(limiter->mutex), p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot attach the rate-limit mutex");
    }
}

/* Reads the counter for key, or opens a new window when bump is set and
 * the old one has ended; bump adds one. Returns 0 on success. */
static int counter_update(request_rec *r, const char *key, apr_interval_time_t window,
                          int bump, counter_t *c)
{
    unsigned char buf[sizeof(counter_t)];
    unsigned int len = sizeof(buf);
    apr_time_t now = apr_time_now();
    apr_status_t rv;

    if (apr_global_mutex_lock(limiter->mutex) != APR_SUCCESS) {
        return -1;
    }
    rv = limiter->provider->retrieve(limiter->instance, r->server,
                                     (const unsigned char *)key, (unsigned)strlen(key),
                                     buf, &len, r->pool);
    if (rv == APR_SUCCESS && len == sizeof(buf)) {
        memcpy(c, buf, sizeof(*c));
    }
    else {
        c->start = now;
        c->count = 0;
    }
    if (now >= c->start + window) {
        c->start = now;
        c->count = 0;
    }
    if (bump) {
        c->count++;
        memcpy(buf, c, sizeof(*c));
        rv = limiter->provider->store(limiter->instance, r->server,
                                      (const unsigned char *)key, (unsigned)strlen(key),
                                      c->start + window, buf, sizeof(buf), r->pool);
    }
    apr_global_mutex_unlock(limiter->mutex);
    return (bump && rv != APR_SUCCESS) ? -1 : 0;
}

static int too_many(request_rec *r, const counter_t *c, apr_interval_time_t window,
                    gh_refusal_e kind, const char *message)
{
    apr_time_t left = c->start + window - apr_time_now();
    long secs = (long)apr_time_sec(left + APR_USEC_PER_SEC - 1);

    gh_metrics_refusal(kind);
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_ltoa(r->pool, secs > 0 ? secs : 1));
    return gh_fail(r, GH_E_RATE_LIMITED, message);
}

/* Basic credentials sent where this <Location> checks them: only there can
 * a password be guessed. Elsewhere (a bearer route, /health) they are
 * ignored by httpd, so counting or refusing them would lock an address
 * out of routes that never asked for a password. */
static int is_basic(request_rec *r)
{
    const char *auth = apr_table_get(r->headers_in, "Authorization");
    const char *type = ap_auth_type(r);

    return auth != NULL && strncasecmp(auth, "Basic ", 6) == 0
        && type != NULL && strcasecmp(type, "Basic") == 0;
}

static int applies(const request_rec *r)
{
    return limiter != NULL && r->main == NULL && r->prev == NULL && gh_http_in_area(r);
}

int gh_ratelimit_check_access(request_rec *r)
{
    const gh_dir_conf_t *dc;
    gh_limit_t af, rq;
    counter_t c;

    if (!applies(r)) {
        return DECLINED;
    }
    dc = gh_dir_conf(r);
    af = gh_conf_authfail_limit(dc);
    if (af.count > 0 && is_basic(r)       /* only password guessing is limited */
        && counter_update(r, apr_pstrcat(r->pool, "af:", r->useragent_ip, NULL),
                          apr_time_from_sec(af.window), 0, &c) == 0
        && c.count >= (apr_uint32_t)af.count) {
        return too_many(r, &c, apr_time_from_sec(af.window), GH_REFUSAL_AUTH_FAILURES,
                        "Too many failed authentications from this address; retry later.");
    }
    rq = gh_conf_request_limit(dc);
    if (rq.count > 0
        && counter_update(r, apr_pstrcat(r->pool, "rq:", r->useragent_ip, NULL),
                          apr_time_from_sec(rq.window), 1, &c) == 0
        && c.count > (apr_uint32_t)rq.count) {
        return too_many(r, &c, apr_time_from_sec(rq.window), GH_REFUSAL_REQUESTS,
                        "Too many requests from this address; retry later.");
    }
    return DECLINED;
}

int gh_ratelimit_count_failure(request_rec *r, int lookup_uri)
{
    request_rec *orig = r->prev;
    gh_limit_t af;
    counter_t c;

    if (lookup_uri || orig == NULL || r->status != HTTP_UNAUTHORIZED
        || strcmp(r->uri, GH_ERROR_URI) != 0) {
        return DECLINED;
    }
    while (orig->prev) {
        orig = orig->prev;
    }
    /* Only guessed passwords count: a bearer token is signed and cannot
     * be guessed, and many app users behind one NAT address would
     * otherwise be refused for each other's expired tokens. */
    if (!applies(orig) || !is_basic(orig)) {
        return DECLINED;
    }
    af = gh_conf_authfail_limit(gh_dir_conf(orig));
    if (af.count > 0
        && counter_update(orig, apr_pstrcat(r->pool, "af:", orig->useragent_ip, NULL),
                          apr_time_from_sec(af.window), 1, &c) == 0
        && c.count == (apr_uint32_t)af.count) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, orig,
                      "client blocked for %d s after %d failed authentications",
                      af.window, af.count);
    }
    return DECLINED;
}
