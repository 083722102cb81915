/* Directives and the configuration records' create and merge. Every field
 * starts unset and is merged explicitly; defaults are applied where the
 * values are read (gh_config.h). */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "apr_strings.h"
#include "httpd.h"
#include "http_log.h"

#include "gh_config.h"
#include "gh_crypto.h"

#define SRV(field) ((void *)offsetof(gh_server_conf_t, field))

void *gh_config_create_server(apr_pool_t *p, server_rec *s)
{
    gh_server_conf_t *sc = apr_pcalloc(p, sizeof(*sc));

    (void)s;
    sc->http_connect_ms = sc->http_timeout_ms = GH_UNSET;
    sc->http_max_response = GH_UNSET;
    sc->access_ttl = sc->refresh_ttl = sc->token_leeway = sc->refresh_grace = GH_UNSET;
    sc->payment_amount.min = sc->deposit_amount.min = GH_UNSET;
    sc->chat_ping = sc->chat_idle = sc->chat_max_frame = GH_UNSET;
    sc->chat_max_message = sc->chat_queue = GH_UNSET;
    return sc;
}

#define MERGE_PTR(f) m->f = add->f ? add->f : base->f
#define MERGE_INT(f) m->f = add->f != GH_UNSET ? add->f : base->f
#define MERGE_RANGE(f) m->f = add->f.min != GH_UNSET ? add->f : base->f

void *gh_config_merge_server(apr_pool_t *p, void *basev, void *addv)
{
    const gh_server_conf_t *base = basev, *add = addv;
    gh_server_conf_t *m = apr_pcalloc(p, sizeof(*m));

    MERGE_PTR(audit_key);
    MERGE_PTR(limit_cache);
    MERGE_PTR(jwks_cache);
    MERGE_INT(http_connect_ms);
    MERGE_INT(http_timeout_ms);
    MERGE_INT(http_max_response);
    MERGE_PTR(http_ca_file);
    MERGE_PTR(http_proxy);
    MERGE_PTR(http_no_proxy);
    MERGE_PTR(session_keys);
    MERGE_PTR(session_issuer);
    MERGE_INT(access_ttl);
    MERGE_INT(refresh_ttl);
    MERGE_INT(token_leeway);
    MERGE_INT(refresh_grace);
    MERGE_PTR(google_client_id);
    MERGE_PTR(google_client_secret);
    MERGE_PTR(google_token_url);
    MERGE_PTR(google_jwks_url);
    MERGE_PTR(cognito_region);
    MERGE_PTR(cognito_pool_id);
    MERGE_PTR(cognito_client_id);
    MERGE_PTR(cognito_client_secret);
    MERGE_PTR(cognito_endpoint);
    MERGE_PTR(cognito_issuer_set);
    MERGE_PTR(toss_login_url);
    MERGE_PTR(toss_client_cert);
    MERGE_PTR(toss_client_key);
    MERGE_PTR(toss_decrypt_key);
    MERGE_PTR(toss_decrypt_aad);
    MERGE_PTR(toss_payments_url);
    MERGE_PTR(toss_payments_secret);
    MERGE_PTR(toss_payments_client_key);
    MERGE_PTR(payment_return_url);
    MERGE_RANGE(payment_amount);
    MERGE_PTR(payaction_url);
    MERGE_PTR(payaction_api_key);
    MERGE_PTR(payaction_mall_id);
    MERGE_PTR(payaction_webhook_key);
    MERGE_PTR(deposit_bank);
    MERGE_PTR(deposit_account);
    MERGE_RANGE(deposit_amount);
    MERGE_PTR(chat_db_params);
    MERGE_INT(chat_ping);
    MERGE_INT(chat_idle);
    MERGE_INT(chat_max_frame);
    MERGE_INT(chat_max_message);
    MERGE_INT(chat_queue);
    return m;
}

