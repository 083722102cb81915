/* Compact JWS parsing and verification. Everything outside is untrusted
 * until a signature under a key of the expected algorithm checks out. */
#include <string.h>

#include <apr_strings.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "gh_crypto.h"
#include "gh_json.h"
#include "gh_jwt.h"

/* Decodes one base64url part as a JSON object. */
static json_object *json_part(apr_pool_t *p, const char *s, apr_size_t n, const char **err)
{
    unsigned char *raw;
    apr_size_t len;
    json_object *obj;

    if (gh_base64_decode(p, s, n, 1, &raw, &len) != 0) {
        *err = "a token part is not base64url";
        return NULL;
    }
    if (gh_json_parse(p, (const char *)raw, len, &obj, err) != 0
        || !json_object_is_type(obj, json_type_object)) {
        *err = "a token part is not a JSON object";
        return NULL;
    }
    return obj;
}

int gh_jwt_parse(apr_pool_t *p, const char *token, gh_jwt_t *out, const char **err)
{
    apr_size_t len = strlen(token);
    const char *dot1, *dot2;
    json_object *header;

    memset(out, 0, sizeof(*out));
    if (len > GH_JWT_MAX_LEN) {
        *err = "the token is too long";
        return -1;
    }
    dot1 = strchr(token, '.');
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (dot1 == NULL || dot2 == NULL || strchr(dot2 + 1, '.') != NULL) {
        *err = "the token does not have three parts";
        return -1;
    }
    if ((header = json_part(p, token, dot1 - token, err)) == NULL
        || (out->claims = json_part(p, dot1 + 1, dot2 - dot1 - 1, err)) == NULL) {
        return -1;
    }
    out->alg = gh_json_str(header, "alg");
    out->kid = gh_json_str(header, "kid");
    if (out->alg == NULL) {
        *err = "the token names no algorithm";
        return -1;
    }
    if (gh_base64_decode(p, dot2 + 1, len - (dot2 + 1 - token), 1, &out->sig,
                         &out->sig_len) != 0) {
        *err = "the signature is not base64url";
        return -1;
    }
    out->signing_input = token;
    out->signing_len = dot2 - token;
    return 0;
}

int gh_jwt_verify_hs256(const gh_jwt_t *jwt, const void *key, apr_size_t keylen)
{
    unsigned char mac[32];

    if (strcmp(jwt->alg, "HS256") != 0 || jwt->sig_len != sizeof(mac)
        || gh_hmac_sha256(key, keylen, jwt->signing_input, jwt->signing_len, mac) != 0) {
        return -1;
    }
    return CRYPTO_memcmp(mac, jwt->sig, sizeof(mac)) == 0 ? 0 : -1;
}

