/* Google OAuth 2.0 (spec §6): the authorization-code exchange. */
#ifndef GH_GOOGLE_H
#define GH_GOOGLE_H

#include "httpd.h"

/* Exchanges code at Google's token endpoint and returns the id_token
 * (not yet verified). OK, or 401 for a code Google refuses, 502/503/504
 * when Google fails; recorded with gh_fail. */
int gh_google_exchange(request_rec *r, const char *code, const char *redirect_uri,
                       const char *code_verifier, const char **id_token);

#endif