void *gh_config_create_dir(apr_pool_t *p, char *dir)
{
    gh_dir_conf_t *dc = apr_pcalloc(p, sizeof(*dc));

    (void)dir;
    dc->max_body = GH_UNSET;
    dc->unlink_mode = GH_UNSET;
    dc->authfail_limit.count = GH_UNSET;
    dc->request_limit.count = GH_UNSET;
    dc->chat_gateway = GH_UNSET;
    return dc;
}

void *gh_config_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    const gh_dir_conf_t *base = basev, *add = addv;
    gh_dir_conf_t *m = apr_pcalloc(p, sizeof(*m));

    MERGE_INT(max_body);
    MERGE_PTR(auth_user);
    MERGE_PTR(auth_password);
    MERGE_INT(unlink_mode);
    m->authfail_limit = add->authfail_limit.count != GH_UNSET ? add->authfail_limit
                                                              : base->authfail_limit;
    m->request_limit = add->request_limit.count != GH_UNSET ? add->request_limit
                                                            : base->request_limit;
    MERGE_PTR(mount);
    MERGE_INT(chat_gateway);
    return m;
}

int gh_config_derive(apr_pool_t *pconf, server_rec *s)
{
    for (; s; s = s->next) {
        gh_server_conf_t *sc = gh_server_conf(s);

        sc->google_jwks = GH_CONF_STR(sc, google_jwks_url, GH_DEFAULT_GOOGLE_JWKS_URL);
        if (sc->cognito_region && sc->cognito_pool_id) {
            const char *api = sc->cognito_endpoint ? sc->cognito_endpoint
                            : apr_pstrcat(pconf, "https://cognito-idp.", sc->cognito_region,
                                          ".amazonaws.com", NULL);
            sc->cognito_issuer = sc->cognito_issuer_set ? sc->cognito_issuer_set
                               : apr_pstrcat(pconf, "https://cognito-idp.", sc->cognito_region,
                                             ".amazonaws.com/", sc->cognito_pool_id, NULL);
            sc->cognito_api_url = apr_pstrcat(pconf, api, "/", NULL);
            sc->cognito_jwks_url = apr_pstrcat(pconf, api, "/", sc->cognito_pool_id,
                                               "/.well-known/jwks.json", NULL);
        }
        if (sc->toss_payments_secret) {
            /* Toss Payments takes the secret key as a user with no password */
            const char *pair = apr_pstrcat(pconf, sc->toss_payments_secret, ":", NULL);
            sc->toss_payments_auth = apr_pstrcat(pconf, "Basic ",
                                                 gh_base64_encode(pconf, (const unsigned char *)pair,
                                                                  strlen(pair), 0), NULL);
        }
        if (sc->toss_decrypt_key) {
            apr_size_t len;
            if (gh_base64_decode(pconf, sc->toss_decrypt_key, strlen(sc->toss_decrypt_key), 0,
                                 &sc->toss_aes_key, &len) != 0 || len != 32) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                             "GameHoneyTossDecryptKey must be the base64 of 32 bytes");
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
    }
    return OK;
}

