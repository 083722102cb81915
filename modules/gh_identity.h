/* One identity model for every provider: users are found by their
 * provider key, linked across providers only through a verified email, or
 * created; a login also opens a session (a refresh-token family). */
#ifndef GH_IDENTITY_H
#define GH_IDENTITY_H

#include "httpd.h"

#include "gh_db.h"
#include "gh_link.h"
#include "gh_result.h"

extern const gh_db_stmt_t gh_identity_statements[];

/* The user a provider key belongs to: GH_OK, GH_NOT_FOUND when there is
 * none yet, or the database's failure; reads only. */
gh_result_t gh_identity_find(request_rec *r, gh_idp_e idp, const char *sub, gh_user_t *user);

/* The user a provider key belongs to, created (and linked by verified
 * email) on first sight, and synced when the profile's email claims are
 * news to the row (gh_link.h). GH_OK, or the database's failure. */
gh_result_t gh_identity_resolve(request_rec *r, gh_idp_e idp, const gh_profile_t *prof,
                                gh_user_t *user);

/* As gh_identity_resolve, and opens a session whose first refresh token
 * is stored under refresh_hash; an inactive user gets no session
 * (GH_REFUSED, reason GH_LINK_DISABLED). */
gh_result_t gh_identity_login(request_rec *r, gh_idp_e idp, const gh_profile_t *prof,
                              const char *refresh_hash, gh_user_t *user);

#endif
