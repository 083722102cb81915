/* Cognito's JSON API. Its error types map onto the statuses a client can
 * act on; anything else it says is passed on as a generic 400 or 502. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_cognito.h"
#include "gh_config.h"
#include "gh_crypto.h"
#include "gh_curl.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_cognito_cfg.h"

#define SERVICE "Cognito"

static const struct {
    const char *type;
    gh_err_e err;
    const char *message;
} errors[] = {
    { "NotAuthorizedException", GH_E_NOT_AUTHORIZED,
      "Incorrect username or password." },
    { "UserNotFoundException", GH_E_NOT_AUTHORIZED,
      "Incorrect username or password." },           /* no account enumeration */
    { "UsernameExistsException", GH_E_USERNAME_EXISTS,
      "An account with this username already exists." },
    { "UserNotConfirmedException", GH_E_USER_NOT_CONFIRMED,
      "The account is not confirmed yet." },
    { "InvalidPasswordException", GH_E_INVALID_PASSWORD,
      "The password does not meet the password policy." },
    { "CodeMismatchException", GH_E_CODE_MISMATCH,
      "The confirmation code is wrong." },
    { "ExpiredCodeException", GH_E_CODE_EXPIRED,
      "The confirmation code has expired." },
    { "InvalidParameterException", GH_E_INVALID_PARAMETER,
      "Cognito refused a parameter." },
    { "TooManyRequestsException", GH_E_TOO_MANY_REQUESTS,
      "Too many requests to Cognito; retry later." },
    { "LimitExceededException", GH_E_TOO_MANY_REQUESTS,
      "Too many attempts; retry later." },
    { "TooManyFailedAttemptsException", GH_E_TOO_MANY_REQUESTS,
      "Too many failed attempts; retry later." },
};

int gh_cognito_ready(request_rec *r)
{
    return gh_http_require(r, GH_NEED_COGNITO);
}

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

int gh_cognito_call(request_rec *r, const char *operation, json_object *body, json_object **out)
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
    const char *why, *err, *type;
    gh_curl_result_e rc;

    *out = NULL;
    req.body = gh_json_serialize(body, &req.body_len);
    if ((rc = gh_curl_fetch(r->pool, r->server, &req, &resp, &why)) != GH_CURL_OK) {
        return gh_answer(r, gh_curl_fail(r, rc, SERVICE, why));
    }
    if (gh_json_parse(r->pool, resp.body, resp.len, out, &err) != 0
        || !json_object_is_type(*out, json_type_object)) {
        return gh_answer(r, gh_upstream_bad(r, SERVICE, apr_psprintf(r->pool, "%s: HTTP %ld, not JSON",
                                                        operation, resp.status)));
    }
    if (resp.status == 200) {
        return OK;
    }
    type = gh_json_str(*out, "__type");
    if (type && strchr(type, '#')) {
        type = strrchr(type, '#') + 1;      /* "com.amazonaws...#NotAuthorizedException" */
    }
    if (resp.status >= 400 && resp.status < 500 && type) {
        for (apr_size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
            if (strcmp(type, errors[i].type) == 0) {
                return gh_fail(r, errors[i].err, errors[i].message);
            }
        }
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "%s %s: %s", SERVICE, operation, type);
        return gh_fail(r, GH_E_COGNITO_ERROR, "Cognito refused the request.");
    }
    return gh_answer(r, gh_upstream_bad(r, SERVICE, apr_psprintf(r->pool, "%s: HTTP %ld %s", operation,
                                                    resp.status, type ? type : "")));
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

int gh_cognito_get_user(request_rec *r, const char *access_token, gh_profile_t *prof)
{
    json_object *req = gh_json_object(r->pool), *out, *attrs;
    const char *verified;
    int status;

    json_object_object_add(req, "AccessToken", json_object_new_string(access_token));
    if ((status = gh_cognito_call(r, "GetUser", req, &out)) == HTTP_UNAUTHORIZED) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       "Bearer realm=\"gamehoney\", error=\"invalid_token\"");
        return gh_fail(r, GH_E_INVALID_TOKEN,
                       "The access token is invalid: Cognito refused it (signed out?).");
    }
    if (status != OK) {
        return status;
    }
    if (!json_object_object_get_ex(out, "UserAttributes", &attrs)
        || !json_object_is_type(attrs, json_type_array)
        || (prof->sub = attribute(attrs, "sub")) == NULL) {
        return gh_answer(r, gh_upstream_bad(r, SERVICE, "GetUser gave no sub attribute"));
    }
    prof->email = attribute(attrs, "email");
    verified = attribute(attrs, "email_verified");
    prof->email_verified = verified && strcmp(verified, "true") == 0;
    prof->name = attribute(attrs, "name");
    prof->picture = attribute(attrs, "picture");
    return OK;
}

int gh_cognito_global_sign_out(request_rec *r, const char *access_token)
{
    json_object *req = gh_json_object(r->pool), *out;

    json_object_object_add(req, "AccessToken", json_object_new_string(access_token));
    return gh_cognito_call(r, "GlobalSignOut", req, &out);
}
