/* Our own session tokens: short-lived HS256 access JWTs signed with the
 * first GameHoneySessionKey (the others still verify, by kid), and opaque
 * refresh tokens of 256 random bits of which only a SHA-256 is stored. */
#ifndef GH_SESSION_H
#define GH_SESSION_H

#include "httpd.h"

#include "gh_jwt.h"

typedef struct {
    const char *user_id;        /* a positive decimal, as are session_id ... */
    apr_int64_t uid;            /* ... and its value */
    const char *role;           /* what it was at issue; the current one is cached */
    const char *session_id;
    apr_int64_t epoch;          /* users.token_epoch at issue; 0 when absent */
    apr_int64_t expires_at;     /* seconds since the epoch */
} gh_session_claims_t;

/* Whether iss names this server's session tokens. */
int gh_session_is_ours(server_rec *s, const char *iss);

/* A signed access token for the session, carrying the user's token
 * epoch; NULL (logged) when no GameHoneySessionKey is configured.
 * *expires_in gets its lifetime. */
const char *gh_session_access_token(request_rec *r, const char *user_id, const char *role,
                                    const char *session_id, const char *epoch,
                                    int *expires_in);

/* Verifies a parsed token as one of ours, and that its claims are well
 * formed (sub and sid positive integers, epoch a non-negative one), so a
 * bad one never reaches SQL. 0, or -1 with *err. */
int gh_session_verify(request_rec *r, const gh_jwt_t *jwt, gh_session_claims_t *out,
                      const char **err);

/* A fresh refresh token and the hex SHA-256 to store for it. */
int gh_session_new_refresh(apr_pool_t *p, const char **token, const char **hash_hex);

/* The successor of a presented refresh token, and the hex SHA-256 to
 * store for it: an HMAC of the presented token under the first session
 * key, so the same token presented again (two tabs refreshing at once)
 * gives the same successor, on any host, with nothing secret stored. */
int gh_session_successor(request_rec *r, const char *presented, const char **token,
                         const char **hash_hex);

/* Seconds after a rotation in which the rotated token gives its
 * successor again (GameHoneyRefreshReuseGrace). */
int gh_session_refresh_grace(server_rec *s);

/* The hex SHA-256 under which a presented refresh token is stored; NULL
 * when it cannot be one of ours. */
const char *gh_session_refresh_hash(apr_pool_t *p, const char *token);

/* Lifetime of refresh tokens, in seconds. */
int gh_session_refresh_ttl(server_rec *s);

#endif
