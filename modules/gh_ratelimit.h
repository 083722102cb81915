/* Per-client-IP limits inside gamehoney <Location>s, counted in an httpd
 * socache so that every child process (and, with memcache or redis, every
 * host) shares them:
 *  - failed Basic authentications (GameHoneyAuthFailLimit, on by default),
 *    only in <Location>s with AuthType Basic: once an IP reaches the limit,
 *    its Basic-authenticated requests there get 429 until the window ends
 *    (bearer tokens cannot be guessed, and Basic credentials sent anywhere
 *    else are never checked, so those are neither counted nor refused);
 *  - all requests (GameHoneyRequestLimit, off by default). */
#ifndef GH_RATELIMIT_H
#define GH_RATELIMIT_H

#include "httpd.h"

int gh_ratelimit_pre_config(apr_pool_t *pconf);
int gh_ratelimit_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
void gh_ratelimit_child_init(apr_pool_t *p, server_rec *s);

/* access_checker hook: refuses a limited client with 429 and Retry-After. */
int gh_ratelimit_check_access(request_rec *r);

/* quick_handler hook, run before the JSON error document is written:
 * counts a 401 given to a request that carried Basic credentials to an
 * AuthType Basic location. Counting
 * here, before the client has its answer, keeps the limit exact. */
int gh_ratelimit_count_failure(request_rec *r, int lookup_uri);

#endif
