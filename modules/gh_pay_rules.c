/* The decisions of payment reconciliation (see gh_pay_rules.h). */
#include <string.h>

#include <apr_strings.h>

#include "gh_json.h"
#include "gh_money.h"
#include "gh_pay_rules.h"
#include "gh_text.h"

#define IDEMPOTENCY_KEY_MAX 300
#define TOSS_REASON_MAX     200

static int is(const char *s, const char *word)
{
    return s != NULL && strcmp(s, word) == 0;
}

int gh_pay_open(const gh_pay_order_t *o)
{
    return is(o->status, "READY") || is(o->status, "FAILED")
           || is(o->status, "WAITING_FOR_DEPOSIT");
}

static gh_pay_plan_t mark(const char *status, const char *code, const char *message)
{
    gh_pay_plan_t plan = { GH_PAY_MARK, status, code, message };
    return plan;
}

gh_pay_plan_t gh_pay_plan(const gh_pay_order_t *o, const gh_tp_answer_t *a)
{
    gh_pay_plan_t plan = { GH_PAY_STAY, NULL, NULL, NULL };

    if (!is(a->order_id, o->order_id) || a->total_amount != o->amount) {
        plan.step = GH_PAY_MISMATCH;
    }
    else if (!gh_pay_open(o)) {
        /* paid or closed: only its refunds can change */
    }
    else if (is(a->status, "DONE") || is(a->status, "PARTIAL_CANCELED")) {
        plan.step = GH_PAY_CREDIT;
    }
    else if (is(a->status, "WAITING_FOR_DEPOSIT")) {
        plan = mark("WAITING_FOR_DEPOSIT", NULL, NULL);
    }
    else if (is(a->status, "CANCELED")) {
        plan = mark("CANCELLED", a->status, "Cancelled at Toss before it was paid here.");
    }
    else if (is(a->status, "ABORTED") || is(a->status, "EXPIRED")) {
        plan = mark("FAILED", a->status, "The payment was not completed at Toss.");
    }
    return plan;
}

int gh_pay_refunds_due(const gh_pay_order_t *o)
{
    return is(o->status, "DONE");
}

const char *gh_pay_toss_reason(const char *reason)
{
    return reason && gh_utf8_length(reason) <= TOSS_REASON_MAX && !gh_has_control(reason)
           ? reason : NULL;
}

const char *gh_pay_iso_time(const char *t)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";

    if (t == NULL || strlen(t) < sizeof(shape) - 1 || strlen(t) > 40) {
        return NULL;
    }
    for (apr_size_t i = 0; t[i]; i++) {
        char want = i < sizeof(shape) - 1 ? shape[i] : '\0';
        if (want == 'd' ? !(t[i] >= '0' && t[i] <= '9')
            : want ? t[i] != want : strchr("0123456789.:+-Z", t[i]) == NULL) {
            return NULL;
        }
    }
    return t;
}

gh_redirect_e gh_pay_success_step(const gh_pay_order_t *o, const char *key,
                                  apr_int64_t amount)
{
    if (amount != o->amount) {
        return GH_REDIRECT_AMOUNT_MISMATCH;
    }
    if (is(o->status, "CANCELLED")) {
        return GH_REDIRECT_CANCELLED;
    }
    if (is(o->status, "DONE")) {
        return is(o->payment_key, key) ? GH_REDIRECT_REPEATED : GH_REDIRECT_PAID_OTHER;
    }
    return GH_REDIRECT_CONFIRM;
}

gh_confirm_e gh_pay_confirm_step(const gh_tp_answer_t *a, int looked_up)
{
    if (!looked_up && is(a->code, "ALREADY_PROCESSED_PAYMENT")) {
        return GH_CONFIRM_LOOK_UP;
    }
    if (a->kind == GH_TP_TRANSIENT) {
        return GH_CONFIRM_RETRY_LATER;
    }
    return a->kind == GH_TP_PAYMENT ? GH_CONFIRM_RECONCILE : GH_CONFIRM_REFUSED;
}

gh_confirmed_e gh_pay_confirmed(const gh_pay_order_t *o, const char *key)
{
    if (!is(o->payment_key, key)) {
        return GH_CONFIRMED_ODD;
    }
    return is(o->status, "DONE") ? GH_CONFIRMED_PAID
           : is(o->status, "WAITING_FOR_DEPOSIT") ? GH_CONFIRMED_WAITING : GH_CONFIRMED_ODD;
}

