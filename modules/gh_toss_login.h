/* Apps in Toss login (spec §1): generate-token, then login-me, over
 * mutual TLS, with personal fields decrypted when a key is configured. */
#ifndef GH_TOSS_LOGIN_H
#define GH_TOSS_LOGIN_H

#include "httpd.h"

#include "gh_link.h"
#include "gh_result.h"

/* Trades an authorization code for the person it names: prof->sub is the
 * userKey, and the personal fields are set only when
 * GameHoneyTossDecryptKey/AAD are configured. GH_OK; GH_REFUSED, with
 * Toss's error code as the reason, for a code Toss refuses; gh_curl_fail's
 * result or GH_UPSTREAM_BAD when Toss fails. */
gh_result_t gh_toss_login(request_rec *r, const char *code, const char *referrer,
                          gh_profile_t *prof);

#endif
