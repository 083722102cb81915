/* A user's own money, a page at a time, newest first: their orders with
 * their refunds, and their points ledger. Returns results (gh_result.h). */
#ifndef GH_PAY_HISTORY_H
#define GH_PAY_HISTORY_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_db.h"
#include "gh_page.h"
#include "gh_result.h"

extern const gh_db_stmt_t gh_pay_history_statements[];

/* {"payments":[order with "cancels"], "next_cursor"}: OK or a failure. */
gh_result_t gh_pay_history_orders(request_rec *r, const char *user_id, const gh_page_t *page,
                                  json_object **out);

/* {"remaining_points","points_debt","entries":[ledger row],"next_cursor"}:
 * OK, GH_NOT_FOUND "user", or a failure. */
gh_result_t gh_pay_history_points(request_rec *r, const char *user_id, const gh_page_t *page,
                                  json_object **out);

#endif