gh_lookup_e gh_pay_lookup(const gh_tp_answer_t *a)
{
    switch (a->kind) {
    case GH_TP_PAYMENT:
        return GH_LOOKUP_PAYMENT;
    case GH_TP_TRANSIENT:
        return GH_LOOKUP_RETRY_LATER;
    case GH_TP_REFUSED:
    case GH_TP_IN_FLIGHT:
        break;
    }
    return is(a->code, "NOT_FOUND_PAYMENT") ? GH_LOOKUP_NONE : GH_LOOKUP_REFUSED;
}

const char *gh_pay_webhook_path(apr_pool_t *p, json_object *in, const char **error)
{
    const char *event = gh_json_str(in, "eventType"), *key, *order_id;

    *error = NULL;
    if (event == NULL && (order_id = gh_json_str(in, "orderId")) != NULL
        && gh_json_str(in, "secret") != NULL) {
        if (!gh_money_token(order_id, GH_PAY_ORDER_ID_MAX)) {
            *error = "orderId is malformed.";
            return NULL;
        }
        return apr_pstrcat(p, "/v1/payments/orders/", order_id, NULL);
    }
    if (event == NULL) {
        *error = "eventType is missing.";
        return NULL;
    }
    if (strcmp(event, "PAYMENT_STATUS_CHANGED") != 0) {
        return NULL;
    }
    key = gh_json_str(gh_json_obj(in, "data"), "paymentKey");
    if (key == NULL || !gh_money_token(key, GH_PAY_KEY_MAX)) {
        *error = "data.paymentKey is missing or malformed.";
        return NULL;
    }
    return apr_pstrcat(p, "/v1/payments/", key, NULL);
}

gh_cancel_e gh_pay_cancel_plan(const gh_pay_cancel_t *c, int whole)
{
    if (c->pending) {
        return GH_CANCEL_IN_PROGRESS;
    }
    if (is(c->status, "WAITING_FOR_DEPOSIT") && whole) {
        return GH_CANCEL_CLOSE_ACCOUNT;
    }
    if (!is(c->status, "DONE")) {
        return GH_CANCEL_NOT_CANCELLABLE;
    }
    if (c->amount > c->left || c->amount <= 0) {
        return GH_CANCEL_BAD_AMOUNT;
    }
    return c->cancel_id == NULL ? GH_CANCEL_SPENT : GH_CANCEL_REFUND;
}

gh_refund_e gh_pay_refund_outcome(const gh_tp_answer_t *a)
{
    switch (a->kind) {
    case GH_TP_PAYMENT:
        return a->last_transaction_key ? GH_REFUND_MADE : GH_REFUND_UNCONFIRMED;
    case GH_TP_REFUSED:
        return GH_REFUND_REFUSED;
    case GH_TP_TRANSIENT:
    case GH_TP_IN_FLIGHT:
        break;
    }
    return GH_REFUND_HELD;
}

const char *gh_pay_refunded_status(const gh_tp_answer_t *a)
{
    return a->balance_amount == 0 ? "CANCELLED" : "DONE";
}

gh_result_t gh_pay_entry_check(const gh_pay_entry_t *e, const char *user_id,
                               apr_int64_t amount, const char *reason)
{
    if (e->replay && ((e->delta < 0 ? -e->delta : e->delta) != amount
                      || !is(e->reason, reason) || !is(e->user_id, user_id))) {
        return gh_result(GH_BAD_INPUT, "key_reused",
                         "This Idempotency-Key was used for a different request.");
    }
    return GH_RESULT_OK;
}

gh_result_t gh_pay_idempotency_key_check(const char *key)
{
    apr_size_t n = 0;

    if (key == NULL) {
        return GH_RESULT_OK;
    }
    while (key[n] > 0x20 && key[n] < 0x7f) {
        n++;
    }
    if (n == 0 || key[n] != '\0' || n > IDEMPOTENCY_KEY_MAX) {
        return gh_result(GH_BAD_INPUT, NULL,
                         "Idempotency-Key must be 1 to 300 printable ASCII characters.");
    }
    return GH_RESULT_OK;
}
