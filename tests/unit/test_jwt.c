/* gh_jwt: parsing compact tokens, HS256 and RS256 verification (with the
 * algorithm pinned), signing, claim checks and RSA keys from JWK n and e.
 * Tokens are built here independently of the module: base64url by
 * gh_base64_encode (tested in test_crypto.c), MACs by OpenSSL's HMAC and
 * RSA signatures by EVP_DigestSign. */
#include <string.h>

#include <apr_strings.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "check.h"
#include "suites.h"
#include "gh_crypto.h"
#include "gh_json.h"
#include "gh_jwt.h"
#include "../jwt_messages.h"

#define NOW         APR_INT64_C(1700000000)
#define KEY         "k3y-for-hs256-tests-0123456789abcdef"
#define KEYLEN      (sizeof(KEY) - 1)
#define HS_HEADER   "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define RS_HEADER   "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"r1\"}"
#define PAYLOAD     "{\"sub\":\"u1\",\"exp\":1700000600}"

static apr_pool_t *g_pool;   /* the suite's pool */

static const char *b64u_n(const void *data, size_t n)
{
    return gh_base64_encode(g_pool, data, n, 1);
}

static const char *b64u(const char *s)
{
    return b64u_n(s, strlen(s));
}

/* "b64u(header).b64u(payload)" */
static const char *signing_input(const char *header, const char *payload)
{
    return apr_pstrcat(g_pool, b64u(header), ".", b64u(payload), NULL);
}

/* input "." base64url(HMAC-SHA256(key, input)), by OpenSSL directly. */
static const char *hs_sign_input(const char *input, const void *key, size_t keylen)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;

    if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)input, strlen(input), mac,
             &maclen) == NULL || maclen != 32) {
        fprintf(stderr, "test_jwt: HMAC failed\n");
        abort();
    }
    return apr_pstrcat(g_pool, input, ".", b64u_n(mac, maclen), NULL);
}

static const char *hs_token(const char *header, const char *payload, const void *key,
                            size_t keylen)
{
    return hs_sign_input(signing_input(header, payload), key, keylen);
}

/* An RS256 (RSASSA-PKCS1-v1_5, SHA-256) token signed with key. */
static const char *rs_token(EVP_PKEY *key, const char *header, const char *payload)
{
    const char *input = signing_input(header, payload);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig;
    size_t siglen = 0;

    if (ctx == NULL || EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL) != 1
        || EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)input, strlen(input)) != 1
        || (sig = apr_palloc(g_pool, siglen)) == NULL
        || EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)input, strlen(input)) != 1) {
        fprintf(stderr, "test_jwt: EVP_DigestSign failed\n");
        abort();
    }
    EVP_MD_CTX_free(ctx);
    return apr_pstrcat(g_pool, input, ".", b64u_n(sig, siglen), NULL);
}

/* Parses token into a pool-allocated jwt; NULL (and a failed check) if it
 * does not parse. */
static gh_jwt_t *parse_ok(const char *token, int line)
{
    gh_jwt_t *jwt = apr_pcalloc(g_pool, sizeof(*jwt));
    const char *err = NULL;

    if (gh_jwt_parse(g_pool, token, jwt, &err) != 0) {
        check_bool(0, __FILE__, line, "gh_jwt_parse(token) == 0");
        fprintf(stderr, "    error %s for token %.200s\n", err ? err : "NULL", token);
        return NULL;
    }
    check_bool(1, __FILE__, line, "gh_jwt_parse(token) == 0");
    return jwt;
}
#define PARSE_OK(token) parse_ok((token), __LINE__)

/* Expects token to be refused with message msg. */
static void parse_fail(const char *token, const char *msg, int line)
{
    gh_jwt_t jwt;
    const char *err = NULL;
    int rc = gh_jwt_parse(g_pool, token, &jwt, &err);

    if (!check_int_eq(rc, -1, __FILE__, line, "gh_jwt_parse(token)", "-1")
        || !check_str_eq(err, msg, __FILE__, line, "err", "msg")) {
        fprintf(stderr, "    token ");
        check_print_bytes(token, strlen(token) > 200 ? 200 : strlen(token));
        fputc('\n', stderr);
    }
}
#define PARSE_FAIL(token, msg) parse_fail((token), (msg), __LINE__)

/* A token with the given header and payload texts and a dummy signature. */
static const char *unsigned_token(const char *header, const char *payload)
{
    return apr_pstrcat(g_pool, signing_input(header, payload), ".AAAA", NULL);
}

/* ---- parse -------------------------------------------------------- */

static void parse_structure(void)
{
    const char *h = b64u(HS_HEADER), *c = b64u(PAYLOAD);
    const char *good = hs_token(HS_HEADER, PAYLOAD, KEY, KEYLEN);
    gh_jwt_t *jwt;

    /* the control: the same parts, well formed, parse */
    if ((jwt = PARSE_OK(good)) != NULL) {
        CHECK_STR_EQ(jwt->alg, "HS256");
        CHECK_NULL(jwt->kid);
        CHECK(jwt->signing_input == good);
        CHECK_INT_EQ(jwt->signing_len, strlen(h) + 1 + strlen(c));
        CHECK_INT_EQ(jwt->sig_len, 32);
        CHECK_STR_EQ(gh_jwt_claim(jwt, "sub"), "u1");
    }

    /* 1, 2, 4 and 5 parts */
    PARSE_FAIL("", MSG_PARTS);
    PARSE_FAIL(h, MSG_PARTS);
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", c, NULL), MSG_PARTS);
    PARSE_FAIL(apr_pstrcat(g_pool, good, ".AAAA", NULL), MSG_PARTS);
    PARSE_FAIL(apr_pstrcat(g_pool, good, ".", NULL), MSG_PARTS);
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", c, ".AAAA.AAAA.AAAA", NULL), MSG_PARTS);
    PARSE_FAIL(".", MSG_PARTS);
    PARSE_FAIL("...", MSG_PARTS);

    /* empty header or payload */
    PARSE_FAIL("..", MSG_OBJECT);
    PARSE_FAIL(apr_pstrcat(g_pool, ".", c, ".AAAA", NULL), MSG_OBJECT);
    PARSE_FAIL(apr_pstrcat(g_pool, h, "..AAAA", NULL), MSG_OBJECT);
    PARSE_FAIL(apr_pstrcat(g_pool, h, "..", NULL), MSG_OBJECT);

    /* characters outside base64url, padding, impossible lengths */
    PARSE_FAIL(apr_pstrcat(g_pool, "+", h + 1, ".", c, ".AAAA", NULL), MSG_B64);
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", c, "/.AAAA", NULL), MSG_B64);
    PARSE_FAIL(apr_pstrcat(g_pool, h, " .", c, ".AAAA", NULL), MSG_B64);
    PARSE_FAIL(apr_pstrcat(g_pool, b64u("{\"alg\":\"HS256\"}"), "=.", c, ".AAAA", NULL), MSG_B64);
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", apr_pstrndup(g_pool, c, strlen(c) / 4 * 4), "A.AAAA",
                           NULL), MSG_B64);                                 /* 4k+1 */
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", c, ".AA+A", NULL), MSG_SIG);
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", c, ".AA/A", NULL), MSG_SIG);
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", c, ".AA==", NULL), MSG_SIG);
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", c, ".AAAAA", NULL), MSG_SIG);     /* 4k+1 */
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", c, ".AAAA\n", NULL), MSG_SIG);
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", c, ".AA\xc3\xa9", NULL), MSG_SIG);
    /* only the canonical spelling: the unused bits of a part's last
     * character are zero ("0" is 52, "1" 53; "A" 0, "B" 1) */
    CHECK(c[strlen(c) - 1] == '0' && strlen(c) % 4 == 3);
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", apr_pstrndup(g_pool, c, strlen(c) - 1), "1.AAAA",
                           NULL), MSG_B64);
    PARSE_FAIL(apr_pstrcat(g_pool, h, ".", c, ".AB", NULL), MSG_SIG);
    if ((jwt = PARSE_OK(apr_pstrcat(g_pool, h, ".", c, ".AA", NULL))) != NULL) {
        CHECK_INT_EQ(jwt->sig_len, 1);
    }
    /* a JSON object in the standard alphabet, padded */
    PARSE_FAIL(apr_pstrcat(g_pool, gh_base64_encode(g_pool, (const unsigned char *)"{\"alg\":\">>>\"}",
                                                    13, 0), ".", c, ".AAAA", NULL), MSG_B64);
}

