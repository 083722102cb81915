/* libFuzzer target for gh_jwt and gh_base64_decode.
 *
 * The input is used three ways:
 *  - as a compact token (a NUL-terminated copy) through gh_jwt_parse and,
 *    when it parses, gh_jwt_verify_hs256 (fixed key), gh_jwt_verify_rs256
 *    (a fixed RSA key loaded with gh_jwk_rsa), gh_jwt_claim and
 *    gh_jwt_check_claims (three fixed expectations);
 *  - when it looks like "<header JSON>\n<payload JSON>", as the two parts
 *    of a token that this target signs with the HS256 key, so that
 *    verification succeeds and the claim checks see real claims;
 *  - as base64 text through gh_base64_decode in both modes, and mapped onto
 *    each alphabet so that it always is valid base64.
 * abort()s when an invariant does not hold:
 *  - parse agrees with a reference parser written from RFC 7515 (three
 *    parts; each of header and payload base64url of a JSON object; a string
 *    "alg"; a base64url signature; at most GH_JWT_MAX_LEN bytes; base64url
 *    only in its canonical spelling, RFC 4648 §3.5) on
 *    success, on the message, and on alg, kid, claims and signature bytes;
 *    success implies alg != NULL, signing_len < strlen(token) and a
 *    signing input that is the token's "header.payload" prefix. A JSON
 *    string holding an escaped NUL (\u0000) counts as no string at all
 *    (gh_json_str): such an "alg" means "the token names no algorithm",
 *    such a "kid" a NULL kid, and gh_jwt_claim gives NULL for such a claim;
 *  - gh_jwt_verify_hs256 succeeds exactly when the header's alg is exactly
 *    "HS256" and the signature is OpenSSL's HMAC-SHA256 of the signing
 *    input; gh_jwt_verify_rs256 never succeeds unless alg is exactly
 *    "RS256" and the signature is 256 bytes; a verified token re-signed by
 *    gh_jwt_sign_hs256 parses and verifies with the same claims and kid;
 *  - gh_jwt_check_claims agrees, on the result and the message, with a
 *    reference written from gh_jwt.h: iss is checked when either expected
 *    issuer is set and matches any set one; iss, client_id, token_use and
 *    aud (or an aud array's element) holding a NUL count as absent, so
 *    they never match; expired iff exp <= now - leeway, not valid yet iff
 *    nbf > now + leeway, issued in the future iff iat > now + leeway, all
 *    computed without overflow for any int64 time;
 *  - gh_base64_decode succeeds exactly when a reference RFC 4648 decoder
 *    does and the input's unused trailing bits are zero (canonical), with
 *    the same bytes, NUL-terminated; it writes nothing past
 *    out[outlen + 1] (checked with a canary, since ASan cannot see inside
 *    an APR pool); re-encoding gives back the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz.h"
#include "gh_crypto.h"
#include "gh_json.h"
#include "gh_jwt.h"
#include "../jwt_messages.h"

#define KEY     "fuzz-hs256-key-0123456789abcdef"
#define KEYLEN  (sizeof(KEY) - 1)
#define NOW     APR_INT64_C(1700000000)

/* The public half of a 2048-bit test key; corpus/fuzz_jwt/rs256_* were
 * signed with its private half, which is not kept. */
static const char RSA_N[] =
    "72DUXBI6K3Qi900CCqn0V5E7e7NzTDaJeh5dMQwlQu0Ei4LgnZ3knlILDsgKgLjo"
    "o2HL_WTmJTJ4TetI7wekk6jkgIsgFMtlMPel0h1W7k4254JCv8iN0-3SzCrNOiWP"
    "MMzoU0xQNum4E_scLywb_EFUJ5MHURR0ydlCbUeduRIhe0siX4hbfIBAlT2oZ4U2"
    "tTFpSaZDc9dpD3-4XMiXX_8u3EoR-bx3KgFEfVpV-0OJnCjIWAfdQ1o3u22aDNtr"
    "dUguo1DBGUOeQrUnxOHQq3S7wfDUzjZBiKvGX8hNo8e4hb6grM6syMh7jZZjL4jy"
    "tnb7oIVGEvEV1o5UCp0mYw";
