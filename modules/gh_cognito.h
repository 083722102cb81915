/* AWS Cognito user pools (spec §5): the unsigned JSON API operations. */
#ifndef GH_COGNITO_H
#define GH_COGNITO_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_identity.h"

/* Calls operation (SignUp, ConfirmSignUp, InitiateAuth, ...) with body.
 * OK with the answer in *out; a Cognito error becomes a clear 4xx (401,
 * 403, 409, 400, 429...) and a failing Cognito 502/503/504, recorded with
 * gh_fail. */
int gh_cognito_call(request_rec *r, const char *operation, json_object *body, json_object **out);

/* SECRET_HASH for username, or NULL when the app client has no secret. */
const char *gh_cognito_secret_hash(request_rec *r, const char *username);

/* Whether Cognito is configured for r's server (else gh_fail'd 503). */
int gh_cognito_ready(request_rec *r);

/* GetUser: the verified attributes of the access token's user (sub,
 * email, email_verified, name, picture) into prof. OK; 401 invalid_token
 * when Cognito refuses the token (revoked, signed out); else as
 * gh_cognito_call. */
int gh_cognito_get_user(request_rec *r, const char *access_token, gh_profile_t *prof);

/* GlobalSignOut: ends every Cognito session of the access token's user.
 * As gh_cognito_call. */
int gh_cognito_global_sign_out(request_rec *r, const char *access_token);

#endif
