/* Our own session tokens: short-lived HS256 access JWTs signed with the
 * first GameHoneySessionKey (the others still verify, by kid), and opaque
 * refresh tokens of 256 random bits of which only a SHA-256 is stored. */
#ifndef GH_SESSION_H
#define GH_SESSION_H

#include "httpd.h"

#include "gh_jwt.h"

typedef struct {
    const char *user_id;
    const char *role;
    const char *session_id;
    apr_int64_t expires_at;     /* seconds since the epoch */
} gh_session_claims_t;

/* Whether iss names this server's session tokens. */
int gh_session_is_ours(server_rec *s, const char *iss);

/* A signed access token for the session; NULL (logged) when no
 * GameHoneySessionKey is configured. *expires_in gets its lifetime. */
const char *gh_session_access_token(request_rec *r, const char *user_id, const char *role,
                                    const char *session_id, int *expires_in);

/* Verifies a parsed token as one of ours. 0, or -1 with *err. */
int gh_session_verify(request_rec *r, const gh_jwt_t *jwt, gh_session_claims_t *out,
                      const char **err);

/* A fresh refresh token and the hex SHA-256 to store for it. */
int gh_session_new_refresh(apr_pool_t *p, const char **token, const char **hash_hex);

/* The hex SHA-256 under which a presented refresh token is stored; NULL
 * when it cannot be one of ours. */
const char *gh_session_refresh_hash(apr_pool_t *p, const char *token);

/* Lifetime of refresh tokens, in seconds. */
int gh_session_refresh_ttl(server_rec *s);

#endif