static void parse_not_objects(void)
{
    static const char *const not_objects[] = {
        "[1]", "null", "1", "\"HS256\"", "true", "[]", " ",
        "{\"alg\":\"HS256\"}x",                 /* trailing garbage */
        "{\"alg\":\"HS256\"}{}",
        "{\"alg\":\"HS256\"",                   /* truncated */
        "{\"alg\":\"HS\xff" "256\"}",           /* not UTF-8 */
        "\xef\xbb\xbf{\"alg\":\"HS256\"}",      /* a BOM */
        "{'alg':'HS256'}",
        "{\"alg\":\"HS256\",}",
    };

    for (size_t i = 0; i < sizeof(not_objects) / sizeof(not_objects[0]); i++) {
        PARSE_FAIL(unsigned_token(not_objects[i], PAYLOAD), MSG_OBJECT);
        PARSE_FAIL(unsigned_token(HS_HEADER, not_objects[i]), MSG_OBJECT);
    }
    /* a NUL byte inside the decoded JSON */
    {
        static const char nul_json[] = "{\"alg\":\"HS256\"}\0";
        const char *part = b64u_n(nul_json, sizeof(nul_json) - 1);
        PARSE_FAIL(apr_pstrcat(g_pool, part, ".", b64u(PAYLOAD), ".AAAA", NULL), MSG_OBJECT);
        PARSE_FAIL(apr_pstrcat(g_pool, b64u(HS_HEADER), ".", part, ".AAAA", NULL), MSG_OBJECT);
    }

    /* a header without a string alg */
    PARSE_FAIL(unsigned_token("{}", PAYLOAD), MSG_NO_ALG);
    PARSE_FAIL(unsigned_token("{\"typ\":\"JWT\"}", PAYLOAD), MSG_NO_ALG);
    PARSE_FAIL(unsigned_token("{\"alg\":null}", PAYLOAD), MSG_NO_ALG);
    PARSE_FAIL(unsigned_token("{\"alg\":256}", PAYLOAD), MSG_NO_ALG);
    PARSE_FAIL(unsigned_token("{\"alg\":[\"HS256\"]}", PAYLOAD), MSG_NO_ALG);
    PARSE_FAIL(unsigned_token("{\"ALG\":\"HS256\"}", PAYLOAD), MSG_NO_ALG);
    /* the payload is checked before alg */
    PARSE_FAIL(unsigned_token("{}", "[]"), MSG_OBJECT);

    /* an empty object is a valid payload; kid that is not a string is NULL */
    {
        gh_jwt_t *jwt = PARSE_OK(unsigned_token("{\"alg\":\"x\",\"kid\":7}", "{}"));
        if (jwt) {
            CHECK_STR_EQ(jwt->alg, "x");
            CHECK_NULL(jwt->kid);
            CHECK_NULL(gh_jwt_claim(jwt, "sub"));
            CHECK_INT_EQ(jwt->sig_len, 3);
            CHECK_MEM_EQ(jwt->sig, jwt->sig_len, "\0\0\0", 3);
        }
    }
    /* duplicate names: refused, or the lexically last wins (RFC 7515 4) */
    {
        gh_jwt_t jwt;
        const char *err = NULL;
        int rc = gh_jwt_parse(g_pool,
                              unsigned_token("{\"alg\":\"none\",\"alg\":\"HS256\"}", PAYLOAD),
                              &jwt, &err);
        CHECK(rc == -1 || (rc == 0 && strcmp(jwt.alg, "HS256") == 0));
    }
}

/* An HS256 token of exactly len bytes, signed by the module: the claims
 * get a padding string and the header a kid, both grown until it fits. */
static const char *token_of_length(size_t len)
{
    for (size_t kid = 1; kid <= 4; kid++) {
        for (size_t pad = len > 200 ? (len - 200) * 3 / 4 : 0; pad < len; pad++) {
            json_object *claims = gh_json_object(g_pool);
            char *padding = apr_palloc(g_pool, pad + 1), *kidv = apr_pstrndup(g_pool, "kkkk", kid);
            const char *t;

            memset(padding, 'p', pad);
            padding[pad] = '\0';
            json_object_object_add(claims, "exp", json_object_new_int64(NOW + 600));
            json_object_object_add(claims, "pad", json_object_new_string(padding));
            t = gh_jwt_sign_hs256(g_pool, kidv, claims, KEY, KEYLEN);
            if (t == NULL || strlen(t) > len) {
                break;
            }
            if (strlen(t) == len) {
                return t;
            }
        }
    }
    return NULL;
}

