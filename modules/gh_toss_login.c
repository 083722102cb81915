/* Toss answers in an envelope, {"resultType":"SUCCESS","success":{...}}
 * or {"resultType":"FAIL","error":{...}}, and sometimes with a bare
 * {"error":"invalid_grant"}; expiresIn may be a number or a string. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_config.h"
#include "gh_crypto.h"
#include "gh_curl.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_toss_login.h"
#include "gh_toss_login_cfg.h"

#define SERVICE "Toss"
#define OAUTH   "/api-partner/v1/apps-in-toss/user/oauth2"

/* Calls Toss and unwraps a SUCCESS envelope into *success. On a FAIL or a
 * bare error, *refused gets its code and OK is returned with *success
 * NULL; a transport or shape failure is recorded and returned. */
static int call(request_rec *r, const char *method, const char *path, const char *body,
                const char *bearer, int fresh, json_object **success, const char **refused)
{
    const gh_toss_login_cfg_t *tc = gh_toss_login_cfg(r->server);
    const char *headers[3] = { "Content-Type: application/json", NULL, NULL };
    gh_curl_request_t req = { .method = method, .body = body, .body_len = body ? strlen(body) : 0,
                              .headers = headers, .client_cert = tc->client_cert,
                              .client_key = tc->client_key, .fresh = fresh,
                              .provider = GH_UPSTREAM_TOSS_LOGIN,
                              /* login-me reads; generate-token spends its code */
                              .retry = strcmp(method, "GET") == 0 && !fresh ? GH_CURL_RETRY
                                                                            : GH_CURL_ONCE };
    gh_curl_response_t resp;
    json_object *doc;
    const char *why, *err, *type;
    gh_curl_result_e rc;

    *success = NULL;
    *refused = NULL;
    req.url = apr_pstrcat(r->pool, tc->url,
                          OAUTH, path, NULL);
    if (bearer) {
        headers[1] = apr_pstrcat(r->pool, "Authorization: Bearer ", bearer, NULL);
    }
    if ((rc = gh_curl_fetch(r->pool, r->server, &req, &resp, &why)) != GH_CURL_OK) {
        return gh_answer(r, gh_curl_fail(r, rc, SERVICE, why));
    }
    if (gh_json_parse(r->pool, resp.body, resp.len, &doc, &err) != 0
        || !json_object_is_type(doc, json_type_object)) {
        return gh_answer(r, gh_upstream_bad(r, SERVICE, apr_psprintf(r->pool, "%s: HTTP %ld, not JSON",
                                                        path, resp.status)));
    }
    type = gh_json_str(doc, "resultType");
    if (type && strcmp(type, "SUCCESS") == 0 && (*success = gh_json_obj(doc, "success"))) {
        return OK;
    }
    if (resp.status >= 500) {           /* Toss failed; it did not refuse us */
        return gh_answer(r, gh_upstream_bad(r, SERVICE, apr_psprintf(r->pool, "%s: HTTP %ld", path,
                                                        resp.status)));
    }
    if (type && strcmp(type, "FAIL") == 0) {
        *refused = gh_json_str(gh_json_obj(doc, "error"), "errorCode");
        *refused = *refused ? *refused : "FAIL";
        return OK;
    }
    if (type == NULL && gh_json_str(doc, "error")) {
        *refused = gh_json_str(doc, "error");
        return OK;
    }
    return gh_answer(r, gh_upstream_bad(r, SERVICE, apr_psprintf(r->pool, "%s: HTTP %ld, no envelope",
                                                    path, resp.status)));
}

/* A personal field: decrypted when Toss's key is configured, else unset. */
static int personal(request_rec *r, json_object *me, const char *name, const char **out)
{
    const gh_toss_login_cfg_t *tc = gh_toss_login_cfg(r->server);
    const char *sealed = gh_json_str(me, name);
    unsigned char *raw, *plain;
    apr_size_t rawlen, plainlen;

    *out = NULL;
    if (sealed == NULL || tc->aes_key == NULL || tc->decrypt_aad == NULL) {
        return OK;
    }
    if (gh_base64_decode(r->pool, sealed, strlen(sealed), 0, &raw, &rawlen) != 0
        || gh_aes256gcm_open(r->pool, tc->aes_key, tc->decrypt_aad,
                             strlen(tc->decrypt_aad), raw, rawlen, &plain,
                             &plainlen) != 0
        || strlen((const char *)plain) != plainlen) {
        return gh_answer(r, gh_upstream_bad(r, SERVICE, apr_pstrcat(r->pool, "login-me field ", name,
                                                       " does not decrypt", NULL)));
    }
    *out = (const char *)plain;
    return OK;
}

int gh_toss_login(request_rec *r, const char *code, const char *referrer, gh_profile_t *prof)
{
    json_object *req = gh_json_object(r->pool), *tok, *me, *key;
    const char *refused, *access, *body;
    apr_size_t len;
    int status;

    json_object_object_add(req, "authorizationCode", json_object_new_string(code));
    json_object_object_add(req, "referrer", json_object_new_string(referrer));
    body = gh_json_serialize(req, &len);
    /* the authorization code works once: never let it be resent */
    if ((status = call(r, "POST", "/generate-token", body, NULL, 1, &tok, &refused)) != OK) {
        return status;
    }
    if (refused && strcmp(refused, "INTERNAL_ERROR") == 0) {
        return gh_answer(r, gh_upstream_bad(r, SERVICE, "generate-token: INTERNAL_ERROR"));
    }
    if (refused) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "Toss refused the code: %s", refused);
        return gh_fail(r, GH_E_INVALID_GRANT,
                       "Toss refused the authorization code.");
    }
    if ((access = gh_json_str(tok, "accessToken")) == NULL) {
        return gh_answer(r, gh_upstream_bad(r, SERVICE, "generate-token gave no accessToken"));
    }
    if ((status = call(r, "GET", "/login-me", NULL, access, 0, &me, &refused)) != OK) {
        return status;
    }
    if (refused) {
        return gh_answer(r, gh_upstream_bad(r, SERVICE, apr_pstrcat(r->pool, "login-me: ", refused, NULL)));
    }
    memset(prof, 0, sizeof(*prof));
    /* userKey is a number; a decimal string is tolerated */
    if (json_object_object_get_ex(me, "userKey", &key)
        && (json_object_is_type(key, json_type_int) || json_object_is_type(key, json_type_string))) {
        apr_int64_t v = json_object_get_int64(key);
        prof->sub = v > 0 ? apr_psprintf(r->pool, "%" APR_INT64_T_FMT, v) : NULL;
    }
    if (prof->sub == NULL) {
        return gh_answer(r, gh_upstream_bad(r, SERVICE, "login-me gave no valid userKey"));
    }
    if ((status = personal(r, me, "name", &prof->name)) != OK
        || (status = personal(r, me, "email", &prof->email)) != OK
        || (status = personal(r, me, "phone", &prof->phone)) != OK
        || (status = personal(r, me, "birthday", &prof->birthday)) != OK
        || (status = personal(r, me, "gender", &prof->gender)) != OK
        || (status = personal(r, me, "nationality", &prof->nationality)) != OK) {
        return status;
    }
    return OK;
}
