/* gh_pay_rules: what Toss's answers mean for an order, what a refund
 * request may do, and idempotent ledger entries. */
#include <string.h>

#include <apr_strings.h>

#include "check.h"
#include "suites.h"
#include "gh_json.h"
#include "gh_pay_rules.h"

static apr_pool_t *pool;

/* Toss's answer text with HTTP status, read as gh_toss_answer reads it. */
static gh_tp_answer_t toss(long status, const char *text)
{
    gh_tp_answer_t a;
    json_object *doc;
    const char *err;

    memset(&a, 0, sizeof(a));
    if (CHECK_INT_EQ(gh_json_parse(pool, text, strlen(text), &doc, &err), 0)
        && !CHECK_NULL(gh_tp_answer_read(pool, status, doc, &a))) {
        fprintf(stderr, "    answer: %s\n", text);
    }
    return a;
}

/* A Payment of order ord_1 in Toss status st, for total won, with balance left. */
static gh_tp_answer_t payment(const char *st, long total, long balance, const char *extra)
{
    return toss(200, apr_psprintf(pool, "{\"paymentKey\":\"pk_1\",\"orderId\":\"ord_1\","
                                  "\"status\":\"%s\",\"totalAmount\":%ld,\"balanceAmount\":%ld%s}",
                                  st, total, balance, extra ? extra : ""));
}

static gh_pay_order_t order(const char *status, const char *key)
{
    gh_pay_order_t o;

    memset(&o, 0, sizeof(o));
    o.order_id = "ord_1";
    o.status = status;
    o.payment_key = key;
    o.amount = 1000;
    return o;
}

/* What a Payment of Toss status toss (for total won) makes of an order in
 * status order: a step, and the status a GH_PAY_MARK gives it. */
static const struct {
    const char *order, *toss;
    long total;
    gh_pay_step_e step;
    const char *mark;
} plan_cases[] = {
    /* another amount: not this order's payment, whatever its state */
    { "READY", "DONE", 999, GH_PAY_MISMATCH, NULL },
    { "DONE", "DONE", 1001, GH_PAY_MISMATCH, NULL },
    /* paid: credited from any open state (a retry after a failure, a deposit) */
    { "READY", "DONE", 1000, GH_PAY_CREDIT, NULL },
    { "FAILED", "DONE", 1000, GH_PAY_CREDIT, NULL },
    { "WAITING_FOR_DEPOSIT", "DONE", 1000, GH_PAY_CREDIT, NULL },
    /* paid and partly refunded at Toss already: credited, the refund synced after */
    { "READY", "PARTIAL_CANCELED", 1000, GH_PAY_CREDIT, NULL },
    { "READY", "WAITING_FOR_DEPOSIT", 1000, GH_PAY_MARK, "WAITING_FOR_DEPOSIT" },
    { "WAITING_FOR_DEPOSIT", "CANCELED", 1000, GH_PAY_MARK, "CANCELLED" },
    { "READY", "ABORTED", 1000, GH_PAY_MARK, "FAILED" },
    { "WAITING_FOR_DEPOSIT", "EXPIRED", 1000, GH_PAY_MARK, "FAILED" },
    /* still in progress at Toss: stays pending */
    { "READY", "IN_PROGRESS", 1000, GH_PAY_STAY, NULL },
    { "READY", "READY", 1000, GH_PAY_STAY, NULL },
    /* paid or closed here: never credited again nor marked, only refunds change */
    { "DONE", "DONE", 1000, GH_PAY_STAY, NULL },
    { "DONE", "CANCELED", 1000, GH_PAY_STAY, NULL },
    { "CANCELLED", "DONE", 1000, GH_PAY_STAY, NULL },
};

