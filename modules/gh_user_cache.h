/* What every request needs to know of its user, without a database round
 * trip: the token epoch, role and active flag of each user seen, cached
 * per child. A trigger on users NOTIFYs gamehoney_users with the id of a
 * user whose role, active flag or epoch changed, or who was deleted; the
 * bus drops that entry. While the bus connection is down (or there is no
 * bus) nothing cached is believed: every lookup reads the database. */
#ifndef GH_USER_CACHE_H
#define GH_USER_CACHE_H

#include "httpd.h"

#include "gh_db.h"
#include "gh_result.h"

typedef struct {
    int exists;
    int active;
    apr_int64_t epoch;        /* users.token_epoch */
    const char *role;         /* in r->pool */
} gh_user_state_t;

extern const gh_db_stmt_t gh_user_cache_statements[];

/* child_init: the cache and its bus subscription. */
void gh_user_cache_child_init(apr_pool_t *pchild, server_rec *s);

/* The current state of user id: GH_OK, or the database's failure. */
gh_result_t gh_user_cache_get(request_rec *r, apr_int64_t id, gh_user_state_t *out);

#endif
