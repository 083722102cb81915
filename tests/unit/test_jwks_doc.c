/* gh_jwks_doc: which keys of a JWKS document the module verifies with.
 * Documents are spec §5 and §6's, with keys made here by OpenSSL. */
#include <apr_strings.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "check.h"
#include "suites.h"
#include "gh_crypto.h"
#include "gh_jwks_doc.h"

static apr_pool_t *g_pool;
static const char *N1, *N2, *N_SHORT, *E;   /* base64url */
static EVP_PKEY *K1, *K2;

/* base64url of a key's parameter, in its fewest octets. */
static const char *param(EVP_PKEY *key, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char *buf;
    int n;

    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) {
        abort();
    }
    n = BN_num_bytes(bn);
    buf = apr_palloc(g_pool, (apr_size_t)n);
    BN_bn2bin(bn, buf);
    BN_free(bn);
    return gh_base64_encode(g_pool, buf, (apr_size_t)n, 1);
}

/* One JWK: kid, n and the members given (text, with a trailing comma). */
static const char *jwk(const char *members, const char *kid, const char *n)
{
    return apr_psprintf(g_pool, "{%s\"kid\":\"%s\",\"n\":\"%s\",\"e\":\"%s\"}", members, kid, n, E);
}

#define RS256 "\"kty\":\"RSA\",\"alg\":\"RS256\",\"use\":\"sig\","

static apr_hash_t *parse(const char *doc)
{
    return gh_jwks_doc_parse(g_pool, doc, strlen(doc));
}

static apr_hash_t *parse_keys(const char *k1, const char *k2)
{
    return parse(apr_psprintf(g_pool, "{\"keys\":[%s%s%s]}", k1, k2 ? "," : "", k2 ? k2 : ""));
}

static EVP_PKEY *key_of(apr_hash_t *keys, const char *kid)
{
    return keys ? apr_hash_get(keys, kid, APR_HASH_KEY_STRING) : NULL;
}

/* Whether keys holds exactly kid, with key. */
static int only(apr_hash_t *keys, const char *kid, EVP_PKEY *key)
{
    return keys && apr_hash_count(keys) == 1 && key_of(keys, kid)
        && EVP_PKEY_eq(key_of(keys, kid), key) == 1;
}

static void spec_examples(void)
{
    apr_hash_t *keys;

    /* spec §5: Cognito's pool keys */
    keys = parse(apr_psprintf(g_pool, "{\"keys\":[{\"alg\":\"RS256\",\"e\":\"%s\",\"kid\":\"c1\","
                              "\"kty\":\"RSA\",\"n\":\"%s\",\"use\":\"sig\"},{\"alg\":\"RS256\","
                              "\"e\":\"%s\",\"kid\":\"c2\",\"kty\":\"RSA\",\"n\":\"%s\","
                              "\"use\":\"sig\"}]}", E, N1, E, N2));
    if (CHECK_NOT_NULL(keys)) {
        CHECK_INT_EQ(apr_hash_count(keys), 2);
        CHECK(key_of(keys, "c1") && EVP_PKEY_eq(key_of(keys, "c1"), K1) == 1);
        CHECK(key_of(keys, "c2") && EVP_PKEY_eq(key_of(keys, "c2"), K2) == 1);
        CHECK_INT_EQ(EVP_PKEY_is_a(key_of(keys, "c1"), "RSA"), 1);
        CHECK_INT_EQ(EVP_PKEY_get_bits(key_of(keys, "c1")), 2048);
    }
    /* spec §6: Google's certs, with other members around */
    keys = parse(apr_psprintf(g_pool, "{\"keys\":[{\"e\":\"%s\",\"kty\":\"RSA\",\"alg\":\"RS256\","
                              "\"n\":\"%s\",\"use\":\"sig\",\"kid\":\"g1\",\"x5t\":\"abc\"}],"
                              "\"other\":1}", E, N2));
    CHECK(only(keys, "g1", K2));
}

static void members(void)
{
    /* alg, use and key_ops are optional */
    CHECK(only(parse_keys(jwk("\"kty\":\"RSA\",", "a", N1), NULL), "a", K1));
    CHECK(only(parse_keys(jwk("\"kty\":\"RSA\",\"key_ops\":[\"verify\"],", "a", N1), NULL),
               "a", K1));
    CHECK(only(parse_keys(jwk("\"kty\":\"RSA\",\"key_ops\":[\"sign\",\"verify\"],", "a", N1), NULL),
               "a", K1));

    /* anything but an RSA key for RS256 signatures is left out, and the
     * others are still taken */
    static const char *const unusable[] = {
        "\"kty\":\"RSA\",\"alg\":\"RS512\",",
        "\"kty\":\"RSA\",\"alg\":\"none\",",
        "\"kty\":\"RSA\",\"alg\":\"HS256\",",
        "\"kty\":\"RSA\",\"alg\":\"rs256\",",
        "\"kty\":\"RSA\",\"alg\":null,",
        "\"kty\":\"RSA\",\"use\":\"enc\",",
        "\"kty\":\"RSA\",\"use\":1,",
        "\"kty\":\"RSA\",\"use\":\"sig\\u0000\",",
        "\"kty\":\"RSA\",\"key_ops\":[\"sign\"],",
        "\"kty\":\"RSA\",\"key_ops\":[],",
        "\"kty\":\"RSA\",\"key_ops\":\"verify\",",
        "\"kty\":\"EC\",\"alg\":\"RS256\",",
        "\"kty\":\"rsa\",",
        "\"kty\":\"RSA\\u0000\",",
        "\"kty\":[\"RSA\"],",
        "",
    };
    for (size_t i = 0; i < sizeof(unusable) / sizeof(unusable[0]); i++) {
        apr_hash_t *keys = parse_keys(jwk(unusable[i], "bad", N2), jwk(RS256, "good", N1));
        if (!CHECK(only(keys, "good", K1))) {
            fprintf(stderr, "    with members %s\n", unusable[i]);
        }
        CHECK_NULL(parse_keys(jwk(unusable[i], "bad", N2), NULL));
    }
}