static const char RSA_E[] = "AQAB";

static const gh_jwt_expect_t expects[] = {
    /* an ID token: one of two issuers, an audience */
    { { "https://issuer.example/a", "https://issuer.example/b" }, "app-1", 0, NULL, NULL,
      NOW, 60 },
    /* a Cognito access token: no aud, client_id and token_use; no leeway */
    { { "https://issuer.example/a", NULL }, NULL, 1, "client-1", "access", NOW, 0 },
    /* only the times */
    { { NULL, NULL }, NULL, 0, NULL, NULL, NOW, 300 },
    /* only the second issuer set, an audience, a second of leeway */
    { { NULL, "https://issuer.example/b" }, "app-1", 0, NULL, NULL, NOW, 1 },
};

/* ---- base64 ------------------------------------------------------- */

static const char STD_ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char URL_ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64_value(unsigned char c, int url)
{
    const char *a = url ? URL_ALPHABET : STD_ALPHABET;
    const char *hit = c ? memchr(a, c, 64) : NULL;
    return hit ? (int)(hit - a) : -1;
}

/* RFC 4648 decoding: standard with its padding (a multiple of 4 with one
 * or two '=' ending the last quantum), or url without padding (no length
 * 4k+1). out holds len * 3 / 4 + 1 bytes. Returns the decoded length or
 * -1; *canonical says whether the unused trailing bits are zero. */
static long ref_b64_decode(const unsigned char *in, size_t len, int url, unsigned char *out,
                           int *canonical)
{
    size_t n = len, o = 0;
    unsigned acc = 0;
    int bits = 0;

    if (!url) {
        if (len % 4 != 0) {
            return -1;
        }
        for (int k = 0; k < 2 && n > 0 && in[n - 1] == '='; k++) {
            n--;
        }
    }
    if (n % 4 == 1) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(in[i], url);
        if (v < 0) {
            return -1;
        }
        acc = ((acc << 6) | (unsigned)v) & 0xffffu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    *canonical = (acc & ((1u << bits) - 1)) == 0;
    return (long)o;
}

/* A pool that gh_base64_decode allocates from, prefilled with a canary. */
static apr_pool_t *b64_pool;
#define CANARY_LEN  4096
#define CANARY_BYTE 0xA5

static void check_base64(const unsigned char *text, size_t len, int url)
{
    unsigned char *ref = malloc(len * 3 / 4 + 1), *out = NULL, *fill;
    apr_size_t outlen = 0;
    int canonical = 0, rc;
    long rlen;

    REQUIRE(ref != NULL);
    rlen = ref_b64_decode(text, len, url, ref, &canonical);

    /* APR hands out a cleared pool's first block again from its start:
     * fill it, clear, and what gh_base64_decode allocates lies over the
     * canary */
    if (b64_pool == NULL && apr_pool_create(&b64_pool, fuzz_root_pool()) != APR_SUCCESS) {
        abort();
    }
    apr_pool_clear(b64_pool);
    fill = apr_palloc(b64_pool, CANARY_LEN);
    memset(fill, CANARY_BYTE, CANARY_LEN);
    apr_pool_clear(b64_pool);

    rc = gh_base64_decode(b64_pool, (const char *)text, len, url, &out, &outlen);
    REQUIRE(rc == 0 || rc == -1);
    if (rlen < 0 || !canonical) {
        REQUIRE(rc == -1);
        free(ref);
        return;
    }
    REQUIRE(rc == 0);
    REQUIRE(outlen == (size_t)rlen);
    REQUIRE(outlen == 0 || memcmp(out, ref, outlen) == 0);
    REQUIRE(out[outlen] == '\0');

    /* what the decoder wrote ends at out[outlen + 1] (the NUL, or the
     * second of two bytes decoded from padding) */
    if ((uintptr_t)out >= (uintptr_t)fill
        && (uintptr_t)out + outlen + 2 <= (uintptr_t)fill + CANARY_LEN) {
        unsigned char *end = fill + CANARY_LEN;
        if ((uintptr_t)end > (uintptr_t)out + outlen + 2 + 64) {
            end = out + outlen + 2 + 64;
        }
        for (unsigned char *q = out + outlen + 2; q < end; q++) {
            REQUIRE(*q == CANARY_BYTE);
        }
    }

    /* encoding gives back the (canonical) text */
    {
        const char *enc = gh_base64_encode(b64_pool, out, outlen, url);
        REQUIRE(enc != NULL && strlen(enc) == len);
        REQUIRE(memcmp(enc, text, len) == 0);
    }
    free(ref);
}