static void parse_length(void)
{
    const char *t8192 = token_of_length(GH_JWT_MAX_LEN);
    gh_jwt_t *jwt;

    CHECK_INT_EQ(GH_JWT_MAX_LEN, 8192);
    if (!CHECK_NOT_NULL(t8192)) {
        return;
    }
    CHECK_INT_EQ(strlen(t8192), 8192);
    if ((jwt = PARSE_OK(t8192)) != NULL) {
        CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), 0);
        CHECK_INT_EQ(strlen(gh_jwt_claim(jwt, "pad")) > 6000, 1);
    }
    /* one more byte, even a valid one, is too long */
    PARSE_FAIL(apr_pstrcat(g_pool, t8192, "A", NULL), MSG_LONG);
    {
        const char *t8193 = token_of_length(GH_JWT_MAX_LEN + 1);
        if (CHECK_NOT_NULL(t8193)) {
            PARSE_FAIL(t8193, MSG_LONG);
        }
    }
    /* the length is checked before anything else */
    {
        char *junk = apr_palloc(g_pool, 20001);
        memset(junk, '.', 20000);
        junk[20000] = '\0';
        PARSE_FAIL(junk, MSG_LONG);
        junk[8192] = '\0';
        PARSE_FAIL(junk, MSG_PARTS);
    }
}

/* ---- HS256 -------------------------------------------------------- */

/* The token t with the character at index i replaced by c. */
static const char *with_char(const char *t, size_t i, char c)
{
    char *s = apr_pstrdup(g_pool, t);
    s[i] = c;
    return s;
}

static void hs256(void)
{
    json_object *claims = gh_json_object(g_pool);
    const char *t, *t2;
    gh_jwt_t *jwt;

    json_object_object_add(claims, "sub", json_object_new_string("u1"));
    json_object_object_add(claims, "exp", json_object_new_int64(NOW + 600));
    json_object_object_add(claims, "iss", json_object_new_string("https://issuer/a"));

    /* sign, parse, verify */
    t = gh_jwt_sign_hs256(g_pool, "k1", claims, KEY, KEYLEN);
    if (!CHECK_NOT_NULL(t) || (jwt = PARSE_OK(t)) == NULL) {
        return;
    }
    CHECK_STR_EQ(jwt->alg, "HS256");
    CHECK_STR_EQ(jwt->kid, "k1");
    CHECK_STR_EQ(gh_jwt_claim(jwt, "sub"), "u1");
    CHECK_STR_EQ(gh_jwt_claim(jwt, "iss"), "https://issuer/a");
    CHECK_NULL(gh_jwt_claim(jwt, "exp"));                  /* not a string */
    CHECK_NULL(gh_jwt_claim(jwt, "nope"));
    CHECK_INT_EQ(jwt->sig_len, 32);
    CHECK(jwt->signing_input == t);
    CHECK_INT_EQ(jwt->signing_len, strrchr(t, '.') - t);
    CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), 0);
    /* the signature is the HMAC computed here, so the token is too */
    CHECK_STR_EQ(hs_sign_input(apr_pstrndup(g_pool, t, jwt->signing_len), KEY, KEYLEN), t);

    /* the header says HS256, JWT and the kid */
    {
        unsigned char *raw;
        apr_size_t rawlen;
        json_object *h = NULL, *v;
        const char *err;
        CHECK_INT_EQ(gh_base64_decode(g_pool, t, strchr(t, '.') - t, 1, &raw, &rawlen), 0);
        CHECK_INT_EQ(gh_json_parse(g_pool, (const char *)raw, rawlen, &h, &err), 0);
        CHECK(json_object_object_get_ex(h, "alg", &v)
              && strcmp(json_object_get_string(v), "HS256") == 0);
        CHECK(json_object_object_get_ex(h, "typ", &v)
              && strcmp(json_object_get_string(v), "JWT") == 0);
        CHECK(json_object_object_get_ex(h, "kid", &v)
              && strcmp(json_object_get_string(v), "k1") == 0);
        CHECK_INT_EQ(json_object_object_length(h), 3);
    }

    /* wrong keys */
    CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, "k3y-for-hs256-tests-0123456789abcdeF", KEYLEN), -1);
    CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN - 1), -1);
    CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY "x", KEYLEN + 1), -1);
    CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, "", 0), -1);

    /* no kid: none in the header */
    t2 = gh_jwt_sign_hs256(g_pool, NULL, claims, KEY, KEYLEN);
    if (CHECK_NOT_NULL(t2) && (jwt = PARSE_OK(t2)) != NULL) {
        CHECK_NULL(jwt->kid);
        CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), 0);
        CHECK(strcmp(strrchr(t, '.'), strrchr(t2, '.')) != 0);
    }

    /* the claims round-trip exactly */
    {
        json_object *c = gh_json_object(g_pool);
        json_object *arr = json_object_new_array();
        json_object_array_add(arr, json_object_new_string("a/b"));
        json_object_array_add(arr, json_object_new_string("\xed\x95\x9c"));
        json_object_object_add(c, "aud", arr);
        json_object_object_add(c, "exp", json_object_new_int64(NOW + 1));
        t2 = gh_jwt_sign_hs256(g_pool, "", c, KEY, KEYLEN);
        if (CHECK_NOT_NULL(t2) && (jwt = PARSE_OK(t2)) != NULL) {
            CHECK_STR_EQ(jwt->kid, "");
            CHECK(json_object_equal(jwt->claims, c));
            CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), 0);
        }
    }
}

/* Tokens whose MAC is right for KEY but whose header names another
 * algorithm, and tampered tokens. */
