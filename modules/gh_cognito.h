/* AWS Cognito user pools (spec §5): the unsigned JSON API operations. */
#ifndef GH_COGNITO_H
#define GH_COGNITO_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_cognito_refusal.h"
#include "gh_link.h"
#include "gh_result.h"

/* Calls operation (SignUp, ConfirmSignUp, InitiateAuth, ...) with body.
 * GH_OK with the answer in *out; an exception Cognito answers with is
 * gh_cognito_refusal's result, and a failing Cognito gh_curl_fail's or
 * GH_UPSTREAM_BAD. */
gh_result_t gh_cognito_call(request_rec *r, const char *operation, json_object *body,
                            json_object **out);

/* SECRET_HASH for username, or NULL when the app client has no secret. */
const char *gh_cognito_secret_hash(request_rec *r, const char *username);

/* GetUser: the verified attributes of the access token's user (sub,
 * email, email_verified, name, picture) into prof. As gh_cognito_call: a
 * token Cognito refuses (revoked, signed out) is NotAuthorizedException. */
gh_result_t gh_cognito_get_user(request_rec *r, const char *access_token, gh_profile_t *prof);

/* GlobalSignOut: ends every Cognito session of the access token's user.
 * As gh_cognito_call. */
gh_result_t gh_cognito_global_sign_out(request_rec *r, const char *access_token);

#endif
