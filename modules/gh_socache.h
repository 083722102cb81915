/* One httpd socache opened from a "provider[:args]" directive value
 * (shmcb, memcache:host:port, redis:host:port), with the global mutex a
 * provider that is not safe across processes needs. */
#ifndef GH_SOCACHE_H
#define GH_SOCACHE_H

#include "httpd.h"
#include "ap_socache.h"

typedef struct gh_socache gh_socache_t;

/* post_config, the real pass: opens spec for namespace ns, whose mutex
 * type (registered in pre_config) is ns too. NULL after a critical log
 * line naming directive. It lives in pconf, like mod_ssl's session cache:
 * providers are DSOs with pool cleanups of their own. */
gh_socache_t *gh_socache_open(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                              const char *directive, const char *spec, const char *ns,
                              const struct ap_socache_hints *hints);

/* child_init: re-attaches the mutex; a child that cannot uses no cache. */
void gh_socache_child_init(gh_socache_t *c, apr_pool_t *p, server_rec *s);

/* The value of key into buf (*len: its size in, the value's out). */
apr_status_t gh_socache_get(gh_socache_t *c, server_rec *s, const char *key,
                            unsigned char *buf, unsigned int *len, apr_pool_t *p);

/* Stores key until expiry. */
apr_status_t gh_socache_put(gh_socache_t *c, server_rec *s, const char *key, apr_time_t expiry,
                            unsigned char *value, unsigned int len, apr_pool_t *p);

#endif
