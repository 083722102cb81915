/* A socache and its mutex, taken only when the provider asks for one
 * (shmcb does; memcache and redis serialise on their servers). */
#include <string.h>

#include "httpd.h"
#include "ap_provider.h"
#include "apr_global_mutex.h"
#include "apr_strings.h"
#include "http_log.h"
#include "util_mutex.h"

#include "gh_private.h"
#include "gh_socache.h"

struct gh_socache {
    server_rec *server;
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;       /* NULL when the provider needs none */
    int usable;                      /* 0 in a child that could not attach the mutex */
};

static apr_status_t destroy(void *data)
{
    gh_socache_t *c = data;
    c->provider->destroy(c->instance, c->server);
    return APR_SUCCESS;
}

gh_socache_t *gh_socache_open(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                              const char *directive, const char *spec, const char *ns,
                              const struct ap_socache_hints *hints)
{
    const char *sep = strchr(spec, ':');
    const char *name = sep ? apr_pstrmemdup(ptemp, spec, sep - spec) : spec;
    gh_socache_t *c = apr_pcalloc(pconf, sizeof(*c));
    const char *err;
    apr_status_t rv;

    c->server = s;
    c->usable = 1;
    c->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, AP_SOCACHE_PROVIDER_VERSION);
    if (c->provider == NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s: socache provider '%s' is not loaded "
                     "(LoadModule socache_%s_module)", directive, name, name);
        return NULL;
    }
    if ((err = c->provider->create(&c->instance, sep ? sep + 1 : NULL, ptemp, pconf))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s: %s", directive, err);
        return NULL;
    }
    if ((c->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE)
        && (rv = ap_global_mutex_create(&c->mutex, NULL, ns, NULL, s, pconf, 0)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "%s: cannot create its mutex", directive);
        return NULL;
    }
    if ((rv = c->provider->init(c->instance, ns, hints, s, pconf)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "%s: cannot initialise the cache", directive);
        return NULL;
    }
    apr_pool_cleanup_register(pconf, c, destroy, apr_pool_cleanup_null);
    return c;
}

void gh_socache_child_init(gh_socache_t *c, apr_pool_t *p, server_rec *s)
{
    apr_status_t rv;

    if (c == NULL || c->mutex == NULL) {
        return;
    }
    rv = apr_global_mutex_child_init(&c->mutex, apr_global_mutex_lockfile(c->mutex), p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "cannot attach a socache mutex: this "
                     "child shares nothing through it");
        c->usable = 0;
    }
}

static apr_status_t lock(gh_socache_t *c)
{
    if (!c->usable) {
        return APR_EINIT;
    }
    return c->mutex ? apr_global_mutex_lock(c->mutex) : APR_SUCCESS;
}

static void unlock(gh_socache_t *c)
{
    if (c->mutex) {
        apr_global_mutex_unlock(c->mutex);
    }
}

apr_status_t gh_socache_get(gh_socache_t *c, server_rec *s, const char *key,
                            unsigned char *buf, unsigned int *len, apr_pool_t *p)
{
    apr_status_t rv = lock(c);

    if (rv == APR_SUCCESS) {
        rv = c->provider->retrieve(c->instance, s, (const unsigned char *)key,
                                   (unsigned int)strlen(key), buf, len, p);
        unlock(c);
    }
    return rv;
}

apr_status_t gh_socache_put(gh_socache_t *c, server_rec *s, const char *key, apr_time_t expiry,
                            unsigned char *value, unsigned int len, apr_pool_t *p)
{
    apr_status_t rv = lock(c);

    if (rv == APR_SUCCESS) {
        rv = c->provider->store(c->instance, s, (const unsigned char *)key,
                                (unsigned int)strlen(key), expiry, value, len, p);
        unlock(c);
    }
    return rv;
}
