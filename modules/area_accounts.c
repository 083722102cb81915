/* Accounts and sessions (seeds 000, 001, 002), mounted at /api/auth:
 * Google, Cognito and Toss sign-in, all ending in our own session (an
 * access JWT and a rotating refresh token); me, validate, refresh and
 * logout. */
#include <string.h>

#include "apr_strings.h"
#include "apr_time.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_db.h"
#include "gh_batch.h"
#include "gh_auth.h"
#include "gh_cognito.h"
#include "gh_config.h"
#include "gh_curl.h"
#include "gh_google.h"
#include "gh_http.h"
#include "gh_identity.h"
#include "gh_json.h"
#include "gh_rows.h"
#include "gh_session.h"
#include "gh_text.h"
#include "gh_toss_login.h"
#include "gh_cognito_cfg.h"
#include "gh_google_cfg.h"
#include "gh_toss_login_cfg.h"


static const gh_db_stmt_t statements[] = {
    /* concurrent /me requests are coalesced: one statement for them all */
    { "gh_me",
      "SELECT id, email, email_verified, name, picture, age, gender, role,"
      " google_id IS NOT NULL AS google, cognito_sub IS NOT NULL AS cognito,"
      " toss_user_key IS NOT NULL AS toss, " GH_SQL_ISO8601("created_at") ", "
      GH_SQL_ISO8601("last_login_at") " FROM users"
      " WHERE id = ANY (CAST(%s AS bigint[])) AND is_active" },
    /* Rotation: a token used once more after it was rotated revokes its
     * whole family, unless within the grace window of its rotation: then
     * it is answered with its successor again (which the caller derives
     * from it, gh_session_successor), and nothing changes. Parameters:
     * presented hash, grace seconds, new hash, new TTL. */
    { "gh_refresh",
      "WITH t AS (SELECT r.id, r.session_id, r.rotated_at, r.expires_at, s.revoked_at,"
      " s.user_id, r.rotated_at > now() - make_interval(secs => CAST(%s AS int)) AS grace"
      " FROM refresh_tokens r JOIN auth_sessions s ON s.id = r.session_id"
      " WHERE r.token_hash = decode(%s, 'hex') FOR UPDATE OF r, s),"
      " reuse AS (UPDATE auth_sessions SET revoked_at = now(),"
      " revoked_reason = 'refresh token reused' WHERE id IN (SELECT session_id FROM t"
      " WHERE rotated_at IS NOT NULL AND NOT grace) AND revoked_at IS NULL RETURNING id),"
      " ok AS (SELECT t.* FROM t JOIN users u ON u.id = t.user_id WHERE"
      " (t.rotated_at IS NULL OR t.grace) AND t.revoked_at IS NULL AND t.expires_at > now()"
      " AND u.is_active),"
      " again AS (SELECT session_id FROM ok WHERE rotated_at IS NOT NULL),"
      " rot AS (UPDATE refresh_tokens SET rotated_at = now() WHERE id IN (SELECT id FROM ok"
      " WHERE rotated_at IS NULL) RETURNING session_id),"
      " fresh AS (INSERT INTO refresh_tokens (session_id, token_hash, expires_at)"
      " SELECT session_id, decode(%s, 'hex'), now() + make_interval(secs => CAST(%s AS int))"
      " FROM rot RETURNING session_id)"
      " SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM t) THEN 'unknown'"
      " WHEN EXISTS (SELECT 1 FROM again) THEN 'again'"
      " WHEN EXISTS (SELECT 1 FROM t WHERE rotated_at IS NOT NULL AND NOT grace) THEN 'reused'"
      " WHEN EXISTS (SELECT 1 FROM fresh) THEN 'rotated' ELSE 'expired' END,"
      " (SELECT user_id FROM t),"
      " coalesce((SELECT session_id FROM fresh), (SELECT session_id FROM again)),"
      " (SELECT role FROM users WHERE id = (SELECT user_id FROM t)),"
      " EXISTS (SELECT 1 FROM reuse),"
      " (SELECT token_epoch FROM users WHERE id = (SELECT user_id FROM t))" },
    { "gh_logout",
      "UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'logout'"
      " WHERE id = %lld AND user_id = %lld AND revoked_at IS NULL RETURNING id" },
    /* The epoch's step refuses every access token of the user at once
     * (gh_user_cache hears of it through the users trigger). */
    { "gh_logout_everywhere",
      "WITH s AS (UPDATE auth_sessions SET revoked_at = now(),"
      " revoked_reason = 'logout everywhere' WHERE user_id = %lld AND revoked_at IS NULL"
      " RETURNING id),"
      " u AS (UPDATE users SET token_epoch = token_epoch + 1, updated_at = now()"
      " WHERE id = %lld RETURNING id)"
      " SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM u)" },
    { NULL, NULL }
};

