/* The few cryptographic operations the module needs, all through OpenSSL.
 * Pure: needs only APR and OpenSSL. */
#ifndef GH_CRYPTO_H
#define GH_CRYPTO_H

#include <apr_pools.h>

/* Prepares the digests; call once before threads start (post_config).
 * Returns 0 on success. The functions below call it too. */
int gh_crypto_init(void);

/* Non-zero when the two strings are equal. Both are hashed first, so the
 * time taken depends on neither their contents nor their lengths. */
int gh_secret_equals(const char *a, const char *b);

/* Lower-case hex HMAC-SHA256 of msg under key, allocated in p; NULL on
 * failure. */
const char *gh_hmac_sha256_hex(apr_pool_t *p, const void *key, apr_size_t keylen,
                               const void *msg, apr_size_t msglen);

/* Fills buf with n bytes from OpenSSL's CSPRNG. Returns 0 on success. */
int gh_random_bytes(unsigned char *buf, apr_size_t n);

#endif