static void hs256_refusals(void)
{
    static const char *const algs[] = {
        "none", "HS512", "HS384", "hs256", "Hs256", "RS256", "ES256", "HS256 ", " HS256",
        "HS2560", "HS25", "",
    };
    const char *t;
    gh_jwt_t *jwt;

    /* the control: a header built the same way with "HS256" verifies */
    if ((jwt = PARSE_OK(hs_token("{\"alg\":\"HS256\"}", PAYLOAD, KEY, KEYLEN))) != NULL) {
        CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), 0);
    }
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        const char *h = apr_psprintf(g_pool, "{\"alg\":\"%s\",\"typ\":\"JWT\"}", algs[i]);
        if ((jwt = PARSE_OK(hs_token(h, PAYLOAD, KEY, KEYLEN))) != NULL) {
            CHECK_STR_EQ(jwt->alg, algs[i]);
            if (!CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), -1)) {
                fprintf(stderr, "    alg %s\n", algs[i]);
            }
        }
    }
    /* alg "none" with no signature at all: the unsecured form parses, but
     * neither verifier takes an empty signature */
    t = apr_pstrcat(g_pool, signing_input("{\"alg\":\"none\"}", PAYLOAD), ".", NULL);
    if ((jwt = PARSE_OK(t)) != NULL) {
        CHECK_INT_EQ(jwt->sig_len, 0);
        CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), -1);
        CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, NULL), -1);
    }
    t = apr_pstrcat(g_pool, signing_input(HS_HEADER, PAYLOAD), ".", NULL);
    if ((jwt = PARSE_OK(t)) != NULL) {
        CHECK_INT_EQ(jwt->sig_len, 0);
        CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), -1);
    }

    /* an alg that is "HS256" only up to an escaped NUL is no algorithm:
     * the header is refused before any signature is looked at */
    {
        gh_jwt_t parsed;
        const char *err = NULL;
        CHECK_INT_EQ(gh_jwt_parse(g_pool, hs_token("{\"alg\":\"HS256\\u0000x\"}", PAYLOAD,
                                                   KEY, KEYLEN), &parsed, &err), -1);
        CHECK_STR_EQ(err, "the token names no algorithm");
    }

    /* signatures of the wrong length, starting with the right MAC */
    {
        const char *input = signing_input(HS_HEADER, PAYLOAD);
        unsigned char mac[33];
        unsigned int maclen = 0;
        HMAC(EVP_sha256(), KEY, (int)KEYLEN, (const unsigned char *)input, strlen(input), mac,
             &maclen);
        mac[32] = 0;
        CHECK_INT_EQ(maclen, 32);
        for (size_t n = 0; n <= 33; n++) {
            t = apr_pstrcat(g_pool, input, ".", b64u_n(mac, n), NULL);
            if ((jwt = PARSE_OK(t)) != NULL) {
                CHECK_INT_EQ(jwt->sig_len, n);
                CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), n == 32 ? 0 : -1);
            }
        }
        /* and the MAC twice */
        {
            unsigned char twice[64];
            memcpy(twice, mac, 32);
            memcpy(twice + 32, mac, 32);
            t = apr_pstrcat(g_pool, input, ".", b64u_n(twice, sizeof(twice)), NULL);
            if ((jwt = PARSE_OK(t)) != NULL) {
                CHECK_INT_EQ(jwt->sig_len, 64);
                CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), -1);
            }
        }
    }

    /* a changed claim with the old signature */
    {
        const char *good = hs_token(HS_HEADER, "{\"sub\":\"u1\",\"exp\":1700000600}", KEY, KEYLEN);
        const char *forged = apr_pstrcat(g_pool, signing_input(HS_HEADER,
                                         "{\"sub\":\"u2\",\"exp\":1700000600}"),
                                         strrchr(good, '.'), NULL);
        const char *longer = apr_pstrcat(g_pool, signing_input(HS_HEADER,
                                         "{\"sub\":\"u1\",\"exp\":17000006000}"),
                                         strrchr(good, '.'), NULL);
        const char *sig = strrchr(good, '.') + 1;

        if ((jwt = PARSE_OK(good)) != NULL) {
            CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), 0);
        }
        if ((jwt = PARSE_OK(forged)) != NULL) {
            CHECK_STR_EQ(gh_jwt_claim(jwt, "sub"), "u2");
            CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), -1);
        }
        if ((jwt = PARSE_OK(longer)) != NULL) {
            CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), -1);
        }
        /* a changed header with the old signature */
        t = apr_pstrcat(g_pool, signing_input("{\"alg\":\"HS256\",\"typ\":\"JWS\"}",
                                              "{\"sub\":\"u1\",\"exp\":1700000600}"),
                        ".", sig, NULL);
        if ((jwt = PARSE_OK(t)) != NULL) {
            CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), -1);
        }
        /* each of the first 42 signature characters changed (the 43rd also
         * carries 4 unused bits) */
        for (size_t i = 0; i < 42; i++) {
            size_t at = (size_t)(sig - good) + i;
            t = with_char(good, at, good[at] == 'A' ? 'B' : 'A');
            if ((jwt = PARSE_OK(t)) != NULL
                && !CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), -1)) {
                fprintf(stderr, "    signature character %zu changed\n", i);
            }
        }
    }
}

/* ---- RS256 -------------------------------------------------------- */

/* base64url of an RSA key's n or e, with extra leading zero bytes. */
static const char *rsa_param_b64(EVP_PKEY *key, const char *name, size_t zeros)
{
    BIGNUM *bn = NULL;
    unsigned char *buf;
    int n;

    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) {
        fprintf(stderr, "test_jwt: EVP_PKEY_get_bn_param %s failed\n", name);
        abort();
    }
    n = BN_num_bytes(bn);
    buf = apr_pcalloc(g_pool, zeros + (size_t)n + 1);
    BN_bn2bin(bn, buf + zeros);
    BN_free(bn);
    return b64u_n(buf, zeros + (size_t)n);
}

/* The PEM (SubjectPublicKeyInfo) of key's public half. */
static const char *public_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long len;
    const char *pem;

    if (bio == NULL || PEM_write_bio_PUBKEY(bio, key) != 1) {
        abort();
    }
    len = BIO_get_mem_data(bio, &data);
    pem = apr_pstrndup(g_pool, data, (apr_size_t)len);
    BIO_free(bio);
    return pem;
}