static const struct {
    const char *what;
    const char *settings;
} needs[GH_NEED_COUNT] = {
    [GH_NEED_SESSIONS]      = { "Sign-in sessions",
                                "GameHoneySessionKey (GAMEHONEY_SESSION_KEY)" },
    [GH_NEED_GOOGLE]        = { "Google sign-in", "GameHoneyGoogleClientID (GOOGLE_CLIENT_ID)" },
    [GH_NEED_GOOGLE_CODE]   = { "Google's code exchange",
                                "GameHoneyGoogleClientID and GameHoneyGoogleClientSecret "
                                "(GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET)" },
    [GH_NEED_COGNITO]       = { "Cognito sign-in",
                                "GameHoneyCognitoRegion, GameHoneyCognitoUserPoolID and "
                                "GameHoneyCognitoClientID (COGNITO_REGION, "
                                "COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID)" },
    [GH_NEED_TOSS_LOGIN]    = { "Toss sign-in",
                                "GameHoneyTossClientCert and GameHoneyTossClientKey "
                                "(TOSS_LOGIN_CERT, TOSS_LOGIN_KEY)" },
    [GH_NEED_TOSS_PAYMENTS] = { "Payments",
                                "GameHoneyTossPaymentsSecretKey (TOSS_SECRET_KEY)" },
    [GH_NEED_PAYACTION]     = { "Deposits",
                                "GameHoneyPayactionAPIKey, GameHoneyPayactionMallID and "
                                "GameHoneyPayactionWebhookKey (PAYACTION_API_KEY, "
                                "PAYACTION_MALL_ID, PAYACTION_WEBHOOK_KEY)" },
    [GH_NEED_CHAT]          = { "Chat sockets",
                                "GameHoneyChatDBParams (GAMEHONEY_DBD_PARAMS)" },
};

int gh_config_ready(const gh_server_conf_t *sc, gh_need_e need)
{
    switch (need) {
    case GH_NEED_SESSIONS:
        return sc->session_keys != NULL && sc->session_keys->nelts > 0;
    case GH_NEED_GOOGLE:
        return sc->google_client_id != NULL;
    case GH_NEED_GOOGLE_CODE:
        return sc->google_client_id != NULL && sc->google_client_secret != NULL;
    case GH_NEED_COGNITO:
        return sc->cognito_api_url != NULL && sc->cognito_client_id != NULL;
    case GH_NEED_TOSS_LOGIN:
        return sc->toss_client_cert != NULL && sc->toss_client_key != NULL;
    case GH_NEED_TOSS_PAYMENTS:
        return sc->toss_payments_auth != NULL;
    case GH_NEED_PAYACTION:
        return sc->payaction_api_key && sc->payaction_mall_id && sc->payaction_webhook_key;
    case GH_NEED_CHAT:
        return sc->chat_db_params != NULL;
    default:
        return 0;
    }
}

void gh_config_need(gh_need_e need, const char **what, const char **settings)
{
    *what = needs[need].what;
    *settings = needs[need].settings;
}

void gh_config_warn_unready(server_rec *s)
{
    const gh_server_conf_t *sc = gh_server_conf(s);

    for (int n = 0; n < GH_NEED_COUNT; n++) {
        /* the code exchange is worth a line only when id tokens work */
        if (!gh_config_ready(sc, (gh_need_e)n)
            && (n != GH_NEED_GOOGLE_CODE || gh_config_ready(sc, GH_NEED_GOOGLE))) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "%s: not configured; its routes "
                         "answer 503 not_configured until you set %s", needs[n].what,
                         needs[n].settings);
        }
    }
}

/* A secret must come from the environment; httpd leaves an undefined
 * ${VAR} in place, which must not become a password. */
static const char *check_secret(cmd_parms *cmd, const char *value)
{
    if (*value == '\0' || strstr(value, "${") != NULL) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " is empty or names an "
                           "environment variable that is not set", NULL);
    }
    return NULL;
}

/* cmd->info is the offset of the field in the server config */
static void store_server_string(cmd_parms *cmd, const char *value)
{
    *(const char **)((char *)gh_server_conf(cmd->server) + (apr_size_t)cmd->info) = value;
}

/* Server-wide string settings. An empty
 * value leaves the setting unset, so one conf that names every provider's
 * ${VAR} serves whichever are exported non-empty. A ${VAR} httpd left in
 * place (not exported at all) is refused: it is a typo or a missing
 * envvars line, never a value. A secret left empty is simply not
 * configured: its routes answer 503 not_configured. */
