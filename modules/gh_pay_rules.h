/* The decisions of payment reconciliation, apart from the database and
 * the calls that carry them out: what Toss's answer about a payment, a
 * confirm or a refund means for an order of ours, what a refund request
 * may do, and when a replayed ledger entry is the same request. Pure:
 * APR and json-c only, so every branch is unit-tested (tests/unit). */
#ifndef GH_PAY_RULES_H
#define GH_PAY_RULES_H

#include <apr_pools.h>
#include <json-c/json.h>

#include "gh_result.h"
#include "gh_toss_answer.h"

#define GH_PAY_ORDER_ID_MAX 64    /* Toss's limit on orderId */
#define GH_PAY_KEY_MAX      200   /* Toss's payment keys are ~50 characters */

/* An order (payment_orders) as the rules see it; row is all of it, as it
 * was read (gh_payments.h). */
typedef struct {
    const char *order_id, *status, *payment_key;
    apr_int64_t amount;
    const char *const *row;
} gh_pay_order_t;

/* An order not paid yet: READY, WAITING_FOR_DEPOSIT or FAILED. */
int gh_pay_open(const gh_pay_order_t *o);

/* What a Payment fetched from Toss makes of an order. */
typedef enum {
    GH_PAY_MISMATCH,      /* another order's payment, or another amount: left alone */
    GH_PAY_STAY,          /* nothing to change: paid or closed already, or still in
                             progress at Toss (READY, IN_PROGRESS) */
    GH_PAY_CREDIT,        /* paid (DONE, PARTIAL_CANCELED): DONE, points credited once */
    GH_PAY_MARK           /* the order takes status, keeping code and message */
} gh_pay_step_e;

typedef struct {
    gh_pay_step_e step;
    const char *status;   /* GH_PAY_MARK: WAITING_FOR_DEPOSIT, CANCELLED or FAILED */
    const char *code, *message;
} gh_pay_plan_t;

/* An open order is brought in line with Toss's Payment a; a paid one's
 * refunds are then synced (gh_pay_refunds_due), whatever a's status. */
gh_pay_plan_t gh_pay_plan(const gh_pay_order_t *o, const gh_tp_answer_t *a);

/* A paid order: its refunds are brought in line with Toss's cancels
 * (those made at Toss are taken back, what was spent becomes debt). */
int gh_pay_refunds_due(const gh_pay_order_t *o);

/* A cancel reason of Toss's to record: at most 200 characters without
 * control characters, else NULL (the database then writes its own). */
const char *gh_pay_toss_reason(const char *reason);

/* Toss's ISO 8601 time, or NULL when it is not one PostgreSQL would take. */
const char *gh_pay_iso_time(const char *t);

/* What the success redirect of Toss's payment window (payment key, and
 * the amount the browser says) means for the order it names. */
typedef enum {
    GH_REDIRECT_CONFIRM,          /* open: confirm it with Toss */
    GH_REDIRECT_AMOUNT_MISMATCH,  /* not the order's amount: never confirmed */
    GH_REDIRECT_CANCELLED,
    GH_REDIRECT_REPEATED,         /* paid with this payment: the same answer again */
    GH_REDIRECT_PAID_OTHER        /* paid with another payment */
} gh_redirect_e;

gh_redirect_e gh_pay_success_step(const gh_pay_order_t *o, const char *key,
                                  apr_int64_t amount);

/* What Toss's answer to a confirm says to do next. */
typedef enum {
    GH_CONFIRM_LOOK_UP,       /* ALREADY_PROCESSED_PAYMENT: an earlier confirm went
                                 through; ask Toss what it became */
    GH_CONFIRM_RETRY_LATER,   /* a transient error: nothing changes */
    GH_CONFIRM_REFUSED,       /* Toss refused: the order FAILED with its code */
    GH_CONFIRM_RECONCILE      /* a Payment: gh_pay_plan */
} gh_confirm_e;

/* looked_up: a is the answer to GH_CONFIRM_LOOK_UP's question. */
gh_confirm_e gh_pay_confirm_step(const gh_tp_answer_t *a, int looked_up);