static json_object *int_or_null(const char *decimal)
{
    return decimal ? json_object_new_int64(apr_atoi64(decimal)) : NULL;
}

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* A plain object, owned by whichever object it is added to. */
static json_object *user_json(const gh_user_t *user)
{
    json_object *u = json_object_new_object();

    json_object_object_add(u, "id", int_or_null(user->id));
    json_object_object_add(u, "email", str_or_null(user->email));
    json_object_object_add(u, "name", str_or_null(user->name));
    json_object_object_add(u, "picture", str_or_null(user->picture));
    json_object_object_add(u, "role", str_or_null(user->role));
    return u;
}

/* Our tokens for a new session: the body every sign-in answers with. */
static json_object *session_body(request_rec *r, const gh_user_t *user,
                                 const char *access, int expires_in, const char *refresh)
{
    json_object *body = gh_json_object(r->pool);

    json_object_object_add(body, "access_token", json_object_new_string(access));
    json_object_object_add(body, "refresh_token", json_object_new_string(refresh));
    json_object_object_add(body, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(body, "expires_in", json_object_new_int(expires_in));
    if (user) {
        json_object_object_add(body, "user", user_json(user));
    }
    return body;
}

/* Signs the person in: user found or made, session opened, tokens made. */
static int sign_in(request_rec *r, gh_idp_e idp, const gh_profile_t *prof, json_object **body)
{
    const char *refresh, *hash, *access;
    gh_user_t user;
    int expires_in, status;

    if ((status = gh_http_require(r, GH_NEED_SESSIONS)) != OK) {
        return status;
    }
    if (gh_session_new_refresh(r->pool, &refresh, &hash) != 0) {
        return gh_fail(r, GH_E_INTERNAL_ERROR,
                       "An internal error occurred.");
    }
    if ((status = gh_auth_answer(r, gh_identity_login(r, idp, prof, hash, &user))) != OK) {
        return status;
    }
    if ((access = gh_session_access_token(r, user.id, user.role, user.session_id, user.epoch,
                                          &expires_in)) == NULL) {
        return gh_fail(r, GH_E_INTERNAL_ERROR,
                       "An internal error occurred.");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "sign-in: user %s session %s via %s",
                  user.id, user.session_id,
                  idp == GH_IDP_GOOGLE ? "google" : idp == GH_IDP_COGNITO ? "cognito" : "toss");
    *body = session_body(r, &user, access, expires_in, refresh);
    return OK;
}

/* A provider refusing the code it was sent (GH_REFUSED): the grant is bad. */
static int grant_answer(request_rec *r, gh_result_t res)
{
    return res.kind == GH_OK ? OK
         : res.kind == GH_REFUSED ? gh_fail(r, GH_E_INVALID_GRANT, res.message)
         : gh_fail_result(r, res);
}

/* A verified id token from the expected provider. */
static int provider_token(request_rec *r, const char *token, gh_idp_e idp, gh_token_t *t)
{
    int status = gh_auth_verify(r, token, "id token", t);

    if (status == OK && (t->ours || t->idp != idp)) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       "Bearer realm=\"gamehoney\", error=\"invalid_token\"");
        return gh_fail(r, GH_E_INVALID_TOKEN,
                       "The token is not from the expected identity provider.");
    }
    return status;
}

