/* gh_link: the decisions of identity linking around its statements, each
 * branch: email news, the step after a lookup, the retry of a raced
 * write, a statement's row, the upsert's result and who may sign in. */
#include <string.h>

#include <apr_tables.h>

#include "check.h"
#include "suites.h"
#include "gh_link.h"

static gh_profile_t profile(const char *email, int verified)
{
    gh_profile_t prof;

    memset(&prof, 0, sizeof(prof));
    prof.sub = "sub-1";
    prof.email = email;
    prof.email_verified = verified;
    return prof;
}

static gh_user_t user_with(const char *email, int verified)
{
    gh_user_t user;

    memset(&user, 0, sizeof(user));
    user.id = "7";
    user.role = "user";
    user.active = 1;
    user.email = email;
    user.email_verified = verified;
    return user;
}

#define NEWS(pe, pv, ue, uv) \
    (gh_link_email_news((const gh_profile_t[]){ profile((pe), (pv)) }, \
                        (const gh_user_t[]){ user_with((ue), (uv)) }))

static void email_news(void)
{
    /* no email from the provider: nothing to store */
    CHECK_INT_EQ(NEWS(NULL, 0, NULL, 0), 0);
    CHECK_INT_EQ(NEWS(NULL, 1, "a@x.io", 1), 0);

    /* a verified email: news unless the user holds it verified already */
    CHECK_INT_EQ(NEWS("a@x.io", 1, "a@x.io", 1), 0);
    CHECK_INT_EQ(NEWS("A@X.io", 1, "a@x.IO", 1), 0);          /* case does not count */
    CHECK_INT_EQ(NEWS("a@x.io", 1, "a@x.io", 0), 1);          /* now verified */
    CHECK_INT_EQ(NEWS("a@x.io", 1, "b@x.io", 1), 1);          /* another verified one */
    CHECK_INT_EQ(NEWS("a@x.io", 1, "b@x.io", 0), 1);
    CHECK_INT_EQ(NEWS("a@x.io", 1, NULL, 0), 1);

    /* an unverified email never replaces a verified one */
    CHECK_INT_EQ(NEWS("a@x.io", 0, "b@x.io", 1), 0);
    CHECK_INT_EQ(NEWS("a@x.io", 0, "a@x.io", 1), 0);
    /* ... but fills no email, or replaces another unverified one */
    CHECK_INT_EQ(NEWS("a@x.io", 0, NULL, 0), 1);
    CHECK_INT_EQ(NEWS("a@x.io", 0, "b@x.io", 0), 1);
    CHECK_INT_EQ(NEWS("a@x.io", 0, "a@x.io", 0), 0);
    CHECK_INT_EQ(NEWS("a@X.io", 0, "A@x.io", 0), 0);
}

static void after_find(void)
{
    static const gh_kind_e failures[] = {
        GH_CONFLICT, GH_REFUSED, GH_BAD_INPUT, GH_DB_UNAVAILABLE, GH_DB_REJECTED,
        GH_UPSTREAM_DOWN, GH_UPSTREAM_TIMEOUT, GH_UPSTREAM_BAD, GH_NOT_CONFIGURED, GH_INTERNAL,
    };
    gh_profile_t same = profile("a@x.io", 1), newer = profile("b@x.io", 1);
    gh_user_t user = user_with("a@x.io", 1), none = user_with(NULL, 0);

    /* found, nothing new: the read is the answer */
    CHECK_INT_EQ(gh_link_after_find(GH_RESULT_OK, &same, &user), GH_LINK_USE);
    /* found, with news of the email: the upsert syncs it */
    CHECK_INT_EQ(gh_link_after_find(GH_RESULT_OK, &newer, &user), GH_LINK_SYNC);
    /* nobody holds the key: the upsert links or creates */
    CHECK_INT_EQ(gh_link_after_find(gh_result(GH_NOT_FOUND, NULL, NULL), &same, &none),
                 GH_LINK_CREATE);
    /* a failed lookup never writes, whatever the profile says */
    for (size_t i = 0; i < sizeof(failures) / sizeof(failures[0]); i++) {
        if (!CHECK_INT_EQ(gh_link_after_find(gh_result(failures[i], "x", "y"), &newer, &none),
                          GH_LINK_FAIL)) {
            fprintf(stderr, "    kind %d\n", (int)failures[i]);
        }
    }
}

static void retry(void)
{
    /* the loser of two first sign-ins: a unique violation, tried once more */
    CHECK_INT_EQ(gh_link_retry(gh_result(GH_CONFLICT, "23505", NULL)), 1);
    CHECK_INT_EQ(gh_link_retry(GH_RESULT_OK), 0);
    CHECK_INT_EQ(gh_link_retry(gh_result(GH_NOT_FOUND, NULL, NULL)), 0);
    CHECK_INT_EQ(gh_link_retry(gh_result(GH_DB_UNAVAILABLE, NULL, NULL)), 0);
    CHECK_INT_EQ(gh_link_retry(gh_result(GH_DB_REJECTED, "22P02", NULL)), 0);
}

