/* Google sign-in's settings (gh_google_cfg.h). */
#include "gh_google_cfg.h"

#define F(member) GH_CFG_FIELD(gh_google_cfg_t, member, GH_CFG_PTR)

static const gh_cfg_field_t fields[] = {
    F(client_id), F(client_secret), F(token_url), F(jwks_url), { NULL, 0, 0 }
};

static int post_config(apr_pool_t *pconf, server_rec *s, void *conf)
{
    gh_google_cfg_t *g = conf;

    (void)pconf;
    (void)s;
    if (g->token_url == NULL) {
        g->token_url = GH_DEFAULT_GOOGLE_TOKEN_URL;
    }
    if (g->jwks_url == NULL) {
        g->jwks_url = GH_DEFAULT_GOOGLE_JWKS_URL;
    }
    return OK;
}

static int id_ready(const void *conf)
{
    return ((const gh_google_cfg_t *)conf)->client_id != NULL;
}

static int code_ready(const void *conf)
{
    const gh_google_cfg_t *g = conf;
    return g->client_id != NULL && g->client_secret != NULL;
}

const gh_cfg_need_t gh_need_google = {
    &gh_google_part, "Google sign-in", "GameHoneyGoogleClientID (GOOGLE_CLIENT_ID)",
    id_ready, NULL
};

/* worth a start-up line only when id tokens work */
const gh_cfg_need_t gh_need_google_code = {
    &gh_google_part, "Google's code exchange",
    "GameHoneyGoogleClientID and GameHoneyGoogleClientSecret "
    "(GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET)", code_ready, &gh_need_google
};

static const gh_cfg_need_t *const needs[] = { &gh_need_google, &gh_need_google_code, NULL };

gh_cfg_part_t gh_google_part = {
    "Google", 0, sizeof(gh_google_cfg_t), fields, post_config, needs, 0
};