static void plans(void)
{
    gh_pay_order_t o = order("READY", NULL);
    gh_tp_answer_t a;
    gh_pay_plan_t plan;

    for (size_t i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
        o.status = plan_cases[i].order;
        a = payment(plan_cases[i].toss, plan_cases[i].total, 0, NULL);
        plan = gh_pay_plan(&o, &a);
        if (!CHECK_INT_EQ(plan.step, plan_cases[i].step)
            || !CHECK_STR_EQ(plan.status, plan_cases[i].mark)) {
            fprintf(stderr, "    order %s, Toss %s\n", plan_cases[i].order, plan_cases[i].toss);
        }
    }
    /* another order's payment */
    a = payment("DONE", 1000, 1000, NULL);
    a.order_id = "ord_2";
    CHECK_INT_EQ(gh_pay_plan(&o, &a).step, GH_PAY_MISMATCH);
    /* Toss's code and the reason are kept with a mark */
    o.status = "READY";
    a = payment("CANCELED", 1000, 0, NULL);
    plan = gh_pay_plan(&o, &a);
    CHECK_STR_EQ(plan.code, "CANCELED");
    CHECK_STR_EQ(plan.message, "Cancelled at Toss before it was paid here.");
    a = payment("ABORTED", 1000, 1000, NULL);
    CHECK_STR_EQ(gh_pay_plan(&o, &a).code, "ABORTED");
    CHECK_STR_EQ(gh_pay_plan(&o, &a).message, "The payment was not completed at Toss.");
    a = payment("WAITING_FOR_DEPOSIT", 1000, 1000, NULL);
    CHECK_NULL(gh_pay_plan(&o, &a).code);

    /* open, and whose refunds are synced */
    for (size_t i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
        o.status = plan_cases[i].order;
        CHECK_INT_EQ(gh_pay_open(&o), strcmp(o.status, "DONE") != 0
                                      && strcmp(o.status, "CANCELLED") != 0);
        CHECK_INT_EQ(gh_pay_refunds_due(&o), strcmp(o.status, "DONE") == 0);
    }
}

static void redirects(void)
{
    gh_pay_order_t o = order("READY", NULL);

    CHECK_INT_EQ(gh_pay_success_step(&o, "pk_1", 1000), GH_REDIRECT_CONFIRM);
    CHECK_INT_EQ(gh_pay_success_step(&o, "pk_1", 10), GH_REDIRECT_AMOUNT_MISMATCH);
    o = order("FAILED", "pk_0");                   /* a retry after a failure */
    CHECK_INT_EQ(gh_pay_success_step(&o, "pk_1", 1000), GH_REDIRECT_CONFIRM);
    o = order("CANCELLED", "pk_1");
    CHECK_INT_EQ(gh_pay_success_step(&o, "pk_1", 1000), GH_REDIRECT_CANCELLED);
    CHECK_INT_EQ(gh_pay_success_step(&o, "pk_1", 1001), GH_REDIRECT_AMOUNT_MISMATCH);
    o = order("DONE", "pk_1");
    CHECK_INT_EQ(gh_pay_success_step(&o, "pk_1", 1000), GH_REDIRECT_REPEATED);
    CHECK_INT_EQ(gh_pay_success_step(&o, "pk_2", 1000), GH_REDIRECT_PAID_OTHER);
    o = order("DONE", NULL);
    CHECK_INT_EQ(gh_pay_success_step(&o, "pk_1", 1000), GH_REDIRECT_PAID_OTHER);
}

/* Toss's errors, and what each means to a confirm (asked first), a
 * look-up and a refund of ours. */
static const struct {
    long status;
    const char *code;
    gh_confirm_e confirm;
    gh_lookup_e lookup;
    gh_refund_e refund;
} error_cases[] = {
    { 400, "ALREADY_PROCESSED_PAYMENT", GH_CONFIRM_LOOK_UP, GH_LOOKUP_REFUSED,
      GH_REFUND_REFUSED },
    { 500, "FAILED_INTERNAL_SYSTEM_PROCESSING", GH_CONFIRM_RETRY_LATER, GH_LOOKUP_RETRY_LATER,
      GH_REFUND_HELD },
    { 503, "NOT_FOUND_PAYMENT", GH_CONFIRM_RETRY_LATER, GH_LOOKUP_RETRY_LATER, GH_REFUND_HELD },
    { 429, "TOO_MANY_REQUESTS", GH_CONFIRM_RETRY_LATER, GH_LOOKUP_RETRY_LATER, GH_REFUND_HELD },
    { 400, "PROVIDER_ERROR", GH_CONFIRM_RETRY_LATER, GH_LOOKUP_RETRY_LATER, GH_REFUND_HELD },
    /* the same Idempotency-Key still running: a refund is left PENDING */
    { 409, "IDEMPOTENT_REQUEST_PROCESSING", GH_CONFIRM_REFUSED, GH_LOOKUP_REFUSED,
      GH_REFUND_HELD },
    { 404, "NOT_FOUND_PAYMENT", GH_CONFIRM_REFUSED, GH_LOOKUP_NONE, GH_REFUND_REFUSED },
    { 401, "UNAUTHORIZED_KEY", GH_CONFIRM_REFUSED, GH_LOOKUP_REFUSED, GH_REFUND_REFUSED },
    { 403, "REJECT_CARD_COMPANY", GH_CONFIRM_REFUSED, GH_LOOKUP_REFUSED, GH_REFUND_REFUSED },
    { 400, "NOT_CANCELABLE_AMOUNT", GH_CONFIRM_REFUSED, GH_LOOKUP_REFUSED, GH_REFUND_REFUSED },
};