static void jwk_rsa_refusals(EVP_PKEY *key)
{
    const char *n = rsa_param_b64(key, OSSL_PKEY_PARAM_RSA_N, 0);
    const char *e = rsa_param_b64(key, OSSL_PKEY_PARAM_RSA_E, 0);
    EVP_PKEY *small = EVP_RSA_gen(1024), *k;
    static const unsigned char e9[9] = { 0, 0, 0, 0, 0, 0, 1, 0, 1 };

    CHECK_STR_EQ(e, "AQAB");
    CHECK_INT_EQ(strlen(n), 342);

    /* a leading zero byte on n (257 bytes) is still a 2048-bit modulus */
    k = gh_jwk_rsa(rsa_param_b64(key, OSSL_PKEY_PARAM_RSA_N, 1), e);
    CHECK(k != NULL && EVP_PKEY_eq(k, key) == 1);
    EVP_PKEY_free(k);
    /* e with leading zeros, 8 bytes in all */
    k = gh_jwk_rsa(n, b64u_n(e9 + 1, 8));
    CHECK(k != NULL && EVP_PKEY_eq(k, key) == 1);
    EVP_PKEY_free(k);

    /* a 1024-bit modulus, also when padded to 256 bytes */
    if (CHECK_NOT_NULL(small)) {
        const char *sn = rsa_param_b64(small, OSSL_PKEY_PARAM_RSA_N, 0);
        CHECK_INT_EQ(strlen(sn), 171);
        CHECK_NULL(gh_jwk_rsa(sn, e));
        CHECK_NULL(gh_jwk_rsa(rsa_param_b64(small, OSSL_PKEY_PARAM_RSA_N, 128), e));
        EVP_PKEY_free(small);
    }
    /* 256 bytes but only 2041 bits */
    {
        unsigned char b[256];
        memset(b, 0xff, sizeof(b));
        b[0] = 0x01;
        CHECK_NULL(gh_jwk_rsa(b64u_n(b, sizeof(b)), e));
    }
    /* malformed base64url */
    CHECK_NULL(gh_jwk_rsa(apr_pstrcat(g_pool, n, "==", NULL), e));
    CHECK_NULL(gh_jwk_rsa(apr_pstrcat(g_pool, n, "AAA", NULL), e));        /* 4k+1 */
    CHECK_NULL(gh_jwk_rsa(with_char(n, 10, '+'), e));
    CHECK_NULL(gh_jwk_rsa(with_char(n, 10, '/'), e));
    CHECK_NULL(gh_jwk_rsa(with_char(n, 10, ' '), e));
    {
        /* n in the standard alphabet, padded */
        char *std = apr_pstrcat(g_pool, n, "==", NULL);
        for (char *c = std; *c; c++) {
            *c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
        }
        CHECK_NULL(gh_jwk_rsa(std, e));
    }
    CHECK_NULL(gh_jwk_rsa(n, "AQAB="));
    CHECK_NULL(gh_jwk_rsa(n, "AQ+B"));
    CHECK_NULL(gh_jwk_rsa(n, "AQABA"));
    CHECK_NULL(gh_jwk_rsa(n, " AQAB"));
    /* e too long */
    CHECK_NULL(gh_jwk_rsa(n, b64u_n(e9, 9)));
    /* empty and NULL */
    CHECK_NULL(gh_jwk_rsa("", e));
    CHECK_NULL(gh_jwk_rsa(n, ""));
    CHECK_NULL(gh_jwk_rsa("", ""));
    CHECK_NULL(gh_jwk_rsa(NULL, e));
    CHECK_NULL(gh_jwk_rsa(n, NULL));
    CHECK_NULL(gh_jwk_rsa(NULL, NULL));
}

static void rs256(void)
{
    EVP_PKEY *key = EVP_RSA_gen(2048), *other = EVP_RSA_gen(2048), *pub = NULL, *other_pub = NULL;
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    const char *t, *pem;
    gh_jwt_t *jwt;

    if (!CHECK_NOT_NULL(key) || !CHECK_NOT_NULL(other) || !CHECK_NOT_NULL(ec)) {
        goto done;
    }
    pub = gh_jwk_rsa(rsa_param_b64(key, OSSL_PKEY_PARAM_RSA_N, 0),
                     rsa_param_b64(key, OSSL_PKEY_PARAM_RSA_E, 0));
    other_pub = gh_jwk_rsa(rsa_param_b64(other, OSSL_PKEY_PARAM_RSA_N, 0),
                           rsa_param_b64(other, OSSL_PKEY_PARAM_RSA_E, 0));
    if (!CHECK_NOT_NULL(pub) || !CHECK_NOT_NULL(other_pub)) {
        goto done;
    }
    CHECK_INT_EQ(EVP_PKEY_is_a(pub, "RSA"), 1);
    CHECK_INT_EQ(EVP_PKEY_get_bits(pub), 2048);
    CHECK_INT_EQ(EVP_PKEY_eq(pub, key), 1);
    CHECK_INT_EQ(EVP_PKEY_eq(pub, other), 0);

    /* a good token */
    t = rs_token(key, RS_HEADER, PAYLOAD);
    if ((jwt = PARSE_OK(t)) != NULL) {
        CHECK_STR_EQ(jwt->alg, "RS256");
        CHECK_STR_EQ(jwt->kid, "r1");
        CHECK_INT_EQ(jwt->sig_len, 256);
        CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, pub), 0);
        CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, key), 0);
        /* another key */
        CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, other_pub), -1);
        CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, other), -1);
        /* no key, or not an RSA key */
        CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, NULL), -1);
        CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, ec), -1);
        /* the HS256 verifier pins its algorithm too */
        CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, KEY, KEYLEN), -1);
    }
    /* signed by the other key */
    if ((jwt = PARSE_OK(rs_token(other, RS_HEADER, PAYLOAD))) != NULL) {
        CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, other_pub), 0);
        CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, pub), -1);
    }

    /* an RSA signature under a header naming another algorithm */
    {
        static const char *const algs[] = {
            "HS256", "rs256", "RS384", "RS512", "PS256", "none", "RS256 ", "",
        };
        for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
            const char *h = apr_psprintf(g_pool, "{\"alg\":\"%s\"}", algs[i]);
            if ((jwt = PARSE_OK(rs_token(key, h, PAYLOAD))) != NULL
                && !CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, pub), -1)) {
                fprintf(stderr, "    alg %s\n", algs[i]);
            }
        }
        {
            gh_jwt_t parsed;
            const char *err = NULL;
            CHECK_INT_EQ(gh_jwt_parse(g_pool, rs_token(key, "{\"alg\":\"RS256\\u0000\"}", PAYLOAD),
                                      &parsed, &err), -1);
            CHECK_STR_EQ(err, "the token names no algorithm");
        }
    }

    /* algorithm confusion: HS256 with the public key's PEM as the secret */
    pem = public_pem(pub);
    CHECK(strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
    if ((jwt = PARSE_OK(hs_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", PAYLOAD, pem,
                                 strlen(pem)))) != NULL) {
        CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, pem, strlen(pem)), 0);     /* a real HS256 token */
        CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, pub), -1);
    }
    if ((jwt = PARSE_OK(hs_token(RS_HEADER, PAYLOAD, pem, strlen(pem)))) != NULL) {
        CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, pub), -1);
        CHECK_INT_EQ(gh_jwt_verify_hs256(jwt, pem, strlen(pem)), -1);
    }

    /* tampering */
    t = rs_token(key, RS_HEADER, PAYLOAD);
    {
        const char *sig = strrchr(t, '.');
        size_t at = (size_t)(sig - t) + 1;

        /* the payload changed, the signature kept */
        if ((jwt = PARSE_OK(apr_pstrcat(g_pool, signing_input(RS_HEADER,
                                        "{\"sub\":\"u2\",\"exp\":1700000600}"), sig, NULL)))
            != NULL) {
            CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, pub), -1);
        }
        /* the header changed */
        if ((jwt = PARSE_OK(apr_pstrcat(g_pool, signing_input("{\"alg\":\"RS256\"}", PAYLOAD),
                                        sig, NULL))) != NULL) {
            CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, pub), -1);
        }
        /* the signature changed at its start, middle and near its end */
        for (size_t i = 0; i < 3; i++) {
            size_t j = at + (i == 0 ? 0 : i == 1 ? 170 : 340);
            if ((jwt = PARSE_OK(with_char(t, j, t[j] == 'A' ? 'B' : 'A'))) != NULL) {
                CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, pub), -1);
            }
        }
        /* the signature truncated by 3 bytes, or 0x00 prepended */
        {
            gh_jwt_t *good = PARSE_OK(t);
            if (good != NULL) {
                unsigned char *longer;
                if ((jwt = PARSE_OK(apr_pstrcat(g_pool, apr_pstrndup(g_pool, t, at),
                                                b64u_n(good->sig, good->sig_len - 3), NULL)))
                    != NULL) {
                    CHECK_INT_EQ(jwt->sig_len, 253);
                    CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, pub), -1);
                }
                longer = apr_pcalloc(g_pool, good->sig_len + 1);
                memcpy(longer + 1, good->sig, good->sig_len);
                if ((jwt = PARSE_OK(apr_pstrcat(g_pool, apr_pstrndup(g_pool, t, at),
                                                b64u_n(longer, good->sig_len + 1), NULL)))
                    != NULL) {
                    CHECK_INT_EQ(jwt->sig_len, 257);
                    CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, pub), -1);
                }
            }
        }
        /* no signature */
        if ((jwt = PARSE_OK(apr_pstrndup(g_pool, t, at))) != NULL) {
            CHECK_INT_EQ(jwt->sig_len, 0);
            CHECK_INT_EQ(gh_jwt_verify_rs256(jwt, pub), -1);
        }
    }

    jwk_rsa_refusals(key);
