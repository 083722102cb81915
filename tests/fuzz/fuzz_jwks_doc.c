/* libFuzzer target: gh_jwks_doc_parse, the identity providers' JWKS
 * documents. The input is a document; a second pass reads it with "~1",
 * "~2" and "~3" replaced by the n of two 2048-bit keys and of a 1024-bit
 * one (fuzz_rsa.h), so that mutations of the other members meet real keys.
 *
 * A model written from RFC 7517, RFC 7518 §6.3 and spec §5/§6 decides,
 * entry by entry, which keys are usable, and which kids two different
 * keys make ambiguous; gh_jwks_doc_parse must give exactly the kids left,
 * each with the key of its entries (n and e compared as numbers with the
 * entries' own base64url). Every key given is an RSA key of 2048 bits or
 * more; the one with RSA_N verifies RS256_TOKEN. */
#include <apr_hash.h>
#include <apr_strings.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "fuzz.h"
#include "fuzz_rsa.h"
#include "gh_json.h"
#include "gh_jwks_doc.h"
#include "gh_jwt.h"

#define MAX_ENTRIES 64          /* the model looks at this many; a longer list is skipped */

/* Whether v is a JSON string, all of whose bytes are want's. */
static int is_string(json_object *v, const char *want)
{
    return json_object_is_type(v, json_type_string)
        && (size_t)json_object_get_string_len(v) == strlen(want)
        && memcmp(json_object_get_string(v), want, strlen(want)) == 0;
}

static json_object *get(json_object *obj, const char *name)
{
    json_object *v = NULL;
    return json_object_object_get_ex(obj, name, &v) ? v : NULL;
}

static int has(json_object *obj, const char *name)
{
    return json_object_object_get_ex(obj, name, NULL);
}

/* A JSON string without a NUL inside, or NULL. */
static const char *plain_string(json_object *v)
{
    if (!json_object_is_type(v, json_type_string)
        || strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
        return NULL;
    }
    return json_object_get_string(v);
}

/* A base64url unsigned integer (RFC 7518 §2) as a BIGNUM, or NULL;
 * *minimal says whether it has no leading zero octet, as §6.3.1 asks.
 * Only the canonical spelling counts (RFC 4648 §3.5: unused trailing bits
 * zero), as the module decodes base64url no other way. */
static BIGNUM *b64_uint(const char *s, int *minimal)
{
    unsigned char *raw;
    long n;
    int canonical;
    BIGNUM *bn;

    if (s == NULL || *s == '\0') {
        return NULL;
    }
    raw = malloc(strlen(s) * 3 / 4 + 1);
    REQUIRE(raw != NULL);
    n = ref_b64_decode((const unsigned char *)s, strlen(s), 1, raw, &canonical);
    bn = n > 0 && canonical ? BN_bin2bn(raw, (int)n, NULL) : NULL;
    *minimal = n > 0 && raw[0] != 0;
    free(raw);
    return bn;
}

typedef struct {
    const char *kid;            /* NULL: the entry is not usable */
    BIGNUM *n, *e;
    int minimal;                /* both written in their fewest octets */
} entry_t;

/* RFC 7517 §4 and the module's header: the members that make an entry a
 * key the module may verify RS256 signatures with, key material aside. */
static int meant_for_rs256(json_object *k)
{
    json_object *ops = get(k, "key_ops");
    const char *kid = plain_string(get(k, "kid"));
    int verify = 0;

    if (!json_object_is_type(k, json_type_object)) {
        return 0;                                   /* §5: a JWK is an object */
    }
    if (!is_string(get(k, "kty"), "RSA")) {
        return 0;                                   /* RFC 7518 §6.1 */
    }
    if (kid == NULL || strlen(kid) < 1 || strlen(kid) > 256) {
        return 0;                                   /* spec §5: tokens pick keys by kid */
    }
    if (has(k, "use") && !is_string(get(k, "use"), "sig")) {
        return 0;                                   /* §4.2 */
    }
    if (has(k, "alg") && !is_string(get(k, "alg"), "RS256")) {
        return 0;                                   /* §4.4 */
    }
    if (has(k, "key_ops")) {                        /* §4.3 */
        for (size_t i = 0; json_object_is_type(ops, json_type_array)
                           && i < json_object_array_length(ops); i++) {
            verify |= is_string(json_object_array_get_idx(ops, i), "verify");
        }
        if (!verify) {
            return 0;
        }
    }
    return 1;
}

/* RFC 7518 §6.3.1 and §3.3: key material the module must take (a
 * modulus of 2048 to 4096 bits and a public exponent 3 or 65537, each in
 * its fewest octets) is 1; what it must refuse (not base64url, under 2048
 * bits) is 0; anything else (huge, padded, odd exponents) is left to
 * gh_jwk_rsa, whose contract is only checked: -1. */
static int key_material(const entry_t *en)
{
    int bits;

    if (en->n == NULL || en->e == NULL || (bits = BN_num_bits(en->n)) < 2048) {
        return 0;
    }
    if (en->minimal && bits <= 4096 && (BN_is_word(en->e, 3) || BN_is_word(en->e, 65537))) {
        return 1;
    }
    return -1;
}

static int same_key(const entry_t *a, const entry_t *b)
{
    return BN_cmp(a->n, b->n) == 0 && BN_cmp(a->e, b->e) == 0;
}