/* What the order became after a confirm with payment key. */
typedef enum {
    GH_CONFIRMED_PAID,
    GH_CONFIRMED_WAITING,     /* a virtual account: paid when the deposit arrives */
    GH_CONFIRMED_ODD          /* neither: Toss's answer did not add up */
} gh_confirmed_e;

gh_confirmed_e gh_pay_confirmed(const gh_pay_order_t *o, const char *key);

/* What Toss's answer to a look-up (GET a payment) means. */
typedef enum {
    GH_LOOKUP_PAYMENT,        /* a Payment */
    GH_LOOKUP_NONE,           /* Toss has no such payment */
    GH_LOOKUP_RETRY_LATER,    /* a transient error */
    GH_LOOKUP_REFUSED         /* another error (e.g. our key refused) */
} gh_lookup_e;

gh_lookup_e gh_pay_lookup(const gh_tp_answer_t *a);

/* The Toss path a webhook body names: PAYMENT_STATUS_CHANGED's
 * data.paymentKey, or a virtual account's DEPOSIT_CALLBACK orderId (a
 * body with a secret and no eventType). NULL when the body is not for us,
 * or, with *error set, when it is malformed. */
const char *gh_pay_webhook_path(apr_pool_t *p, json_object *in, const char **error);

/* What payment_cancel_begin (sql/006) found for a refund request. */
typedef struct {
    const char *status, *payment_key;
    apr_int64_t amount, left;    /* asked for (the rest when not given), left to refund */
    const char *cancel_id;       /* the PENDING refund begun, NULL: none */
    const char *balance;         /* the user's balance after its debit */
    int pending;                 /* another refund of the order is in flight */
} gh_pay_cancel_t;

typedef enum {
    GH_CANCEL_IN_PROGRESS,       /* another refund is in flight: nothing done */
    GH_CANCEL_CLOSE_ACCOUNT,     /* a whole order still waiting for its deposit: its
                                    virtual account is closed, no points move */
    GH_CANCEL_NOT_CANCELLABLE,   /* neither paid nor waiting */
    GH_CANCEL_BAD_AMOUNT,        /* more than is left to refund, or nothing */
    GH_CANCEL_SPENT,             /* the order's points were spent: nothing debited */
    GH_CANCEL_REFUND             /* the points were debited (PENDING): ask Toss */
} gh_cancel_e;

/* whole: no amount was given (the rest of the order). */
gh_cancel_e gh_pay_cancel_plan(const gh_pay_cancel_t *c, int whole);

/* What Toss's answer to a refund of ours means. */
typedef enum {
    GH_REFUND_MADE,              /* DONE; the order CANCELLED once nothing is left */
    GH_REFUND_REFUSED,           /* FAILED, the points given back */
    GH_REFUND_HELD,              /* a transient error or one in flight: PENDING, the
                                    points held until the admin check settles it */
    GH_REFUND_UNCONFIRMED        /* a Payment without the cancel: PENDING too */
} gh_refund_e;

gh_refund_e gh_pay_refund_outcome(const gh_tp_answer_t *a);

/* The order's status after a refund Toss made: CANCELLED when nothing is
 * left (balanceAmount 0), DONE after a partial one. */
const char *gh_pay_refunded_status(const gh_tp_answer_t *a);

/* A ledger entry written (or found again) for a source reference. */
typedef struct {
    int made;                     /* 0: nothing was written */
    int replay;                   /* the first entry for src, returned again */
    const char *id, *user_id, *balance_after, *reason;
    apr_int64_t delta;
} gh_pay_entry_t;

/* A replayed entry must be the same request again: else GH_BAD_INPUT
 * "key_reused". */
gh_result_t gh_pay_entry_check(const gh_pay_entry_t *e, const char *user_id,
                               apr_int64_t amount, const char *reason);

/* An Idempotency-Key header's value (NULL: none, fine): 1 to 300
 * printable ASCII characters (Toss's own limit), else GH_BAD_INPUT. */
gh_result_t gh_pay_idempotency_key_check(const char *key);

#endif
