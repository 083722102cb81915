/* The decisions of identity linking around its statements (gh_identity.c
 * holds the SQL that links by verified email or creates, atomically). */
#include <string.h>
#include <strings.h>

#include "gh_link.h"

int gh_link_email_news(const gh_profile_t *prof, const gh_user_t *user)
{
    if (prof->email == NULL) {
        return 0;
    }
    if (prof->email_verified) {
        return !user->email_verified || user->email == NULL || strcasecmp(user->email, prof->email);
    }
    return !user->email_verified && (user->email == NULL || strcasecmp(user->email, prof->email));
}

gh_link_step_e gh_link_after_find(gh_result_t found, const gh_profile_t *prof,
                                  const gh_user_t *user)
{
    switch (found.kind) {
    case GH_OK:
        /* the common case only reads; news of the email writes */
        return gh_link_email_news(prof, user) ? GH_LINK_SYNC : GH_LINK_USE;
    case GH_NOT_FOUND:
        return GH_LINK_CREATE;
    default:
        return GH_LINK_FAIL;
    }
}

int gh_link_retry(gh_result_t res)
{
    return res.kind == GH_CONFLICT;
}

static int is_true(const char *v)
{
    return v && strcmp(v, "t") == 0;
}

gh_result_t gh_link_read_user(gh_result_t res, const apr_array_header_t *rows, gh_user_t *user)
{
    const char **row;

    if (res.kind != GH_OK) {
        return res;
    }
    if (rows == NULL || rows->nelts == 0) {
        return gh_result(GH_NOT_FOUND, NULL, NULL);
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    user->id = row[0];
    user->role = row[1];
    user->active = is_true(row[2]);
    user->session_id = row[3];
    user->email = row[4];
    user->name = row[5];
    user->picture = row[6];
    user->email_verified = is_true(row[7]);
    user->epoch = row[8];
    return GH_RESULT_OK;
}

gh_result_t gh_link_written(gh_result_t res)
{
    return res.kind == GH_NOT_FOUND
         ? gh_result(GH_INTERNAL, NULL, "An internal error occurred.")
         : res;
}

gh_result_t gh_link_admit(const gh_user_t *user)
{
    return user->active ? GH_RESULT_OK
                        : gh_result(GH_REFUSED, GH_LINK_DISABLED, "This account is disabled.");
}
