/* Bearer authentication for every area: our session tokens, Cognito
 * access and id tokens, and Google id tokens, each verified by its
 * issuer's rules with the algorithm pinned. As an httpd AuthType:
 *   AuthType GameHoney
 *   Require valid-user                (or: Require gamehoney-role admin)
 * sets r->user to our user id. */
#ifndef GH_AUTH_H
#define GH_AUTH_H

#include "httpd.h"
#include "mod_auth.h"

#include "gh_identity.h"
#include "gh_jwt.h"
#include "gh_result.h"
#include "gh_session.h"

typedef struct {
    const char *what;             /* "access token" or "id token", for messages */
    int ours;                     /* one of our session tokens */
    gh_idp_e idp;                 /* else its provider */
    int access;                   /* a Cognito access token (no profile claims) */
    gh_jwt_t jwt;
    const char *sub;              /* the provider's subject */
    gh_session_claims_t session;  /* when ours */
} gh_token_t;

/* Verifies token (no database); what ("access token", "id token") names
 * it in messages. OK, or 401 (with WWW-Authenticate) or 503 when a
 * provider's keys cannot be had, recorded with gh_fail. */
int gh_auth_verify(request_rec *r, const char *token, const char *what, gh_token_t *t);

/* OK for a result of kind GH_OK; else the failure a sign-in's result
 * becomes: a disabled account's, Cognito's exceptions' own codes
 * (not_authorized, username_exists, too_many_requests, cognito_error...),
 * or the kind's default (gh_fail_result). */
int gh_auth_answer(request_rec *r, gh_result_t res);

/* The profile claims of a verified provider token. */
void gh_auth_profile(const gh_token_t *t, gh_profile_t *prof);

/* Verifies r's bearer token and finds its user (a provider's user is
 * created on first sight, and synced from the token's email claims); for
 * our tokens, the user must exist, be active and be at the token's epoch
 * (gh_user_cache). Sets r->user, the current role and gh_auth_token(r).
 * OK or a failure. */
int gh_auth_user(request_rec *r);

/* The token gh_auth_user verified for r, or NULL. */
const gh_token_t *gh_auth_token(const request_rec *r);

/* The role gh_auth_user found for r, or NULL. */
const char *gh_auth_role(const request_rec *r);

/* check_authn hook for AuthType GameHoney. */
int gh_auth_check_authn(request_rec *r);

/* Refuses r's bearer token: 401 invalid_token with RFC 6750's challenge,
 * message saying why. */
int gh_auth_refuse(request_rec *r, const char *message);

/* note_auth_failure hook: WWW-Authenticate for AuthType GameHoney. */
int gh_auth_note_failure(request_rec *r, const char *auth_type);

/* Require gamehoney-role <role>... */
extern const authz_provider gh_authz_role_provider;

/* child_init: watches the JWKS documents the configured issuers use. */
void gh_auth_child_init(apr_pool_t *pchild, server_rec *s);

#endif
