/* Signing keys of the identity providers (JWKS documents), cached in
 * memory per child and shared between children (and hosts) through
 * httpd's socache (GameHoneyJWKSCache). A refresher thread gets each
 * document when the child starts and again as its Cache-Control max-age
 * runs out, so a request finds the keys warm; a child takes another's
 * document when there is one, so a host fetches each document once. A
 * request fetches only when the cache is cold, or for a key id it does not
 * know (the provider may have rotated its keys): at most one such fetch
 * per document every 10 seconds on the whole host, whatever the number of
 * children or of unknown kids. */
#ifndef GH_JWKS_H
#define GH_JWKS_H

#include "httpd.h"
#include <openssl/evp.h>

#include "gh_metrics.h"

/* pre_config: the mutex type of the shared document cache. */
int gh_jwks_pre_config(apr_pool_t *pconf);

/* post_config: the host-wide limit on fetches for unknown kids, the fetch
 * leases, and (the real pass) the GameHoneyJWKSCache socache. OK or
 * HTTP_INTERNAL_SERVER_ERROR. */
int gh_jwks_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);

/* Registers a JWKS URL with the server whose HTTP settings fetch it, and
 * the provider its fetches and key age are counted for;
 * call from child_init for every URL in use, before gh_jwks_start. */
void gh_jwks_watch(apr_pool_t *pchild, server_rec *s, const char *url, gh_upstream_e provider);

/* child_init: starts the refresher thread; it stops with the child. */
void gh_jwks_start(apr_pool_t *pchild, server_rec *s);

typedef enum {
    GH_JWKS_FOUND,
    GH_JWKS_UNKNOWN_KID,         /* the document has no such key: the token is bad */
    GH_JWKS_UNAVAILABLE          /* no keys could be had: the provider is down */
} gh_jwks_result_e;

/* The key kid from the document at url, with a reference the caller
 * drops with EVP_PKEY_free. */
gh_jwks_result_e gh_jwks_key(request_rec *r, const char *url, const char *kid,
                             EVP_PKEY **key);

#endif