static int google_login(request_rec *r, const gh_route_params_t *params)
{
    json_object *in, *body;
    const char *id_token, *code, *redirect_uri, *verifier;
    gh_token_t t;
    gh_profile_t prof;
    int status;

    (void)params;
    if ((status = gh_http_require(r, GH_NEED_GOOGLE)) != OK
        || (status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_field(r, in, "id_token", GH_JWT_MAX_LEN, 0, &id_token)) != OK
        || (status = gh_http_field(r, in, "code", 2048, id_token == NULL, &code)) != OK
        || (status = gh_http_field(r, in, "redirect_uri", 2048, id_token == NULL,
                                   &redirect_uri)) != OK
        || (status = gh_http_field(r, in, "code_verifier", 128, 0, &verifier)) != OK) {
        return status;
    }
    if (verifier && strlen(verifier) < 43) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       "code_verifier must be 43 to 128 characters.");
    }
    if (id_token == NULL
        && ((status = gh_http_require(r, GH_NEED_GOOGLE_CODE)) != OK
            || (status = grant_answer(r, gh_google_exchange(r, code, redirect_uri, verifier,
                                                            &id_token))) != OK)) {
        return status;
    }
    if ((status = provider_token(r, id_token, GH_IDP_GOOGLE, &t)) != OK) {
        return status;
    }
    gh_auth_profile(&t, &prof);
    if ((status = sign_in(r, GH_IDP_GOOGLE, &prof, &body)) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_OK, body);
}

/* Fields every Cognito call takes: ClientId and, with a secret, SecretHash. */
static json_object *cognito_body(request_rec *r, const char *username, const char *hash_name,
                                 json_object *into)
{
    const char *hash = gh_cognito_secret_hash(r, username);
    json_object *body = gh_json_object(r->pool);

    json_object_object_add(body, "ClientId",
                           json_object_new_string(gh_cognito_cfg(r->server)->client_id));
    if (hash) {
        json_object_object_add(into ? into : body, hash_name, json_object_new_string(hash));
    }
    return body;
}

static int cognito_credentials(request_rec *r, json_object **in, const char **email,
                               const char **secret, const char *secret_name, apr_size_t max)
{
    int status;

    if ((status = gh_http_require(r, GH_NEED_COGNITO)) != OK
        || (status = gh_http_read_object(r, in)) != OK
        || (status = gh_http_field(r, *in, "email", 254, 1, email)) != OK
        || (status = gh_http_field(r, *in, secret_name, max, 1, secret)) != OK) {
        return status;
    }
    if (strchr(*email, '@') == NULL || strchr(*email, ' ') != NULL) {
        return gh_fail(r, GH_E_INVALID_REQUEST, "email is not an address.");
    }
    return OK;
}

static int cognito_signup(request_rec *r, const gh_route_params_t *params)
{
    json_object *in, *req, *attrs, *attr, *out, *body;
    const char *email, *password, *name, *sub;
    int status;

    (void)params;
    if ((status = cognito_credentials(r, &in, &email, &password, "password", 256)) != OK
        || (status = gh_http_field(r, in, "name", 100, 0, &name)) != OK) {
        return status;
    }
    req = cognito_body(r, email, "SecretHash", NULL);
    json_object_object_add(req, "Username", json_object_new_string(email));
    json_object_object_add(req, "Password", json_object_new_string(password));
    attrs = json_object_new_array();
    attr = json_object_new_object();
    json_object_object_add(attr, "Name", json_object_new_string("email"));
    json_object_object_add(attr, "Value", json_object_new_string(email));
    json_object_array_add(attrs, attr);
    if (name) {
        attr = json_object_new_object();
        json_object_object_add(attr, "Name", json_object_new_string("name"));
        json_object_object_add(attr, "Value", json_object_new_string(name));
        json_object_array_add(attrs, attr);
    }
    json_object_object_add(req, "UserAttributes", attrs);
    if ((status = gh_auth_answer(r, gh_cognito_call(r, "SignUp", req, &out))) != OK) {
        return status;
    }
    if ((sub = gh_json_str(out, "UserSub")) == NULL) {
        return gh_answer(r, gh_upstream_bad(r, "Cognito", "SignUp gave no UserSub"));
    }
    /* The local user is made at the first sign-in, when Cognito vouches
     * for the email: a row made now, on an unverified email, could not be
     * linked to the same person's other sign-ins. */
    body = gh_json_object(r->pool);
    json_object_object_add(body, "user_sub", json_object_new_string(sub));
    json_object_object_add(body, "user_confirmed", json_object_new_boolean(
        json_object_get_boolean(json_object_object_get(out, "UserConfirmed"))));
    return gh_send_json(r, HTTP_CREATED, body);
}