done:
    EVP_PKEY_free(pub);
    EVP_PKEY_free(other_pub);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    EVP_PKEY_free(ec);
}

/* ---- claims ------------------------------------------------------- */

/* "ok" when payload's claims meet x, else the error gh_jwt_check_claims
 * gave ("(no message)" if none, "(parse failed)" if payload did not
 * parse). */
static const char *claims_result(const char *payload, const gh_jwt_expect_t *x)
{
    gh_jwt_t jwt;
    const char *err = NULL;

    if (gh_jwt_parse(g_pool, unsigned_token(HS_HEADER, payload), &jwt, &err) != 0) {
        return "(parse failed)";
    }
    err = NULL;
    switch (gh_jwt_check_claims(&jwt, x, &err)) {
    case 0:
        return "ok";
    case -1:
        return err ? err : "(no message)";
    default:
        return "(bad return value)";
    }
}

static void claims_check(const char *payload, const gh_jwt_expect_t *x, const char *want,
                         int line)
{
    if (!check_str_eq(claims_result(payload, x), want, __FILE__, line,
                      "gh_jwt_check_claims(payload)", "want")) {
        fprintf(stderr, "    payload %s\n", payload);
    }
}
#define CLAIMS(payload, x, want) claims_check((payload), (x), (want), __LINE__)

/* A payload with exp = NOW + 600 and the given members before it. */
#define WITH_EXP(members) "{" members "\"exp\":1700000600}"

static gh_jwt_expect_t base_expect(void)
{
    gh_jwt_expect_t x;

    memset(&x, 0, sizeof(x));
    x.now = NOW;
    x.leeway = 60;
    return x;
}

static const char *exp_payload(const char *name, apr_int64_t t)
{
    if (strcmp(name, "exp") == 0) {
        return apr_psprintf(g_pool, "{\"exp\":%" APR_INT64_T_FMT "}", t);
    }
    return apr_psprintf(g_pool, "{\"exp\":1700000600,\"%s\":%" APR_INT64_T_FMT "}", name, t);
}

