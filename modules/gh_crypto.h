/* The few cryptographic operations the module needs, through OpenSSL, and
 * base64 through APR. Pure: needs only APR and OpenSSL. */
#ifndef GH_CRYPTO_H
#define GH_CRYPTO_H

#include <apr_pools.h>

/* Prepares the digests; call once before threads start (post_config).
 * Returns 0 on success. The functions below call it too. */
int gh_crypto_init(void);

/* Frees what gh_crypto_init fetched: run by a cleanup of the pool whose
 * generation the module's DSO is loaded for, so that a graceful restart,
 * which reloads the DSO, does not leak the old fetch. */
void gh_crypto_cleanup(void);

/* Non-zero when the two strings are equal. Both are hashed first, so the
 * time taken depends on neither their contents nor their lengths. */
int gh_secret_equals(const char *a, const char *b);

/* Lower-case hex HMAC-SHA256 of msg under key, allocated in p; NULL on
 * failure. */
const char *gh_hmac_sha256_hex(apr_pool_t *p, const void *key, apr_size_t keylen,
                               const void *msg, apr_size_t msglen);

/* Fills buf with n bytes from OpenSSL's CSPRNG. Returns 0 on success. */
int gh_random_bytes(unsigned char *buf, apr_size_t n);

/* Base64 (url: the URL-safe alphabet without padding, as in JOSE) of n
 * bytes, allocated in p. */
const char *gh_base64_encode(apr_pool_t *p, const unsigned char *data, apr_size_t n, int url);

/* Strict base64 decoding: only the one text gh_base64_encode gives for
 * the bytes (standard with '=' padding to a multiple of 4, or url without
 * padding; no whitespace; the unused bits of the last character zero).
 * Returns 0 and a buffer in p (NUL-terminated for convenience), or -1. */
int gh_base64_decode(apr_pool_t *p, const char *in, apr_size_t len, int url,
                     unsigned char **out, apr_size_t *outlen);

/* HMAC-SHA256 of msg under key into mac (32 bytes). Returns 0 on success. */
int gh_hmac_sha256(const void *key, apr_size_t keylen, const void *msg, apr_size_t msglen,
                   unsigned char mac[32]);

/* SHA-256 of data into md (32 bytes). Returns 0 on success. */
int gh_sha256(const void *data, apr_size_t n, unsigned char md[32]);

/* AES-256-GCM decryption of IV (12 bytes) || ciphertext || tag (16
 * bytes), as Toss sends personal fields. Returns 0 and the plaintext
 * (NUL-terminated) in p, or -1 when the input is malformed or does not
 * authenticate. */
int gh_aes256gcm_open(apr_pool_t *p, const unsigned char key[32], const void *aad,
                      apr_size_t aadlen, const unsigned char *in, apr_size_t inlen,
                      unsigned char **out, apr_size_t *outlen);

/* Lower-case hex of n bytes, allocated in p. */
const char *gh_hex(apr_pool_t *p, const unsigned char *data, apr_size_t n);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2), or
 * NULL if OpenSSL fails. */
const char *gh_websocket_accept(apr_pool_t *p, const char *key);

#endif
