/* One identity model for every provider: users are found by their
 * provider key, linked across providers only through a verified email, or
 * created; a login also opens a session (a refresh-token family). */
#ifndef GH_IDENTITY_H
#define GH_IDENTITY_H

#include "httpd.h"

#include "gh_db.h"

typedef enum {
    GH_IDP_GOOGLE,
    GH_IDP_COGNITO,
    GH_IDP_TOSS
} gh_idp_e;

/* What a provider says about a person. For Toss, sub is the userKey and
 * the other fields are whatever login-me gave (decrypted). */
typedef struct {
    const char *sub;
    const char *email;
    int email_verified;
    const char *name;
    const char *picture;
    const char *phone, *birthday, *gender, *nationality;   /* Toss only */
} gh_profile_t;

typedef struct {
    const char *id;
    const char *role;
    int active;
    const char *session_id;      /* set by gh_identity_login */
    const char *epoch;           /* users.token_epoch */
    const char *email;
    int email_verified;
    const char *name;
    const char *picture;
} gh_user_t;

extern const gh_db_stmt_t gh_identity_statements[];

/* The user a provider key belongs to, or HTTP_NOT_FOUND (not recorded
 * with gh_fail) when there is none yet; reads only. */
int gh_identity_find(request_rec *r, gh_idp_e idp, const char *sub, gh_user_t *user);

/* The user a provider key belongs to, created (and linked by verified
 * email) on first sight, and synced when the profile's email claims are
 * news to the row. OK, or a failed status. */
int gh_identity_resolve(request_rec *r, gh_idp_e idp, const gh_profile_t *prof, gh_user_t *user);

/* As gh_identity_resolve, and opens a session whose first refresh token
 * is stored under refresh_hash; an inactive user gets no session (403). */
int gh_identity_login(request_rec *r, gh_idp_e idp, const gh_profile_t *prof,
                      const char *refresh_hash, gh_user_t *user);

#endif
