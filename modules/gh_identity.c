/* Provider logins as single statements: the lookup, the link, the insert
 * (racing logins of one new person meet in ON CONFLICT), the session and
 * its refresh token commit together. */
#include <string.h>

#include "apr_strings.h"

#include "gh_identity.h"
#include "gh_session.h"

/* Google and Cognito: find by provider key, else by a verified email not
 * yet linked to this provider, else create. A new user claims a verified
 * email only if nobody else holds it verified. A user found is synced
 * from the provider's email claims: a verified email replaces the stored
 * one unless another user holds it verified; an unverified one is stored
 * only over no email or an unverified one. Parameters: sub, email,
 * email_verified, name, picture. */
#define UPSERT(col)                                                                         \
    "WITH input (sub, email, verified, name, picture) AS"                                   \
    " (VALUES (%s, %s, CAST(%s AS boolean), %s, %s)),"                                      \
    " found AS (SELECT id FROM (SELECT u.id, 1 AS pri FROM users u, input"                   \
    " WHERE u." col " = input.sub UNION ALL SELECT u.id, 2 FROM users u, input"             \
    " WHERE input.verified AND u.email_verified AND lower(u.email) = lower(input.email)"   \
    " AND u." col " IS NULL) f ORDER BY pri LIMIT 1),"                                      \
    " taken AS (SELECT EXISTS (SELECT 1 FROM users v, input WHERE v.email_verified"         \
    " AND lower(v.email) = lower(input.email) AND v.id IS DISTINCT FROM (SELECT id FROM found))" \
    " AS other),"                                                                           \
    " linked AS (UPDATE users u SET " col " = input.sub,"                                   \
    " email = CASE WHEN input.email IS NULL THEN u.email"                                   \
    " WHEN input.verified AND NOT taken.other THEN input.email"                             \
    " WHEN u.email IS NULL OR NOT u.email_verified THEN input.email ELSE u.email END,"      \
    " email_verified = CASE WHEN input.email IS NULL THEN u.email_verified"                 \
    " WHEN input.verified AND NOT taken.other THEN true"                                    \
    " WHEN u.email IS NULL OR NOT u.email_verified THEN false ELSE u.email_verified END,"   \
    " name = coalesce(input.name, u.name), picture = coalesce(input.picture, u.picture),"  \
    " last_login_at = CASE WHEN u.is_active THEN now() ELSE u.last_login_at END,"           \
    " updated_at = now() FROM input, taken WHERE u.id = (SELECT id FROM found) RETURNING u.*)," \
    " created AS (INSERT INTO users (" col ", email, email_verified, name, picture,"       \
    " last_login_at) SELECT sub, email, verified AND NOT EXISTS (SELECT 1 FROM users v"     \
    " WHERE v.email_verified AND lower(v.email) = lower(input.email)), name, picture, now()" \
    " FROM input WHERE NOT EXISTS (SELECT 1 FROM found)"                                    \
    " ON CONFLICT (" col ") DO UPDATE SET last_login_at = CASE WHEN users.is_active"        \
    " THEN now() ELSE users.last_login_at END, updated_at = now() RETURNING *),"            \
    " u AS (SELECT * FROM linked UNION ALL SELECT * FROM created)"

/* Toss: keyed by userKey, never linked by email (Toss says nothing of its
 * verification). Parameters: userKey, name, email, phone, birthday,
 * gender, nationality. */
#define UPSERT_TOSS                                                                         \
    "WITH u AS (INSERT INTO users (toss_user_key, name, email, phone, birthday, gender,"    \
    " nationality, last_login_at) VALUES (CAST(%s AS bigint), %s, %s, %s, %s, %s, %s, now())" \
    " ON CONFLICT (toss_user_key) DO UPDATE SET name = coalesce(EXCLUDED.name, users.name)," \
    " email = coalesce(EXCLUDED.email, users.email),"                                       \
    " phone = coalesce(EXCLUDED.phone, users.phone),"                                       \
    " birthday = coalesce(EXCLUDED.birthday, users.birthday),"                              \
    " gender = coalesce(EXCLUDED.gender, users.gender),"                                    \
    " nationality = coalesce(EXCLUDED.nationality, users.nationality), updated_at = now(),"  \
    " last_login_at = CASE WHEN users.is_active THEN now() ELSE users.last_login_at END"  \
    " RETURNING *)"

