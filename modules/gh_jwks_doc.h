/* JWKS documents (RFC 7517 §5) as the identity providers publish them:
 * the RSA keys that may verify an RS256 signature, by kid. Pure: needs
 * only APR, json-c and OpenSSL, so it is unit-tested and fuzzed. */
#ifndef GH_JWKS_DOC_H
#define GH_JWKS_DOC_H

#include <apr_hash.h>
#include <apr_pools.h>

/* The usable keys of a JWKS document, kid -> EVP_PKEY * (freed when p
 * is), or NULL when it is not a JSON object with a "keys" array or has no
 * usable key. A key is usable when it is a JSON object with:
 *  - "kty" "RSA", and "n" and "e" that gh_jwk_rsa accepts (2048 bits or
 *    more: RFC 7518 §3.3);
 *  - a "kid" of 1 to 256 bytes, none a NUL (a token picks its key by it);
 *  - "use" absent or "sig", "alg" absent or "RS256", and "key_ops"
 *    absent or an array holding "verify" (RFC 7517 §4.2-4.4).
 * A kid that two different usable keys share is ambiguous and dropped
 * (RFC 7517 §4.5 asks for distinct kids); the same key listed twice is
 * kept. Members of other types count as absent. */
apr_hash_t *gh_jwks_doc_parse(apr_pool_t *p, const char *body, apr_size_t len);

#endif