int gh_jwt_verify_rs256(const gh_jwt_t *jwt, EVP_PKEY *pkey)
{
    EVP_MD_CTX *ctx;
    int ok;

    if (strcmp(jwt->alg, "RS256") != 0 || pkey == NULL || !EVP_PKEY_is_a(pkey, "RSA")
        || (ctx = EVP_MD_CTX_new()) == NULL) {
        return -1;
    }
    ok = EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, pkey, NULL) == 1
      && EVP_DigestVerify(ctx, jwt->sig, jwt->sig_len,
                          (const unsigned char *)jwt->signing_input, jwt->signing_len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

const char *gh_jwt_sign_hs256(apr_pool_t *p, const char *kid, json_object *claims,
                              const void *key, apr_size_t keylen)
{
    json_object *header = gh_json_object(p);
    const char *h, *c, *input;
    apr_size_t len;
    unsigned char mac[32];

    json_object_object_add(header, "alg", json_object_new_string("HS256"));
    json_object_object_add(header, "typ", json_object_new_string("JWT"));
    if (kid) {
        json_object_object_add(header, "kid", json_object_new_string(kid));
    }
    h = gh_json_serialize(header, &len);
    h = gh_base64_encode(p, (const unsigned char *)h, len, 1);
    c = gh_json_serialize(claims, &len);
    c = gh_base64_encode(p, (const unsigned char *)c, len, 1);
    input = apr_pstrcat(p, h, ".", c, NULL);
    if (gh_hmac_sha256(key, keylen, input, strlen(input), mac) != 0) {
        return NULL;
    }
    return apr_pstrcat(p, input, ".", gh_base64_encode(p, mac, sizeof(mac), 1), NULL);
}

const char *gh_jwt_claim(const gh_jwt_t *jwt, const char *name)
{
    return gh_json_str(jwt->claims, name);
}

/* A NumericDate claim: 0 and the value, 1 when absent, -1 when malformed.
 * A fraction is rounded up: for a whole number of seconds k, d <= k
 * exactly when ceil(d) <= k, and d > k when ceil(d) > k, so the checks
 * below compare it exactly (RFC 7519 allows fractional dates). */
static int time_claim(const gh_jwt_t *jwt, const char *name, apr_int64_t *value)
{
    json_object *v;

    if (!json_object_object_get_ex(jwt->claims, name, &v)) {
        return 1;
    }
    if (json_object_is_type(v, json_type_int)) {
        *value = json_object_get_int64(v);
        return 0;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (d > -1e15 && d < 1e15) {
            *value = (apr_int64_t)d;
            *value += (double)*value < d;
            return 0;
        }
    }
    return -1;
}

static int aud_matches(const gh_jwt_t *jwt, const char *want)
{
    json_object *aud;

    if (!json_object_object_get_ex(jwt->claims, "aud", &aud)) {
        return 0;
    }
    if (json_object_is_type(aud, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(aud); i++) {
            const char *a = gh_json_str_of(json_object_array_get_idx(aud, i));
            if (a && strcmp(a, want) == 0) {
                return 1;
            }
        }
        return 0;
    }
    return gh_json_str_of(aud) && strcmp(gh_json_str_of(aud), want) == 0;
}

int gh_jwt_check_claims(const gh_jwt_t *jwt, const gh_jwt_expect_t *expect, const char **err)
{
    const char *iss = gh_jwt_claim(jwt, "iss");
    apr_int64_t t;
    int rc;

    if (expect->iss[0] || expect->iss[1]) {
        int ok = 0;
        for (int i = 0; i < 2; i++) {
            ok |= iss && expect->iss[i] && strcmp(iss, expect->iss[i]) == 0;
        }
        if (!ok) {
            *err = "the token has the wrong issuer";
            return -1;
        }
    }
    if (expect->aud && !aud_matches(jwt, expect->aud)) {
        *err = "the token is for another audience";
        return -1;
    }
    if (expect->no_aud && json_object_object_get_ex(jwt->claims, "aud", NULL)) {
        *err = "the token must not name an audience";
        return -1;
    }
    if (expect->client_id) {
        const char *cid = gh_jwt_claim(jwt, "client_id");
        if (cid == NULL || strcmp(cid, expect->client_id) != 0) {
            *err = "the token is for another client";
            return -1;
        }
    }
    if (expect->token_use) {
        const char *use = gh_jwt_claim(jwt, "token_use");
        if (use == NULL || strcmp(use, expect->token_use) != 0) {
            *err = "the token is of the wrong kind";
            return -1;
        }
    }
    if ((rc = time_claim(jwt, "exp", &t)) != 0) {
        *err = "the token has no valid expiry";
        return -1;
    }
    /* compared without adding to t, which is the token's and may be huge */
    if (t <= expect->now - expect->leeway) {
        *err = "the token has expired";
        return -1;
    }
    if ((rc = time_claim(jwt, "nbf", &t)) < 0 || (rc == 0 && t > expect->now + expect->leeway)) {
        *err = "the token is not valid yet";
        return -1;
    }
    if ((rc = time_claim(jwt, "iat", &t)) < 0 || (rc == 0 && t > expect->now + expect->leeway)) {
        *err = "the token was issued in the future";
        return -1;
    }
    return 0;
}

EVP_PKEY *gh_jwk_rsa(const char *n, const char *e)
{
    apr_pool_t *p;
    unsigned char *nb, *eb;
    apr_size_t nlen, elen;
    BIGNUM *bn = NULL, *be = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;

    if (n == NULL || e == NULL || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return NULL;
    }
    if (gh_base64_decode(p, n, strlen(n), 1, &nb, &nlen) == 0
        && gh_base64_decode(p, e, strlen(e), 1, &eb, &elen) == 0
        && nlen >= 256 && nlen <= 1024 && elen >= 1 && elen <= 8
        && (bn = BN_bin2bn(nb, (int)nlen, NULL)) != NULL
        && (be = BN_bin2bn(eb, (int)elen, NULL)) != NULL
        && BN_num_bits(bn) >= 2048
        && (bld = OSSL_PARAM_BLD_new()) != NULL
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn)
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be)
        && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL
        && (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL
        && EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
            pkey = NULL;
        }
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    apr_pool_destroy(p);
    return pkey;
}
