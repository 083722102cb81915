/* Cognito's JSON API. What its exceptions mean is gh_cognito_refusal's;
 * any other failure it answers with is passed on as GH_UPSTREAM_BAD. */
#include <string.h>

#include "apr_strings.h"

#include "gh_cognito.h"
#include "gh_cognito_cfg.h"
#include "gh_cognito_error.h"
#include "gh_crypto.h"
#include "gh_curl.h"
#include "gh_json.h"

#define SERVICE "Cognito"

const char *gh_cognito_secret_hash(request_rec *r, const char *username)
{
    const gh_cognito_cfg_t *cc = gh_cognito_cfg(r->server);
    const char *msg;
    unsigned char mac[32];

    if (cc->client_secret == NULL) {
        return NULL;
    }
    msg = apr_pstrcat(r->pool, username, cc->client_id, NULL);
    if (gh_hmac_sha256(cc->client_secret, strlen(cc->client_secret),
                       msg, strlen(msg), mac) != 0) {
        return NULL;
    }
    return gh_base64_encode(r->pool, mac, sizeof(mac), 0);
}

gh_result_t gh_cognito_call(request_rec *r, const char *operation, json_object *body,
                            json_object **out)
{
    const gh_cognito_cfg_t *cc = gh_cognito_cfg(r->server);
    const char *headers[] = {
        "Content-Type: application/x-amz-json-1.1",
        apr_pstrcat(r->pool, "X-Amz-Target: AWSCognitoIdentityProviderService.", operation, NULL),
        NULL
    };
    gh_curl_request_t req = { .method = "POST", .url = cc->api_url, .headers = headers,
                              .provider = GH_UPSTREAM_COGNITO,
                              /* SignUp creates and ConfirmSignUp spends a
                                 code: neither may be resent */
                              .fresh = strcmp(operation, "InitiateAuth") != 0
                                    && strcmp(operation, "GetUser") != 0,
                              /* GetUser only reads; InitiateAuth issues tokens
                                 and counts a wrong password again */
                              .retry = strcmp(operation, "GetUser") == 0 ? GH_CURL_RETRY
                                                                         : GH_CURL_ONCE };
    gh_curl_response_t resp;
    const char *why, *type;
    gh_cognito_error_e kind;
    gh_curl_result_e rc;

    *out = NULL;
    req.body = gh_json_serialize(body, &req.body_len);
    if ((rc = gh_curl_fetch(r->pool, r->server, &req, &resp, &why)) != GH_CURL_OK) {
        return gh_curl_fail(r, rc, SERVICE, why);
    }
    kind = gh_cognito_error_parse(r->pool, resp.status, resp.body, resp.len, out, &type);
    if (kind == GH_COGNITO_NOT_JSON) {
        return gh_upstream_bad(r, SERVICE, apr_psprintf(r->pool, "%s: HTTP %ld, not JSON",
                                                        operation, resp.status));
    }
    if (kind == GH_COGNITO_ANSWERED) {
        return GH_RESULT_OK;
    }
    if (kind == GH_COGNITO_REFUSED) {
        gh_result_t res = gh_cognito_refusal(type);
        if (strcmp(res.reason, GH_COGNITO_UNKNOWN) == 0) {
            ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "%s %s: %s", SERVICE, operation, type);
        }
        return res;
    }
    return gh_upstream_bad(r, SERVICE, apr_psprintf(r->pool, "%s: HTTP %ld %s", operation,
                                                    resp.status, type ? type : ""));
}

/* A UserAttributes list's value of name, or NULL. */
static const char *attribute(json_object *attrs, const char *name)
{
    for (size_t i = 0; attrs && i < json_object_array_length(attrs); i++) {
        json_object *a = json_object_array_get_idx(attrs, i);
        const char *n = gh_json_str(a, "Name");
        if (n && strcmp(n, name) == 0) {
            return gh_json_str(a, "Value");
        }
    }
    return NULL;
}

gh_result_t gh_cognito_get_user(request_rec *r, const char *access_token, gh_profile_t *prof)
{
    json_object *req = gh_json_object(r->pool), *out, *attrs;
    const char *verified;
    gh_result_t res;

    json_object_object_add(req, "AccessToken", json_object_new_string(access_token));
    if ((res = gh_cognito_call(r, "GetUser", req, &out)).kind != GH_OK) {
        return res;
    }
    if (!json_object_object_get_ex(out, "UserAttributes", &attrs)
        || !json_object_is_type(attrs, json_type_array)
        || (prof->sub = attribute(attrs, "sub")) == NULL) {
        return gh_upstream_bad(r, SERVICE, "GetUser gave no sub attribute");
    }
    prof->email = attribute(attrs, "email");
    verified = attribute(attrs, "email_verified");
    prof->email_verified = verified && strcmp(verified, "true") == 0;
    prof->name = attribute(attrs, "name");
    prof->picture = attribute(attrs, "picture");
    return GH_RESULT_OK;
}

gh_result_t gh_cognito_global_sign_out(request_rec *r, const char *access_token)
{
    json_object *req = gh_json_object(r->pool), *out;

    json_object_object_add(req, "AccessToken", json_object_new_string(access_token));
    return gh_cognito_call(r, "GlobalSignOut", req, &out);
}
