/* Toss Payments API client (spec §2): confirm, cancel and look up a
 * payment, with Basic auth from GameHoneyTossPaymentsSecretKey and an
 * Idempotency-Key on every POST, so a retry never does the work twice. */
#ifndef GH_TOSS_PAYMENTS_H
#define GH_TOSS_PAYMENTS_H

#include "httpd.h"
#include <json-c/json.h>

/* One of a Payment's cancels that Toss has made (cancelStatus DONE). */
typedef struct {
    const char *transaction_key;
    const char *reason;            /* cancelReason, or NULL */
    apr_int64_t amount;            /* cancelAmount */
} gh_tp_cancel_t;

/* What Toss said: a Payment (code NULL) or one of its errors. */
typedef struct {
    long http_status;
    const char *code;              /* Toss error code, NULL for a Payment */
    const char *message;
    /* the Payment's fields */
    const char *payment_key;
    const char *order_id;
    const char *status;            /* DONE, CANCELED, ... */
    const char *approved_at;       /* ISO 8601, or NULL */
    const char *last_transaction_key;  /* of the newest cancel, or NULL */
    apr_int64_t total_amount;
    apr_int64_t balance_amount;
    const gh_tp_cancel_t *cancels; /* oldest first */
    int ncancels;
    json_object *virtual_account;  /* a virtual account's details, or NULL */
} gh_tp_answer_t;

/* POST path with body (a JSON object) and idem_key, or GET when body is
 * NULL. OK with *out filled when Toss answered as its API says; a
 * transport failure or a malformed answer is recorded (502/503/504) and
 * returned. Toss's 5xx and PROVIDER_ERROR come back as answers: see
 * gh_tp_transient. */
int gh_tp_call(request_rec *r, const char *path, json_object *body, const char *idem_key,
               gh_tp_answer_t *out);

/* A Toss error that will pass if retried (5xx, 429, PROVIDER_ERROR). */
int gh_tp_transient(const gh_tp_answer_t *a);

/* Records a transient Toss error on r as 502 and returns it. */
int gh_tp_fail_transient(request_rec *r, const gh_tp_answer_t *a);

#endif
