/* Entity tags of the module's cacheable answers and the If-None-Match
 * condition on them (RFC 9110 sections 8.8.3 and 13.1.2). Pure: needs
 * only APR and OpenSSL. */
#ifndef GH_ETAG_H
#define GH_ETAG_H

#include <apr_pools.h>

/* The strong entity tag of a representation's bytes: the lower-case hex
 * SHA-256 of them, quoted; NULL if OpenSSL fails. */
const char *gh_etag_of(apr_pool_t *p, const void *body, apr_size_t len);

/* Whether the If-None-Match value header (NULL: absent) matches etag, a
 * quoted opaque-tag: "*" does; otherwise a comma-separated list of entity
 * tags does when one of them has etag's opaque-tag, with or without "W/"
 * (the weak comparison). A value that is not that grammar matches
 * nothing, so its client gets the whole answer. */
int gh_etag_matches(const char *header, const char *etag);

#endif
