/* gh_toss_answer: Toss Payments' answers (spec §2) read and sorted. */
#include <string.h>

#include "check.h"
#include "suites.h"
#include "gh_json.h"
#include "gh_toss_answer.h"

#define PAYMENT(extra) \
    "{\"paymentKey\":\"pk_1\",\"orderId\":\"ord_1\",\"status\":\"DONE\"," \
    "\"totalAmount\":1000,\"balanceAmount\":1000" extra "}"

/* what gh_tp_answer_read says of text answered with status */
static const char *read_text(apr_pool_t *p, long status, const char *text, gh_tp_answer_t *a)
{
    json_object *doc;
    const char *err;

    if (!CHECK_INT_EQ(gh_json_parse(p, text, strlen(text), &doc, &err), 0)) {
        return "unparsed";
    }
    return gh_tp_answer_read(p, status, doc, a);
}

static void payments(apr_pool_t *p)
{
    gh_tp_answer_t a;

    CHECK_NULL(read_text(p, 200, PAYMENT(",\"approvedAt\":\"2024-01-01T10:00:00+09:00\""), &a));
    CHECK_INT_EQ(a.kind, GH_TP_PAYMENT);
    CHECK_NULL(a.code);
    CHECK_STR_EQ(a.payment_key, "pk_1");
    CHECK_STR_EQ(a.order_id, "ord_1");
    CHECK_STR_EQ(a.status, "DONE");
    CHECK_STR_EQ(a.approved_at, "2024-01-01T10:00:00+09:00");
    CHECK_INT_EQ(a.total_amount, 1000);
    CHECK_INT_EQ(a.balance_amount, 1000);
    CHECK_INT_EQ(a.ncancels, 0);
    CHECK_NULL(a.last_transaction_key);
    CHECK_NULL(a.virtual_account);

    /* made cancels only, oldest first; the newest's key is the last one */
    CHECK_NULL(read_text(p, 200, PAYMENT(",\"cancels\":["
        "{\"transactionKey\":\"tk_a\",\"cancelAmount\":300,\"cancelReason\":\"first\","
        "\"cancelStatus\":\"DONE\"},"
        "{\"transactionKey\":\"tk_b\",\"cancelAmount\":200,\"cancelStatus\":\"IN_PROGRESS\"},"
        "{\"transactionKey\":\"tk_c\",\"cancelAmount\":100}]"), &a));
    CHECK_INT_EQ(a.ncancels, 2);
    CHECK_STR_EQ(a.cancels[0].transaction_key, "tk_a");
    CHECK_STR_EQ(a.cancels[0].reason, "first");
    CHECK_INT_EQ(a.cancels[0].amount, 300);
    CHECK_STR_EQ(a.cancels[1].transaction_key, "tk_c");
    CHECK_NULL(a.cancels[1].reason);
    CHECK_STR_EQ(a.last_transaction_key, "tk_c");

    CHECK_NULL(read_text(p, 200, PAYMENT(",\"virtualAccount\":{\"accountNumber\":\"123\"}"), &a));
    CHECK_STR_EQ(gh_json_str(a.virtual_account, "accountNumber"), "123");
}

static void not_payments(apr_pool_t *p)
{
    static const char *const bad[] = {
        "{\"orderId\":\"ord_1\",\"status\":\"DONE\",\"totalAmount\":1,\"balanceAmount\":1}",
        "{\"paymentKey\":\"pk\",\"status\":\"DONE\",\"totalAmount\":1,\"balanceAmount\":1}",
        "{\"paymentKey\":\"pk\",\"orderId\":\"o\",\"totalAmount\":1,\"balanceAmount\":1}",
        "{\"paymentKey\":\"pk\",\"orderId\":\"o\",\"status\":\"DONE\",\"totalAmount\":\"1\","
        "\"balanceAmount\":1}",
        "{\"paymentKey\":\"pk\",\"orderId\":\"o\",\"status\":\"DONE\",\"totalAmount\":1.5,"
        "\"balanceAmount\":1}",
        "{\"paymentKey\":\"pk\",\"orderId\":\"o\",\"status\":\"DONE\",\"totalAmount\":1}",
        PAYMENT(",\"cancels\":[{\"cancelAmount\":100}]"),
        PAYMENT(",\"cancels\":[{\"transactionKey\":\"tk/1\",\"cancelAmount\":100}]"),
        PAYMENT(",\"cancels\":[{\"transactionKey\":\"tk\",\"cancelAmount\":0}]"),
        PAYMENT(",\"cancels\":[{\"transactionKey\":\"tk\",\"cancelAmount\":\"100\"}]"),
        NULL
    };
    gh_tp_answer_t a;

    for (int i = 0; bad[i]; i++) {
        if (!CHECK_STR_EQ(read_text(p, 200, bad[i], &a), "not a Payment")) {
            fprintf(stderr, "    answer %d: %s\n", i, bad[i]);
        }
    }
    /* an error status needs Toss's code */
    CHECK_STR_EQ(read_text(p, 500, "{\"message\":\"oops\"}", &a), "without a code");
    CHECK_STR_EQ(read_text(p, 404, PAYMENT(""), &a), "without a code");
}

static void errors(apr_pool_t *p)
{
    gh_tp_answer_t a;

    CHECK_NULL(read_text(p, 404, "{\"code\":\"NOT_FOUND_PAYMENT\",\"message\":\"none\"}", &a));
    CHECK_INT_EQ(a.kind, GH_TP_REFUSED);
    CHECK_INT_EQ(a.http_status, 404);
    CHECK_STR_EQ(a.code, "NOT_FOUND_PAYMENT");
    CHECK_STR_EQ(a.message, "none");
    CHECK_INT_EQ(gh_tp_transient(&a), 0);
    CHECK_NULL(a.payment_key);

    /* without a message, the code stands for it */
    CHECK_NULL(read_text(p, 400, "{\"code\":\"INVALID_REQUEST\"}", &a));
    CHECK_STR_EQ(a.message, "INVALID_REQUEST");

    CHECK_NULL(read_text(p, 500, "{\"code\":\"FAILED_INTERNAL_SYSTEM_PROCESSING\"}", &a));
    CHECK_INT_EQ(a.kind, GH_TP_TRANSIENT);
    CHECK_INT_EQ(gh_tp_transient(&a), 1);
    CHECK_NULL(read_text(p, 429, "{\"code\":\"TOO_MANY_REQUESTS\"}", &a));
    CHECK_INT_EQ(a.kind, GH_TP_TRANSIENT);
    CHECK_NULL(read_text(p, 400, "{\"code\":\"PROVIDER_ERROR\"}", &a));
    CHECK_INT_EQ(a.kind, GH_TP_TRANSIENT);
    /* the same Idempotency-Key still running */
    CHECK_NULL(read_text(p, 409, "{\"code\":\"IDEMPOTENT_REQUEST_PROCESSING\"}", &a));
    CHECK_INT_EQ(a.kind, GH_TP_IN_FLIGHT);
    CHECK_INT_EQ(gh_tp_transient(&a), 0);
    /* transient wins over 409 */
    CHECK_NULL(read_text(p, 409, "{\"code\":\"PROVIDER_ERROR\"}", &a));
    CHECK_INT_EQ(a.kind, GH_TP_TRANSIENT);
}

void test_toss_answer(apr_pool_t *p)
{
    payments(p);
    not_payments(p);
    errors(p);
}
