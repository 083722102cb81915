/* Reading Toss Payments' answers (see gh_toss_answer.h). */
#include <string.h>

#include <apr_strings.h>

#include "gh_json.h"
#include "gh_money.h"
#include "gh_toss_answer.h"

#define TKEY_MAX 64            /* Toss's transaction keys are 32 characters */

static apr_int64_t int_member(json_object *obj, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(obj, name, &v) && json_object_is_type(v, json_type_int)
           ? json_object_get_int64(v) : -1;
}

/* The cancels Toss made: 0, or -1 when one of them is malformed. */
static int read_cancels(apr_pool_t *p, json_object *list, gh_tp_answer_t *out)
{
    apr_size_t n = json_object_array_length(list);
    gh_tp_cancel_t *c = apr_pcalloc(p, sizeof(*c) * (n + 1));

    out->cancels = c;
    for (apr_size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(list, i);
        const char *status = gh_json_str(item, "cancelStatus");
        if (status && strcmp(status, "DONE") != 0) {
            continue;               /* not made (yet) */
        }
        c->transaction_key = gh_json_str(item, "transactionKey");
        c->reason = gh_json_str(item, "cancelReason");
        c->amount = int_member(item, "cancelAmount");
        if (c->transaction_key == NULL || !gh_money_token(c->transaction_key, TKEY_MAX)
            || c->amount <= 0) {
            return -1;
        }
        out->last_transaction_key = c->transaction_key;
        out->ncancels++;
        c++;
    }
    return 0;
}

static int read_payment(apr_pool_t *p, json_object *doc, gh_tp_answer_t *out)
{
    json_object *cancels = NULL;

    out->payment_key = gh_json_str(doc, "paymentKey");
    out->order_id = gh_json_str(doc, "orderId");
    out->status = gh_json_str(doc, "status");
    out->approved_at = gh_json_str(doc, "approvedAt");
    out->total_amount = int_member(doc, "totalAmount");
    out->balance_amount = int_member(doc, "balanceAmount");
    out->virtual_account = gh_json_obj(doc, "virtualAccount");
    if (json_object_object_get_ex(doc, "cancels", &cancels)
        && json_object_is_type(cancels, json_type_array)) {
        return read_cancels(p, cancels, out);
    }
    return 0;
}

const char *gh_tp_answer_read(apr_pool_t *p, long status, json_object *doc,
                              gh_tp_answer_t *out)
{
    memset(out, 0, sizeof(*out));
    out->http_status = status;
    if (status == 200) {
        if (read_payment(p, doc, out) != 0 || out->payment_key == NULL
            || out->order_id == NULL || out->status == NULL
            || out->total_amount < 0 || out->balance_amount < 0) {
            return "not a Payment";
        }
        return NULL;
    }
    out->code = gh_json_str(doc, "code");
    out->message = gh_json_str(doc, "message");
    if (out->code == NULL) {
        return "without a code";
    }
    if (out->message == NULL) {
        out->message = out->code;
    }
    out->kind = gh_tp_transient(out) ? GH_TP_TRANSIENT
              : status == 409 ? GH_TP_IN_FLIGHT : GH_TP_REFUSED;
    return NULL;
}

int gh_tp_transient(const gh_tp_answer_t *a)
{
    return a->code != NULL && (a->http_status >= 500 || a->http_status == 429
                               || strcmp(a->code, "PROVIDER_ERROR") == 0);
}