static void kids(void)
{
    char kid[258];

    CHECK_NULL(parse_keys(jwk(RS256, "", N1), NULL));
    CHECK_NULL(parse_keys(jwk(RS256, "k\\u0000x", N1), NULL));
    CHECK_NULL(parse(apr_psprintf(g_pool, "{\"keys\":[{" RS256 "\"kid\":5,\"n\":\"%s\","
                                  "\"e\":\"%s\"}]}", N1, E)));
    CHECK_NULL(parse(apr_psprintf(g_pool, "{\"keys\":[{" RS256 "\"n\":\"%s\",\"e\":\"%s\"}]}",
                                  N1, E)));
    memset(kid, 'k', 256);
    kid[256] = '\0';
    CHECK(only(parse_keys(jwk(RS256, kid, N1), NULL), kid, K1));
    kid[256] = 'k';
    kid[257] = '\0';
    CHECK_NULL(parse_keys(jwk(RS256, kid, N1), NULL));
    /* a kid is compared whole */
    CHECK(only(parse_keys(jwk(RS256, "K1", N1), NULL), "K1", K1));
    CHECK_NULL(key_of(parse_keys(jwk(RS256, "K1", N1), NULL), "k1"));
}

static void key_material(void)
{
    /* too short (RFC 7518 §3.3), or not base64url */
    CHECK_NULL(parse_keys(jwk(RS256, "s", N_SHORT), NULL));
    CHECK(only(parse_keys(jwk(RS256, "s", N_SHORT), jwk(RS256, "ok", N2)), "ok", K2));
    CHECK_NULL(parse_keys(jwk(RS256, "p", apr_pstrcat(g_pool, N1, "==", NULL)), NULL));
    CHECK_NULL(parse_keys(jwk(RS256, "p", apr_pstrcat(g_pool, N1, "AAA", NULL)), NULL)); /* 4k+1 */
    CHECK_NULL(parse_keys(jwk(RS256, "p", ""), NULL));
    CHECK_NULL(parse(apr_psprintf(g_pool, "{\"keys\":[{" RS256 "\"kid\":\"x\",\"n\":\"%s\"}]}",
                                  N1)));
    CHECK_NULL(parse(apr_psprintf(g_pool, "{\"keys\":[{" RS256 "\"kid\":\"x\",\"n\":\"%s\","
                                  "\"e\":65537}]}", N1)));
}

static void duplicate_kids(void)
{
    apr_hash_t *keys;

    /* the same key twice: kept */
    CHECK(only(parse_keys(jwk(RS256, "d", N1), jwk("\"kty\":\"RSA\",", "d", N1)), "d", K1));
    /* two keys under one kid: which one is meant is unknown, so neither */
    CHECK_NULL(parse_keys(jwk(RS256, "d", N1), jwk(RS256, "d", N2)));
    keys = parse(apr_psprintf(g_pool, "{\"keys\":[%s,%s,%s,%s]}", jwk(RS256, "d", N1),
                              jwk(RS256, "e", N2), jwk(RS256, "d", N2), jwk(RS256, "d", N1)));
    CHECK(only(keys, "e", K2));
    /* an unusable entry does not make a kid ambiguous */
    CHECK(only(parse_keys(jwk(RS256, "d", N1), jwk("\"kty\":\"RSA\",\"use\":\"enc\",", "d", N2)),
               "d", K1));
    CHECK(only(parse_keys(jwk(RS256, "d", N_SHORT), jwk(RS256, "d", N1)), "d", K1));
}

static void documents(void)
{
    static const char *const refused[] = {
        "", "null", "[]", "\"keys\"", "{}", "{\"keys\":null}", "{\"keys\":{}}", "{\"keys\":[]}",
        "{\"keys\":[1,\"a\",null,[]]}", "{\"Keys\":[]}", "<html>502</html>",
    };

    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        if (!CHECK_NULL(parse(refused[i]))) {
            fprintf(stderr, "    document %s\n", refused[i]);
        }
    }
    /* entries that are not objects are skipped */
    CHECK(only(parse(apr_psprintf(g_pool, "{\"keys\":[1,null,\"x\",%s]}", jwk(RS256, "a", N1))),
               "a", K1));
    /* a truncated document */
    {
        const char *doc = apr_psprintf(g_pool, "{\"keys\":[%s]}", jwk(RS256, "a", N1));
        CHECK_NULL(gh_jwks_doc_parse(g_pool, doc, strlen(doc) - 1));
    }
}

void test_jwks_doc(apr_pool_t *p)
{
    EVP_PKEY *small = EVP_RSA_gen(1024);

    g_pool = p;
    K1 = EVP_RSA_gen(2048);
    K2 = EVP_RSA_gen(2048);
    if (!CHECK_NOT_NULL(K1) || !CHECK_NOT_NULL(K2) || !CHECK_NOT_NULL(small)) {
        return;
    }
    N1 = param(K1, OSSL_PKEY_PARAM_RSA_N);
    N2 = param(K2, OSSL_PKEY_PARAM_RSA_N);
    N_SHORT = param(small, OSSL_PKEY_PARAM_RSA_N);
    E = param(K1, OSSL_PKEY_PARAM_RSA_E);
    CHECK_STR_EQ(E, "AQAB");

    spec_examples();
    members();
    kids();
    key_material();
    duplicate_kids();
    documents();

    EVP_PKEY_free(K1);
    EVP_PKEY_free(K2);
    EVP_PKEY_free(small);
}