/* Parameters after the upsert's: the refresh token's hex hash, its TTL. */
#define SESSION(provider)                                                                   \
    ", s AS (INSERT INTO auth_sessions (user_id, provider) SELECT id, '" provider "' FROM u" \
    " WHERE is_active RETURNING id),"                                                       \
    " t AS (INSERT INTO refresh_tokens (session_id, token_hash, expires_at)"                \
    " SELECT id, decode(%s, 'hex'), now() + make_interval(secs => CAST(%s AS int)) FROM s)" \
    " SELECT u.id, u.role, u.is_active, (SELECT id FROM s), u.email, u.name, u.picture,"    \
    " u.email_verified, u.token_epoch FROM u"

#define USER_COLUMNS "id, role, is_active, NULL, email, name, picture, email_verified, token_epoch"
#define RESOLVE_TAIL " SELECT " USER_COLUMNS " FROM u"

const gh_db_stmt_t gh_identity_statements[] = {
    { "gh_user_by_google", "SELECT " USER_COLUMNS " FROM users WHERE google_id = %s" },
    { "gh_user_by_cognito", "SELECT " USER_COLUMNS " FROM users WHERE cognito_sub = %s" },
    { "gh_user_sync_google", UPSERT("google_id") RESOLVE_TAIL },
    { "gh_user_sync_cognito", UPSERT("cognito_sub") RESOLVE_TAIL },
    { "gh_login_google", UPSERT("google_id") SESSION("google") },
    { "gh_login_cognito", UPSERT("cognito_sub") SESSION("cognito") },
    { "gh_login_toss", UPSERT_TOSS SESSION("toss") },
    { NULL, NULL }
};

typedef struct {
    const char *label;
    const char *args[9];
    int nargs;
    apr_array_header_t *rows;
} query_t;

/* Runs q and reads its first row into user (gh_link_read_user), once
 * more when it lost a race (gh_link_retry). */
static gh_result_t user_query(request_rec *r, query_t *q, gh_user_t *user)
{
    gh_result_t res = gh_db_query(r, q->label, q->nargs, q->args, &q->rows);

    if (gh_link_retry(res)) {
        res = gh_db_query(r, q->label, q->nargs, q->args, &q->rows);
    }
    return gh_link_read_user(res, q->rows, user);
}

static void profile_args(query_t *q, gh_idp_e idp, const gh_profile_t *prof)
{
    if (idp == GH_IDP_TOSS) {
        const char *const a[] = { prof->sub, prof->name, prof->email, prof->phone,
                                  prof->birthday, prof->gender, prof->nationality };
        memcpy(q->args, a, sizeof(a));
        q->nargs = 7;
    }
    else {
        const char *const a[] = { prof->sub, prof->email, prof->email_verified ? "t" : "f",
                                  prof->name, prof->picture };
        memcpy(q->args, a, sizeof(a));
        q->nargs = 5;
    }
}

gh_result_t gh_identity_find(request_rec *r, gh_idp_e idp, const char *sub, gh_user_t *user)
{
    query_t q;

    memset(&q, 0, sizeof(q));
    memset(user, 0, sizeof(*user));
    q.label = idp == GH_IDP_GOOGLE ? "gh_user_by_google" : "gh_user_by_cognito";
    q.args[0] = sub;
    q.nargs = 1;
    return user_query(r, &q, user);
}

gh_result_t gh_identity_resolve(request_rec *r, gh_idp_e idp, const gh_profile_t *prof,
                                gh_user_t *user)
{
    gh_result_t res = gh_identity_find(r, idp, prof->sub, user);
    query_t q;

    switch (gh_link_after_find(res, prof, user)) {
    case GH_LINK_CREATE:
    case GH_LINK_SYNC:
        break;
    default:
        return res;
    }
    memset(&q, 0, sizeof(q));
    memset(user, 0, sizeof(*user));
    q.label = idp == GH_IDP_GOOGLE ? "gh_user_sync_google" : "gh_user_sync_cognito";
    profile_args(&q, idp, prof);
    return gh_link_written(user_query(r, &q, user));
}

gh_result_t gh_identity_login(request_rec *r, gh_idp_e idp, const gh_profile_t *prof,
                              const char *refresh_hash, gh_user_t *user)
{
    static const char *const labels[] = { "gh_login_google", "gh_login_cognito", "gh_login_toss" };
    gh_result_t res;
    query_t q;

    memset(&q, 0, sizeof(q));
    memset(user, 0, sizeof(*user));
    q.label = labels[idp];
    profile_args(&q, idp, prof);
    q.args[q.nargs++] = refresh_hash;
    q.args[q.nargs++] = apr_itoa(r->pool, gh_session_refresh_ttl(r->server));
    res = gh_link_written(user_query(r, &q, user));
    return res.kind == GH_OK ? gh_link_admit(user) : res;
}
