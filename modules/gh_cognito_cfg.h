/* Cognito sign-in's settings: the user pool and app client, and the
 * URLs derived from them (the issuer, the signing keys, the API). */
#ifndef GH_COGNITO_CFG_H
#define GH_COGNITO_CFG_H

#include "gh_cfg.h"

typedef struct {
    const char *region;
    const char *pool_id;
    const char *client_id;
    const char *client_secret;   /* when the app client has one */
    const char *endpoint;        /* GameHoneyCognitoEndpoint; NULL: AWS's */
    const char *issuer_set;      /* GameHoneyCognitoIssuer; NULL: derived */

    /* derived in post_config, with the region and the pool */
    const char *issuer;
    const char *jwks_url;
    const char *api_url;
} gh_cognito_cfg_t;

extern gh_cfg_part_t gh_cognito_part;
extern const gh_cfg_need_t gh_need_cognito;
#define GH_NEED_COGNITO (&gh_need_cognito)

static APR_INLINE const gh_cognito_cfg_t *gh_cognito_cfg(server_rec *s)
{
    return gh_cfg_server(s, &gh_cognito_part);
}

#define GH_COGNITO_DIRECTIVES \
    GH_CFG_STRING("GameHoneyCognitoRegion", gh_cognito_part, gh_cognito_cfg_t, region, \
                  "AWS region of the Cognito user pool"), \
    GH_CFG_STRING("GameHoneyCognitoUserPoolID", gh_cognito_part, gh_cognito_cfg_t, pool_id, \
                  "Cognito user pool id; with the region it gives the expected iss"), \
    GH_CFG_STRING("GameHoneyCognitoClientID", gh_cognito_part, gh_cognito_cfg_t, client_id, \
                  "Cognito app client id, the client_id or aud of its tokens"), \
    GH_CFG_STRING("GameHoneyCognitoClientSecret", gh_cognito_part, gh_cognito_cfg_t, \
                  client_secret, \
                  "Cognito app client secret, when the client has one (from the environment)"), \
    GH_CFG_STRING("GameHoneyCognitoEndpoint", gh_cognito_part, gh_cognito_cfg_t, endpoint, \
                  "Cognito API base URL (default https://cognito-idp.<region>.amazonaws.com)"), \
    GH_CFG_STRING("GameHoneyCognitoIssuer", gh_cognito_part, gh_cognito_cfg_t, issuer_set, \
                  "iss of the Cognito tokens (default " \
                  "https://cognito-idp.<region>.amazonaws.com/<pool id>; for an emulator or " \
                  "a custom domain)")

#endif