static void claims_identity(void)
{
    gh_jwt_expect_t x = base_expect();

    /* nothing asked: only exp */
    CLAIMS(WITH_EXP(""), &x, "ok");
    CLAIMS(WITH_EXP("\"iss\":\"anyone\",\"aud\":\"any\",\"client_id\":\"c\","), &x, "ok");

    /* one issuer */
    x.iss[0] = "https://issuer/a";
    CLAIMS(WITH_EXP("\"iss\":\"https://issuer/a\","), &x, "ok");
    CLAIMS(WITH_EXP("\"iss\":\"https://issuer/b\","), &x, MSG_ISS);
    CLAIMS(WITH_EXP("\"iss\":\"https://issuer/a/\","), &x, MSG_ISS);
    CLAIMS(WITH_EXP("\"iss\":\"https://issuer/\","), &x, MSG_ISS);
    CLAIMS(WITH_EXP("\"iss\":\"HTTPS://issuer/a\","), &x, MSG_ISS);
    CLAIMS(WITH_EXP("\"iss\":\"\","), &x, MSG_ISS);
    CLAIMS(WITH_EXP(""), &x, MSG_ISS);
    CLAIMS(WITH_EXP("\"iss\":null,"), &x, MSG_ISS);
    CLAIMS(WITH_EXP("\"iss\":[\"https://issuer/a\"],"), &x, MSG_ISS);
    CLAIMS(WITH_EXP("\"iss\":1,"), &x, MSG_ISS);
    /* two issuers */
    x.iss[1] = "https://issuer/b";
    CLAIMS(WITH_EXP("\"iss\":\"https://issuer/a\","), &x, "ok");
    CLAIMS(WITH_EXP("\"iss\":\"https://issuer/b\","), &x, "ok");
    CLAIMS(WITH_EXP("\"iss\":\"https://issuer/c\","), &x, MSG_ISS);
    CLAIMS(WITH_EXP(""), &x, MSG_ISS);
    /* only the second entry set: it is still a non-NULL entry (gh_jwt.h:
     * "NULL fields are not checked; iss matches any of the non-NULL
     * entries") */
    x.iss[0] = NULL;
    CLAIMS(WITH_EXP("\"iss\":\"https://issuer/b\","), &x, "ok");
    CLAIMS(WITH_EXP("\"iss\":\"https://issuer/c\","), &x, MSG_ISS);
    CLAIMS(WITH_EXP(""), &x, MSG_ISS);
    x.iss[1] = NULL;
    /* a claim equal to the expected value only up to an escaped NUL is
     * another value (RFC 7519 7.3: compared code point by code point) */
    x.iss[0] = "https://issuer/a";
    CLAIMS(WITH_EXP("\"iss\":\"https://issuer/a\\u0000.evil\","), &x, MSG_ISS);
    x.iss[0] = NULL;

    /* aud */
    x = base_expect();
    x.aud = "app-1";
    CLAIMS(WITH_EXP("\"aud\":\"app-1\","), &x, "ok");
    CLAIMS(WITH_EXP("\"aud\":\"app-2\","), &x, MSG_AUD);
    CLAIMS(WITH_EXP("\"aud\":\"app-10\","), &x, MSG_AUD);
    CLAIMS(WITH_EXP("\"aud\":\"app-\","), &x, MSG_AUD);
    CLAIMS(WITH_EXP("\"aud\":[\"app-1\"],"), &x, "ok");
    CLAIMS(WITH_EXP("\"aud\":[\"x\",\"app-1\",\"y\"],"), &x, "ok");
    CLAIMS(WITH_EXP("\"aud\":[1,null,{},\"app-1\"],"), &x, "ok");
    CLAIMS(WITH_EXP("\"aud\":[\"x\",\"y\"],"), &x, MSG_AUD);
    CLAIMS(WITH_EXP("\"aud\":[[\"app-1\"]],"), &x, MSG_AUD);
    CLAIMS(WITH_EXP("\"aud\":[],"), &x, MSG_AUD);
    CLAIMS(WITH_EXP(""), &x, MSG_AUD);
    CLAIMS(WITH_EXP("\"aud\":null,"), &x, MSG_AUD);
    CLAIMS(WITH_EXP("\"aud\":1,"), &x, MSG_AUD);
    CLAIMS(WITH_EXP("\"aud\":{\"app-1\":\"app-1\"},"), &x, MSG_AUD);
    CLAIMS(WITH_EXP("\"aud\":[\"app-1\\u0000x\"],"), &x, MSG_AUD);   /* as iss above */

    /* no_aud */
    x = base_expect();
    x.no_aud = 1;
    CLAIMS(WITH_EXP(""), &x, "ok");
    CLAIMS(WITH_EXP("\"aud\":\"app-1\","), &x, MSG_NO_AUD);
    CLAIMS(WITH_EXP("\"aud\":[],"), &x, MSG_NO_AUD);
    CLAIMS(WITH_EXP("\"aud\":null,"), &x, MSG_NO_AUD);
    CLAIMS(WITH_EXP("\"aud\":\"\","), &x, MSG_NO_AUD);

    /* client_id */
    x = base_expect();
    x.client_id = "client-1";
    CLAIMS(WITH_EXP("\"client_id\":\"client-1\","), &x, "ok");
    CLAIMS(WITH_EXP("\"client_id\":\"client-2\","), &x, MSG_CLIENT);
    CLAIMS(WITH_EXP("\"client_id\":\"client-1 \","), &x, MSG_CLIENT);
    CLAIMS(WITH_EXP("\"client_id\":[\"client-1\"],"), &x, MSG_CLIENT);
    CLAIMS(WITH_EXP("\"client_id\":null,"), &x, MSG_CLIENT);
    CLAIMS(WITH_EXP("\"aud\":\"client-1\","), &x, MSG_CLIENT);
    CLAIMS(WITH_EXP(""), &x, MSG_CLIENT);

    /* token_use */
    x = base_expect();
    x.token_use = "access";
    CLAIMS(WITH_EXP("\"token_use\":\"access\","), &x, "ok");
    CLAIMS(WITH_EXP("\"token_use\":\"id\","), &x, MSG_USE);
    CLAIMS(WITH_EXP("\"token_use\":\"Access\","), &x, MSG_USE);
    CLAIMS(WITH_EXP("\"token_use\":true,"), &x, MSG_USE);
    CLAIMS(WITH_EXP(""), &x, MSG_USE);

    /* all of them (a Cognito access token), and the order of the checks */
    x = base_expect();
    x.iss[0] = "https://issuer/a";
    x.no_aud = 1;
    x.client_id = "client-1";
    x.token_use = "access";
    CLAIMS(WITH_EXP("\"iss\":\"https://issuer/a\",\"client_id\":\"client-1\","
                    "\"token_use\":\"access\","), &x, "ok");
    CLAIMS("{\"iss\":\"https://issuer/b\",\"aud\":\"x\",\"token_use\":\"id\",\"exp\":1}", &x,
           MSG_ISS);
    CLAIMS("{\"iss\":\"https://issuer/a\",\"aud\":\"x\",\"token_use\":\"id\",\"exp\":1}", &x,
           MSG_NO_AUD);
    CLAIMS("{\"iss\":\"https://issuer/a\",\"token_use\":\"id\",\"exp\":1}", &x, MSG_CLIENT);
    CLAIMS("{\"iss\":\"https://issuer/a\",\"client_id\":\"client-1\",\"token_use\":\"id\","
           "\"exp\":1}", &x, MSG_USE);
    CLAIMS("{\"iss\":\"https://issuer/a\",\"client_id\":\"client-1\",\"token_use\":\"access\","
           "\"exp\":1}", &x, MSG_EXPIRED);
    x.aud = "app-1";
    x.no_aud = 0;
    CLAIMS("{\"iss\":\"https://issuer/a\",\"aud\":\"x\",\"exp\":1}", &x, MSG_AUD);
}

