/* libFuzzer target: Toss Payments' answers (gh_toss_answer), against a
 * reference written from spec §2, and the rules that read them
 * (gh_pay_rules). The first byte picks the HTTP status, the rest is the
 * body. Reference:
 *  - 200 is a Payment: paymentKey, orderId and status are strings,
 *    totalAmount and balanceAmount integers >= 0; every cancel whose
 *    cancelStatus is not a string other than "DONE" has a transactionKey
 *    of 1-64 [A-Za-z0-9_-] and an integer cancelAmount > 0.
 *  - any other status is an error with a string code; it will pass if
 *    retried for a 5xx, 429 or PROVIDER_ERROR; a 409 is a request with
 *    the same key still running.
 * Strings holding a NUL count as absent. */
#include <apr_strings.h>

#include "fuzz.h"
#include "gh_json.h"
#include "gh_pay_rules.h"
#include "gh_toss_answer.h"

static const long statuses[] = { 200, 200, 200, 400, 401, 403, 404, 409, 429, 500, 503 };

static const char *string_member(json_object *obj, const char *name)
{
    json_object *v;

    if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, name, &v)
        || !json_object_is_type(v, json_type_string)
        || strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
        return NULL;
    }
    return json_object_get_string(v);
}

static int int_member(json_object *obj, const char *name, int64_t *out)
{
    json_object *v;

    if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, json_type_int)) {
        return 0;
    }
    *out = json_object_get_int64(v);
    return 1;
}

static int transaction_key(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n < 1 || n > 64) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '-' || c == '_')) {
            return 0;
        }
    }
    return 1;
}

/* The reference: whether a 200 body is a Payment, with its made cancels. */
static int ref_payment(json_object *doc, int *made, const char **last)
{
    json_object *cancels;
    int64_t total, balance;

    *made = 0;
    *last = NULL;
    if (!string_member(doc, "paymentKey") || !string_member(doc, "orderId")
        || !string_member(doc, "status") || !int_member(doc, "totalAmount", &total)
        || !int_member(doc, "balanceAmount", &balance) || total < 0 || balance < 0) {
        return 0;
    }
    if (!json_object_object_get_ex(doc, "cancels", &cancels)
        || !json_object_is_type(cancels, json_type_array)) {
        return 1;
    }
    for (size_t i = 0; i < json_object_array_length(cancels); i++) {
        json_object *c = json_object_array_get_idx(cancels, i);
        const char *st = string_member(c, "cancelStatus"), *key = string_member(c, "transactionKey");
        int64_t amount;
        if (st && strcmp(st, "DONE") != 0) {
            continue;
        }
        if (!transaction_key(key) || !json_object_is_type(c, json_type_object)
            || !int_member(c, "cancelAmount", &amount) || amount <= 0) {
            return 0;
        }
        (*made)++;
        *last = key;
    }
    return 1;
}

static void check_rules(const gh_tp_answer_t *a)
{
    gh_pay_order_t o = { "ord_1", "READY", NULL, 1000, NULL };
    gh_pay_plan_t plan;

    if (a->kind == GH_TP_PAYMENT) {
        plan = gh_pay_plan(&o, a);
        REQUIRE((plan.step == GH_PAY_MISMATCH)
                == (strcmp(a->order_id, "ord_1") != 0 || a->total_amount != 1000));
        REQUIRE(plan.step != GH_PAY_MARK || plan.status != NULL);
        REQUIRE(gh_pay_refund_outcome(a) == (a->last_transaction_key ? GH_REFUND_MADE
                                                                      : GH_REFUND_UNCONFIRMED));
        REQUIRE(gh_pay_lookup(a) == GH_LOOKUP_PAYMENT);
        REQUIRE(gh_pay_confirm_step(a, 0) == GH_CONFIRM_RECONCILE);
        REQUIRE(gh_pay_iso_time(a->approved_at) == NULL
                || strlen(gh_pay_iso_time(a->approved_at)) <= 40);
        for (int i = 0; i < a->ncancels; i++) {
            const char *why = gh_pay_toss_reason(a->cancels[i].reason);
            REQUIRE(why == NULL || why == a->cancels[i].reason);
        }
        return;
    }
    REQUIRE(gh_pay_refund_outcome(a) != GH_REFUND_MADE);
    REQUIRE(gh_pay_lookup(a) != GH_LOOKUP_PAYMENT);
    REQUIRE((gh_pay_confirm_step(a, 1) == GH_CONFIRM_RETRY_LATER) == (a->kind == GH_TP_TRANSIENT));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    json_object *doc;
    gh_tp_answer_t a;
    const char *err, *why;
    long status;

    if (size < 1) {
        return 0;
    }
    status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
    apr_pool_create(&p, fuzz_root_pool());
    if (gh_json_parse(p, (const char *)data + 1, size - 1, &doc, &err) == 0
        && json_object_is_type(doc, json_type_object)) {
        why = gh_tp_answer_read(p, status, doc, &a);
        REQUIRE(a.http_status == status);
        if (status == 200) {
            int made;
            const char *last;
            REQUIRE((why == NULL) == ref_payment(doc, &made, &last));
            if (why == NULL) {
                REQUIRE(a.kind == GH_TP_PAYMENT && a.code == NULL);
                REQUIRE(a.ncancels == made);
                REQUIRE((a.last_transaction_key == NULL) == (last == NULL));
                REQUIRE(last == NULL || strcmp(a.last_transaction_key, last) == 0);
                for (int i = 0; i < a.ncancels; i++) {
                    REQUIRE(transaction_key(a.cancels[i].transaction_key));
                    REQUIRE(a.cancels[i].amount > 0);
                }
                check_rules(&a);
            }
        }
        else {
            const char *code = string_member(doc, "code");
            REQUIRE((why == NULL) == (code != NULL));
            if (why == NULL) {
                int transient = status >= 500 || status == 429
                                || strcmp(code, "PROVIDER_ERROR") == 0;
                REQUIRE(strcmp(a.code, code) == 0 && a.message != NULL);
                REQUIRE(a.kind == (transient ? GH_TP_TRANSIENT
                                   : status == 409 ? GH_TP_IN_FLIGHT : GH_TP_REFUSED));
                REQUIRE(gh_tp_transient(&a) == transient);
                check_rules(&a);
            }
        }
    }
    apr_pool_destroy(p);
    return 0;
}
