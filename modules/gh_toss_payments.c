/* The Toss Payments calls: the request, its headers and the transport;
 * what the answer means is read by gh_toss_answer.c. */
#include <string.h>

#include "apr_strings.h"

#include "gh_config.h"
#include "gh_curl.h"
#include "gh_json.h"
#include "gh_private.h"
#include "gh_toss_payments.h"
#include "gh_toss_payments_cfg.h"

#define SERVICE "Toss Payments"

gh_result_t gh_tp_call(request_rec *r, const char *path, json_object *body,
                       const char *idem_key, gh_tp_answer_t *out)
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
        return gh_curl_fail(r, rc, SERVICE, apr_pstrcat(r->pool, path, ": ", why, NULL));
    }
    if (gh_json_parse(r->pool, resp.body, resp.len, &doc, &err) != 0
        || !json_object_is_type(doc, json_type_object)) {
        return gh_upstream_bad(r, SERVICE, apr_psprintf(r->pool, "%s: HTTP %ld, not JSON",
                                                        path, resp.status));
    }
    if ((why = gh_tp_answer_read(r->pool, resp.status, doc, out)) != NULL) {
        return gh_upstream_bad(r, SERVICE, resp.status == 200
                               ? apr_pstrcat(r->pool, path, ": ", why, NULL)
                               : apr_psprintf(r->pool, "%s: HTTP %ld %s", path, resp.status,
                                              why));
    }
    return GH_RESULT_OK;
}

gh_result_t gh_tp_retry_later(request_rec *r, const gh_tp_answer_t *a)
{
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, SERVICE " failed for now: HTTP %ld %s",
                  a->http_status, a->code);
    return gh_result(GH_UPSTREAM_BAD, "transient", SERVICE " failed for now; retry later.");
}

gh_result_t gh_tp_unexpected(request_rec *r, const char *why)
{
    return gh_upstream_bad(r, SERVICE, why);
}
