/* The core's settings (gh_config.h): their fields, their own setters,
 * their defaults and what sessions need. */
#include <string.h>
#include <strings.h>

#include "gh_config.h"

#include "apr_strings.h"
#include "http_log.h"

#define SRV(member, kind) GH_CFG_FIELD(gh_server_conf_t, member, kind)
#define DIR(member, kind) GH_CFG_FIELD(gh_dir_conf_t, member, kind)

static const gh_cfg_field_t server_fields[] = {
    SRV(audit_key, GH_CFG_PTR),
    SRV(limit_cache, GH_CFG_PTR),
    SRV(jwks_cache, GH_CFG_PTR),
    SRV(http_connect_ms, GH_CFG_INT),
    SRV(http_timeout_ms, GH_CFG_INT),
    SRV(http_max_response, GH_CFG_OFF),
    SRV(http_ca_file, GH_CFG_FILE),
    SRV(http_proxy, GH_CFG_PTR),
    SRV(http_no_proxy, GH_CFG_PTR),
    SRV(session_keys, GH_CFG_PTR),
    SRV(session_issuer, GH_CFG_PTR),
    SRV(access_ttl, GH_CFG_INT),
    SRV(refresh_ttl, GH_CFG_INT),
    SRV(token_leeway, GH_CFG_INT),
    SRV(refresh_grace, GH_CFG_INT),
    { NULL, 0, 0 }
};

static const gh_cfg_field_t dir_fields[] = {
    DIR(max_body, GH_CFG_OFF),
    DIR(auth_user, GH_CFG_PTR),
    DIR(auth_password, GH_CFG_PTR),
    DIR(authfail_limit, GH_CFG_LIMIT),
    DIR(request_limit, GH_CFG_LIMIT),
    DIR(mount, GH_CFG_PTR),
    { NULL, 0, 0 }
};

#define DEFAULT(field, value) if (sc->field == GH_UNSET) sc->field = (value)

static int post_config(apr_pool_t *pconf, server_rec *s, void *conf)
{
    gh_server_conf_t *sc = conf;

    (void)pconf;
    (void)s;
    DEFAULT(http_connect_ms, GH_DEFAULT_HTTP_CONNECT_MS);
    DEFAULT(http_timeout_ms, GH_DEFAULT_HTTP_TIMEOUT_MS);
    DEFAULT(http_max_response, GH_DEFAULT_HTTP_MAX_RESPONSE);
    DEFAULT(access_ttl, GH_DEFAULT_ACCESS_TTL);
    DEFAULT(refresh_ttl, GH_DEFAULT_REFRESH_TTL);
    DEFAULT(token_leeway, GH_DEFAULT_TOKEN_LEEWAY);
    DEFAULT(refresh_grace, GH_DEFAULT_REFRESH_GRACE);
    if (sc->limit_cache == NULL) {
        sc->limit_cache = "shmcb";
    }
    if (sc->jwks_cache == NULL) {
        sc->jwks_cache = "shmcb";
    }
    if (sc->session_issuer == NULL) {
        sc->session_issuer = GH_DEFAULT_SESSION_ISSUER;
    }
    return OK;
}

static int sessions_ready(const void *conf)
{
    const gh_server_conf_t *sc = conf;
    return sc->session_keys != NULL && sc->session_keys->nelts > 0;
}

const gh_cfg_need_t gh_need_sessions = {
    &gh_config_part, "Sign-in sessions", "GameHoneySessionKey (GAMEHONEY_SESSION_KEY)",
    sessions_ready, NULL
};

static const gh_cfg_need_t *const needs[] = { &gh_need_sessions, NULL };

gh_cfg_part_t gh_config_part = {
    "core", 0, sizeof(gh_server_conf_t), server_fields, post_config, needs, 0
};

gh_cfg_part_t gh_config_dir_part = {
    "core <Location>", 1, sizeof(gh_dir_conf_t), dir_fields, NULL, NULL, 0
};