static int cognito_confirm(request_rec *r, const gh_route_params_t *params)
{
    json_object *in, *req, *out, *body;
    const char *email, *code;
    int status;

    (void)params;
    if ((status = cognito_credentials(r, &in, &email, &code, "code", 32)) != OK) {
        return status;
    }
    req = cognito_body(r, email, "SecretHash", NULL);
    json_object_object_add(req, "Username", json_object_new_string(email));
    json_object_object_add(req, "ConfirmationCode", json_object_new_string(code));
    if ((status = gh_auth_answer(r, gh_cognito_call(r, "ConfirmSignUp", req, &out))) != OK) {
        return status;
    }
    body = gh_json_object(r->pool);
    json_object_object_add(body, "confirmed", json_object_new_boolean(1));
    return gh_send_json(r, HTTP_OK, body);
}

static int cognito_login(request_rec *r, const gh_route_params_t *params)
{
    json_object *in, *req, *auth, *out, *result, *body, *cognito;
    const char *email, *password, *id_token, *challenge;
    gh_token_t t;
    gh_profile_t prof;
    int status;

    (void)params;
    if ((status = cognito_credentials(r, &in, &email, &password, "password", 256)) != OK) {
        return status;
    }
    auth = json_object_new_object();
    json_object_object_add(auth, "USERNAME", json_object_new_string(email));
    json_object_object_add(auth, "PASSWORD", json_object_new_string(password));
    req = cognito_body(r, email, "SECRET_HASH", auth);
    json_object_object_add(req, "AuthFlow", json_object_new_string("USER_PASSWORD_AUTH"));
    json_object_object_add(req, "AuthParameters", auth);
    if ((status = gh_auth_answer(r, gh_cognito_call(r, "InitiateAuth", req, &out))) != OK) {
        return status;
    }
    if ((challenge = gh_json_str(out, "ChallengeName")) != NULL) {
        return gh_fail(r, GH_E_CHALLENGE_REQUIRED,
                       apr_pstrcat(r->pool, "Cognito requires the ", challenge,
                                   " challenge, which this API does not complete.", NULL));
    }
    if ((result = gh_json_obj(out, "AuthenticationResult")) == NULL
        || (id_token = gh_json_str(result, "IdToken")) == NULL) {
        return gh_answer(r, gh_upstream_bad(r, "Cognito", "InitiateAuth gave no IdToken"));
    }
    if ((status = provider_token(r, id_token, GH_IDP_COGNITO, &t)) != OK) {
        return status;
    }
    gh_auth_profile(&t, &prof);
    if ((status = sign_in(r, GH_IDP_COGNITO, &prof, &body)) != OK) {
        return status;
    }
    cognito = json_object_new_object();
    json_object_object_add(cognito, "access_token",
                           str_or_null(gh_json_str(result, "AccessToken")));
    json_object_object_add(cognito, "id_token", json_object_new_string(id_token));
    json_object_object_add(cognito, "refresh_token",
                           str_or_null(gh_json_str(result, "RefreshToken")));
    json_object_object_add(cognito, "expires_in",
                           json_object_get(json_object_object_get(result, "ExpiresIn")));
    json_object_object_add(body, "cognito", cognito);
    return gh_send_json(r, HTTP_OK, body);
}