static BIGNUM *param(EVP_PKEY *key, const char *name)
{
    BIGNUM *bn = NULL;
    REQUIRE(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
    return bn;
}

static void check_key(EVP_PKEY *key, const entry_t *en)
{
    BIGNUM *n = param(key, OSSL_PKEY_PARAM_RSA_N), *e = param(key, OSSL_PKEY_PARAM_RSA_E);

    REQUIRE(EVP_PKEY_is_a(key, "RSA"));
    REQUIRE(EVP_PKEY_get_bits(key) >= 2048);
    REQUIRE(BN_cmp(n, en->n) == 0 && BN_cmp(e, en->e) == 0);
    BN_free(n);
    BN_free(e);
}

/* RSA_N as a number. */
static const BIGNUM *test_modulus(void)
{
    static BIGNUM *n;
    int minimal;

    if (n == NULL) {
        n = b64_uint(RSA_N, &minimal);
        REQUIRE(n != NULL && minimal);
    }
    return n;
}

static void check_doc(apr_pool_t *p, const char *doc, size_t len)
{
    apr_pool_t *kp;
    apr_hash_t *keys;
    json_object *parsed, *list;
    const char *err;
    entry_t en[MAX_ENTRIES];
    size_t count = 0, expected = 0;

    REQUIRE(apr_pool_create(&kp, p) == APR_SUCCESS);
    keys = gh_jwks_doc_parse(kp, doc, len);

    /* §5: an object with a "keys" array */
    if (gh_json_parse(p, doc, len, &parsed, &err) != 0
        || !json_object_is_type(parsed, json_type_object)
        || !json_object_is_type(list = get(parsed, "keys"), json_type_array)) {
        REQUIRE(keys == NULL);
        apr_pool_destroy(kp);
        return;
    }
    if ((count = json_object_array_length(list)) > MAX_ENTRIES) {
        apr_pool_destroy(kp);
        return;
    }

    /* each entry: usable or not */
    for (size_t i = 0; i < count; i++) {
        json_object *k = json_object_array_get_idx(list, i);
        int material;

        memset(&en[i], 0, sizeof(en[i]));
        if (!meant_for_rs256(k)) {
            continue;
        }
        {
            int mn = 0, me = 0;
            en[i].n = b64_uint(plain_string(get(k, "n")), &mn);
            en[i].e = b64_uint(plain_string(get(k, "e")), &me);
            en[i].minimal = mn && me;
        }
        if ((material = key_material(&en[i])) < 0) {
            EVP_PKEY *oracle = gh_jwk_rsa(plain_string(get(k, "n")), plain_string(get(k, "e")));
            if (oracle) {
                check_key(oracle, &en[i]);
            }
            material = oracle != NULL;
            EVP_PKEY_free(oracle);
        }
        if (material) {
            en[i].kid = plain_string(get(k, "kid"));
        }
    }

    /* each kid: its key, unless two different ones claim it (§4.5) */
    for (size_t i = 0; i < count; i++) {
        int first = 1, ambiguous = 0;
        EVP_PKEY *got;

        if (en[i].kid == NULL) {
            continue;
        }
        for (size_t j = 0; j < count; j++) {
            if (en[j].kid && strcmp(en[j].kid, en[i].kid) == 0) {
                first &= j >= i;
                ambiguous |= !same_key(&en[i], &en[j]);
            }
        }
        if (!first) {
            continue;
        }
        got = keys ? apr_hash_get(keys, en[i].kid, APR_HASH_KEY_STRING) : NULL;
        if (ambiguous) {
            REQUIRE(got == NULL);
            continue;
        }
        expected++;
        if (got == NULL) {
            fprintf(stderr, "kid \"%s\" (entry %zu) is usable but was not given\n", en[i].kid, i);
            abort();
        }
        check_key(got, &en[i]);
    }
    REQUIRE((keys == NULL) == (expected == 0));
    REQUIRE(keys == NULL || apr_hash_count(keys) == expected);

    /* a key is for verifying: the test key verifies its token */
    for (apr_hash_index_t *hi = keys ? apr_hash_first(p, keys) : NULL; hi; hi = apr_hash_next(hi)) {
        EVP_PKEY *k = apr_hash_this_val(hi);
        BIGNUM *n = param(k, OSSL_PKEY_PARAM_RSA_N), *e = param(k, OSSL_PKEY_PARAM_RSA_E);
        gh_jwt_t jwt;

        if (BN_cmp(n, test_modulus()) == 0 && BN_is_word(e, 65537)) {
            REQUIRE(gh_jwt_parse(p, RS256_TOKEN, &jwt, &err) == 0);
            REQUIRE(gh_jwt_verify_rs256(&jwt, k) == 0);
        }
        BN_free(n);
        BN_free(e);
    }

    for (size_t i = 0; i < count; i++) {
        BN_free(en[i].n);
        BN_free(en[i].e);
    }
    apr_pool_destroy(kp);
}

/* The input with each "~1", "~2", "~3" replaced by a modulus. */
static char *with_keys(apr_pool_t *p, const char *s, size_t n, size_t *len)
{
    static const char *const mods[] = { RSA_N, RSA_N2, RSA_N_SHORT };
    char *out = apr_palloc(p, n * sizeof(RSA_N) + 1), *o = out;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '~' && i + 1 < n && s[i + 1] >= '1' && s[i + 1] <= '3') {
            const char *m = mods[s[i + 1] - '1'];
            memcpy(o, m, strlen(m));
            o += strlen(m);
            i++;
        }
        else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    *len = (size_t)(o - out);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    size_t len;
    char *doc;

    if (size > 65536) {
        return 0;
    }
    REQUIRE(apr_pool_create(&p, fuzz_root_pool()) == APR_SUCCESS);
    check_doc(p, (const char *)data, size);
    doc = with_keys(p, (const char *)data, size, &len);
    if (len != size) {
        check_doc(p, doc, len);
    }
    apr_pool_destroy(p);
    return 0;
}
