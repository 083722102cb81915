/* Google OAuth 2.0 (spec §6): the authorization-code exchange. */
#ifndef GH_GOOGLE_H
#define GH_GOOGLE_H

#include "httpd.h"

#include "gh_result.h"

/* Exchanges code at Google's token endpoint (which the caller checked is
 * configured, GH_NEED_GOOGLE_CODE) and returns the id_token (not yet
 * verified). GH_OK; GH_REFUSED, with Google's error ("invalid_grant") as
 * the reason, for a code Google refuses; gh_curl_fail's result or
 * GH_UPSTREAM_BAD when Google fails. */
gh_result_t gh_google_exchange(request_rec *r, const char *code, const char *redirect_uri,
                               const char *code_verifier, const char **id_token);

#endif
