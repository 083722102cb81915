/* The module's answers: JSON responses and the JSON error model
 * {"error": code, "message": text}, for errors raised by an area and for
 * httpd's own (401, 413, 5xx...). The one place that turns an error code
 * or a core result into an HTTP status. A leaf: httpd, json-c and the
 * two plain-data headers below, nothing else of ours. */
#ifndef GH_RESPONSE_H
#define GH_RESPONSE_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_errors.h"
#include "gh_result.h"

/* Internal URI that renders JSON error documents; reachable only through
 * an internal redirect, never from outside. */
#define GH_ERROR_URI "/.gamehoney/error"

/* The registry's code of err, for a body an area writes itself. */
const char *gh_err_code(gh_err_e err);

/* Records why a request fails and returns err's status, for a handler or
 * hook to return: `return gh_fail(r, GH_E_INVALID_REQUEST, "...")`; a NULL
 * message is err's default. httpd then renders the JSON error document
 * with that status and every header set in r->err_headers_out. */
int gh_fail(request_rec *r, gh_err_e err, const char *message);

/* As gh_fail, with the error httpd's own answers of status become (for
 * an area whose seed fixes statuses but no codes). */
int gh_fail_status(request_rec *r, int status, const char *message);

/* The default error of a result's kind (not_found, conflict,
 * database_unavailable, upstream_timeout...), with its message. */
int gh_fail_result(request_rec *r, gh_result_t res);

/* An area's own errors for a core's reasons: a table ended by a NULL
 * reason. */
typedef struct {
    const char *reason;
    gh_err_e err;
} gh_reason_map_t;

/* gh_fail with the error map gives res's reason, else gh_fail_result. */
int gh_fail_mapped(request_rec *r, gh_result_t res, const gh_reason_map_t *map);

/* OK for a result of kind GH_OK, else gh_fail_result(r, res): for
 * `if ((status = gh_answer(r, gh_db_query(...))) != OK) return status;`. */
int gh_answer(request_rec *r, gh_result_t res);

/* As gh_answer, with an area's map for the failures (gh_fail_mapped). */
int gh_answer_mapped(request_rec *r, gh_result_t res, const gh_reason_map_t *map);

/* Renders httpd's own error responses for r as JSON (called for every
 * request in a gamehoney area, and by AuthType GameHoney anywhere). */
void gh_response_json_errors(request_rec *r);

/* r's errors keep their seed's {"status":"fail","msg":...} shape. */
void gh_response_seed_shape(request_rec *r);

/* quick_handler hook that writes the JSON error document. */
int gh_response_error_document(request_rec *r, int lookup_uri);

/* Sends obj as the JSON response with the given status, uncacheable
 * (Cache-Control: no-store) unless the caller set a Cache-Control.
 * Returns OK. */
int gh_send_json(request_rec *r, int status, json_object *obj);

/* As gh_send_json, for a document already serialised: text[0..len),
 * such as JSON that PostgreSQL's json functions built. */
int gh_send_json_text(request_rec *r, int status, const char *text, apr_size_t len);

#endif