static void toss_errors(void)
{
    for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        gh_tp_answer_t a = toss(error_cases[i].status, apr_psprintf(pool,
                                "{\"code\":\"%s\",\"message\":\"m\"}", error_cases[i].code));
        if (!CHECK_INT_EQ(gh_pay_confirm_step(&a, 0), error_cases[i].confirm)
            || !CHECK_INT_EQ(gh_pay_lookup(&a), error_cases[i].lookup)
            || !CHECK_INT_EQ(gh_pay_refund_outcome(&a), error_cases[i].refund)) {
            fprintf(stderr, "    HTTP %ld %s\n", error_cases[i].status, error_cases[i].code);
        }
        /* the answer to the look-up a confirm asked for is never looked up again */
        CHECK(gh_pay_confirm_step(&a, 1) != GH_CONFIRM_LOOK_UP);
    }
}

static void confirms(void)
{
    gh_tp_answer_t a = payment("DONE", 1000, 1000, NULL);
    gh_pay_order_t o;

    CHECK_INT_EQ(gh_pay_confirm_step(&a, 0), GH_CONFIRM_RECONCILE);
    CHECK_INT_EQ(gh_pay_confirm_step(&a, 1), GH_CONFIRM_RECONCILE);
    CHECK_INT_EQ(gh_pay_lookup(&a), GH_LOOKUP_PAYMENT);
    a = toss(400, "{\"code\":\"ALREADY_PROCESSED_PAYMENT\"}");
    CHECK_INT_EQ(gh_pay_confirm_step(&a, 1), GH_CONFIRM_REFUSED);

    o = order("DONE", "pk_1");
    CHECK_INT_EQ(gh_pay_confirmed(&o, "pk_1"), GH_CONFIRMED_PAID);
    CHECK_INT_EQ(gh_pay_confirmed(&o, "pk_2"), GH_CONFIRMED_ODD);   /* paid by another */
    o = order("WAITING_FOR_DEPOSIT", "pk_1");
    CHECK_INT_EQ(gh_pay_confirmed(&o, "pk_1"), GH_CONFIRMED_WAITING);
    o = order("FAILED", "pk_1");
    CHECK_INT_EQ(gh_pay_confirmed(&o, "pk_1"), GH_CONFIRMED_ODD);
    o = order("DONE", NULL);
    CHECK_INT_EQ(gh_pay_confirmed(&o, "pk_1"), GH_CONFIRMED_ODD);
}

/* gh_pay_webhook_path of a body: its path, or "error: ..." or "ignored". */
static const char *webhook(const char *body)
{
    json_object *doc;
    const char *err, *path;

    if (!CHECK_INT_EQ(gh_json_parse(pool, body, strlen(body), &doc, &err), 0)) {
        return "unparsed";
    }
    path = gh_pay_webhook_path(pool, doc, &err);
    return path ? path : err ? apr_pstrcat(pool, "error: ", err, NULL) : "ignored";
}

static void webhooks(void)
{
    CHECK_STR_EQ(webhook("{\"eventType\":\"PAYMENT_STATUS_CHANGED\","
                         "\"data\":{\"paymentKey\":\"pk_1\",\"status\":\"DONE\"}}"),
                 "/v1/payments/pk_1");
    CHECK_STR_EQ(webhook("{\"secret\":\"s\",\"orderId\":\"ord_1\",\"status\":\"DONE\"}"),
                 "/v1/payments/orders/ord_1");
    CHECK_STR_EQ(webhook("{\"secret\":\"s\",\"orderId\":\"../admin\"}"),
                 "error: orderId is malformed.");
    CHECK_STR_EQ(webhook("{\"orderId\":\"ord_1\"}"), "error: eventType is missing.");
    CHECK_STR_EQ(webhook("{}"), "error: eventType is missing.");
    CHECK_STR_EQ(webhook("{\"eventType\":\"PAYOUT_STATUS_CHANGED\",\"data\":{}}"), "ignored");
    CHECK_STR_EQ(webhook("{\"eventType\":\"PAYMENT_STATUS_CHANGED\"}"),
                 "error: data.paymentKey is missing or malformed.");
    CHECK_STR_EQ(webhook("{\"eventType\":\"PAYMENT_STATUS_CHANGED\","
                         "\"data\":{\"paymentKey\":\"pk/../x\"}}"),
                 "error: data.paymentKey is missing or malformed.");
    CHECK_STR_EQ(webhook("{\"eventType\":\"PAYMENT_STATUS_CHANGED\","
                         "\"data\":{\"paymentKey\":7}}"),
                 "error: data.paymentKey is missing or malformed.");
}