/* The input mapped onto an alphabet, so that it is always valid. */
static void check_base64_mapped(const uint8_t *data, size_t size, int url)
{
    size_t n = size > 2048 ? 2048 : size;
    unsigned char *text = malloc(n + 3);
    const char *a = url ? URL_ALPHABET : STD_ALPHABET;

    REQUIRE(text != NULL);
    if (n % 4 == 1) {
        n--;
    }
    for (size_t i = 0; i < n; i++) {
        text[i] = (unsigned char)a[data[i] & 63];
    }
    if (!url) {
        while (n % 4 != 0) {
            text[n++] = '=';
        }
    }
    check_base64(text, n, url);
    free(text);
}

/* ---- JWT ---------------------------------------------------------- */

/* Whether v is a string equal, over its whole length, to want. */
static int json_str_eq(json_object *v, const char *want)
{
    return v != NULL && json_object_is_type(v, json_type_string)
        && (size_t)json_object_get_string_len(v) == strlen(want)
        && memcmp(json_object_get_string(v), want, strlen(want)) == 0;
}

/* v as a C string when it is a JSON string without a NUL inside; NULL
 * when it is absent, not a string, or holds an escaped NUL (\u0000),
 * which counts exactly as if it were absent. */
static const char *ref_str(json_object *v)
{
    const char *s;

    if (v == NULL || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    s = json_object_get_string(v);
    return memchr(s, '\0', (size_t)json_object_get_string_len(v)) == NULL ? s : NULL;
}

/* Whether v is a string without a NUL, equal to want. */
static int ref_str_eq(json_object *v, const char *want)
{
    const char *s = ref_str(v);
    return s != NULL && strcmp(s, want) == 0;
}

static json_object *member(json_object *obj, const char *name)
{
    json_object *v = NULL;
    return json_object_object_get_ex(obj, name, &v) ? v : NULL;
}

/* Decodes a base64url part as a JSON object: NULL, or the message. */
static const char *ref_part(apr_pool_t *p, const char *s, size_t n, json_object **obj)
{
    unsigned char *raw = apr_palloc(p, n * 3 / 4 + 1);
    const char *err;
    int canonical;
    long len = ref_b64_decode((const unsigned char *)s, n, 1, raw, &canonical);

    if (len < 0 || !canonical) {
        return MSG_B64;
    }
    if (gh_json_parse(p, (const char *)raw, (apr_size_t)len, obj, &err) != 0
        || !json_object_is_type(*obj, json_type_object)) {
        return MSG_OBJECT;
    }
    return NULL;
}

typedef struct {
    json_object *header, *claims;
    unsigned char *sig;
    size_t sig_len, signing_len;
} ref_jwt_t;

/* RFC 7515 compact serialisation, in the order of the module's messages. */
static const char *ref_parse(apr_pool_t *p, const char *tok, ref_jwt_t *r)
{
    size_t len = strlen(tok), dots = 0, d1 = 0, d2 = 0;
    const char *e;
    int canonical;
    long n;

    if (len > GH_JWT_MAX_LEN) {
        return MSG_LONG;
    }
    for (size_t i = 0; i < len; i++) {
        if (tok[i] == '.') {
            if (++dots == 1) {
                d1 = i;
            }
            else if (dots == 2) {
                d2 = i;
            }
        }
    }
    if (dots != 2) {
        return MSG_PARTS;
    }
    if ((e = ref_part(p, tok, d1, &r->header)) != NULL
        || (e = ref_part(p, tok + d1 + 1, d2 - d1 - 1, &r->claims)) != NULL) {
        return e;
    }
    if (ref_str(member(r->header, "alg")) == NULL) {
        return MSG_NO_ALG;
    }
    r->sig = apr_palloc(p, (len - d2 - 1) * 3 / 4 + 1);
    if ((n = ref_b64_decode((const unsigned char *)tok + d2 + 1, len - d2 - 1, 1, r->sig,
                            &canonical)) < 0 || !canonical) {
        return MSG_SIG;
    }
    r->sig_len = (size_t)n;
    r->signing_len = d2;
    return NULL;
}

/* A NumericDate: 0 and the whole seconds (a fraction truncated), 1 when
 * absent, -1 when not a number or a float outside +-1e15. Kept in
 * __int128 so that no comparison below can overflow. */
static int ref_time(json_object *claims, const char *name, __int128 *t)
{
    json_object *v;

    if (!json_object_object_get_ex(claims, name, &v)) {
        return 1;
    }
    if (json_object_is_type(v, json_type_int)) {
        *t = json_object_get_int64(v);
        return 0;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (d > -1e15 && d < 1e15) {
            *t = (__int128)d;
            return 0;
        }
    }
    return -1;
}

/* What gh_jwt.h says the claim checks are; NULL when they pass. */
static const char *ref_claims(json_object *c, const gh_jwt_expect_t *x)
{
    json_object *aud = member(c, "aud");
    __int128 t, now = x->now, leeway = x->leeway;
    int rc;

    if (x->iss[0] || x->iss[1]) {
        json_object *iss = member(c, "iss");
        if (!((x->iss[0] && ref_str_eq(iss, x->iss[0]))
              || (x->iss[1] && ref_str_eq(iss, x->iss[1])))) {
            return MSG_ISS;
        }
    }
    if (x->aud) {
        int ok = 0;
        if (json_object_is_type(aud, json_type_array)) {
            for (size_t i = 0; i < json_object_array_length(aud); i++) {
                ok |= ref_str_eq(json_object_array_get_idx(aud, i), x->aud);
            }
        }
        else {
            ok = ref_str_eq(aud, x->aud);
        }
        if (!ok) {
            return MSG_AUD;
        }
    }
    if (x->no_aud && json_object_object_get_ex(c, "aud", NULL)) {
        return MSG_NO_AUD;
    }
    if (x->client_id && !ref_str_eq(member(c, "client_id"), x->client_id)) {
        return MSG_CLIENT;
    }
    if (x->token_use && !ref_str_eq(member(c, "token_use"), x->token_use)) {
        return MSG_USE;
    }
    if (ref_time(c, "exp", &t) != 0) {
        return MSG_EXP;
    }
    if (t <= now - leeway) {
        return MSG_EXPIRED;
    }
    if ((rc = ref_time(c, "nbf", &t)) < 0 || (rc == 0 && t > now + leeway)) {
        return MSG_NBF;
    }
    if ((rc = ref_time(c, "iat", &t)) < 0 || (rc == 0 && t > now + leeway)) {
        return MSG_IAT;
    }
    return NULL;
}

/* Whether the header's alg is exactly name (no NUL, same length). */
static int alg_is(json_object *header, const char *name)
{
    return json_str_eq(member(header, "alg"), name);
}

static EVP_PKEY *rsa_key(void)
{
    static EVP_PKEY *key;

    if (key == NULL) {
        key = gh_jwk_rsa(RSA_N, RSA_E);
        REQUIRE(key != NULL);
    }
    return key;
}

static void check_jwt(apr_pool_t *p, const char *tok)
{
    size_t len = strlen(tok);
    gh_jwt_t jwt;
    ref_jwt_t ref;
    const char *err = NULL, *want;
    int rc, v, mac_ok;

    memset(&ref, 0, sizeof(ref));
    rc = gh_jwt_parse(p, tok, &jwt, &err);
    want = ref_parse(p, tok, &ref);
    REQUIRE(rc == 0 || rc == -1);
    if (rc != 0) {
        REQUIRE(err != NULL);
        if (want == NULL || strcmp(err, want) != 0) {
            fprintf(stderr, "parse said \"%s\", the reference \"%s\"\n", err,
                    want ? want : "(ok)");
            abort();
        }
        return;
    }
    if (want != NULL) {
        fprintf(stderr, "parse succeeded, the reference said \"%s\"\n", want);
        abort();
    }

    /* what was parsed */
    REQUIRE(jwt.alg != NULL && ref_str(member(ref.header, "alg")) != NULL);
    REQUIRE(strcmp(jwt.alg, ref_str(member(ref.header, "alg"))) == 0);
    if (ref_str(member(ref.header, "kid")) != NULL) {
        REQUIRE(jwt.kid != NULL && strcmp(jwt.kid, ref_str(member(ref.header, "kid"))) == 0);
    }
    else {
        REQUIRE(jwt.kid == NULL);       /* absent, not a string, or holding a NUL */
    }
    REQUIRE(jwt.claims != NULL && json_object_equal(jwt.claims, ref.claims));
    REQUIRE(jwt.signing_input == tok);
    REQUIRE(jwt.signing_len == ref.signing_len);
    REQUIRE(jwt.signing_len < len);
    REQUIRE(tok[jwt.signing_len] == '.');
    REQUIRE(memchr(tok, '.', jwt.signing_len) != NULL);
    REQUIRE(strchr(tok + jwt.signing_len + 1, '.') == NULL);
    REQUIRE(jwt.sig_len == ref.sig_len);
    REQUIRE(jwt.sig != NULL && (jwt.sig_len == 0 || memcmp(jwt.sig, ref.sig, jwt.sig_len) == 0));
    {
        static const char *const names[] = { "sub", "iss", "aud", "client_id", "token_use",
                                             "exp" };
        json_object *aud = member(jwt.claims, "aud");
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            const char *want = ref_str(member(jwt.claims, names[i]));
            const char *c = gh_jwt_claim(&jwt, names[i]);
            REQUIRE((c == NULL) == (want == NULL));
            REQUIRE(c == NULL || strcmp(c, want) == 0);
        }
        /* gh_json_str_of, which the aud check uses, by the same rule */
        REQUIRE((gh_json_str_of(aud) == NULL) == (ref_str(aud) == NULL));
        REQUIRE(gh_json_str_of(aud) == NULL || strcmp(gh_json_str_of(aud), ref_str(aud)) == 0);
        if (json_object_is_type(aud, json_type_array)) {
            for (size_t i = 0; i < json_object_array_length(aud); i++) {
                json_object *a = json_object_array_get_idx(aud, i);
                REQUIRE((gh_json_str_of(a) == NULL) == (ref_str(a) == NULL));
                REQUIRE(gh_json_str_of(a) == NULL || strcmp(gh_json_str_of(a), ref_str(a)) == 0);
            }
        }
    }

    /* HS256: exactly when alg is "HS256" and the MAC is right */
    {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int maclen = 0;
        REQUIRE(HMAC(EVP_sha256(), KEY, (int)KEYLEN, (const unsigned char *)tok,
                     jwt.signing_len, mac, &maclen) != NULL && maclen == 32);
        mac_ok = jwt.sig_len == 32 && memcmp(mac, jwt.sig, 32) == 0;
    }
    v = gh_jwt_verify_hs256(&jwt, KEY, KEYLEN);
    REQUIRE(v == 0 || v == -1);
    if ((v == 0) != (alg_is(ref.header, "HS256") && mac_ok)) {
        fprintf(stderr, "gh_jwt_verify_hs256 returned %d for alg \"%s\" (%s), MAC %s\n", v,
                jwt.alg, alg_is(ref.header, "HS256") ? "exactly HS256" : "not exactly HS256",
                mac_ok ? "right" : "wrong");
        abort();
    }
    if (mac_ok) {
        REQUIRE(gh_jwt_verify_hs256(&jwt, KEY, KEYLEN - 1) == -1);
    }

    /* a verified token re-signed by the module comes back the same */
    if (v == 0) {
        const char *t2 = gh_jwt_sign_hs256(p, jwt.kid, jwt.claims, KEY, KEYLEN);
        gh_jwt_t back;
        REQUIRE(t2 != NULL);
        if (strlen(t2) <= GH_JWT_MAX_LEN) {
            REQUIRE(gh_jwt_parse(p, t2, &back, &err) == 0);
            REQUIRE(strcmp(back.alg, "HS256") == 0);
            REQUIRE((back.kid == NULL) == (jwt.kid == NULL));
            REQUIRE(back.kid == NULL || strcmp(back.kid, jwt.kid) == 0);
            REQUIRE(json_object_equal(back.claims, jwt.claims));
            REQUIRE(gh_jwt_verify_hs256(&back, KEY, KEYLEN) == 0);
            REQUIRE(gh_jwt_verify_rs256(&back, rsa_key()) == -1);
        }
    }

    /* RS256: never without alg "RS256" and a 256-byte signature */
    v = gh_jwt_verify_rs256(&jwt, rsa_key());
    REQUIRE(v == 0 || v == -1);
    if (v == 0) {
        REQUIRE(strcmp(jwt.alg, "RS256") == 0 && jwt.sig_len == 256);
        REQUIRE(alg_is(ref.header, "RS256"));
        REQUIRE(gh_jwt_verify_hs256(&jwt, KEY, KEYLEN) == -1);
    }
    REQUIRE(gh_jwt_verify_rs256(&jwt, NULL) == -1);

    /* the claim checks */
    for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
        const char *cerr = NULL, *cwant = ref_claims(jwt.claims, &expects[i]);
        int crc = gh_jwt_check_claims(&jwt, &expects[i], &cerr);

        REQUIRE(crc == 0 || crc == -1);
        REQUIRE(crc == 0 || cerr != NULL);
        if ((crc == 0) != (cwant == NULL) || (crc != 0 && strcmp(cerr, cwant) != 0)) {
            fprintf(stderr, "expectation %zu: gh_jwt_check_claims said \"%s\", the reference "
                    "\"%s\" for %s\n", i, crc == 0 ? "(ok)" : cerr, cwant ? cwant : "(ok)",
                    json_object_to_json_string(jwt.claims));
            abort();
        }
    }
}

