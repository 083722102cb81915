/* JSON Web Tokens in compact form (RFC 7515, 7519): parsing, HS256 and
 * RS256 signatures over OpenSSL, claim checks, and RSA keys from JWKs.
 * Pure: needs only APR, json-c and OpenSSL. */
#ifndef GH_JWT_H
#define GH_JWT_H

#include <apr_pools.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#define GH_JWT_MAX_LEN 8192     /* a longer token is refused unread */

typedef struct {
    const char *alg;            /* from the header */
    const char *kid;            /* may be NULL */
    json_object *claims;        /* owned by the pool */
    const char *signing_input;  /* "header.payload" */
    apr_size_t signing_len;
    unsigned char *sig;
    apr_size_t sig_len;
} gh_jwt_t;

/* Splits and decodes a token; verifies nothing. Returns 0, or -1 with
 * *err saying why. */
int gh_jwt_parse(apr_pool_t *p, const char *token, gh_jwt_t *out, const char **err);

/* Signature checks: 0 when valid. The caller pins the algorithm: each
 * refuses a token whose header names another. */
int gh_jwt_verify_hs256(const gh_jwt_t *jwt, const void *key, apr_size_t keylen);
int gh_jwt_verify_rs256(const gh_jwt_t *jwt, EVP_PKEY *pkey);

/* A signed HS256 token for claims, with kid in its header. */
const char *gh_jwt_sign_hs256(apr_pool_t *p, const char *kid, json_object *claims,
                              const void *key, apr_size_t keylen);

/* What the claims must say. NULL fields are not checked; iss matches any
 * of the non-NULL entries. exp is always required. exp, nbf and iat are
 * NumericDates: JSON numbers, compared exactly, fractions included; one
 * written with a fraction or an exponent must lie strictly between -1e15
 * and 1e15, or it counts as malformed. */
typedef struct {
    const char *iss[2];
    const char *aud;            /* a string, or an element of an array */
    int no_aud;                 /* aud must be absent (Cognito access tokens) */
    const char *client_id;
    const char *token_use;
    apr_int64_t now;            /* seconds since the epoch */
    int leeway;                 /* seconds allowed on exp, nbf and iat */
} gh_jwt_expect_t;

/* 0 when the claims meet expect; -1 with *err otherwise. */
int gh_jwt_check_claims(const gh_jwt_t *jwt, const gh_jwt_expect_t *expect, const char **err);

/* A claim as a string, or NULL when absent or not a string. */
const char *gh_jwt_claim(const gh_jwt_t *jwt, const char *name);

/* An RSA public key from a JWK's base64url n and e; NULL if they are
 * malformed or the modulus is shorter than 2048 bits. Free with
 * EVP_PKEY_free. */
EVP_PKEY *gh_jwk_rsa(const char *n, const char *e);

#endif
