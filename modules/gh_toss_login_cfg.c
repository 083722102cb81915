/* Toss sign-in's settings (gh_toss_login_cfg.h). */
#include <string.h>

#include "gh_toss_login_cfg.h"

#include "http_log.h"

#include "gh_crypto.h"

#define F(member, kind) GH_CFG_FIELD(gh_toss_login_cfg_t, member, kind)

static const gh_cfg_field_t fields[] = {
    F(url, GH_CFG_PTR), F(client_cert, GH_CFG_FILE), F(client_key, GH_CFG_FILE),
    F(decrypt_key, GH_CFG_PTR), F(decrypt_aad, GH_CFG_PTR), F(aes_key, GH_CFG_DERIVED),
    { NULL, 0, 0 }
};

static int post_config(apr_pool_t *pconf, server_rec *s, void *conf)
{
    gh_toss_login_cfg_t *t = conf;
    apr_size_t len;

    if (t->url == NULL) {
        t->url = GH_DEFAULT_TOSS_LOGIN_URL;
    }
    if (t->decrypt_key && (gh_base64_decode(pconf, t->decrypt_key, strlen(t->decrypt_key), 0,
                                            &t->aes_key, &len) != 0 || len != 32)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "GameHoneyTossDecryptKey must be the base64 of 32 bytes");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static int ready(const void *conf)
{
    const gh_toss_login_cfg_t *t = conf;
    return t->client_cert != NULL && t->client_key != NULL;
}

const gh_cfg_need_t gh_need_toss_login = {
    &gh_toss_login_part, "Toss sign-in",
    "GameHoneyTossClientCert and GameHoneyTossClientKey (TOSS_LOGIN_CERT, TOSS_LOGIN_KEY)",
    ready, NULL
};

static const gh_cfg_need_t *const needs[] = { &gh_need_toss_login, NULL };

gh_cfg_part_t gh_toss_login_part = {
    "Toss login", 0, sizeof(gh_toss_login_cfg_t), fields, post_config, needs, 0
};
