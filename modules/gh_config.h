/* Configuration records. Directives live in mod_gamehoney.c; every field
 * has an "unset" value so that merging is explicit, and the accessors
 * below apply the defaults. */
#ifndef GH_CONFIG_H
#define GH_CONFIG_H

#include "gh_private.h"

#define GH_UNSET (-1)

#define GH_DEFAULT_MAX_BODY        (64 * 1024)
#define GH_DEFAULT_AUTHFAIL_COUNT  20
#define GH_DEFAULT_AUTHFAIL_WINDOW 600
#define GH_DEFAULT_HTTP_CONNECT_MS 2000
#define GH_DEFAULT_HTTP_TIMEOUT_MS 5000
#define GH_DEFAULT_HTTP_MAX_RESPONSE (1024 * 1024)
#define GH_DEFAULT_ACCESS_TTL      900
#define GH_DEFAULT_REFRESH_TTL     (30 * 86400)
#define GH_DEFAULT_TOKEN_LEEWAY    60
#define GH_DEFAULT_REFRESH_GRACE   10
#define GH_DEFAULT_SESSION_ISSUER  "gamehoney"
#define GH_DEFAULT_GOOGLE_TOKEN_URL "https://oauth2.googleapis.com/token"
#define GH_DEFAULT_GOOGLE_JWKS_URL  "https://www.googleapis.com/oauth2/v3/certs"
#define GH_DEFAULT_TOSS_LOGIN_URL   "https://apps-in-toss-api.toss.im"
#define GH_DEFAULT_TOSS_PAYMENTS_URL "https://api.tosspayments.com"
#define GH_DEFAULT_PAYACTION_URL    "https://api.payaction.app"
#define GH_DEFAULT_PAYMENT_MIN      100
#define GH_DEFAULT_PAYMENT_MAX      1000000
#define GH_DEFAULT_DEPOSIT_MIN      1000
#define GH_DEFAULT_DEPOSIT_MAX      5000000
#define GH_DEFAULT_CHAT_PING        30
#define GH_DEFAULT_CHAT_IDLE        300
#define GH_DEFAULT_CHAT_MAX_FRAME   65536
#define GH_DEFAULT_CHAT_MAX_MESSAGE 2000
#define GH_DEFAULT_CHAT_QUEUE       256

typedef enum {
    GH_UNLINK_DELETE = 0,
    GH_UNLINK_DEACTIVATE = 1
} gh_unlink_mode_e;

/* "count events per window seconds"; count 0 turns the limit off. */
typedef struct {
    int count;     /* GH_UNSET when not configured here */
    int window;    /* seconds */
} gh_limit_t;

/* Inclusive bounds of an amount in won; min GH_UNSET when not configured. */
typedef struct {
    apr_int64_t min;
    apr_int64_t max;
} gh_range_t;

typedef struct {
    const char *kid;
    const char *secret;
} gh_session_key_t;

typedef struct {
    const char *audit_key;       /* GameHoneyAuditKey; NULL: a per-boot key */
    const char *limit_cache;     /* GameHoneyRateLimitCache, "shmcb" if NULL */
    const char *jwks_cache;      /* GameHoneyJWKSCache, "shmcb" if NULL */

    /* outbound HTTP (GameHoneyHTTP*) */
    int http_connect_ms;
    int http_timeout_ms;
    apr_off_t http_max_response;
    const char *http_ca_file;
    const char *http_proxy;      /* GameHoneyHTTPProxy; NULL: libcurl's *_proxy variables */
    const char *http_no_proxy;   /* GameHoneyHTTPNoProxy; NULL: NO_PROXY/no_proxy */

    /* sessions */
    apr_array_header_t *session_keys;    /* gh_session_key_t; the first signs */
    const char *session_issuer;
    int access_ttl;
    int refresh_ttl;
    int token_leeway;
    int refresh_grace;                   /* GameHoneyRefreshReuseGrace, seconds */

    /* Google */
    const char *google_client_id;
    const char *google_client_secret;
    const char *google_token_url;
    const char *google_jwks_url;

    /* Cognito */
    const char *cognito_region;
    const char *cognito_pool_id;
    const char *cognito_client_id;
    const char *cognito_client_secret;
    const char *cognito_endpoint;
    const char *cognito_issuer_set;      /* GameHoneyCognitoIssuer; NULL: derived */

    /* Toss login */
    const char *toss_login_url;
    const char *toss_client_cert;
    const char *toss_client_key;
    const char *toss_decrypt_key;        /* base64 of 32 bytes */
    const char *toss_decrypt_aad;

    /* Toss Payments */
    const char *toss_payments_url;
    const char *toss_payments_secret;
    const char *toss_payments_client_key;
    const char *payment_return_url;
    gh_range_t payment_amount;

    /* Payaction */
    const char *payaction_url;
    const char *payaction_api_key;
    const char *payaction_mall_id;
    const char *payaction_webhook_key;
    const char *deposit_bank;
    const char *deposit_account;
    gh_range_t deposit_amount;

    /* chat */
    const char *chat_db_params;          /* GameHoneyChatDBParams */
    int chat_ping;
    int chat_idle;
    int chat_max_frame;
    int chat_max_message;
    int chat_queue;

    /* derived in post_config (gh_config_derive), not directives */
    const char *cognito_issuer;
    const char *cognito_jwks_url;
    const char *cognito_api_url;
    const char *google_jwks;
    unsigned char *toss_aes_key;         /* 32 bytes, or NULL */
    const char *toss_payments_auth;      /* "Basic base64(secret:)", or NULL */
} gh_server_conf_t;

