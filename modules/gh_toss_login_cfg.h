/* Toss sign-in's settings: the API, the mutual-TLS client certificate,
 * and the AES-256-GCM key (and AAD) of the personal fields Toss seals. */
#ifndef GH_TOSS_LOGIN_CFG_H
#define GH_TOSS_LOGIN_CFG_H

#include "gh_cfg.h"

#define GH_DEFAULT_TOSS_LOGIN_URL "https://apps-in-toss-api.toss.im"

typedef struct {
    const char *url;             /* default applied in post_config */
    const char *client_cert;     /* PEM files, resolved against ServerRoot */
    const char *client_key;
    const char *decrypt_key;     /* base64 of 32 bytes */
    const char *decrypt_aad;

    unsigned char *aes_key;      /* derived: decrypt_key's 32 bytes, or NULL */
} gh_toss_login_cfg_t;

extern gh_cfg_part_t gh_toss_login_part;
extern const gh_cfg_need_t gh_need_toss_login;
#define GH_NEED_TOSS_LOGIN (&gh_need_toss_login)

static APR_INLINE const gh_toss_login_cfg_t *gh_toss_login_cfg(server_rec *s)
{
    return gh_cfg_server(s, &gh_toss_login_part);
}

#define GH_TOSS_LOGIN_DIRECTIVES \
    GH_CFG_STRING("GameHoneyTossLoginURL", gh_toss_login_part, gh_toss_login_cfg_t, url, \
                  "Apps in Toss API base URL (default https://apps-in-toss-api.toss.im)"), \
    GH_CFG_FILE("GameHoneyTossClientCert", gh_toss_login_part, gh_toss_login_cfg_t, \
                client_cert, "PEM client certificate for Toss's mutual TLS, relative to " \
                "ServerRoot"), \
    GH_CFG_FILE("GameHoneyTossClientKey", gh_toss_login_part, gh_toss_login_cfg_t, \
                client_key, "PEM private key of the Toss client certificate, relative to " \
                "ServerRoot"), \
    GH_CFG_STRING("GameHoneyTossDecryptKey", gh_toss_login_part, gh_toss_login_cfg_t, \
                  decrypt_key, \
                  "base64 AES-256 key for Toss personal fields (from the environment)"), \
    GH_CFG_STRING("GameHoneyTossDecryptAAD", gh_toss_login_part, gh_toss_login_cfg_t, \
                  decrypt_aad, "AAD for Toss personal fields (from the environment)")

#endif