static const char *set_server_string(cmd_parms *cmd, void *dummy, int argc,
                                     char *const argv[])
{
    /* TAKE_ARGV, since httpd's TAKE1 refuses an empty "" outright */
    const char *arg = argc == 1 ? argv[0] : "";

    (void)dummy;
    if (argc > 1) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes one argument", NULL);
    }
    if (strstr(arg, "${") != NULL) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " names an environment variable that "
                           "is not set (export it, empty to leave this unset)", NULL);
    }
    store_server_string(cmd, *arg ? arg : NULL);
    return NULL;
}

/* A proxy URL with a scheme, so that libcurl never guesses one. */
static const char *set_http_proxy(cmd_parms *cmd, void *dummy, int argc, char *const argv[])
{
    const char *err = set_server_string(cmd, dummy, argc, argv);
    const char *v = gh_server_conf(cmd->server)->http_proxy;

    if (err == NULL && v && strncasecmp(v, "http://", 7) != 0
        && strncasecmp(v, "https://", 8) != 0) {
        err = "GameHoneyHTTPProxy takes an http:// or https:// URL";
    }
    return err;
}

static const char *set_server_seconds(cmd_parms *cmd, void *dummy, const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);

    (void)dummy;
    if (*arg == '\0' || *end || v < 1 || v > 365L * 86400) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes a number of seconds", NULL);
    }
    *(int *)((char *)gh_server_conf(cmd->server) + (apr_size_t)cmd->info) = (int)v;
    return NULL;
}

static const char *set_server_millis(cmd_parms *cmd, void *dummy, const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);

    (void)dummy;
    if (*arg == '\0' || *end || v < 1 || v > 600000) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name,
                           " takes milliseconds, 1 to 600000", NULL);
    }
    *(int *)((char *)gh_server_conf(cmd->server) + (apr_size_t)cmd->info) = (int)v;
    return NULL;
}

static const char *set_audit_key(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = check_secret(cmd, arg);

    if (err == NULL && strlen(arg) < 16) {
        err = "GameHoneyAuditKey must be at least 16 characters";
    }
    (void)dummy;
    if (err == NULL) {
        store_server_string(cmd, arg);
    }
    return err;
}

static const char *set_http_max_response(cmd_parms *cmd, void *dummy, const char *arg)
{
    char *end;
    apr_off_t n;

    (void)dummy;
    if (apr_strtoff(&n, arg, &end, 10) != APR_SUCCESS || *end || n < 1024) {
        return "GameHoneyHTTPMaxResponse takes a number of bytes, at least 1024";
    }
    gh_server_conf(cmd->server)->http_max_response = n;
    return NULL;
}

/* "<min> <max>" amounts in won. */
static const char *set_server_range(cmd_parms *cmd, void *dummy, const char *lo, const char *hi)
{
    gh_range_t *range = (gh_range_t *)((char *)gh_server_conf(cmd->server)
                                       + (apr_size_t)cmd->info);
    char *e1, *e2;
    apr_int64_t min = apr_strtoi64(lo, &e1, 10), max = apr_strtoi64(hi, &e2, 10);

    (void)dummy;
    if (*lo == '\0' || *e1 || *hi == '\0' || *e2 || min < 1 || max < min
        || max > APR_INT64_C(1000000000000)) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes <min> <max>: "
                           "1 <= min <= max <= 1000000000000", NULL);
    }
    range->min = min;
    range->max = max;
    return NULL;
}

static const char *add_session_key(cmd_parms *cmd, void *dummy, const char *kid,
                                   const char *secret)
{
    gh_server_conf_t *sc = gh_server_conf(cmd->server);
    const char *err = check_secret(cmd, secret);
    gh_session_key_t *key;

    (void)dummy;
    if (err) {
        return err;
    }
    if (strlen(secret) < 32) {
        return "GameHoneySessionKey: the secret must be at least 32 characters";
    }
    if (*kid == '\0' || strlen(kid) > 64) {
        return "GameHoneySessionKey: the key id must be 1 to 64 characters";
    }
    if (sc->session_keys == NULL) {
        sc->session_keys = apr_array_make(cmd->pool, 2, sizeof(gh_session_key_t));
    }
    for (int i = 0; i < sc->session_keys->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(sc->session_keys, i, gh_session_key_t).kid, kid) == 0) {
            return apr_pstrcat(cmd->pool, "GameHoneySessionKey: key id ", kid,
                               " is given twice", NULL);
        }
    }
    key = apr_array_push(sc->session_keys);
    key->kid = kid;
    key->secret = secret;
    return NULL;
}