typedef struct {
    apr_off_t max_body;          /* GameHoneyMaxBody */
    const char *auth_user;       /* GameHoneyAuthUser */
    const char *auth_password;   /* GameHoneyAuthPassword */
    int unlink_mode;             /* GameHoneyUnlinkMode */
    gh_limit_t authfail_limit;   /* GameHoneyAuthFailLimit */
    gh_limit_t request_limit;    /* GameHoneyRequestLimit */
    const char *mount;           /* GameHoneyMount; NULL: the <Location> path */
    int chat_gateway;            /* GameHoneyChatGateway: 1 trust, 0 off */
} gh_dir_conf_t;

static APR_INLINE gh_dir_conf_t *gh_dir_conf(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &gamehoney_module);
}

static APR_INLINE gh_server_conf_t *gh_server_conf(server_rec *s)
{
    return ap_get_module_config(s->module_config, &gamehoney_module);
}

/* A server setting, or its default when unset. */
#define GH_CONF_INT(sc, field, dflt) ((sc)->field == GH_UNSET ? (dflt) : (sc)->field)
#define GH_CONF_STR(sc, field, dflt) ((sc)->field ? (sc)->field : (dflt))

static APR_INLINE gh_range_t gh_conf_range(gh_range_t set, apr_int64_t min, apr_int64_t max)
{
    gh_range_t def = { min, max };
    return set.min == GH_UNSET ? def : set;
}

/* The directive table and config hooks, for the module record. */
extern const command_rec gh_config_directives[];
void *gh_config_create_server(apr_pool_t *p, server_rec *s);
void *gh_config_merge_server(apr_pool_t *p, void *basev, void *addv);
void *gh_config_create_dir(apr_pool_t *p, char *dir);
void *gh_config_merge_dir(apr_pool_t *p, void *basev, void *addv);

/* post_config: fills each server's derived settings; refuses a malformed
 * GameHoneyTossDecryptKey. Returns OK or an HTTP status. */
int gh_config_derive(apr_pool_t *pconf, server_rec *s);

/* What a group of routes needs configured before it can serve. */
typedef enum {
    GH_NEED_SESSIONS,
    GH_NEED_GOOGLE,          /* id tokens */
    GH_NEED_GOOGLE_CODE,     /* the code exchange also needs the secret */
    GH_NEED_COGNITO,
    GH_NEED_TOSS_LOGIN,
    GH_NEED_TOSS_PAYMENTS,
    GH_NEED_PAYACTION,
    GH_NEED_CHAT,
    GH_NEED_COUNT
} gh_need_e;

/* Non-zero when sc has what `need` asks for. */
int gh_config_ready(const gh_server_conf_t *sc, gh_need_e need);

/* What `need` serves ("Payments") and the settings that give it, named
 * as directive (environment variable of the shipped conf). */
void gh_config_need(gh_need_e need, const char **what, const char **settings);

/* Logs one warning for each need the main server lacks; post_config
 * calls it once per configuration that serves. */
void gh_config_warn_unready(server_rec *s);

static APR_INLINE gh_unlink_mode_e gh_conf_unlink_mode(const gh_dir_conf_t *dc)
{
    return dc->unlink_mode == GH_UNSET ? GH_UNLINK_DELETE
                                       : (gh_unlink_mode_e)dc->unlink_mode;
}

static APR_INLINE gh_limit_t gh_conf_authfail_limit(const gh_dir_conf_t *dc)
{
    gh_limit_t def = { GH_DEFAULT_AUTHFAIL_COUNT, GH_DEFAULT_AUTHFAIL_WINDOW };
    return dc->authfail_limit.count == GH_UNSET ? def : dc->authfail_limit;
}

static APR_INLINE gh_limit_t gh_conf_request_limit(const gh_dir_conf_t *dc)
{
    gh_limit_t off = { 0, 0 };
    return dc->request_limit.count == GH_UNSET ? off : dc->request_limit;
}

#endif
