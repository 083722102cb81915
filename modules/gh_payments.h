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
 * order_id): raises the balance and appends one row per order, made
 * exactly-once by the ledger's unique (source_type, source_id). */
#define GH_SQL_CREDIT_ORDERS(source_type, reason) \
    " u AS (UPDATE users SET remaining_points = remaining_points + o.amount FROM o" \
    " WHERE users.id = o.user_id RETURNING users.id, users.remaining_points, o.amount," \
    " o.order_id)," \
    " l AS (INSERT INTO point_ledger (user_id, delta, balance_after, reason, source_type," \
    " source_id) SELECT id, amount, remaining_points, '" reason " ' || order_id, '" \
    source_type "', order_id FROM u RETURNING id)"

/* A points entry made exactly-once by its source reference: the balance
 * moves by op ("+" or "-") amount where guard holds, and a repeat of src
 * returns the first entry instead. Parameters: user id, amount, reason,
 * src, actor. Rows: ('new'|'replay', id, user_id, delta, balance_after,
 * reason); none when guard failed or the user does not exist. */
#define GH_SQL_POINTS_ENTRY(source_type, op, guard) \
    "WITH p AS (SELECT CAST(%s AS bigint) AS uid, CAST(%s AS bigint) AS amt," \
    " CAST(%s AS text) AS reason, CAST(%s AS text) AS src, CAST(%s AS text) AS actor)," \
    " prev AS (SELECT pl.id, pl.user_id, pl.delta, pl.balance_after, pl.reason" \
    " FROM point_ledger pl, p WHERE pl.source_type = '" source_type "' AND pl.source_id = p.src)," \
    " u AS (UPDATE users SET remaining_points = remaining_points " op " p.amt FROM p" \
    " WHERE users.id = p.uid " guard " AND NOT EXISTS (SELECT 1 FROM prev)" \
    " RETURNING users.id, users.remaining_points)," \
    " l AS (INSERT INTO point_ledger (user_id, delta, balance_after, reason, source_type," \
    " source_id, actor) SELECT u.id, " op " p.amt, u.remaining_points, p.reason, '" \
    source_type "', p.src, p.actor FROM u, p RETURNING id, user_id, delta, balance_after, reason)" \
    " SELECT 'new', id, user_id, delta, balance_after, reason FROM l" \
    " UNION ALL SELECT 'replay', id, user_id, delta, balance_after, reason FROM prev"

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

/* Runs a GH_SQL_POINTS_ENTRY statement. A repeat of src with another
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

/* READY or FAILED -> DONE with the points credited, once: *credited says
 * whether this call did it. approved_at is Toss's, or NULL for now. */
int gh_pay_credit(request_rec *r, const char *order_id, const char *payment_key,
                  const char *approved_at, int *credited);

/* READY or FAILED -> status (FAILED or CANCELLED), keeping Toss's code and
 * message; *changed says whether it did. */
int gh_pay_mark(request_rec *r, const char *order_id, const char *status, const char *code,
                const char *message, int *changed);

/* Brings o in line with a's Payment (fetched from Toss, never taken from
 * a caller): credits a DONE payment, settles refunds, fails an aborted
 * one. may_fail_refunds lets a PENDING refund Toss never made be undone
 * (admin only: a webhook may race a refund in flight). Reloads o. OK, or
 * 409 payment_mismatch when the payment is not this order's. */
int gh_pay_reconcile(request_rec *r, gh_pay_order_t *o, const gh_tp_answer_t *a,
                     int may_fail_refunds, int *changed);

/* obj's member name as a whole number of won within range: a JSON integer,
 * never a string, float or boolean. OK, or 400 naming the bounds. */
int gh_pay_amount(request_rec *r, json_object *obj, const char *name, gh_range_t range,
                  apr_int64_t *out);

/* The Idempotency-Key request header: *key NULL when absent; otherwise 1
 * to 300 printable ASCII characters (Toss's own limit), else 400. */
int gh_pay_idempotency_key(request_rec *r, const char **key);

#endif
