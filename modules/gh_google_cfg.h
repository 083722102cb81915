/* Google sign-in's settings: the OAuth client, and where Google's token
 * endpoint and signing keys are. */
#ifndef GH_GOOGLE_CFG_H
#define GH_GOOGLE_CFG_H

#include "gh_cfg.h"

#define GH_DEFAULT_GOOGLE_TOKEN_URL "https://oauth2.googleapis.com/token"
#define GH_DEFAULT_GOOGLE_JWKS_URL  "https://www.googleapis.com/oauth2/v3/certs"

typedef struct {
    const char *client_id;       /* the aud of Google's id tokens */
    const char *client_secret;
    const char *token_url;       /* defaults applied in post_config */
    const char *jwks_url;
} gh_google_cfg_t;

extern gh_cfg_part_t gh_google_part;
extern const gh_cfg_need_t gh_need_google, gh_need_google_code;
#define GH_NEED_GOOGLE      (&gh_need_google)
#define GH_NEED_GOOGLE_CODE (&gh_need_google_code)

static APR_INLINE const gh_google_cfg_t *gh_google_cfg(server_rec *s)
{
    return gh_cfg_server(s, &gh_google_part);
}

#define GH_GOOGLE_DIRECTIVES \
    GH_CFG_STRING("GameHoneyGoogleClientID", gh_google_part, gh_google_cfg_t, client_id, \
                  "Google OAuth client id, the aud of Google id tokens"), \
    GH_CFG_STRING("GameHoneyGoogleClientSecret", gh_google_part, gh_google_cfg_t, \
                  client_secret, "Google OAuth client secret (from the environment)"), \
    GH_CFG_STRING("GameHoneyGoogleTokenURL", gh_google_part, gh_google_cfg_t, token_url, \
                  "Google's token endpoint (default https://oauth2.googleapis.com/token)"), \
    GH_CFG_STRING("GameHoneyGoogleJWKSURL", gh_google_part, gh_google_cfg_t, jwks_url, \
                  "Google's signing keys (default https://www.googleapis.com/oauth2/v3/certs)")

#endif
