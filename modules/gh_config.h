/* The core's own settings, those every area shares: the audit key, the
 * rate-limit cache and limits, the outbound HTTP client's limits, and
 * sessions. Providers and areas own theirs (gh_cfg.h parts); this is two
 * parts among them, one per server and one per <Location>. */
#ifndef GH_CONFIG_H
#define GH_CONFIG_H

#include "gh_cfg.h"

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

typedef struct {
    const char *kid;
    const char *secret;
} gh_session_key_t;

/* Server settings; post_config applies the defaults, so a reader sees
 * every field set. */
typedef struct {
    const char *audit_key;       /* GameHoneyAuditKey; NULL: a per-boot key */
    const char *limit_cache;     /* GameHoneyRateLimitCache */
    const char *jwks_cache;      /* GameHoneyJWKSCache */

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
} gh_server_conf_t;

/* <Location> settings; the accessors below apply the defaults. */
typedef struct {
    apr_off_t max_body;          /* GameHoneyMaxBody (deprecated) */
    const char *auth_user;       /* GameHoneyAuthUser */
    const char *auth_password;   /* GameHoneyAuthPassword */
    gh_limit_t authfail_limit;   /* GameHoneyAuthFailLimit */
    gh_limit_t request_limit;    /* GameHoneyRequestLimit */
    const char *mount;           /* GameHoneyMount; NULL: the <Location> path */
} gh_dir_conf_t;

extern gh_cfg_part_t gh_config_part;
extern gh_cfg_part_t gh_config_dir_part;
extern const gh_cfg_need_t gh_need_sessions;
#define GH_NEED_SESSIONS (&gh_need_sessions)

static APR_INLINE gh_server_conf_t *gh_server_conf(server_rec *s)
{
    return gh_cfg_server(s, &gh_config_part);
}

