/* Cognito sign-in's settings (gh_cognito_cfg.h). */
#include "apr_strings.h"

#include "gh_cognito_cfg.h"

#define F(member, kind) GH_CFG_FIELD(gh_cognito_cfg_t, member, kind)

static const gh_cfg_field_t fields[] = {
    F(region, GH_CFG_PTR), F(pool_id, GH_CFG_PTR), F(client_id, GH_CFG_PTR),
    F(client_secret, GH_CFG_PTR), F(endpoint, GH_CFG_PTR), F(issuer_set, GH_CFG_PTR),
    F(issuer, GH_CFG_DERIVED), F(jwks_url, GH_CFG_DERIVED), F(api_url, GH_CFG_DERIVED),
    { NULL, 0, 0 }
};

static int post_config(apr_pool_t *pconf, server_rec *s, void *conf)
{
    gh_cognito_cfg_t *c = conf;
    const char *aws, *api;

    (void)s;
    if (c->region == NULL || c->pool_id == NULL) {
        return OK;
    }
    aws = apr_pstrcat(pconf, "https://cognito-idp.", c->region, ".amazonaws.com", NULL);
    api = c->endpoint ? c->endpoint : aws;
    c->issuer = c->issuer_set ? c->issuer_set : apr_pstrcat(pconf, aws, "/", c->pool_id, NULL);
    c->api_url = apr_pstrcat(pconf, api, "/", NULL);
    c->jwks_url = apr_pstrcat(pconf, api, "/", c->pool_id, "/.well-known/jwks.json", NULL);
    return OK;
}

static int ready(const void *conf)
{
    const gh_cognito_cfg_t *c = conf;
    return c->api_url != NULL && c->client_id != NULL;
}

const gh_cfg_need_t gh_need_cognito = {
    &gh_cognito_part, "Cognito sign-in",
    "GameHoneyCognitoRegion, GameHoneyCognitoUserPoolID and GameHoneyCognitoClientID "
    "(COGNITO_REGION, COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID)", ready, NULL
};

static const gh_cfg_need_t *const needs[] = { &gh_need_cognito, NULL };

gh_cfg_part_t gh_cognito_part = {
    "Cognito", 0, sizeof(gh_cognito_cfg_t), fields, post_config, needs, 0
};