static int toss_login(request_rec *r, const gh_route_params_t *params)
{
    json_object *in, *body;
    const char *code, *referrer;
    gh_profile_t prof;
    int status;

    (void)params;
    if ((status = gh_http_require(r, GH_NEED_TOSS_LOGIN)) != OK
        || (status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_field(r, in, "authorizationCode", 512, 1, &code)) != OK
        || (status = gh_http_field(r, in, "referrer", 16, 0, &referrer)) != OK) {
        return status;
    }
    if (referrer == NULL) {
        referrer = "DEFAULT";
    }
    else if (strcasecmp(referrer, "DEFAULT") != 0 && strcasecmp(referrer, "SANDBOX") != 0) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       "referrer must be DEFAULT or SANDBOX.");
    }
    if ((status = grant_answer(r, gh_toss_login(r, code, referrer, &prof))) != OK
        || (status = sign_in(r, GH_IDP_TOSS, &prof, &body)) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_OK, body);
}

/* gh_me's row, in its order; the providers are read, then listed. */
static const gh_col_t me_cols[] = {
    { "id", GH_COL_INT, "id" }, { "email", GH_COL_TEXT, "email" },
    { "email_verified", GH_COL_BOOL, "email_verified" }, { "name", GH_COL_TEXT, "name" },
    { "picture", GH_COL_TEXT, "picture" }, { "age", GH_COL_INT, "age" },
    { "gender", GH_COL_TEXT, "gender" }, { "role", GH_COL_TEXT, "role" },
    { "google", GH_COL_BOOL, NULL }, { "cognito", GH_COL_BOOL, NULL },
    { "toss", GH_COL_BOOL, NULL }, { "created_at", GH_COL_TIME, "created_at" },
    { "last_login_at", GH_COL_TIME, "last_login_at" }, { NULL, 0, NULL }
};
#define ME_COLUMNS (sizeof(me_cols) / sizeof(me_cols[0]) - 1)

static gh_batch_t *me_batch;       /* per child */

/* One statement for every queued /me: each follower gets a copy of its
 * own row, in its own pool. */
static void run_me(request_rec *r, gh_batch_item_t **items, int n)
{
    const char **ids = apr_palloc(r->pool, sizeof(*ids) * n);
    const char *args[1];
    apr_array_header_t *rows;
    gh_result_t res;

    for (int i = 0; i < n; i++) {
        ids[i] = items[i]->input;
    }
    args[0] = gh_pg_array(r->pool, ids, n);
    if ((res = gh_db_query(r, "gh_me", 1, args, &rows)).kind != GH_OK) {
        gh_batch_finish(r, items, n, res, "gh_me");
        return;
    }
    for (int k = 0; k < rows->nelts; k++) {
        const char **row = APR_ARRAY_IDX(rows, k, const char **);
        for (int i = 0; i < n; i++) {
            if (strcmp(items[i]->input, gh_rows_text(me_cols, row, "id")) == 0) {
                const char **copy = apr_palloc(items[i]->pool, sizeof(*copy) * ME_COLUMNS);
                for (apr_size_t c = 0; c < ME_COLUMNS; c++) {
                    copy[c] = row[c] ? apr_pstrdup(items[i]->pool, row[c]) : NULL;
                }
                items[i]->result = copy;
            }
        }
    }
}

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    me_batch = gh_batch_create(pchild, s, "/me", 64, 1, run_me);
    gh_batch_set_check(me_batch, gh_batch_check_user);
}

static int me(request_rec *r, const gh_route_params_t *params)
{
    static const char *const providers_of[] = { "google", "cognito", "toss", NULL };
    gh_batch_item_t item;
    json_object *body, *providers;
    const char **row;
    gh_result_t res;
    int status;

    (void)params;
    memset(&item, 0, sizeof(item));
    item.group = r->server;
    item.input = r->user;
    res = gh_batch_submit(me_batch, r, &item);
    status = gh_batch_not_a_user(res) ? gh_auth_refuse(r, res.message) : gh_answer(r, res);
    if (status != OK) {
        return status;
    }
    if ((row = (const char **)item.result) == NULL) {
        return gh_fail(r, GH_E_USER_NOT_FOUND, "The user no longer exists.");
    }
    body = gh_json_object(r->pool);
    providers = json_object_new_array();
    for (int i = 0; providers_of[i]; i++) {
        if (gh_rows_bool(me_cols, row, providers_of[i])) {
            json_object_array_add(providers, json_object_new_string(providers_of[i]));
        }
    }
    gh_rows_add(body, me_cols, row);
    json_object_object_add(body, "providers", providers);
    return gh_send_json(r, HTTP_OK, body);
}