static const char *set_max_body(cmd_parms *cmd, void *dcv, const char *arg)
{
    gh_dir_conf_t *dc = dcv;
    char *end;
    apr_off_t n;

    if (apr_strtoff(&n, arg, &end, 10) != APR_SUCCESS || *end || n < 1) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes a positive number of bytes", NULL);
    }
    dc->max_body = n;
    return NULL;
}

static const char *set_auth_user(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err = check_secret(cmd, arg);
    if (err == NULL) {
        ((gh_dir_conf_t *)dcv)->auth_user = arg;
    }
    return err;
}

static const char *set_auth_password(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err = check_secret(cmd, arg);
    if (err == NULL) {
        ((gh_dir_conf_t *)dcv)->auth_password = arg;
    }
    return err;
}

static const char *set_unlink_mode(cmd_parms *cmd, void *dcv, const char *arg)
{
    gh_dir_conf_t *dc = dcv;

    (void)cmd;
    if (strcasecmp(arg, "delete") == 0) {
        dc->unlink_mode = GH_UNLINK_DELETE;
    }
    else if (strcasecmp(arg, "deactivate") == 0) {
        dc->unlink_mode = GH_UNLINK_DEACTIVATE;
    }
    else {
        return "GameHoneyUnlinkMode takes 'delete' or 'deactivate'";
    }
    return NULL;
}

/* Seconds, where 0 turns the feature off. */
static const char *set_refresh_grace(cmd_parms *cmd, void *dummy, const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);

    (void)dummy;
    if (*arg == '\0' || *end || v < 0 || v > 300) {
        return "GameHoneyRefreshReuseGrace takes seconds, 0 (off) to 300";
    }
    gh_server_conf(cmd->server)->refresh_grace = (int)v;
    return NULL;
}

/* A positive count (bytes, characters, messages) up to 16 Mi. */
static const char *set_server_count(cmd_parms *cmd, void *dummy, const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);

    (void)dummy;
    if (*arg == '\0' || *end || v < 1 || v > 16L * 1024 * 1024) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes a number from 1 to 16777216", NULL);
    }
    *(int *)((char *)gh_server_conf(cmd->server) + (apr_size_t)cmd->info) = (int)v;
    return NULL;
}

static const char *set_chat_gateway(cmd_parms *cmd, void *dcv, const char *arg)
{
    (void)cmd;
    if (strcasecmp(arg, "trust") == 0 || strcasecmp(arg, "off") == 0) {
        ((gh_dir_conf_t *)dcv)->chat_gateway = strcasecmp(arg, "trust") == 0;
        return NULL;
    }
    return "GameHoneyChatGateway takes 'trust' or 'off'";
}

static const char *set_mount(cmd_parms *cmd, void *dcv, const char *arg)
{
    (void)cmd;
    if (*arg != '/') {
        return "GameHoneyMount takes a URL path starting with '/'";
    }
    ((gh_dir_conf_t *)dcv)->mount = arg;
    return NULL;
}

/* "<count> <seconds>", count 0 meaning off. */
static const char *parse_limit(cmd_parms *cmd, gh_limit_t *limit, const char *count,
                               const char *seconds)
{
    char *e1, *e2;
    long c = strtol(count, &e1, 10), w = strtol(seconds, &e2, 10);

    if (*count == '\0' || *e1 || *seconds == '\0' || *e2
        || c < 0 || c > 1000000 || w < 1 || w > 86400 * 7) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes <count> <seconds>: "
                           "count 0 (off) to 1000000, seconds 1 to 604800", NULL);
    }
    limit->count = (int)c;
    limit->window = (int)w;
    return NULL;
}

