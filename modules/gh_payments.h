/* Orders and the points ledger, shared by the Toss Payments areas (user
 * and admin) and Payaction: loading an order, crediting it exactly once,
 * and reconciling it with what Toss says about its payment. */
#ifndef GH_PAYMENTS_H
#define GH_PAYMENTS_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_config.h"
#include "gh_db.h"
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
    "SELECT CASE WHEN o_new THEN 'new' ELSE 'replay' END, o_id, o_user_id, o_amount," \
    " o_balance_after, o_reason FROM points_credit(CAST(%s AS bigint), CAST(%s AS bigint)," \
    " CAST(%s AS text), '" source_type "', CAST(%s AS text), CAST(%s AS text))"

typedef struct {
    int made;                     /* 0: nothing was written */
    int replay;                   /* the first entry for src, returned again */
    const char *id, *user_id, *balance_after, *reason;
    apr_int64_t delta;
} gh_pay_entry_t;

/* A replayed entry must be the same request again: else 422
 * idempotency_key_reused. */
int gh_pay_entry_check(request_rec *r, const gh_pay_entry_t *e, const char *user_id,
                       apr_int64_t amount, const char *reason);

/* Runs a GH_SQL_POINTS_CREDIT statement. A repeat of src with another
 * amount or reason is 422 idempotency_key_reused; a concurrent first use
 * of src is retried once, to return the entry that won. */
int gh_pay_points_entry(request_rec *r, const char *label, const char *user_id,
                        apr_int64_t amount, const char *reason, const char *src,
                        const char *actor, gh_pay_entry_t *e);

/* An order's columns, in the order gh_pay_order_row reads them. */
#define GH_SQL_ORDER_COLUMNS \
    "order_id, user_id, provider, amount, order_name, status, payment_key, failure_code," \
    " failure_message, " GH_SQL_ISO8601("created_at") ", " GH_SQL_ISO8601("approved_at") \
    ", billing_name"

typedef struct {
    const char *order_id, *user_id, *provider, *order_name, *status, *payment_key;
    const char *failure_code, *failure_message, *created_at, *approved_at, *billing_name;
    apr_int64_t amount;
} gh_pay_order_t;

extern const gh_db_stmt_t gh_payments_statements[];

void gh_pay_order_row(const char **row, gh_pay_order_t *o);

/* Loads a Toss order: OK, or 404 order_not_found (recorded). */
int gh_pay_load(request_rec *r, const char *order_id, gh_pay_order_t *o);

/* The order as the debug and admin routes show it. */
json_object *gh_pay_order_json(request_rec *r, const gh_pay_order_t *o);

/* An order not paid yet: READY, WAITING_FOR_DEPOSIT or FAILED. */
int gh_pay_open(const gh_pay_order_t *o);

/* An open order -> DONE with the points credited, once: *credited says
 * whether this call did it. approved_at is Toss's, or NULL for now. */
int gh_pay_credit(request_rec *r, const char *order_id, const char *payment_key,
                  const char *approved_at, int *credited);

/* An open order -> status (WAITING_FOR_DEPOSIT, FAILED or CANCELLED),
 * keeping Toss's code and message; *changed says whether it did. */
int gh_pay_mark(request_rec *r, const char *order_id, const char *status, const char *code,
                const char *message, int *changed);

/* Brings o in line with a's Payment (fetched from Toss, never taken from
 * a caller): credits a paid one, records a virtual account waiting for its
 * deposit, fails an aborted or expired one, and takes back, once per Toss
 * cancel, refunds made at Toss. settle_pending first finishes refunds of
 * ours still PENDING by asking Toss again with their own Idempotency-Key
 * (the admin check; a webhook leaves them to their request). Reloads o.
 * OK, or 409 payment_mismatch when the payment is not this order's. */
int gh_pay_reconcile(request_rec *r, gh_pay_order_t *o, const gh_tp_answer_t *a,
                     int settle_pending, int *changed);

/* Toss's answer to a refund says it was not made: a 4xx, but a conflict
 * (a request with the same key still in flight). */
int gh_pay_refused(const gh_tp_answer_t *a);

/* Asks Toss for refund cid (PENDING) of the payment and records Toss's
 * answer: DONE, or FAILED with the points given back when Toss refuses.
 * OK with *a Toss's answer (a transient error leaves the refund PENDING,
 * with its points held), or the status of a call that got no answer. */
int gh_pay_refund(request_rec *r, const char *payment_key, const char *cid,
                  apr_int64_t amount, const char *reason, gh_tp_answer_t *a);

/* obj's member name as a whole number of won within range: a JSON integer,
 * never a string, float or boolean. OK, or 400 naming the bounds. */
int gh_pay_amount(request_rec *r, json_object *obj, const char *name, gh_range_t range,
                  apr_int64_t *out);

/* The Idempotency-Key request header: *key NULL when absent; otherwise 1
 * to 300 printable ASCII characters (Toss's own limit), else 400. */
int gh_pay_idempotency_key(request_rec *r, const char **key);

#endif