/* What payment_cancel_begin found, and what the refund request may do. */
static const struct {
    const char *status;
    long amount, left;
    const char *cancel_id;          /* the PENDING refund the database began */
    int pending, whole;
    gh_cancel_e plan;
} cancel_cases[] = {
    /* another refund in flight comes first, whatever else holds */
    { "DONE", 100, 1000, NULL, 1, 0, GH_CANCEL_IN_PROGRESS },
    { "WAITING_FOR_DEPOSIT", 1000, 1000, NULL, 1, 1, GH_CANCEL_IN_PROGRESS },
    /* a virtual account waiting: closed whole, never in part */
    { "WAITING_FOR_DEPOSIT", 1000, 1000, NULL, 0, 1, GH_CANCEL_CLOSE_ACCOUNT },
    { "WAITING_FOR_DEPOSIT", 1000, 1000, NULL, 0, 0, GH_CANCEL_NOT_CANCELLABLE },
    { "READY", 1000, 1000, NULL, 0, 1, GH_CANCEL_NOT_CANCELLABLE },
    { "CANCELLED", 0, 0, NULL, 0, 1, GH_CANCEL_NOT_CANCELLABLE },
    { "FAILED", 1000, 1000, NULL, 0, 1, GH_CANCEL_NOT_CANCELLABLE },
    /* partial cancels: 300 of 1000; then 800 of the 700 left is too much;
     * then the rest, 700 */
    { "DONE", 300, 1000, "41", 0, 0, GH_CANCEL_REFUND },
    { "DONE", 800, 700, NULL, 0, 0, GH_CANCEL_BAD_AMOUNT },
    { "DONE", 700, 700, "42", 0, 1, GH_CANCEL_REFUND },
    /* a paid order with nothing left to refund */
    { "DONE", 0, 0, NULL, 0, 1, GH_CANCEL_BAD_AMOUNT },
    /* the points were spent: the database debited nothing, began nothing */
    { "DONE", 1000, 1000, NULL, 0, 1, GH_CANCEL_SPENT },
    { "DONE", 300, 700, NULL, 0, 0, GH_CANCEL_SPENT },
};

static void cancel_plans(void)
{
    for (size_t i = 0; i < sizeof(cancel_cases) / sizeof(cancel_cases[0]); i++) {
        gh_pay_cancel_t c = { cancel_cases[i].status, "pk_1", cancel_cases[i].amount,
                              cancel_cases[i].left, cancel_cases[i].cancel_id, "500",
                              cancel_cases[i].pending };
        if (!CHECK_INT_EQ(gh_pay_cancel_plan(&c, cancel_cases[i].whole), cancel_cases[i].plan)) {
            fprintf(stderr, "    case %zu\n", i);
        }
    }
}

static void refunds(void)
{
    const char *made = ",\"cancels\":[{\"transactionKey\":\"tk_1\",\"cancelAmount\":300,"
                       "\"cancelStatus\":\"DONE\"}]";
    const char *two = ",\"cancels\":[{\"transactionKey\":\"tk_1\",\"cancelAmount\":300,"
                      "\"cancelStatus\":\"DONE\"},{\"transactionKey\":\"tk_2\","
                      "\"cancelAmount\":700,\"cancelStatus\":\"DONE\"}]";
    gh_tp_answer_t a;

    /* a partial refund made: the order stays DONE */
    a = payment("PARTIAL_CANCELED", 1000, 700, made);
    CHECK_INT_EQ(gh_pay_refund_outcome(&a), GH_REFUND_MADE);
    CHECK_STR_EQ(a.last_transaction_key, "tk_1");
    CHECK_STR_EQ(gh_pay_refunded_status(&a), "DONE");
    /* the last of it: the order is CANCELLED, and the newest cancel is ours */
    a = payment("CANCELED", 1000, 0, two);
    CHECK_INT_EQ(gh_pay_refund_outcome(&a), GH_REFUND_MADE);
    CHECK_STR_EQ(a.last_transaction_key, "tk_2");
    CHECK_STR_EQ(gh_pay_refunded_status(&a), "CANCELLED");

    /* a Payment without the cancel made: PENDING too (refusals: toss_errors) */
    a = payment("DONE", 1000, 1000, ",\"cancels\":[{\"transactionKey\":\"tk_1\","
                "\"cancelAmount\":300,\"cancelStatus\":\"IN_PROGRESS\"}]");
    CHECK_INT_EQ(gh_pay_refund_outcome(&a), GH_REFUND_UNCONFIRMED);
}

