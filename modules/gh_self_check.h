/* Self-check entries: how the signed-in user feels, in the documented
 * ranges (sql/009), a page at a time. Returns results (gh_result.h). */
#ifndef GH_SELF_CHECK_H
#define GH_SELF_CHECK_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_page.h"
#include "gh_result.h"
#include "gh_sql.h"

extern const gh_db_stmt_t gh_self_check_statements[];

/* An entry to store, already checked: mood, energy and stress 1-5,
 * sleep_minutes 0-1440, note NULL or at most 500 characters. */
typedef struct {
    apr_int64_t mood, energy, stress, sleep_minutes;
    const char *note;
} gh_self_check_t;

/* {"items":[entry],"next_cursor"}: user_id's entries, newest first. OK
 * or a failure. */
gh_result_t gh_self_check_list(request_rec *r, const char *user_id, const gh_page_t *page,
                               json_object **out);

/* Stores an entry for user_id: *out is it as the list shows it. OK,
 * GH_NOT_FOUND "user" (no such active user), or a failure. */
gh_result_t gh_self_check_add(request_rec *r, const char *user_id, const gh_self_check_t *in,
                              json_object **out);

#endif
