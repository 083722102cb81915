/* What Toss Payments answers (spec §2): a Payment object with 200, or an
 * error {"code","message"} with a 4xx or 5xx status, read into one
 * struct and sorted by what it means for a caller. Pure: needs only APR
 * and json-c, so it is unit-tested directly. */
#ifndef GH_TOSS_ANSWER_H
#define GH_TOSS_ANSWER_H

#include <apr_pools.h>
#include <json-c/json.h>

/* One of a Payment's cancels that Toss has made (cancelStatus DONE). */
typedef struct {
    const char *transaction_key;
    const char *reason;            /* cancelReason, or NULL */
    apr_int64_t amount;            /* cancelAmount */
} gh_tp_cancel_t;

typedef enum {
    GH_TP_PAYMENT = 0,             /* a Payment (code NULL) */
    GH_TP_REFUSED,                 /* an error that asking again does not change */
    GH_TP_TRANSIENT,               /* 5xx, 429 or PROVIDER_ERROR: passes if retried */
    GH_TP_IN_FLIGHT                /* 409: a request with the same key still runs */
} gh_tp_kind_e;

/* What Toss said: a Payment (code NULL) or one of its errors. */
typedef struct {
    gh_tp_kind_e kind;
    long http_status;              /* Toss's, for the log */
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

/* Reads Toss's answer doc (a JSON object) given with HTTP status into
 * *out (which points into doc and p). NULL, or what is wrong with it
 * ("not a Payment", "without a code") when it is not as the API says. */
const char *gh_tp_answer_read(apr_pool_t *p, long status, json_object *doc,
                              gh_tp_answer_t *out);

/* A Toss error that will pass if retried (5xx, 429, PROVIDER_ERROR). */
int gh_tp_transient(const gh_tp_answer_t *a);

#endif