static void claims_times(void)
{
    gh_jwt_expect_t x = base_expect();    /* now NOW, leeway 60 */

    /* exp is required, and must be a number */
    CLAIMS("{}", &x, MSG_EXP);
    CLAIMS("{\"sub\":\"u\"}", &x, MSG_EXP);
    CLAIMS("{\"exp\":\"1700000600\"}", &x, MSG_EXP);
    CLAIMS("{\"exp\":null}", &x, MSG_EXP);
    CLAIMS("{\"exp\":true}", &x, MSG_EXP);
    CLAIMS("{\"exp\":[1700000600]}", &x, MSG_EXP);
    CLAIMS("{\"exp\":{}}", &x, MSG_EXP);
    CLAIMS("{\"exp\":1e300}", &x, MSG_EXP);
    CLAIMS("{\"exp\":-1e300}", &x, MSG_EXP);
    CLAIMS("{\"EXP\":1700000600}", &x, MSG_EXP);

    /* exp: expired when exp + leeway <= now */
    CLAIMS(exp_payload("exp", NOW + 600), &x, "ok");
    CLAIMS(exp_payload("exp", NOW + 1), &x, "ok");
    CLAIMS(exp_payload("exp", NOW), &x, "ok");               /* within leeway */
    CLAIMS(exp_payload("exp", NOW - 59), &x, "ok");          /* within leeway */
    CLAIMS(exp_payload("exp", NOW - 60), &x, MSG_EXPIRED);   /* exp + leeway == now */
    CLAIMS(exp_payload("exp", NOW - 61), &x, MSG_EXPIRED);
    CLAIMS(exp_payload("exp", NOW - 86400), &x, MSG_EXPIRED);
    CLAIMS(exp_payload("exp", 0), &x, MSG_EXPIRED);
    CLAIMS(exp_payload("exp", -1), &x, MSG_EXPIRED);
    x.leeway = 0;
    CLAIMS(exp_payload("exp", NOW + 1), &x, "ok");
    CLAIMS(exp_payload("exp", NOW), &x, MSG_EXPIRED);        /* exactly now: expired */
    CLAIMS(exp_payload("exp", NOW - 1), &x, MSG_EXPIRED);
    x.leeway = 60;

    /* exp as a JSON float: compared exactly, fraction included (RFC 7519
     * §2 allows one): now - leeway == 1699999940 */
    CLAIMS("{\"exp\":1700000600.5}", &x, "ok");
    CLAIMS("{\"exp\":1.7000006e9}", &x, "ok");
    CLAIMS("{\"exp\":1699999940.9}", &x, "ok");             /* 0.9 s left */
    CLAIMS("{\"exp\":1699999940.0}", &x, MSG_EXPIRED);
    CLAIMS("{\"exp\":1699999939.9}", &x, MSG_EXPIRED);
    CLAIMS("{\"exp\":1699999941.0}", &x, "ok");
    CLAIMS("{\"exp\":1.6e9}", &x, MSG_EXPIRED);
    CLAIMS("{\"exp\":-0.5}", &x, MSG_EXPIRED);
    CLAIMS("{\"exp\":999999999999999.9}", &x, "ok");
    CLAIMS("{\"exp\":1e15}", &x, MSG_EXP);                  /* past the float bound */
    CLAIMS("{\"exp\":-1e15}", &x, MSG_EXP);

    /* nbf: not valid yet when nbf - leeway > now */
    CLAIMS(exp_payload("nbf", NOW - 1000), &x, "ok");
    CLAIMS(exp_payload("nbf", NOW), &x, "ok");
    CLAIMS(exp_payload("nbf", NOW + 59), &x, "ok");
    CLAIMS(exp_payload("nbf", NOW + 60), &x, "ok");          /* nbf - leeway == now */
    CLAIMS(exp_payload("nbf", NOW + 61), &x, MSG_NBF);
    CLAIMS(exp_payload("nbf", NOW + 86400), &x, MSG_NBF);
    CLAIMS("{\"exp\":1700000600,\"nbf\":\"0\"}", &x, MSG_NBF);
    CLAIMS("{\"exp\":1700000600,\"nbf\":null}", &x, MSG_NBF);
    /* now + leeway == 1700000060: an nbf half a second later is not yet */
    CLAIMS("{\"exp\":1700000600,\"nbf\":1700000060.5}", &x, MSG_NBF);
    CLAIMS("{\"exp\":1700000600,\"nbf\":1700000060.0}", &x, "ok");
    CLAIMS("{\"exp\":1700000600,\"nbf\":1700000059.9}", &x, "ok");
    CLAIMS("{\"exp\":1700000600,\"nbf\":1700000061.0}", &x, MSG_NBF);
    CLAIMS("{\"exp\":1700000600,\"nbf\":-0.5}", &x, "ok");

    /* iat: issued in the future when iat - leeway > now */
    CLAIMS(exp_payload("iat", NOW - 1000), &x, "ok");
    CLAIMS(exp_payload("iat", NOW), &x, "ok");
    CLAIMS(exp_payload("iat", NOW + 60), &x, "ok");
    CLAIMS(exp_payload("iat", NOW + 61), &x, MSG_IAT);
    CLAIMS(exp_payload("iat", NOW + 86400), &x, MSG_IAT);
    CLAIMS("{\"exp\":1700000600,\"iat\":false}", &x, MSG_IAT);
    CLAIMS("{\"exp\":1700000600,\"iat\":1e300}", &x, MSG_IAT);
    CLAIMS("{\"exp\":1700000600,\"iat\":1700000060.5}", &x, MSG_IAT);
    CLAIMS("{\"exp\":1700000600,\"iat\":1700000060.0}", &x, "ok");
    x.leeway = 0;
    CLAIMS(exp_payload("nbf", NOW), &x, "ok");
    CLAIMS(exp_payload("nbf", NOW + 1), &x, MSG_NBF);
    CLAIMS(exp_payload("iat", NOW), &x, "ok");
    CLAIMS(exp_payload("iat", NOW + 1), &x, MSG_IAT);
    x.leeway = 60;

    /* exp is checked before nbf, nbf before iat */
    CLAIMS("{\"exp\":1,\"nbf\":9999999999,\"iat\":9999999999}", &x, MSG_EXPIRED);
    CLAIMS("{\"exp\":1700000600,\"nbf\":9999999999,\"iat\":9999999999}", &x, MSG_NBF);

    /* the extremes of a 64-bit NumericDate: far future and far past are
     * ordinary times, and exp + leeway or nbf/iat - leeway must not
     * overflow (signed overflow is undefined behaviour) */
    CLAIMS("{\"exp\":9223372036854775807}", &x, "ok");
    CLAIMS("{\"exp\":9223372036854775000}", &x, "ok");
    CLAIMS("{\"exp\":-9223372036854775808}", &x, MSG_EXPIRED);
    CLAIMS("{\"exp\":1700000600,\"nbf\":-9223372036854775808}", &x, "ok");
    CLAIMS("{\"exp\":1700000600,\"iat\":-9223372036854775808}", &x, "ok");
    CLAIMS("{\"exp\":1700000600,\"nbf\":9223372036854775807}", &x, MSG_NBF);
    CLAIMS("{\"exp\":1700000600,\"iat\":9223372036854775807}", &x, MSG_IAT);
}

void test_jwt(apr_pool_t *p)
{
    g_pool = p;
    parse_structure();
    parse_not_objects();
    parse_length();
    hs256();
    hs256_refusals();
    rs256();
    claims_identity();
    claims_times();
}
