/* Apps in Toss login (spec §1): generate-token, then login-me, over
 * mutual TLS, with personal fields decrypted when a key is configured. */
#ifndef GH_TOSS_LOGIN_H
#define GH_TOSS_LOGIN_H

#include "httpd.h"

#include "gh_identity.h"

/* Trades an authorization code for the person it names: prof->sub is the
 * userKey, and the personal fields are set only when
 * GameHoneyTossDecryptKey/AAD are configured. OK, or 401 for a code Toss
 * refuses, 502/503/504 when Toss fails; recorded with gh_fail. */
int gh_toss_login(request_rec *r, const char *code, const char *referrer, gh_profile_t *prof);

#endif