static const char *iso8601(apr_pool_t *p, apr_int64_t seconds)
{
    apr_time_exp_t tm;
    apr_size_t len;
    char buf[32];

    apr_time_exp_gmt(&tm, apr_time_from_sec(seconds));
    apr_strftime(buf, &len, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return apr_pstrmemdup(p, buf, len);
}

static int validate(request_rec *r, const gh_route_params_t *params)
{
    const gh_token_t *t = gh_auth_token(r);
    json_object *body = gh_json_object(r->pool), *exp;
    apr_int64_t expires = t->ours ? t->session.expires_at : 0;

    (void)params;
    if (!t->ours && json_object_object_get_ex(t->jwt.claims, "exp", &exp)) {
        expires = json_object_get_int64(exp);
    }
    json_object_object_add(body, "valid", json_object_new_boolean(1));
    json_object_object_add(body, "user_id", int_or_null(r->user));
    json_object_object_add(body, "expires_at", json_object_new_string(iso8601(r->pool, expires)));
    return gh_send_json(r, HTTP_OK, body);
}

static int refresh(request_rec *r, const gh_route_params_t *params)
{
    json_object *in;
    const char *presented, *hash, *token, *new_hash, *access, **row;
    apr_array_header_t *rows;
    int status, expires_in;

    (void)params;
    if ((status = gh_http_require(r, GH_NEED_SESSIONS)) != OK
        || (status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_field(r, in, "refresh_token", 128, 1, &presented)) != OK) {
        return status;
    }
    if ((hash = gh_session_refresh_hash(r->pool, presented)) == NULL) {
        return gh_fail(r, GH_E_INVALID_GRANT, "The refresh token is invalid.");
    }
    if (gh_session_successor(r, presented, &token, &new_hash) != 0) {
        return gh_fail(r, GH_E_INTERNAL_ERROR,
                       "An internal error occurred.");
    }
    {
        const char *args[] = { apr_itoa(r->pool, gh_session_refresh_grace(r->server)), hash,
                               new_hash, apr_itoa(r->pool, gh_session_refresh_ttl(r->server)) };
        if ((status = gh_answer(r, gh_db_query(r, "gh_refresh", 4, args, &rows))) != OK) {
            return status;
        }
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    if (strcmp(row[0], "reused") == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "refresh token of user %s used again "
                      "after rotation: possible theft, session family %s",
                      row[1] ? row[1] : "?",
                      row[4] && row[4][0] == 't' ? "revoked" : "already revoked");
    }
    if (strcmp(row[0], "again") == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "refresh token of user %s presented again "
                      "within the grace window: same successor", row[1]);
    }
    else if (strcmp(row[0], "rotated") != 0) {
        return gh_fail(r, GH_E_INVALID_GRANT,
                       "The refresh token is invalid, expired or revoked.");
    }
    if ((access = gh_session_access_token(r, row[1], row[3], row[2], row[5],
                                          &expires_in)) == NULL) {
        return gh_fail(r, GH_E_INTERNAL_ERROR,
                       "An internal error occurred.");
    }
    return gh_send_json(r, HTTP_OK, session_body(r, NULL, access, expires_in, token));
}

/* Whether the client sent a body (logout's is optional). */
static int has_body(request_rec *r)
{
    const char *len = apr_table_get(r->headers_in, "Content-Length");

    return apr_table_get(r->headers_in, "Transfer-Encoding") != NULL
        || (len != NULL && strcmp(len, "0") != 0);
}

/* Signs the user out at Cognito too, best effort, with the Cognito access
 * token the client sent: "done", "failed" (why is logged), or "skipped"
 * when there is none. A token of another user is a bad request. */
