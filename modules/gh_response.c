/* JSON answers and the error registry's statuses (see gh_response.h). */
#include <string.h>

#include "http_core.h"
#include "http_protocol.h"
#include "apr_strings.h"

#include "gh_response.h"

#define NOTE_STATUS  "gamehoney-status"
#define NOTE_CODE    "gamehoney-error"      /* also the access log's %{gamehoney-error}n */
#define NOTE_MESSAGE "gamehoney-message"
#define NOTE_SEED    "gamehoney-seed-shape"

static const struct {
    const char *code;
    int status;
    int dflt;                 /* what httpd's own errors of this status become */
    const char *message;
} registry[GH_E__COUNT] = {
#define GH_ERROR_ROW(id, code, status, dflt, message) { code, status, dflt, message },
    GH_ERRORS(GH_ERROR_ROW)
#undef GH_ERROR_ROW
};

/* The error a result of each kind becomes unless its area says otherwise. */
static const gh_err_e kind_errors[] = {
    [GH_OK]               = GH_E_INTERNAL_ERROR,   /* a bug: an OK passed as a failure */
    [GH_NOT_FOUND]        = GH_E_NOT_FOUND,
    [GH_CONFLICT]         = GH_E_CONFLICT,
    [GH_REFUSED]          = GH_E_FORBIDDEN,
    [GH_BAD_INPUT]        = GH_E_INVALID_REQUEST,
    [GH_DB_UNAVAILABLE]   = GH_E_DATABASE_UNAVAILABLE,
    [GH_DB_REJECTED]      = GH_E_DATABASE_ERROR,
    [GH_UPSTREAM_DOWN]    = GH_E_UPSTREAM_UNAVAILABLE,
    [GH_UPSTREAM_TIMEOUT] = GH_E_UPSTREAM_TIMEOUT,
    [GH_UPSTREAM_BAD]     = GH_E_UPSTREAM_ERROR,
    [GH_NOT_CONFIGURED]   = GH_E_NOT_CONFIGURED,
    [GH_INTERNAL]         = GH_E_INTERNAL_ERROR,
};

static int err_status(gh_err_e err)
{
    return err < GH_E__COUNT ? registry[err].status : HTTP_INTERNAL_SERVER_ERROR;
}

const char *gh_err_code(gh_err_e err)
{
    return err < GH_E__COUNT ? registry[err].code : "internal_error";
}

static const char *err_message(gh_err_e err)
{
    return err < GH_E__COUNT ? registry[err].message : "An internal error occurred.";
}

static int record(request_rec *r, int status, const char *code, const char *message)
{
    apr_table_setn(r->notes, NOTE_STATUS, apr_itoa(r->pool, status));
    apr_table_setn(r->notes, NOTE_CODE, code);
    apr_table_setn(r->notes, NOTE_MESSAGE, message);
    ap_custom_response(r, status, GH_ERROR_URI);
    return status;
}

int gh_fail(request_rec *r, gh_err_e err, const char *message)
{
    return record(r, err_status(err), gh_err_code(err), message ? message : err_message(err));
}

/* The registry's row httpd's own errors of status become, or -1. */
static int default_for(int status)
{
    for (int i = 0; i < GH_E__COUNT; i++) {
        if (registry[i].dflt && registry[i].status == status) {
            return i;
        }
    }
    return -1;
}

int gh_fail_status(request_rec *r, int status, const char *message)
{
    int i = default_for(status);

    return record(r, status, i >= 0 ? registry[i].code : "error",
                  message ? message : i >= 0 ? registry[i].message : "The request failed.");
}

int gh_fail_result(request_rec *r, gh_result_t res)
{
    gh_err_e err = (unsigned)res.kind < sizeof(kind_errors) / sizeof(kind_errors[0])
                 ? kind_errors[res.kind] : GH_E_INTERNAL_ERROR;
    return gh_fail(r, err, res.message);
}

int gh_fail_mapped(request_rec *r, gh_result_t res, const gh_reason_map_t *map)
{
    for (; res.reason && map && map->reason; map++) {
        if (strcmp(map->reason, res.reason) == 0) {
            return gh_fail(r, map->err, res.message);
        }
    }
    return gh_fail_result(r, res);
}

int gh_answer(request_rec *r, gh_result_t res)
{
    return res.kind == GH_OK ? OK : gh_fail_result(r, res);
}

int gh_answer_mapped(request_rec *r, gh_result_t res, const gh_reason_map_t *map)
{
    return res.kind == GH_OK ? OK : gh_fail_mapped(r, res, map);
}

/* The code and message gh_fail last recorded on r (NULL when none). */
static void recorded(const request_rec *r, const char **code, const char **message)
{
    *code = apr_table_get(r->notes, NOTE_CODE);
    *message = apr_table_get(r->notes, NOTE_MESSAGE);
}

void gh_response_json_errors(request_rec *r)
{
    for (int i = 0; i < GH_E__COUNT; i++) {
        if (registry[i].dflt) {
            ap_custom_response(r, registry[i].status, GH_ERROR_URI);
        }
    }
}

void gh_response_seed_shape(request_rec *r)
{
    apr_table_setn(r->notes, NOTE_SEED, "1");
}

/* Whether the 401 given to orig is authorization refusing a user that
 * AuthType GameHoney did authenticate. */
static int authz_denied(request_rec *orig)
{
    const char *type = ap_auth_type(orig);

    while (orig->prev) {
        orig = orig->prev;
    }
    /* AuthType GameHoney sets r->user only for a verified token */
    return orig->status == HTTP_UNAUTHORIZED && orig->user != NULL
        && type && strcasecmp(type, "GameHoney") == 0;
}

int gh_response_error_document(request_rec *r, int lookup_uri)
{
    const char *code, *message;
    json_object *body;
    int i, rv;

    if (lookup_uri || r->prev == NULL || strcmp(r->uri, GH_ERROR_URI) != 0) {
        return DECLINED;
    }
    if (authz_denied(r->prev)) {
        /* httpd answers 401 to an authenticated user that authorization
         * refuses, so that a Basic client asks again; a verified bearer
         * token is not wrong, it is not enough: 403 */
        r->status = HTTP_FORBIDDEN;
        apr_table_unset(r->err_headers_out, "WWW-Authenticate");
    }
    recorded(r->prev, &code, &message);
    /* the recorded reason only if it is the reason for this status */
    if (code == NULL || message == NULL
        || apr_atoi64(apr_table_get(r->prev->notes, NOTE_STATUS)) != r->status) {
        i = default_for(r->status);
        code = i >= 0 ? registry[i].code : "error";
        message = i >= 0 ? registry[i].message : "The request failed.";
    }
    body = json_object_new_object();
    if (apr_table_get(r->prev->notes, NOTE_SEED)) {
        json_object_object_add(body, "status", json_object_new_string("fail"));
        json_object_object_add(body, "msg", json_object_new_string(message));
    }
    else {
        json_object_object_add(body, "error", json_object_new_string(code));
        json_object_object_add(body, "message", json_object_new_string(message));
    }
    rv = gh_send_json(r, r->status, body);
    json_object_put(body);
    return rv;
}

int gh_send_json(request_rec *r, int status, json_object *obj)
{
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

    return gh_send_json_text(r, status, text, len);
}

int gh_send_json_text(request_rec *r, int status, const char *text, apr_size_t len)
{
    r->status = status;
    ap_set_content_type(r, "application/json");
    if (apr_table_get(r->headers_out, "Cache-Control") == NULL) {
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    }
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only) {
        ap_rwrite(text, (int)len, r);
    }
    return OK;
}
