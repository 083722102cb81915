/* HTTP in and out for every area: route dispatch, bounded body reading,
 * query parsing, JSON responses, and the JSON error model
 * {"error": code, "message": text} for errors raised anywhere, including
 * by httpd's own auth modules. */
#ifndef GH_HTTP_H
#define GH_HTTP_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_config.h"
#include "gh_route.h"

/* Internal URI that renders JSON error documents; reachable only through
 * an internal redirect, never from outside. */
#define GH_ERROR_URI "/.gamehoney/error"

/* Records why a request fails and returns status, for a handler or hook
 * to return: `return gh_fail(r, HTTP_BAD_REQUEST, "bad_input", "...")`.
 * httpd then renders the JSON error document with the original status and
 * every header set in r->err_headers_out. */
int gh_fail(request_rec *r, int status, const char *code, const char *message);

/* OK when the server has what `need` asks for; otherwise 503
 * not_configured naming the settings to give (logged once at startup,
 * not here). */
int gh_http_require(request_rec *r, gh_need_e need);

/* The code and message gh_fail last recorded on r (NULL when none). */
void gh_http_failure(const request_rec *r, const char **code, const char **message);

/* translate_name hook: a request inside a gamehoney-* handler's
 * <Location> is marked as ours, has httpd's own error responses (401, 403,
 * 413, 429, 5xx...) rendered as JSON, and is not mapped to a file. */
int gh_http_translate(request_rec *r);

/* Renders httpd's own error responses for r as JSON (called for every
 * request in a gamehoney area, and by AuthType GameHoney anywhere). */
void gh_http_json_errors(request_rec *r);

/* map_to_storage hook: skips the directory walk for our requests, as
 * mod_proxy does for its own. */
int gh_http_map_to_storage(request_rec *r);

/* Whether the 401 given to r (the original request) is authorization
 * refusing a user that AuthType GameHoney did authenticate. */
int gh_http_authz_denied(request_rec *r);

/* quick_handler hook that writes the JSON error document. */
int gh_http_error_document(request_rec *r, int lookup_uri);

/* Non-zero when r was classified as a gamehoney area request. */
int gh_http_in_area(const request_rec *r);

/* The gamehoney-* handler name of an area request (as SetHandler gives
 * it, before authentication), or NULL for a request outside the areas. */
const char *gh_http_area_handler(const request_rec *r);

/* The index in table of the route r's path and method fall on (see
 * gh_route_index), or -1 for none. */
int gh_http_route_index(request_rec *r, const gh_route_t *table);

/* The path r's area is mounted at (GameHoneyMount, else its <Location>),
 * without a trailing slash: "" for the root. */
const char *gh_http_mount(request_rec *r);

/* Finds the route for r in table, relative to the <Location> it is
 * mounted at, checks its flags and runs it; 404 or 405 otherwise. */
int gh_http_dispatch(request_rec *r, const gh_route_t *table);

/* Reads the whole request body, bounded by GameHoneyMaxBody (413 beyond
 * it). The buffer is NUL-terminated. Returns OK or a failed status. */
int gh_http_read_body(request_rec *r, const char **buf, apr_size_t *len);

/* Reads the body as JSON (application/json or no Content-Type). Returns
 * OK or a failed status. */
int gh_http_read_json(request_rec *r, json_object **out);

/* As gh_http_read_json, for a body that must be a JSON object. */
int gh_http_read_object(request_rec *r, json_object **out);

/* A string member of a request object: *out NULL when absent and not
 * required; otherwise 1 to max characters without control characters.
 * OK or 400 naming the field. */
int gh_http_field(request_rec *r, json_object *obj, const char *name, apr_size_t max,
                  int required, const char **out);

/* An integer member of a request object within [min, max]: a JSON
 * integer, never a string, float or boolean. OK or 400 naming the bounds. */
int gh_http_int(request_rec *r, json_object *obj, const char *name, apr_int64_t min,
                apr_int64_t max, apr_int64_t *out);

/* Parses r->args strictly: bad escapes, NUL bytes and invalid UTF-8 fail
 * with 400. Returns OK or a failed status. */
int gh_http_query(request_rec *r, apr_table_t **out);

/* The single value of name in a parsed query: OK with *value NULL when
 * absent, 400 when given more than once. */
int gh_http_query_one(request_rec *r, apr_table_t *query, const char *name,
                      const char **value);

/* An id for this request's log lines and records: mod_unique_id's when it
 * is loaded, else httpd's log id; NULL if neither is available. */
const char *gh_http_request_id(request_rec *r);

/* Sends obj as the JSON response with the given status. Returns OK. */
int gh_http_send_json(request_rec *r, int status, json_object *obj);

#endif