static int cognito_sign_out(request_rec *r, const char **outcome)
{
    json_object *in;
    const char *token;
    gh_token_t ct;
    gh_user_t owner;
    gh_result_t res;
    int status;

    *outcome = "skipped";
    if (!has_body(r)) {
        return OK;
    }
    if ((status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_field(r, in, "cognito_access_token", GH_JWT_MAX_LEN, 0,
                                   &token)) != OK || token == NULL) {
        return status;
    }
    if (!gh_cfg_ready(r->server, GH_NEED_COGNITO)
        || gh_auth_verify(r, token, "Cognito access token", &ct) != OK
        || ct.ours || ct.idp != GH_IDP_COGNITO || !ct.access
        || gh_identity_find(r, GH_IDP_COGNITO, ct.sub, &owner).kind != GH_OK
        || strcmp(owner.id, r->user) != 0) {
        apr_table_unset(r->err_headers_out, "WWW-Authenticate");
        return gh_fail(r, GH_E_INVALID_REQUEST, "cognito_access_token is not "
                       "a valid Cognito access token of this user.");
    }
    if ((res = gh_cognito_global_sign_out(r, token)).kind != GH_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "logout: Cognito GlobalSignOut failed "
                      "(%s); our session is revoked all the same", res.reason ? res.reason : "?");
        *outcome = "failed";
        return OK;
    }
    *outcome = "done";
    return OK;
}

static int logout(request_rec *r, const gh_route_params_t *params)
{
    const gh_token_t *t = gh_auth_token(r);
    const char *outcome;
    apr_array_header_t *rows;
    json_object *body;
    int status;

    (void)params;
    if (!t->ours) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       "Log out with an access token issued by this server.");
    }
    if ((status = cognito_sign_out(r, &outcome)) != OK) {
        return status;
    }
    {
        const char *args[] = { t->session.session_id, t->session.user_id };
        if ((status = gh_answer(r, gh_db_query(r, "gh_logout", 2, args, &rows))) != OK) {
            return status;
        }
    }
    body = gh_json_object(r->pool);
    json_object_object_add(body, "success", json_object_new_boolean(1));
    json_object_object_add(body, "revoked", json_object_new_boolean(rows->nelts > 0));
    json_object_object_add(body, "cognito_signout", json_object_new_string(outcome));
    return gh_send_json(r, HTTP_OK, body);
}

/* Every session of the user, and every access token already issued. */
static int logout_everywhere(request_rec *r, const gh_route_params_t *params)
{
    const char *args[] = { r->user, r->user };
    apr_array_header_t *rows;
    json_object *body;
    const char **row;
    int status;

    (void)params;
    if ((status = gh_answer(r, gh_db_query(r, "gh_logout_everywhere", 2, args, &rows))) != OK) {
        return status;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    body = gh_json_object(r->pool);
    json_object_object_add(body, "success", json_object_new_boolean(1));
    json_object_object_add(body, "sessions_revoked", json_object_new_int64(apr_atoi64(row[0])));
    return gh_send_json(r, HTTP_OK, body);
}

static const gh_route_t routes[] = {
    { "POST", "/google/login", google_login,    GH_ROUTE_PUBLIC },
    { "POST", "/signup",       cognito_signup,  GH_ROUTE_PUBLIC },
    { "POST", "/confirm",      cognito_confirm, GH_ROUTE_PUBLIC },
    { "POST", "/login",        cognito_login,   GH_ROUTE_PUBLIC },
    { "POST", "/toss/login",   toss_login,      GH_ROUTE_PUBLIC },
    { "GET",  "/me",           me,              GH_ROUTE_USER },
    { "GET",  "/validate",     validate,        GH_ROUTE_USER },
    { "POST", "/refresh",      refresh,         GH_ROUTE_PUBLIC },
    { "POST", "/logout",       logout,          GH_ROUTE_USER },
    { "POST", "/logout-everywhere", logout_everywhere, GH_ROUTE_USER },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_accounts = { "accounts", routes, statements, NULL, child_init };
