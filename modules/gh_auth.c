/* Bearer tokens: the issuer claim only chooses which rules apply; nothing
 * in a token is believed before its signature verifies under a key of
 * the algorithm that issuer uses. */
#include <string.h>

#include "apr_strings.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"

#include "gh_auth.h"
#include "gh_cognito.h"
#include "gh_config.h"
#include "gh_http.h"
#include "gh_jwks.h"
#include "gh_private.h"
#include "gh_user_cache.h"
#include "gh_cognito_cfg.h"
#include "gh_google_cfg.h"

#define ROLE_NOTE   "gamehoney-role"
#define TOKEN_KEY   "gamehoney:token"
#define GOOGLE_ISS1 "https://accounts.google.com"
#define GOOGLE_ISS2 "accounts.google.com"

/* t->what names the token as the client sent it ("access token"...). */
static int invalid_token(request_rec *r, const gh_token_t *t, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "%s refused: %s", t->what, why);
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   "Bearer realm=\"gamehoney\", error=\"invalid_token\"");
    return gh_fail(r, GH_E_INVALID_TOKEN,
                   apr_pstrcat(r->pool, "The ", t->what, " is invalid: ", why, ".", NULL));
}

/* An RS256 token from a provider whose keys are at jwks. */
static int verify_rs256(request_rec *r, gh_token_t *t, const char *jwks,
                        const gh_jwt_expect_t *expect)
{
    EVP_PKEY *key = NULL;
    const char *err;
    int ok;

    if (strcmp(t->jwt.alg, "RS256") != 0) {
        return invalid_token(r, t, "the token's algorithm is not allowed");
    }
    switch (gh_jwks_key(r, jwks, t->jwt.kid, &key)) {
    case GH_JWKS_FOUND:
        break;
    case GH_JWKS_UNKNOWN_KID:
        return invalid_token(r, t, "the token's key is unknown");
    default:
        return gh_fail(r, GH_E_UPSTREAM_UNAVAILABLE,
                       "The identity provider's keys cannot be fetched; retry later.");
    }
    ok = gh_jwt_verify_rs256(&t->jwt, key) == 0;
    EVP_PKEY_free(key);
    if (!ok) {
        return invalid_token(r, t, "the token's signature is invalid");
    }
    if (gh_jwt_check_claims(&t->jwt, expect, &err) != 0) {
        return invalid_token(r, t, err);
    }
    if ((t->sub = gh_jwt_claim(&t->jwt, "sub")) == NULL || *t->sub == '\0') {
        return invalid_token(r, t, "the token names no subject");
    }
    return OK;
}

int gh_auth_verify(request_rec *r, const char *token, const char *what, gh_token_t *t)
{
    const gh_server_conf_t *sc = gh_server_conf(r->server);
    const gh_cognito_cfg_t *cc = gh_cognito_cfg(r->server);
    const gh_google_cfg_t *gc = gh_google_cfg(r->server);
    gh_jwt_expect_t expect;
    const char *err, *iss;

    memset(t, 0, sizeof(*t));
    t->what = what;
    if (gh_jwt_parse(r->pool, token, &t->jwt, &err) != 0) {
        return invalid_token(r, t, err);
    }
    iss = gh_jwt_claim(&t->jwt, "iss");
    memset(&expect, 0, sizeof(expect));
    expect.now = apr_time_sec(apr_time_now());
    expect.leeway = sc->token_leeway;

    if (gh_session_is_ours(r->server, iss)) {
        if (gh_session_verify(r, &t->jwt, &t->session, &err) != 0) {
            return invalid_token(r, t, err);
        }
        t->ours = 1;
        t->sub = t->session.user_id;
        return OK;
    }
    if (iss && cc->issuer && strcmp(iss, cc->issuer) == 0) {
        const char *use = gh_jwt_claim(&t->jwt, "token_use");
        expect.iss[0] = cc->issuer;
        if (use && strcmp(use, "access") == 0) {
            t->access = 1;
            expect.token_use = "access";
            expect.client_id = cc->client_id;
            expect.no_aud = 1;
        }
        else {
            expect.token_use = "id";
            expect.aud = cc->client_id;
        }
        if (cc->client_id == NULL) {
            return invalid_token(r, t, "Cognito is not configured");
        }
        t->idp = GH_IDP_COGNITO;
        return verify_rs256(r, t, cc->jwks_url, &expect);
    }
    if (iss && (strcmp(iss, GOOGLE_ISS1) == 0 || strcmp(iss, GOOGLE_ISS2) == 0)) {
        if (gc->client_id == NULL) {
            return invalid_token(r, t, "Google sign-in is not configured");
        }
        expect.iss[0] = GOOGLE_ISS1;
        expect.iss[1] = GOOGLE_ISS2;
        expect.aud = gc->client_id;
        t->idp = GH_IDP_GOOGLE;
        return verify_rs256(r, t, gc->jwks_url, &expect);
    }
    return invalid_token(r, t, "the token's issuer is not trusted");
}

/* The token of "Authorization: Bearer <token>", or NULL. */
static const char *bearer(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "Authorization");

    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
        return NULL;
    }
    for (h += 7; *h == ' '; h++) {
    }
    return *h ? h : NULL;
}

