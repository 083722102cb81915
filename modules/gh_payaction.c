/* Payaction answers a JSON object whose "status" is "success" or not;
 * only a 200 with "success" is a call it took. */
#include <string.h>

#include "apr_strings.h"

#include "gh_curl.h"
#include "gh_json.h"
#include "gh_payaction.h"
#include "gh_payaction_cfg.h"

/* What a transport failure says of the call. */
static gh_kind_e transport_kind(gh_curl_result_e rc)
{
    return rc == GH_CURL_TIMEOUT ? GH_UPSTREAM_TIMEOUT
         : rc == GH_CURL_UNREACHABLE ? GH_UPSTREAM_DOWN : GH_UPSTREAM_BAD;
}

gh_result_t gh_payaction_call(request_rec *r, const char *path, json_object *body,
                              gh_payaction_answer_t *out)
{
    const gh_payaction_cfg_t *pc = gh_payaction_cfg(r->server);
    const char *headers[] = {
        "Content-Type: application/json",
        apr_pstrcat(r->pool, "x-api-key: ", pc->api_key, NULL),
        apr_pstrcat(r->pool, "x-mall-id: ", pc->mall_id, NULL), NULL
    };
    /* fresh: libcurl would silently resend on a reused connection that
     * died, and a resent order could come back "duplicate" for an order
     * Payaction does have; Payaction takes no idempotency key */
    gh_curl_request_t req = { .method = "POST", .headers = headers, .fresh = 1,
                              .retry = GH_CURL_ONCE };
    gh_curl_response_t resp;
    const char *err, *st;
    gh_curl_result_e rc;

    out->doc = NULL;
    out->detail = NULL;
    req.provider = GH_UPSTREAM_PAYACTION;
    req.url = apr_pstrcat(r->pool, pc->url, path, NULL);
    req.body = gh_json_serialize(body, &req.body_len);
    if ((rc = gh_curl_fetch(r->pool, r->server, &req, &resp, &out->detail)) != GH_CURL_OK) {
        return gh_result(transport_kind(rc), NULL, NULL);
    }
    out->detail = resp.body;
    if (gh_json_parse(r->pool, resp.body, resp.len, &out->doc, &err) != 0
        || !json_object_is_type(out->doc, json_type_object)) {
        out->doc = NULL;
    }
    st = out->doc ? gh_json_str(out->doc, "status") : NULL;
    if (resp.status == 200 && st && strcmp(st, "success") == 0) {
        return GH_RESULT_OK;
    }
    /* after a 5xx, Payaction may have done the work all the same */
    return gh_result(resp.status >= 500 ? GH_UPSTREAM_BAD : GH_REFUSED, NULL, NULL);
}