static void texts(void)
{
    char *long_reason = apr_pcalloc(pool, 202);

    CHECK_STR_EQ(gh_pay_toss_reason("changed my mind"), "changed my mind");
    CHECK_NULL(gh_pay_toss_reason(NULL));
    CHECK_NULL(gh_pay_toss_reason("two\nlines"));
    memset(long_reason, 'x', 200);
    CHECK_STR_EQ(gh_pay_toss_reason(long_reason), long_reason);
    long_reason[200] = 'x';
    CHECK_NULL(gh_pay_toss_reason(long_reason));
    {
        /* 200 Hangul syllables are 600 bytes, and fine */
        char *hangul = apr_pcalloc(pool, 601);
        for (int i = 0; i < 200; i++) {
            memcpy(hangul + 3 * i, "\xea\xb0\x80", 3);
        }
        CHECK_STR_EQ(gh_pay_toss_reason(hangul), hangul);
    }

    CHECK_STR_EQ(gh_pay_iso_time("2024-01-01T10:00:00+09:00"), "2024-01-01T10:00:00+09:00");
    CHECK_STR_EQ(gh_pay_iso_time("2024-01-01T01:00:00.123Z"), "2024-01-01T01:00:00.123Z");
    CHECK_STR_EQ(gh_pay_iso_time("2024-01-01T10:00:00"), "2024-01-01T10:00:00");
    CHECK_NULL(gh_pay_iso_time(NULL));
    CHECK_NULL(gh_pay_iso_time("2024-01-01 10:00:00"));
    CHECK_NULL(gh_pay_iso_time("2024-01-01T10:00"));
    CHECK_NULL(gh_pay_iso_time("2024-01-01T10:00:00'; DROP"));
    CHECK_NULL(gh_pay_iso_time("2024-01-01T10:00:00+09:00:00:00:00:00:00:00:00"));
}

static void entries(void)
{
    gh_pay_entry_t e = { 1, 0, "5", "9", "1200", "gift", -100 };
    gh_result_t res;

    CHECK_INT_EQ(gh_pay_entry_check(&e, "9", 7, "other").kind, GH_OK);   /* a first entry */
    e.replay = 1;
    CHECK_INT_EQ(gh_pay_entry_check(&e, "9", 100, "gift").kind, GH_OK);  /* a debit's delta */
    e.delta = 100;
    CHECK_INT_EQ(gh_pay_entry_check(&e, "9", 100, "gift").kind, GH_OK);
    res = gh_pay_entry_check(&e, "9", 101, "gift");
    CHECK_INT_EQ(res.kind, GH_BAD_INPUT);
    CHECK_STR_EQ(res.reason, "key_reused");
    CHECK_STR_EQ(res.message, "This Idempotency-Key was used for a different request.");
    CHECK_STR_EQ(gh_pay_entry_check(&e, "9", 100, "gift!").reason, "key_reused");
    CHECK_STR_EQ(gh_pay_entry_check(&e, "10", 100, "gift").reason, "key_reused");
}

static void idempotency_keys(void)
{
    char key[302];

    CHECK_INT_EQ(gh_pay_idempotency_key_check(NULL).kind, GH_OK);
    CHECK_INT_EQ(gh_pay_idempotency_key_check("a").kind, GH_OK);
    CHECK_INT_EQ(gh_pay_idempotency_key_check("550e8400-e29b-41d4-a716-446655440000").kind,
                 GH_OK);
    memset(key, 'k', 300);
    key[300] = '\0';
    CHECK_INT_EQ(gh_pay_idempotency_key_check(key).kind, GH_OK);
    key[300] = 'k';
    key[301] = '\0';
    CHECK_INT_EQ(gh_pay_idempotency_key_check(key).kind, GH_BAD_INPUT);
    CHECK_INT_EQ(gh_pay_idempotency_key_check("").kind, GH_BAD_INPUT);
    CHECK_INT_EQ(gh_pay_idempotency_key_check("a b").kind, GH_BAD_INPUT);
    CHECK_INT_EQ(gh_pay_idempotency_key_check("tab\t").kind, GH_BAD_INPUT);
    CHECK_INT_EQ(gh_pay_idempotency_key_check("\xea\xb0\x80").kind, GH_BAD_INPUT);
    CHECK_STR_EQ(gh_pay_idempotency_key_check("").message,
                 "Idempotency-Key must be 1 to 300 printable ASCII characters.");
}

void test_pay_rules(apr_pool_t *p)
{
    pool = p;
    plans();
    redirects();
    toss_errors();
    confirms();
    webhooks();
    cancel_plans();
    refunds();
    texts();
    entries();
    idempotency_keys();
}
