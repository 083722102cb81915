/* Toss Payments answers a Payment object with 200, and any error as
 * {"code","message"} with a 4xx or 5xx status. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_config.h"
#include "gh_curl.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_money.h"
#include "gh_toss_payments.h"
#include "gh_toss_payments_cfg.h"

#define SERVICE "Toss Payments"
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

int gh_tp_call(request_rec *r, const char *path, json_object *body, const char *idem_key,
               gh_tp_answer_t *out)
{
    const gh_toss_payments_cfg_t *tc = gh_toss_payments_cfg(r->server);
    const char *headers[4] = { NULL, NULL, NULL, NULL };
    /* a lookup is a GET, and every POST carries its Idempotency-Key: Toss
       answers a repeat with the first answer, without doing it again */
    gh_curl_request_t req = { .method = body ? "POST" : "GET", .headers = headers,
                              .retry = body == NULL || idem_key ? GH_CURL_RETRY
                                                                : GH_CURL_ONCE };
    gh_curl_response_t resp;
    json_object *doc;
    const char *why, *err;
    gh_curl_result_e rc;
    int h = 0;

    memset(out, 0, sizeof(*out));
    req.provider = GH_UPSTREAM_TOSS_PAYMENTS;
    req.url = apr_pstrcat(r->pool, tc->url, path, NULL);
    headers[h++] = apr_pstrcat(r->pool, "Authorization: ", tc->auth, NULL);
    if (body) {
        req.body = gh_json_serialize(body, &req.body_len);
        headers[h++] = "Content-Type: application/json";
        headers[h++] = apr_pstrcat(r->pool, "Idempotency-Key: ", idem_key, NULL);
    }
    if ((rc = gh_curl_fetch(r->pool, r->server, &req, &resp, &why)) != GH_CURL_OK) {
        return gh_answer(r, gh_curl_fail(r, rc, SERVICE, apr_pstrcat(r->pool, path, ": ", why, NULL)));
    }
    out->http_status = resp.status;
    if (gh_json_parse(r->pool, resp.body, resp.len, &doc, &err) != 0
        || !json_object_is_type(doc, json_type_object)) {
        return gh_answer(r, gh_upstream_bad(r, SERVICE, apr_psprintf(r->pool, "%s: HTTP %ld, not JSON",
                                                        path, resp.status)));
    }
    if (resp.status == HTTP_OK) {
        if (read_payment(r->pool, doc, out) != 0 || out->payment_key == NULL
            || out->order_id == NULL || out->status == NULL
            || out->total_amount < 0 || out->balance_amount < 0) {
            return gh_answer(r, gh_upstream_bad(r, SERVICE, apr_pstrcat(r->pool, path,
                                                           ": not a Payment", NULL)));
        }
        return OK;
    }
    out->code = gh_json_str(doc, "code");
    out->message = gh_json_str(doc, "message");
    if (out->code == NULL) {
        return gh_answer(r, gh_upstream_bad(r, SERVICE, apr_psprintf(r->pool, "%s: HTTP %ld without a code",
                                                        path, resp.status)));
    }
    if (out->message == NULL) {
        out->message = out->code;
    }
    return OK;
}

int gh_tp_transient(const gh_tp_answer_t *a)
{
    return a->code != NULL && (a->http_status >= 500 || a->http_status == 429
                               || strcmp(a->code, "PROVIDER_ERROR") == 0);
}

int gh_tp_fail_transient(request_rec *r, const gh_tp_answer_t *a)
{
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, SERVICE " failed for now: HTTP %ld %s",
                  a->http_status, a->code);
    return gh_fail(r, GH_E_UPSTREAM_ERROR,
                   SERVICE " failed for now; retry later.");
}