void gh_auth_profile(const gh_token_t *t, gh_profile_t *prof)
{
    json_object *v;

    memset(prof, 0, sizeof(*prof));
    prof->sub = t->sub;
    prof->email = gh_jwt_claim(&t->jwt, "email");
    prof->email_verified = json_object_object_get_ex(t->jwt.claims, "email_verified", &v)
                        && json_object_is_type(v, json_type_boolean)
                        && json_object_get_boolean(v);
    prof->name = gh_jwt_claim(&t->jwt, "name");
    prof->picture = gh_jwt_claim(&t->jwt, "picture");
}

/* One of our tokens: its user must still exist, be active and be at the
 * token's epoch; the role is the current one. No round trip while the
 * user cache can be trusted. */
static int session_user(request_rec *r, gh_token_t *t)
{
    gh_user_state_t st;
    int status;

    if ((status = gh_user_cache_get(r, t->session.uid, &st)) != OK) {
        return status;
    }
    if (!st.exists) {
        return invalid_token(r, t, "its user no longer exists");
    }
    if (!st.active) {
        return invalid_token(r, t, "its user's account is disabled");
    }
    if (st.epoch != t->session.epoch) {
        return invalid_token(r, t, "it was revoked (logged out everywhere)");
    }
    r->user = apr_pstrdup(r->pool, t->session.user_id);
    apr_table_setn(r->notes, ROLE_NOTE, st.role);
    return OK;
}

/* A provider's token: its user, found or made. A Cognito access token
 * carries no email: on first sight its user's verified attributes come
 * from GetUser, so the new row links by verified email like a login. */
static int provider_user(request_rec *r, const char *token, gh_token_t *t)
{
    gh_profile_t prof;
    gh_user_t user;
    int status;

    gh_auth_profile(t, &prof);
    if (t->idp == GH_IDP_COGNITO && t->access) {
        if ((status = gh_identity_find(r, t->idp, t->sub, &user)) == HTTP_NOT_FOUND) {
            if ((status = gh_cognito_get_user(r, token, &prof)) != OK) {
                return status;
            }
            if (strcmp(prof.sub, t->sub) != 0) {
                return invalid_token(r, t, "Cognito names another user for it");
            }
            status = gh_identity_resolve(r, t->idp, &prof, &user);
        }
    }
    else {
        status = gh_identity_resolve(r, t->idp, &prof, &user);
    }
    if (status != OK) {
        return status;
    }
    if (!user.active) {
        return gh_fail(r, GH_E_ACCOUNT_DISABLED, "This account is disabled.");
    }
    r->user = apr_pstrdup(r->pool, user.id);
    apr_table_setn(r->notes, ROLE_NOTE, apr_pstrdup(r->pool, user.role));
    return OK;
}

int gh_auth_user(request_rec *r)
{
    const char *token = bearer(r);
    gh_token_t *t = apr_palloc(r->pool, sizeof(*t));
    int status;

    if (token == NULL) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", "Bearer realm=\"gamehoney\"");
        return gh_fail(r, GH_E_UNAUTHORIZED, "A bearer token is required.");
    }
    if ((status = gh_auth_verify(r, token, "access token", t)) != OK
        || (status = t->ours ? session_user(r, t) : provider_user(r, token, t)) != OK) {
        return status;
    }
    apr_pool_userdata_setn(t, TOKEN_KEY, NULL, r->pool);
    return OK;
}

const gh_token_t *gh_auth_token(const request_rec *r)
{
    void *t = NULL;
    apr_pool_userdata_get(&t, TOKEN_KEY, r->pool);
    return t;
}

const char *gh_auth_role(const request_rec *r)
{
    return apr_table_get(r->notes, ROLE_NOTE);
}

static int is_ours(const request_rec *r)
{
    const char *type = ap_auth_type((request_rec *)r);
    return type && strcasecmp(type, "GameHoney") == 0;
}

int gh_auth_check_authn(request_rec *r)
{
    if (!is_ours(r)) {
        return DECLINED;
    }
    gh_response_json_errors(r);       /* 401 and 403 in JSON, in any <Location> */
    return gh_auth_user(r);
}

int gh_auth_note_failure(request_rec *r, const char *auth_type)
{
    if (strcasecmp(auth_type, "GameHoney") != 0) {
        return DECLINED;
    }
    if (apr_table_get(r->err_headers_out, "WWW-Authenticate") == NULL) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", "Bearer realm=\"gamehoney\"");
    }
    return OK;
}

static authz_status check_role(request_rec *r, const char *roles, const void *parsed)
{
    const char *role = gh_auth_role(r), *want, *rest = roles;

    (void)parsed;
    if (r->user == NULL) {
        return AUTHZ_DENIED_NO_USER;
    }
    while (role && *(want = ap_getword_white(r->pool, &rest))) {
        if (strcmp(want, role) == 0) {
            return AUTHZ_GRANTED;
        }
    }
    return AUTHZ_DENIED;
}

const authz_provider gh_authz_role_provider = {
    &check_role,
    NULL,
};

void gh_auth_child_init(apr_pool_t *pchild, server_rec *s)
{
    gh_user_cache_child_init(pchild, s);
    for (server_rec *v = s; v; v = v->next) {
        const gh_cognito_cfg_t *cc = gh_cognito_cfg(v);
        const gh_google_cfg_t *gc = gh_google_cfg(v);
        if (gc->client_id) {
            gh_jwks_watch(pchild, v, gc->jwks_url, GH_UPSTREAM_GOOGLE_JWKS);
        }
        if (cc->jwks_url && cc->client_id) {
            gh_jwks_watch(pchild, v, cc->jwks_url, GH_UPSTREAM_COGNITO_JWKS);
        }
    }
    gh_jwks_start(pchild, s);
}