static const char *set_authfail_limit(cmd_parms *cmd, void *dcv, const char *c, const char *w)
{
    return parse_limit(cmd, &((gh_dir_conf_t *)dcv)->authfail_limit, c, w);
}

static const char *set_request_limit(cmd_parms *cmd, void *dcv, const char *c, const char *w)
{
    return parse_limit(cmd, &((gh_dir_conf_t *)dcv)->request_limit, c, w);
}

#define DIR_CONF (RSRC_CONF | ACCESS_CONF)
#define SERVER_STRING(name, field, help) \
    AP_INIT_TAKE_ARGV(name, set_server_string, SRV(field), RSRC_CONF, help)
#define SERVER_SECRET(name, field, help) \
    AP_INIT_TAKE_ARGV(name, set_server_string, SRV(field), RSRC_CONF, help)

const command_rec gh_config_directives[] = {
    AP_INIT_TAKE1("GameHoneyAuditKey", set_audit_key, SRV(audit_key), RSRC_CONF,
                  "HMAC key (16+ characters, from the environment) for hashing user "
                  "keys in audit rows; unset: a random key per httpd start"),
    SERVER_STRING("GameHoneyRateLimitCache", limit_cache,
                  "socache provider[:args] holding rate-limit counters (default shmcb)"),
    SERVER_STRING("GameHoneyJWKSCache", jwks_cache,
                  "socache provider[:args] sharing the providers' signing keys between "
                  "children, or hosts with memcache or redis (default shmcb)"),

    AP_INIT_TAKE1("GameHoneyHTTPConnectTimeout", set_server_millis, SRV(http_connect_ms),
                  RSRC_CONF, "milliseconds to connect to an upstream service (default 2000)"),
    AP_INIT_TAKE1("GameHoneyHTTPTimeout", set_server_millis, SRV(http_timeout_ms),
                  RSRC_CONF, "milliseconds for a whole upstream call (default 5000)"),
    AP_INIT_TAKE1("GameHoneyHTTPMaxResponse", set_http_max_response, NULL, RSRC_CONF,
                  "largest upstream response body in bytes (default 1048576)"),
    SERVER_STRING("GameHoneyHTTPCAFile", http_ca_file,
                  "PEM file of CA certificates for upstream TLS (default: the system's)"),
    AP_INIT_TAKE_ARGV("GameHoneyHTTPProxy", set_http_proxy, SRV(http_proxy), RSRC_CONF,
                      "http:// or https:// URL of the proxy for every upstream call "
                      "(default: libcurl's https_proxy/http_proxy variables, if any)"),
    SERVER_STRING("GameHoneyHTTPNoProxy", http_no_proxy,
                  "comma-separated hosts reached without GameHoneyHTTPProxy, as curl's "
                  "NO_PROXY (default: the NO_PROXY environment variable)"),

    AP_INIT_TAKE2("GameHoneySessionKey", add_session_key, NULL, RSRC_CONF,
                  "<kid> <secret>: HS256 key for session tokens (32+ characters, from the "
                  "environment); repeatable: the first signs, all verify"),
    SERVER_STRING("GameHoneySessionIssuer", session_issuer,
                  "iss of the session tokens this server issues (default gamehoney)"),
    AP_INIT_TAKE1("GameHoneyAccessTokenTTL", set_server_seconds, SRV(access_ttl), RSRC_CONF,
                  "lifetime of access tokens in seconds (default 900)"),
    AP_INIT_TAKE1("GameHoneyRefreshTokenTTL", set_server_seconds, SRV(refresh_ttl), RSRC_CONF,
                  "lifetime of refresh tokens in seconds (default 2592000, 30 days)"),
    AP_INIT_TAKE1("GameHoneyTokenLeeway", set_server_seconds, SRV(token_leeway), RSRC_CONF,
                  "clock skew allowed on token exp, nbf and iat, in seconds (default 60)"),
    AP_INIT_TAKE1("GameHoneyRefreshReuseGrace", set_refresh_grace, NULL, RSRC_CONF,
                  "seconds after a rotation in which the old refresh token gives the same "
                  "successor again, not a theft signal (default 10; 0 turns it off)"),

    SERVER_STRING("GameHoneyGoogleClientID", google_client_id, "Google OAuth client id, the aud of Google id tokens"),
    SERVER_SECRET("GameHoneyGoogleClientSecret", google_client_secret,
                  "Google OAuth client secret (from the environment)"),
    SERVER_STRING("GameHoneyGoogleTokenURL", google_token_url,
                  "Google's token endpoint (default https://oauth2.googleapis.com/token)"),
    SERVER_STRING("GameHoneyGoogleJWKSURL", google_jwks_url,
                  "Google's signing keys (default https://www.googleapis.com/oauth2/v3/certs)"),

    SERVER_STRING("GameHoneyCognitoRegion", cognito_region, "AWS region of the Cognito user pool"),
    SERVER_STRING("GameHoneyCognitoUserPoolID", cognito_pool_id, "Cognito user pool id; with the region it gives the expected iss"),
    SERVER_STRING("GameHoneyCognitoClientID", cognito_client_id, "Cognito app client id, the client_id or aud of its tokens"),
    SERVER_SECRET("GameHoneyCognitoClientSecret", cognito_client_secret,
                  "Cognito app client secret, when the client has one (from the environment)"),
    SERVER_STRING("GameHoneyCognitoEndpoint", cognito_endpoint,
                  "Cognito API base URL (default https://cognito-idp.<region>.amazonaws.com)"),
    SERVER_STRING("GameHoneyCognitoIssuer", cognito_issuer_set,
                  "iss of the Cognito tokens (default "
                  "https://cognito-idp.<region>.amazonaws.com/<pool id>; for an emulator or "
                  "a custom domain)"),

    SERVER_STRING("GameHoneyTossLoginURL", toss_login_url,
                  "Apps in Toss API base URL (default https://apps-in-toss-api.toss.im)"),
    SERVER_STRING("GameHoneyTossClientCert", toss_client_cert,
                  "PEM client certificate for Toss's mutual TLS"),
    SERVER_STRING("GameHoneyTossClientKey", toss_client_key,
                  "PEM private key of the Toss client certificate"),
    SERVER_SECRET("GameHoneyTossDecryptKey", toss_decrypt_key,
                  "base64 AES-256 key for Toss personal fields (from the environment)"),
    SERVER_SECRET("GameHoneyTossDecryptAAD", toss_decrypt_aad,
                  "AAD for Toss personal fields (from the environment)"),

    SERVER_STRING("GameHoneyTossPaymentsURL", toss_payments_url,
                  "Toss Payments API base URL (default https://api.tosspayments.com)"),
    SERVER_SECRET("GameHoneyTossPaymentsSecretKey", toss_payments_secret,
                  "Toss Payments secret key, test_sk_ or live_sk_ (from the environment)"),
    SERVER_STRING("GameHoneyTossPaymentsClientKey", toss_payments_client_key,
                  "Toss Payments client key, handed to the payment widget"),
    SERVER_STRING("GameHoneyPaymentReturnURL", payment_return_url,
                  "front-end URL that payment success and fail redirects go on to "
                  "(default: answer with JSON)"),
    AP_INIT_TAKE2("GameHoneyPaymentAmount", set_server_range, SRV(payment_amount), RSRC_CONF,
                  "<min> <max>: bounds of a Toss payment in won (default 100 1000000)"),
    SERVER_STRING("GameHoneyPayactionURL", payaction_url,
                  "Payaction API base URL (default https://api.payaction.app)"),
    SERVER_SECRET("GameHoneyPayactionAPIKey", payaction_api_key,
                  "Payaction x-api-key (from the environment)"),
    SERVER_SECRET("GameHoneyPayactionMallID", payaction_mall_id,
                  "Payaction x-mall-id (from the environment)"),
    SERVER_SECRET("GameHoneyPayactionWebhookKey", payaction_webhook_key,
                  "Payaction webhook key that x-webhook-key must match (from the environment)"),
    SERVER_STRING("GameHoneyDepositBank", deposit_bank, "bank name shown for deposits"),
    SERVER_STRING("GameHoneyDepositAccount", deposit_account, "account number shown for deposits"),
    AP_INIT_TAKE2("GameHoneyDepositAmount", set_server_range, SRV(deposit_amount), RSRC_CONF,
                  "<min> <max>: bounds of a bank deposit in won (default 1000 5000000)"),

    SERVER_STRING("GameHoneyChatDBParams", chat_db_params,
                  "libpq connection string of each child's chat LISTEN connection"),
    AP_INIT_TAKE1("GameHoneyChatPing", set_server_seconds, SRV(chat_ping), RSRC_CONF,
                  "seconds between pings on each chat socket (default 30)"),
    AP_INIT_TAKE1("GameHoneyChatIdleTimeout", set_server_seconds, SRV(chat_idle), RSRC_CONF,
                  "seconds of silence after which a chat socket is closed (default 300)"),
    AP_INIT_TAKE1("GameHoneyChatMaxFrame", set_server_count, SRV(chat_max_frame), RSRC_CONF,
                  "largest WebSocket frame or message in bytes; larger closes with 1009 "
                  "(default 65536)"),
    AP_INIT_TAKE1("GameHoneyChatMaxMessage", set_server_count, SRV(chat_max_message), RSRC_CONF,
                  "longest chat message in characters; longer gets an error event (default 2000)"),
    AP_INIT_TAKE1("GameHoneyChatQueue", set_server_count, SRV(chat_queue), RSRC_CONF,
                  "messages queued per chat socket; a full queue closes it with 1013 "
                  "(default 256)"),
    AP_INIT_TAKE1("GameHoneyChatGateway", set_chat_gateway, NULL, DIR_CONF,
                  "trust: chat identity from the query (user_id, nickname, email, "
                  "profile_url), as a gateway sends it; off (default): a bearer token"),
    AP_INIT_TAKE1("GameHoneyMount", set_mount, NULL, DIR_CONF,
                  "URL path an area's routes are relative to (default: the <Location> path; "
                  "needed under <LocationMatch>)"),
    AP_INIT_TAKE1("GameHoneyMaxBody", set_max_body, NULL, DIR_CONF,
                  "deprecated alias of LimitRequestBody for the module's areas "
                  "(kept for one release); the lower of the two applies"),
    AP_INIT_TAKE1("GameHoneyAuthUser", set_auth_user, NULL, DIR_CONF,
                  "user name accepted by 'AuthBasicProvider gamehoney'"),
    AP_INIT_TAKE1("GameHoneyAuthPassword", set_auth_password, NULL, DIR_CONF,
                  "password accepted by 'AuthBasicProvider gamehoney' (from the environment)"),
    AP_INIT_TAKE1("GameHoneyUnlinkMode", set_unlink_mode, NULL, DIR_CONF,
                  "what the Toss unlink callback does to a user: delete (default) or deactivate"),
    AP_INIT_TAKE2("GameHoneyAuthFailLimit", set_authfail_limit, NULL, DIR_CONF,
                  "<count> <seconds>: failed authentications per client IP before 429 "
                  "(default 20 600; 0 turns it off)"),
    AP_INIT_TAKE2("GameHoneyRequestLimit", set_request_limit, NULL, DIR_CONF,
                  "<count> <seconds>: requests per client IP before 429 (default off)"),
    { .name = NULL }
};
