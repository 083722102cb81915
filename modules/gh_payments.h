/* Orders and the points ledger, shared by the Toss Payments areas
 * (checkout, points wallet, admin) and Payaction: loading an order,
 * crediting it exactly once, and carrying out what gh_pay_rules decides
 * about Toss's answers. Every function returns a result (gh_result.h);
 * the areas turn it into an answer. Reasons: "order" and "user" (with
 * GH_NOT_FOUND), "payment_mismatch" (GH_CONFLICT), "key_reused"
 * (GH_BAD_INPUT, gh_pay_rules.h). */
#ifndef GH_PAYMENTS_H
#define GH_PAYMENTS_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_config.h"
#include "gh_db.h"
#include "gh_pay_rules.h"
#include "gh_result.h"
#include "gh_toss_payments.h"

/* The ledger credit for the orders in a CTE named o (user_id, amount,
 * order_id): one entry per order through points_credit (sql/006), which
 * pays the user's debt first and is exactly-once by the ledger's unique
 * (source_type, source_id). A CTE l holds the new entries' ids. */
#define GH_SQL_CREDIT_ORDERS(source_type, reason) \
    " l AS (SELECT c.o_id AS id FROM o, LATERAL points_credit(o.user_id, o.amount," \
    " '" reason " ' || o.order_id, '" source_type "', o.order_id, NULL) c WHERE c.o_new)"

/* A credit made exactly-once by its source reference (points_credit: the
 * user's debt is paid first). Parameters: user id, amount, reason, src,
 * actor. Rows: ('new'|'replay', id, user_id, amount, balance_after,
 * reason); none when the user does not exist. */
#define GH_SQL_POINTS_CREDIT(source_type) \
    "SELECT CASE WHEN o_new THEN 'new' ELSE 'replay' END AS outcome, o_id, o_user_id," \
    " o_amount, o_balance_after, o_reason FROM points_credit(CAST(%s AS bigint)," \
    " CAST(%s AS bigint), CAST(%s AS text), '" source_type "', CAST(%s AS text)," \
    " CAST(%s AS text))"

/* Runs a GH_SQL_POINTS_CREDIT statement. A repeat of src with another
 * amount or reason is GH_BAD_INPUT "key_reused"; a concurrent first use
 * of src is retried once, to return the entry that won. */
gh_result_t gh_pay_points_entry(request_rec *r, const char *label, const char *user_id,
                                apr_int64_t amount, const char *reason, const char *src,
                                const char *actor, gh_pay_entry_t *e);

/* An order's columns, in the order gh_payments.c's column table names them. */
#define GH_SQL_ORDER_COLUMNS \
    "order_id, user_id, provider, amount, order_name, status, payment_key, failure_code," \
    " failure_message, " GH_SQL_ISO8601("created_at") ", " GH_SQL_ISO8601("approved_at") \
    ", billing_name"

extern const gh_db_stmt_t gh_payments_statements[];

/* An order from a row of GH_SQL_ORDER_COLUMNS (which o keeps). */
void gh_pay_order_row(const char *const *row, gh_pay_order_t *o);

/* Loads a Toss order: OK, or GH_NOT_FOUND "order". */
gh_result_t gh_pay_load(request_rec *r, const char *order_id, gh_pay_order_t *o);

/* The order as the debug and admin routes show it: a new reference. */
json_object *gh_pay_order_json(const gh_pay_order_t *o);

/* The user's balance, as PostgreSQL's text: OK, or GH_NOT_FOUND "user". */
gh_result_t gh_pay_balance(request_rec *r, const char *user_id, const char **points);

/* An open order -> DONE with the points credited, once: *credited says
 * whether this call did it. approved_at is Toss's, or NULL for now. */
gh_result_t gh_pay_credit(request_rec *r, const char *order_id, const char *payment_key,
                          const char *approved_at, int *credited);

/* An open order -> status (WAITING_FOR_DEPOSIT, FAILED or CANCELLED),
 * keeping Toss's code and message; *changed says whether it did. */
gh_result_t gh_pay_mark(request_rec *r, const char *order_id, const char *status,
                        const char *code, const char *message, int *changed);

/* Brings o in line with a's Payment (fetched from Toss, never taken from
 * a caller) as gh_pay_plan says, then takes back, once per Toss cancel,
 * refunds made at Toss. settle_pending first finishes refunds of ours
 * still PENDING by asking Toss again with their own Idempotency-Key (the
 * admin check; a webhook leaves them to their request). Reloads o. OK,
 * or GH_CONFLICT "payment_mismatch" when the payment is not this order's. */
gh_result_t gh_pay_reconcile(request_rec *r, gh_pay_order_t *o, const gh_tp_answer_t *a,
                             int settle_pending, int *changed);

/* Asks Toss for refund cid (PENDING) of the payment and records Toss's
 * answer (gh_pay_refund_outcome): DONE, or FAILED with the points given
 * back when Toss refuses. OK with *a Toss's answer (a transient error
 * leaves the refund PENDING, with its points held), or the result of a
 * call that got no answer. */
gh_result_t gh_pay_refund(request_rec *r, const char *payment_key, const char *cid,
                          apr_int64_t amount, const char *reason, gh_tp_answer_t *a);

/* The Idempotency-Key request header: *key NULL when absent; else
 * gh_pay_idempotency_key_check's result. */
gh_result_t gh_pay_idempotency_key(request_rec *r, const char **key);

/* obj's member name as a whole number of won within range (a JSON
 * integer): for area_payaction.c, which still names it; an area reads it
 * with gh_http_int, whose declaration the expansion needs. */
#define gh_pay_amount(r, obj, name, range, out) \
    gh_http_int((r), (obj), (name), (range).min, (range).max, (out))

#endif