/* ---- setters the generic ones do not cover ------------------------------ */

const char *gh_config_set_audit_key(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err = gh_cfg_check_secret(cmd, arg);

    if (err == NULL && strlen(arg) < 16) {
        err = "GameHoneyAuditKey must be at least 16 characters";
    }
    if (err == NULL) {
        *(const char **)gh_cfg_target(cmd, dcv) = arg;
    }
    return err;
}

const char *gh_config_add_session_key(cmd_parms *cmd, void *dcv, const char *kid,
                                      const char *secret)
{
    apr_array_header_t **keys = gh_cfg_target(cmd, dcv);
    const char *err = gh_cfg_check_secret(cmd, secret);
    gh_session_key_t *key;

    if (err) {
        return err;
    }
    if (strlen(secret) < 32) {
        return "GameHoneySessionKey: the secret must be at least 32 characters";
    }
    if (*kid == '\0' || strlen(kid) > 64) {
        return "GameHoneySessionKey: the key id must be 1 to 64 characters";
    }
    if (*keys == NULL) {
        *keys = apr_array_make(cmd->pool, 2, sizeof(gh_session_key_t));
    }
    for (int i = 0; i < (*keys)->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(*keys, i, gh_session_key_t).kid, kid) == 0) {
            return apr_pstrcat(cmd->pool, "GameHoneySessionKey: key id ", kid,
                               " is given twice", NULL);
        }
    }
    key = apr_array_push(*keys);
    key->kid = kid;
    key->secret = secret;
    return NULL;
}

/* Seconds, where 0 turns the feature off. */
const char *gh_config_set_refresh_grace(cmd_parms *cmd, void *dcv, const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);

    if (*arg == '\0' || *end || v < 0 || v > 300) {
        return "GameHoneyRefreshReuseGrace takes seconds, 0 (off) to 300";
    }
    *(int *)gh_cfg_target(cmd, dcv) = (int)v;
    return NULL;
}

static const char *set_bytes(cmd_parms *cmd, void *dcv, const char *arg, apr_off_t min,
                             const char *why)
{
    char *end;
    apr_off_t n;

    if (apr_strtoff(&n, arg, &end, 10) != APR_SUCCESS || *end || n < min) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, why, NULL);
    }
    *(apr_off_t *)gh_cfg_target(cmd, dcv) = n;
    return NULL;
}

/* A proxy URL with a scheme, so that libcurl never guesses one. */
const char *gh_config_set_http_proxy(cmd_parms *cmd, void *dcv, int argc, char *const argv[])
{
    const char *err = gh_cfg_set_string(cmd, dcv, argc, argv);
    const char *v = *(const char **)gh_cfg_target(cmd, dcv);

    if (err == NULL && v && strncasecmp(v, "http://", 7) != 0
        && strncasecmp(v, "https://", 8) != 0) {
        err = "GameHoneyHTTPProxy takes an http:// or https:// URL";
    }
    return err;
}

const char *gh_config_set_http_max_response(cmd_parms *cmd, void *dcv, const char *arg)
{
    return set_bytes(cmd, dcv, arg, 1024, " takes a number of bytes, at least 1024");
}

const char *gh_config_set_max_body(cmd_parms *cmd, void *dcv, const char *arg)
{
    return set_bytes(cmd, dcv, arg, 1, " takes a positive number of bytes");
}

const char *gh_config_set_mount(cmd_parms *cmd, void *dcv, const char *arg)
{
    if (*arg != '/') {
        return "GameHoneyMount takes a URL path starting with '/'";
    }
    *(const char **)gh_cfg_target(cmd, dcv) = arg;
    return NULL;
}

const char *gh_config_set_auth_secret(cmd_parms *cmd, void *dcv, const char *arg)
{
    const char *err = gh_cfg_check_secret(cmd, arg);

    if (err == NULL) {
        *(const char **)gh_cfg_target(cmd, dcv) = arg;
    }
    return err;
}