/* "<header>\n<payload>": the token with those parts, HS256-signed here. */
static const char *signed_token(apr_pool_t *p, const uint8_t *data, size_t size)
{
    const uint8_t *nl = size > 0 ? memchr(data, '\n', size) : NULL;
    const char *input;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;

    if (size == 0 || data[0] != '{' || nl == NULL) {
        return NULL;
    }
    input = apr_pstrcat(p, gh_base64_encode(p, data, (apr_size_t)(nl - data), 1), ".",
                        gh_base64_encode(p, nl + 1, (apr_size_t)(size - (nl + 1 - data)), 1),
                        NULL);
    REQUIRE(HMAC(EVP_sha256(), KEY, (int)KEYLEN, (const unsigned char *)input, strlen(input),
                 mac, &maclen) != NULL);
    return apr_pstrcat(p, input, ".", gh_base64_encode(p, mac, maclen, 1), NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *tok;
    const char *st;

    if (apr_pool_create(&p, fuzz_root_pool()) != APR_SUCCESS) {
        abort();
    }

    tok = dup_bytes(data, size);
    check_jwt(p, tok);
    free(tok);
    if ((st = signed_token(p, data, size)) != NULL) {
        check_jwt(p, st);
    }

    check_base64(data, size, 0);
    check_base64(data, size, 1);
    check_base64_mapped(data, size, 0);
    check_base64_mapped(data, size, 1);

    apr_pool_destroy(p);
    return 0;
}
