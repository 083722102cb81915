/* Google's token endpoint: a form POST with the client secret; only the
 * id_token of the answer is used, and it is verified like any other. */
#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_config.h"
#include "gh_curl.h"
#include "gh_google.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_google_cfg.h"

#define SERVICE "Google"

static const char *field(apr_pool_t *p, const char *name, const char *value)
{
    return apr_pstrcat(p, name, "=", ap_escape_urlencoded(p, value), NULL);
}

int gh_google_exchange(request_rec *r, const char *code, const char *redirect_uri,
                       const char *code_verifier, const char **id_token)
{
    const gh_google_cfg_t *gc = gh_google_cfg(r->server);
    static const char *const headers[] = {
        "Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL
    };
    gh_curl_request_t req = { .method = "POST", .headers = headers,
                              .url = gc->token_url,
                              .provider = GH_UPSTREAM_GOOGLE,
                              .retry = GH_CURL_ONCE };   /* the code works once */
    gh_curl_response_t resp;
    json_object *doc = NULL;
    const char *why, *err;
    gh_curl_result_e rc;
    const char *body;

    int status = gh_http_require(r, GH_NEED_GOOGLE_CODE);

    if (status != OK) {
        return status;
    }
    body = apr_pstrcat(r->pool, field(r->pool, "grant_type", "authorization_code"), "&",
                       field(r->pool, "code", code), "&",
                       field(r->pool, "client_id", gc->client_id), "&",
                       field(r->pool, "client_secret", gc->client_secret), "&",
                       field(r->pool, "redirect_uri", redirect_uri), NULL);
    if (code_verifier) {
        body = apr_pstrcat(r->pool, body, "&", field(r->pool, "code_verifier", code_verifier), NULL);
    }
    req.body = body;
    req.body_len = strlen(body);
    req.fresh = 1;                      /* the code works once */
    if ((rc = gh_curl_fetch(r->pool, r->server, &req, &resp, &why)) != GH_CURL_OK) {
        return gh_answer(r, gh_curl_fail(r, rc, SERVICE, why));
    }
    if (resp.len > 0 && gh_json_parse(r->pool, resp.body, resp.len, &doc, &err) != 0) {
        doc = NULL;
    }
    if (resp.status == 400 && gh_json_str(doc, "error")) {
        /* invalid_grant: the code is wrong, used, expired, or for another redirect */
        return gh_fail(r, GH_E_INVALID_GRANT,
                       "Google refused the authorization code.");
    }
    if (resp.status != 200 || (*id_token = gh_json_str(doc, "id_token")) == NULL) {
        return gh_answer(r, gh_upstream_bad(r, SERVICE, apr_psprintf(r->pool, "token endpoint HTTP %ld%s%s",
                               resp.status, doc && gh_json_str(doc, "error") ? ": " : "",
                               doc && gh_json_str(doc, "error") ? gh_json_str(doc, "error") : "")));
    }
    return OK;
}
