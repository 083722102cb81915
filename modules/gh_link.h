/* Who a person is to an identity provider and to us, and the rules of
 * linking the two that are not SQL: whether a lookup's user is enough or
 * the upsert must run, what a statement's rows say, when a raced write is
 * tried again, and who may sign in. Pure: APR only (gh_identity.c runs
 * the statements), so C unit tests cover every branch. */
#ifndef GH_LINK_H
#define GH_LINK_H

#include <apr_tables.h>

#include "gh_result.h"

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

/* The reason of the refusal an inactive user gets (GH_REFUSED). */
#define GH_LINK_DISABLED "disabled"

/* What a sign-in does after looking the provider key up. */
typedef enum {
    GH_LINK_USE,        /* the user found is the answer */
    GH_LINK_CREATE,     /* nobody holds the key: the upsert links by verified email or creates */
    GH_LINK_SYNC,       /* the user found, with news of the email: the upsert stores it */
    GH_LINK_FAIL        /* the lookup failed: its result is the answer */
} gh_link_step_e;

/* The step after a lookup that gave found (GH_OK with user, GH_NOT_FOUND,
 * or a failure) for a person prof describes. */
gh_link_step_e gh_link_after_find(gh_result_t found, const gh_profile_t *prof,
                                  const gh_user_t *user);

/* Whether prof says something of the email that the upsert would store:
 * a verified email the user lacks verified, or an unverified one over no
 * email or an unverified other. A verified email another user holds stays
 * news (the upsert leaves it), and is tried again at each sight. */
int gh_link_email_news(const gh_profile_t *prof, const gh_user_t *user);

/* Whether a statement that gave res is run once more: two first sign-ins
 * of one person race, the loser's insert violates a unique index
 * (GH_CONFLICT), and a second try, on a fresh snapshot, finds the row. */
int gh_link_retry(gh_result_t res);

/* The user in the first of rows (id, role, is_active, session id, email,
 * name, picture, email_verified, token_epoch) when res is GH_OK; GH_NOT_FOUND
 * when there is no row; else res. */
gh_result_t gh_link_read_user(gh_result_t res, const apr_array_header_t *rows, gh_user_t *user);

/* The upsert's result: it always returns its row, so none is our bug
 * (GH_INTERNAL); else res. */
gh_result_t gh_link_written(gh_result_t res);

/* Whether user may have a session: GH_OK, or GH_REFUSED with reason
 * GH_LINK_DISABLED. */
gh_result_t gh_link_admit(const gh_user_t *user);

#endif
