/* libFuzzer target for gh_jwt and gh_base64_decode.
 *
 * The input is used three ways:
 *  - as a compact token (a NUL-terminated copy) through gh_jwt_parse and,
 *    when it parses, gh_jwt_verify_hs256 (fixed key), gh_jwt_verify_rs256
 *    (a fixed RSA key loaded with gh_jwk_rsa), gh_jwt_claim and
 *    gh_jwt_check_claims (the kinds of token the module takes, each at
 *    several instants);
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
 *  - gh_jwt_check_claims refuses exactly the claims that break a rule of
 *    a decision table written from RFC 7519 §4.1, spec §5 and §6 and the
 *    README (see "the claim rules" below), and names a rule they break;
 *    times are compared exactly, fractions included, for any int64 or
 *    double; and the whole verdict (parse, HS256 under the key, claims)
 *    is the model's;
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
#include "fuzz_rsa.h"
#include "gh_crypto.h"
#include "gh_json.h"
#include "gh_jwt.h"
#include "../jwt_messages.h"

#define KEY     "fuzz-hs256-key-0123456789abcdef"
#define KEYLEN  (sizeof(KEY) - 1)
#define NOW     APR_INT64_C(1700000000)


/* What the module asks of each kind of token it takes, each tried at NOW
 * and at the seconds around the token's own exp, nbf and iat (now is
 * filled in there):
 *  - ours (README: GameHoneySessionIssuer is both iss and aud; token_use
 *    "access"; GameHoneyTokenLeeway defaults to 60);
 *  - a Google id token (spec §6: either issuer, aud the client id);
 *  - a Cognito access token (spec §5: token_use "access", client_id, no
 *    aud) and id token (token_use "id", aud the client id);
 *  - and some in between: only the times, only the second issuer. */
static const gh_jwt_expect_t kinds[] = {
    { { "gamehoney", NULL }, "gamehoney", 0, NULL, "access", 0, 60 },
    { { "accounts.google.com", "https://accounts.google.com" }, "app-1", 0, NULL, NULL, 0, 60 },
    { { "https://issuer.example/a", NULL }, NULL, 1, "client-1", "access", 0, 0 },
    { { "https://issuer.example/a", NULL }, "client-1", 0, NULL, "id", 0, 300 },
    { { "https://issuer.example/a", "https://issuer.example/b" }, "app-1", 0, NULL, NULL, 0, 60 },
    { { NULL, NULL }, NULL, 0, NULL, NULL, 0, 300 },
    { { NULL, "https://issuer.example/b" }, "app-1", 0, NULL, NULL, 0, 1 },
};
/* ---- base64 ------------------------------------------------------- */

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

/* ---- the claim rules, from the specifications ---------------------
 * A decision table, not a procedure: one row per rule that the claims of
 * a verified token must meet, with where the rule comes from and what
 * gh_jwt says when it is broken. The model finds every row a token breaks;
 * gh_jwt must refuse exactly the tokens that break one, naming one of
 * them. */

/* A NumericDate (RFC 7519 §2): a JSON number of seconds since the epoch,
 * which may have a fraction. A long double holds every int64 and every
 * double exactly, so each comparison below is exact. gh_jwt.h: one
 * written with a fraction or an exponent must lie strictly between -1e15
 * and 1e15. */
enum { DATE_ABSENT, DATE_OK, DATE_MALFORMED };

static int numeric_date(json_object *claims, const char *name, long double *t)
{
    json_object *v;

    if (!json_object_object_get_ex(claims, name, &v)) {
        return DATE_ABSENT;
    }
    switch (json_object_get_type(v)) {
    case json_type_int:
        *t = (long double)json_object_get_int64(v);
        return DATE_OK;
    case json_type_double:
        *t = (long double)json_object_get_double(v);
        return *t > -1e15L && *t < 1e15L ? DATE_OK : DATE_MALFORMED;
    default:
        return DATE_MALFORMED;
    }
}

typedef struct {
    json_object *claims;
    const gh_jwt_expect_t *x;
} facts_t;

/* RFC 7519 §4.1.1 and gh_jwt.h: iss, a case-sensitive string, is one of
 * the issuers expected, when any is. */
static int wrong_issuer(const facts_t *f)
{
    json_object *iss = member(f->claims, "iss");

    return (f->x->iss[0] || f->x->iss[1])
        && !(f->x->iss[0] && json_str_eq(iss, f->x->iss[0]))
        && !(f->x->iss[1] && json_str_eq(iss, f->x->iss[1]));
}

/* RFC 7519 §4.1.3: the audience expected is the aud string, or one of the
 * strings of an aud array. */
static int other_audience(const facts_t *f)
{
    json_object *aud = member(f->claims, "aud");
    int named = 0;

    if (f->x->aud == NULL) {
        return 0;
    }
    if (json_object_is_type(aud, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(aud); i++) {
            named = named || json_str_eq(json_object_array_get_idx(aud, i), f->x->aud);
        }
    }
    return !(named || json_str_eq(aud, f->x->aud));
}

/* Spec §5: a Cognito access token has no aud at all. */
static int has_audience(const facts_t *f)
{
    return f->x->no_aud && json_object_object_get_ex(f->claims, "aud", NULL);
}

/* Spec §5: client_id is the app client's. */
static int other_client(const facts_t *f)
{
    return f->x->client_id && !json_str_eq(member(f->claims, "client_id"), f->x->client_id);
}

/* Spec §5: token_use says which token it is. */
static int other_use(const facts_t *f)
{
    return f->x->token_use && !json_str_eq(member(f->claims, "token_use"), f->x->token_use);
}

/* gh_jwt.h: exp is always required, and RFC 7519 §4.1.4 makes it a
 * NumericDate. */
