/* Session tokens. An access token carries its user's token epoch; the
 * user cache (gh_user_cache) checks it, the role and the active flag on
 * every use without a round trip, so one revoked by "log out everywhere"
 * or a deactivation stops at once. A single session's logout leaves its
 * access token to live out its (short) lifetime; refresh tokens are
 * checked in the database on every use. */
#include <string.h>

#include "apr_strings.h"

#include "gh_config.h"
#include "gh_crypto.h"
#include "gh_json.h"
#include "gh_session.h"
#include "gh_text.h"

#define REFRESH_BYTES 32
#define ACCESS_USE    "access"

static const char *issuer(server_rec *s)
{
    return gh_server_conf(s)->session_issuer;
}

int gh_session_is_ours(server_rec *s, const char *iss)
{
    return iss && strcmp(iss, issuer(s)) == 0;
}

int gh_session_refresh_ttl(server_rec *s)
{
    return gh_server_conf(s)->refresh_ttl;
}

const char *gh_session_access_token(request_rec *r, const char *user_id, const char *role,
                                    const char *session_id, const char *epoch,
                                    int *expires_in)
{
    const gh_server_conf_t *sc = gh_server_conf(r->server);
    const gh_session_key_t *key;
    json_object *claims;
    unsigned char jti[16];
    apr_int64_t now = apr_time_sec(apr_time_now());
    int ttl = sc->access_ttl;

    if (sc->session_keys == NULL || sc->session_keys->nelts == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "no GameHoneySessionKey is configured");
        return NULL;
    }
    if (gh_random_bytes(jti, sizeof(jti)) != 0) {
        return NULL;
    }
    key = &APR_ARRAY_IDX(sc->session_keys, 0, gh_session_key_t);
    claims = gh_json_object(r->pool);
    json_object_object_add(claims, "iss", json_object_new_string(issuer(r->server)));
    json_object_object_add(claims, "aud", json_object_new_string(issuer(r->server)));
    json_object_object_add(claims, "sub", json_object_new_string(user_id));
    json_object_object_add(claims, "sid", json_object_new_string(session_id));
    json_object_object_add(claims, "role", json_object_new_string(role));
    json_object_object_add(claims, "epoch", json_object_new_int64(epoch ? apr_atoi64(epoch) : 0));
    json_object_object_add(claims, "token_use", json_object_new_string(ACCESS_USE));
    json_object_object_add(claims, "iat", json_object_new_int64(now));
    json_object_object_add(claims, "exp", json_object_new_int64(now + ttl));
    json_object_object_add(claims, "jti", json_object_new_string(
                               gh_base64_encode(r->pool, jti, sizeof(jti), 1)));
    *expires_in = ttl;
    return gh_jwt_sign_hs256(r->pool, key->kid, claims, key->secret, strlen(key->secret));
}

/* A positive decimal id, as our tables number rows. */
static int positive_id(const char *s, apr_int64_t *v)
{
    return *s != '0' && gh_parse_int64_dec(s, v) == 0 && *v > 0;
}

int gh_session_verify(request_rec *r, const gh_jwt_t *jwt, gh_session_claims_t *out,
                      const char **err)
{
    const gh_server_conf_t *sc = gh_server_conf(r->server);
    const gh_session_key_t *key = NULL;
    gh_jwt_expect_t expect;
    json_object *exp, *epoch;
    apr_int64_t id;

    for (int i = 0; sc->session_keys && jwt->kid && i < sc->session_keys->nelts; i++) {
        const gh_session_key_t *k = &APR_ARRAY_IDX(sc->session_keys, i, gh_session_key_t);
        if (strcmp(k->kid, jwt->kid) == 0) {
            key = k;
        }
    }
    if (key == NULL) {
        *err = "the token's key is unknown";
        return -1;
    }
    if (gh_jwt_verify_hs256(jwt, key->secret, strlen(key->secret)) != 0) {
        *err = "the token's signature is invalid";
        return -1;
    }
    memset(&expect, 0, sizeof(expect));
    expect.iss[0] = issuer(r->server);
    expect.aud = issuer(r->server);
    expect.token_use = ACCESS_USE;
    expect.now = apr_time_sec(apr_time_now());
    expect.leeway = sc->token_leeway;
    if (gh_jwt_check_claims(jwt, &expect, err) != 0) {
        return -1;
    }
    out->user_id = gh_jwt_claim(jwt, "sub");
    out->role = gh_jwt_claim(jwt, "role");
    out->session_id = gh_jwt_claim(jwt, "sid");
    json_object_object_get_ex(jwt->claims, "exp", &exp);
    out->expires_at = json_object_get_int64(exp);
    if (out->user_id == NULL || out->role == NULL || out->session_id == NULL) {
        *err = "the token lacks its user, role or session";
        return -1;
    }
    if (!positive_id(out->user_id, &out->uid) || !positive_id(out->session_id, &id)) {
        *err = "the token's user or session is not a valid id";
        return -1;
    }
    out->epoch = 0;
    if (json_object_object_get_ex(jwt->claims, "epoch", &epoch)) {
        if (!json_object_is_type(epoch, json_type_int)
            || (out->epoch = json_object_get_int64(epoch)) < 0) {
            *err = "the token's epoch is not a valid number";
            return -1;
        }
    }
    return 0;
}

int gh_session_new_refresh(apr_pool_t *p, const char **token, const char **hash_hex)
{
    unsigned char raw[REFRESH_BYTES];

    if (gh_random_bytes(raw, sizeof(raw)) != 0) {
        return -1;
    }
    *token = gh_base64_encode(p, raw, sizeof(raw), 1);
    *hash_hex = gh_session_refresh_hash(p, *token);
    return *hash_hex ? 0 : -1;
}

int gh_session_refresh_grace(server_rec *s)
{
    return gh_server_conf(s)->refresh_grace;
}

int gh_session_successor(request_rec *r, const char *presented, const char **token,
                         const char **hash_hex)
{
    const gh_server_conf_t *sc = gh_server_conf(r->server);
    const gh_session_key_t *key;
    const char *msg = apr_pstrcat(r->pool, "refresh-successor:", presented, NULL);
    unsigned char mac[32];

    if (sc->session_keys == NULL || sc->session_keys->nelts == 0) {
        return -1;
    }
    key = &APR_ARRAY_IDX(sc->session_keys, 0, gh_session_key_t);
    if (gh_hmac_sha256(key->secret, strlen(key->secret), msg, strlen(msg), mac) != 0) {
        return -1;
    }
    *token = gh_base64_encode(r->pool, mac, sizeof(mac), 1);
    *hash_hex = gh_session_refresh_hash(r->pool, *token);
    return *hash_hex ? 0 : -1;
}

const char *gh_session_refresh_hash(apr_pool_t *p, const char *token)
{
    unsigned char md[32];
    apr_size_t len = strlen(token);

    /* 32 bytes in base64url are 43 characters; anything else is not ours */
    if (len != 43 || gh_sha256(token, len, md) != 0) {
        return NULL;
    }
    return gh_hex(p, md, sizeof(md));
}