static apr_array_header_t *rows_of(apr_pool_t *p, const char **row)
{
    apr_array_header_t *rows = apr_array_make(p, 1, sizeof(const char **));

    if (row) {
        APR_ARRAY_PUSH(rows, const char **) = row;
    }
    return rows;
}

static void read_user(apr_pool_t *p)
{
    static const char *full[] = { "42", "admin", "t", "9", "a@x.io", "Ann", "https://p/a",
                                  "t", "3" };
    static const char *bare[] = { "43", "user", "f", NULL, NULL, NULL, NULL, "f", "0" };
    gh_user_t user;
    gh_result_t res;

    /* a row: every column in its place */
    memset(&user, 0, sizeof(user));
    res = gh_link_read_user(GH_RESULT_OK, rows_of(p, full), &user);
    CHECK_INT_EQ(res.kind, GH_OK);
    CHECK_STR_EQ(user.id, "42");
    CHECK_STR_EQ(user.role, "admin");
    CHECK_INT_EQ(user.active, 1);
    CHECK_STR_EQ(user.session_id, "9");
    CHECK_STR_EQ(user.email, "a@x.io");
    CHECK_STR_EQ(user.name, "Ann");
    CHECK_STR_EQ(user.picture, "https://p/a");
    CHECK_INT_EQ(user.email_verified, 1);
    CHECK_STR_EQ(user.epoch, "3");

    /* false flags and NULL columns */
    res = gh_link_read_user(GH_RESULT_OK, rows_of(p, bare), &user);
    CHECK_INT_EQ(res.kind, GH_OK);
    CHECK_STR_EQ(user.id, "43");
    CHECK_INT_EQ(user.active, 0);
    CHECK_NULL(user.session_id);
    CHECK_NULL(user.email);
    CHECK_INT_EQ(user.email_verified, 0);

    /* no row: nobody */
    memset(&user, 0, sizeof(user));
    res = gh_link_read_user(GH_RESULT_OK, rows_of(p, NULL), &user);
    CHECK_INT_EQ(res.kind, GH_NOT_FOUND);
    CHECK_NULL(res.reason);
    CHECK_NULL(user.id);
    CHECK_INT_EQ(gh_link_read_user(GH_RESULT_OK, NULL, &user).kind, GH_NOT_FOUND);

    /* a failure is passed on as it is, and the user left alone */
    res = gh_link_read_user(gh_result(GH_DB_UNAVAILABLE, "08006", "down"), rows_of(p, full),
                            &user);
    CHECK_INT_EQ(res.kind, GH_DB_UNAVAILABLE);
    CHECK_STR_EQ(res.reason, "08006");
    CHECK_STR_EQ(res.message, "down");
    CHECK_NULL(user.id);
}

static void written(void)
{
    gh_result_t res;

    /* the upsert always returns its row: none is a bug of ours */
    res = gh_link_written(gh_result(GH_NOT_FOUND, NULL, NULL));
    CHECK_INT_EQ(res.kind, GH_INTERNAL);
    CHECK_STR_EQ(res.message, "An internal error occurred.");
    CHECK_INT_EQ(gh_link_written(GH_RESULT_OK).kind, GH_OK);
    res = gh_link_written(gh_result(GH_CONFLICT, "23505", NULL));
    CHECK_INT_EQ(res.kind, GH_CONFLICT);
    CHECK_STR_EQ(res.reason, "23505");
    CHECK_INT_EQ(gh_link_written(gh_result(GH_DB_REJECTED, NULL, NULL)).kind, GH_DB_REJECTED);
}

static void admit(void)
{
    gh_user_t user = user_with("a@x.io", 1);
    gh_result_t res;

    CHECK_INT_EQ(gh_link_admit(&user).kind, GH_OK);
    user.active = 0;
    res = gh_link_admit(&user);
    CHECK_INT_EQ(res.kind, GH_REFUSED);
    CHECK_STR_EQ(res.reason, GH_LINK_DISABLED);
    CHECK_STR_EQ(res.reason, "disabled");
    CHECK_STR_EQ(res.message, "This account is disabled.");
}

/* A sign-in as gh_identity_login runs it: the write raced and lost, its
 * second try found the (inactive) row, and the user gets no session. */
static void login_sequence(apr_pool_t *p)
{
    static const char *row[] = { "42", "user", "f", NULL, "a@x.io", NULL, NULL, "t", "0" };
    gh_result_t res = gh_result(GH_CONFLICT, "23505", NULL);
    gh_user_t user;

    memset(&user, 0, sizeof(user));
    CHECK(gh_link_retry(res));
    res = gh_link_written(gh_link_read_user(GH_RESULT_OK, rows_of(p, row), &user));
    CHECK_INT_EQ(res.kind, GH_OK);
    res = gh_link_admit(&user);
    CHECK_INT_EQ(res.kind, GH_REFUSED);
    CHECK_STR_EQ(res.reason, GH_LINK_DISABLED);
}

void test_link(apr_pool_t *p)
{
    email_news();
    after_find();
    retry();
    read_user(p);
    written();
    admit();
    login_sequence(p);
}