static APR_INLINE gh_dir_conf_t *gh_dir_conf(request_rec *r)
{
    return gh_cfg_dir(r, &gh_config_dir_part);
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

const char *gh_config_set_audit_key(cmd_parms *cmd, void *dcv, const char *arg);
const char *gh_config_add_session_key(cmd_parms *cmd, void *dcv, const char *kid,
                                      const char *secret);
const char *gh_config_set_refresh_grace(cmd_parms *cmd, void *dcv, const char *arg);
const char *gh_config_set_http_proxy(cmd_parms *cmd, void *dcv, int argc, char *const argv[]);
const char *gh_config_set_http_max_response(cmd_parms *cmd, void *dcv, const char *arg);
const char *gh_config_set_mount(cmd_parms *cmd, void *dcv, const char *arg);
const char *gh_config_set_max_body(cmd_parms *cmd, void *dcv, const char *arg);
const char *gh_config_set_auth_secret(cmd_parms *cmd, void *dcv, const char *arg);

#define GH_CONFIG_DIRECTIVES \
    GH_CFG_TAKE1("GameHoneyAuditKey", gh_config_set_audit_key, gh_config_part, \
                 gh_server_conf_t, audit_key, RSRC_CONF, \
                 "HMAC key (16+ characters, from the environment) for hashing user " \
                 "keys in audit rows; unset: a random key per httpd start"), \
    GH_CFG_STRING("GameHoneyRateLimitCache", gh_config_part, gh_server_conf_t, limit_cache, \
                  "socache provider[:args] holding rate-limit counters (default shmcb)"), \
    GH_CFG_STRING("GameHoneyJWKSCache", gh_config_part, gh_server_conf_t, jwks_cache, \
                  "socache provider[:args] sharing the providers' signing keys between " \
                  "children, or hosts with memcache or redis (default shmcb)"), \
    GH_CFG_TAKE1("GameHoneyHTTPConnectTimeout", gh_cfg_set_millis, gh_config_part, \
                 gh_server_conf_t, http_connect_ms, RSRC_CONF, \
                 "milliseconds to connect to an upstream service (default 2000)"), \
    GH_CFG_TAKE1("GameHoneyHTTPTimeout", gh_cfg_set_millis, gh_config_part, \
                 gh_server_conf_t, http_timeout_ms, RSRC_CONF, \
                 "milliseconds for a whole upstream call (default 5000)"), \
    GH_CFG_TAKE1("GameHoneyHTTPMaxResponse", gh_config_set_http_max_response, gh_config_part, \
                 gh_server_conf_t, http_max_response, RSRC_CONF, \
                 "largest upstream response body in bytes (default 1048576)"), \
    GH_CFG_FILE("GameHoneyHTTPCAFile", gh_config_part, gh_server_conf_t, http_ca_file, \
                "PEM file of CA certificates for upstream TLS, relative to ServerRoot " \
                "(default: the system's)"), \
    AP_INIT_TAKE_ARGV("GameHoneyHTTPProxy", gh_config_set_http_proxy, \
                      GH_CFG_SLOT(gh_config_part, gh_server_conf_t, http_proxy), RSRC_CONF, \
                      "http:// or https:// URL of the proxy for every upstream call " \
                      "(default: libcurl's https_proxy/http_proxy variables, if any)"), \
    GH_CFG_STRING("GameHoneyHTTPNoProxy", gh_config_part, gh_server_conf_t, http_no_proxy, \
                  "comma-separated hosts reached without GameHoneyHTTPProxy, as curl's " \
                  "NO_PROXY (default: the NO_PROXY environment variable)"), \
    GH_CFG_TAKE2("GameHoneySessionKey", gh_config_add_session_key, gh_config_part, \
                 gh_server_conf_t, session_keys, RSRC_CONF, \
                 "<kid> <secret>: HS256 key for session tokens (32+ characters, from the " \
                 "environment); repeatable: the first signs, all verify"), \
    GH_CFG_STRING("GameHoneySessionIssuer", gh_config_part, gh_server_conf_t, session_issuer, \
                  "iss of the session tokens this server issues (default gamehoney)"), \
    GH_CFG_TAKE1("GameHoneyAccessTokenTTL", gh_cfg_set_seconds, gh_config_part, \
                 gh_server_conf_t, access_ttl, RSRC_CONF, \
                 "lifetime of access tokens in seconds (default 900)"), \
    GH_CFG_TAKE1("GameHoneyRefreshTokenTTL", gh_cfg_set_seconds, gh_config_part, \
                 gh_server_conf_t, refresh_ttl, RSRC_CONF, \
                 "lifetime of refresh tokens in seconds (default 2592000, 30 days)"), \
    GH_CFG_TAKE1("GameHoneyTokenLeeway", gh_cfg_set_seconds, gh_config_part, \
                 gh_server_conf_t, token_leeway, RSRC_CONF, \
                 "clock skew allowed on token exp, nbf and iat, in seconds (default 60)"), \
    GH_CFG_TAKE1("GameHoneyRefreshReuseGrace", gh_config_set_refresh_grace, gh_config_part, \
                 gh_server_conf_t, refresh_grace, RSRC_CONF, \
                 "seconds after a rotation in which the old refresh token gives the same " \
                 "successor again, not a theft signal (default 10; 0 turns it off)"), \
    GH_CFG_TAKE1("GameHoneyMount", gh_config_set_mount, gh_config_dir_part, gh_dir_conf_t, \
                 mount, GH_CFG_DIR_SCOPE, \
                 "URL path an area's routes are relative to (default: the <Location> path; " \
                 "needed under <LocationMatch>)"), \
    GH_CFG_TAKE1("GameHoneyMaxBody", gh_config_set_max_body, gh_config_dir_part, \
                 gh_dir_conf_t, max_body, GH_CFG_DIR_SCOPE, \
                 "deprecated alias of LimitRequestBody for the module's areas " \
                 "(kept for one release); the lower of the two applies"), \
    GH_CFG_TAKE1("GameHoneyAuthUser", gh_config_set_auth_secret, gh_config_dir_part, \
                 gh_dir_conf_t, auth_user, GH_CFG_DIR_SCOPE, \
                 "user name accepted by 'AuthBasicProvider gamehoney'"), \
    GH_CFG_TAKE1("GameHoneyAuthPassword", gh_config_set_auth_secret, gh_config_dir_part, \
                 gh_dir_conf_t, auth_password, GH_CFG_DIR_SCOPE, \
                 "password accepted by 'AuthBasicProvider gamehoney' (from the environment)"), \
    GH_CFG_TAKE2("GameHoneyAuthFailLimit", gh_cfg_set_limit, gh_config_dir_part, \
                 gh_dir_conf_t, authfail_limit, GH_CFG_DIR_SCOPE, \
                 "<count> <seconds>: failed authentications per client IP before 429 " \
                 "(default 20 600; 0 turns it off)"), \
    GH_CFG_TAKE2("GameHoneyRequestLimit", gh_cfg_set_limit, gh_config_dir_part, \
                 gh_dir_conf_t, request_limit, GH_CFG_DIR_SCOPE, \
                 "<count> <seconds>: requests per client IP before 429 (default off)")

#endif