static int no_expiry(const facts_t *f)
{
    long double exp;
    return numeric_date(f->claims, "exp", &exp) != DATE_OK;
}

/* RFC 7519 §4.1.4: now must be before exp; the leeway (README,
 * GameHoneyTokenLeeway) moves now back. */
static int expired(const facts_t *f)
{
    long double exp, now = (long double)(f->x->now - f->x->leeway);
    return numeric_date(f->claims, "exp", &exp) == DATE_OK && !(now < exp);
}

/* RFC 7519 §4.1.5: now must be at or after nbf; the leeway moves now
 * forward. A malformed nbf is no date at all. */
static int not_yet(const facts_t *f)
{
    long double nbf, now = (long double)(f->x->now + f->x->leeway);
    int d = numeric_date(f->claims, "nbf", &nbf);
    return d == DATE_MALFORMED || (d == DATE_OK && !(now >= nbf));
}

/* README: the leeway applies to iat too, so a token issued later than
 * now plus the leeway is refused (RFC 7519 §4.1.6 makes iat a
 * NumericDate). */
static int issued_later(const facts_t *f)
{
    long double iat, now = (long double)(f->x->now + f->x->leeway);
    int d = numeric_date(f->claims, "iat", &iat);
    return d == DATE_MALFORMED || (d == DATE_OK && !(now >= iat));
}

static const struct {
    const char *message;               /* what gh_jwt says when the rule is broken */
    int (*broken)(const facts_t *);
} claim_rules[] = {
    { MSG_ISS,     wrong_issuer },
    { MSG_AUD,     other_audience },
    { MSG_NO_AUD,  has_audience },
    { MSG_CLIENT,  other_client },
    { MSG_USE,     other_use },
    { MSG_EXP,     no_expiry },
    { MSG_EXPIRED, expired },
    { MSG_NBF,     not_yet },
    { MSG_IAT,     issued_later },
};
#define N_RULES (sizeof(claim_rules) / sizeof(claim_rules[0]))

/* The rules the claims break under x, bit i for claim_rules[i]. */
static unsigned broken_rules(json_object *claims, const gh_jwt_expect_t *x)
{
    facts_t f = { claims, x };
    unsigned set = 0;

    for (size_t i = 0; i < N_RULES; i++) {
        if (claim_rules[i].broken(&f)) {
            set |= 1u << i;
        }
    }
    return set;
}

static int is_broken_rule(unsigned set, const char *message)
{
    for (size_t i = 0; i < N_RULES; i++) {
        if ((set & (1u << i)) && strcmp(claim_rules[i].message, message) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The instants worth trying for the claims under leeway: NOW, and each
 * second next to where exp, nbf or iat (moved by the leeway) is crossed.
 * Only a real clock's values, 0 to 2^40. Returns how many. */
#define MAX_INSTANTS 19

static size_t instants(json_object *claims, int leeway, apr_int64_t *out)
{
    static const char *const names[] = { "exp", "nbf", "iat" };
    const apr_int64_t limit = APR_INT64_C(1) << 40;
    size_t n = 0;

    out[n++] = NOW;
    for (size_t i = 0; i < 3; i++) {
        long double t;
        apr_int64_t s;
        if (numeric_date(claims, names[i], &t) != DATE_OK || t < -limit || t > limit) {
            continue;
        }
        s = (apr_int64_t)t;
        s -= (long double)s > t;           /* the second t falls in */
        for (int side = -1; side <= 1; side += 2) {
            for (int d = -1; d <= 1; d++) {
                apr_int64_t at = s + side * leeway + d;
                if (at >= 0 && at <= limit) {
                    out[n++] = at;
                }
            }
        }
    }
    return n;
}

/* gh_jwt_check_claims against the table, for every kind and instant;
 * and the whole verdict (parse, HS256 under KEY, claims) against the
 * model's, which accepts exactly a well-formed token whose alg is
 * exactly "HS256", whose MAC is right and which breaks no rule. */
static void check_claims(const gh_jwt_t *jwt, json_object *claims, int model_hs256,
                         int module_hs256)
{
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        apr_int64_t at[MAX_INSTANTS];
        size_t n = instants(claims, kinds[k].leeway, at);

        for (size_t i = 0; i < n; i++) {
            gh_jwt_expect_t x = kinds[k];
            const char *err = NULL;
            unsigned broken;
            int rc;

            x.now = at[i];
            broken = broken_rules(claims, &x);
            rc = gh_jwt_check_claims(jwt, &x, &err);
            REQUIRE(rc == 0 || rc == -1);
            if ((rc == 0) != (broken == 0)
                || (rc != 0 && (err == NULL || !is_broken_rule(broken, err)))) {
                fprintf(stderr, "kind %zu at %" APR_INT64_T_FMT " (leeway %d): gh_jwt_check_claims "
                        "said \"%s\"; the rules broken are:", k, x.now, x.leeway,
                        rc == 0 ? "(ok)" : err ? err : "(no message)");
                for (size_t r = 0; r < N_RULES; r++) {
                    if (broken & (1u << r)) {
                        fprintf(stderr, " \"%s\"", claim_rules[r].message);
                    }
                }
                fprintf(stderr, "%s for %s\n", broken ? "" : " none",
                        json_object_to_json_string(claims));
                abort();
            }
            REQUIRE((module_hs256 && rc == 0) == (model_hs256 && broken == 0));
        }
    }
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

    /* the claims, and the whole verdict */
    check_claims(&jwt, ref.claims, alg_is(ref.header, "HS256") && mac_ok,
                 gh_jwt_verify_hs256(&jwt, KEY, KEYLEN) == 0);
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
