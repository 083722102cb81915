/* Request I/O for every area: which requests are ours and where their
 * area is mounted, bounded body reading, JSON fields and query parsing.
 * Failures are recorded with gh_fail (gh_response.h). */
#ifndef GH_HTTP_H
#define GH_HTTP_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_config.h"
#include "gh_page.h"
#include "gh_response.h"
#include "gh_route.h"

/* OK when the server has what `need` asks for; otherwise 503
 * not_configured naming the settings to give (logged once at startup,
 * not here). */
int gh_http_require(request_rec *r, const gh_cfg_need_t *need);

/* translate_name hook: a request inside a gamehoney-* handler's
 * <Location> is marked as ours, has httpd's own error responses (401, 403,
 * 413, 429, 5xx...) rendered as JSON, and is not mapped to a file. */
int gh_http_translate(request_rec *r);

/* map_to_storage hook: skips the directory walk for our requests, as
 * mod_proxy does for its own. */
int gh_http_map_to_storage(request_rec *r);

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

/* r's path relative to its area's mount, or NULL when outside it. */
const char *gh_http_area_path(request_rec *r);

/* Reads the whole request body, bounded by LimitRequestBody when set and
 * not 0, else 65536 (GameHoneyMaxBody, its deprecated alias, may lower it),
 * 413 beyond it. The buffer is NUL-terminated. Returns OK or a failed
 * status. */
int gh_http_read_body(request_rec *r, const char **buf, apr_size_t *len);

/* Reads the body as JSON (application/json or no Content-Type). Returns
 * OK or a failed status. */
int gh_http_read_json(request_rec *r, json_object **out);

/* As gh_http_read_json, for a body that must be a JSON object. */
int gh_http_read_object(request_rec *r, json_object **out);

/* As gh_http_read_object; an empty body (no bytes at all) is an empty
 * object, for a POST whose every field is optional. */
int gh_http_read_object_or_empty(request_rec *r, json_object **out);

/* A string member of a request object: *out NULL when absent and not
 * required; otherwise 1 to max characters without control characters.
 * OK or 400 naming the field. */
int gh_http_field(request_rec *r, json_object *obj, const char *name, apr_size_t max,
                  int required, const char **out);

/* Flags of gh_http_string. */
#define GH_FIELD_REQUIRED 1u
#define GH_FIELD_LINES    2u     /* multi-line text: tab, LF and CR are allowed */

/* As gh_http_field, for a member of obj that messages call where.name
 * (where NULL: name alone), such as "items[3].text". */
int gh_http_string(request_rec *r, json_object *obj, const char *where, const char *name,
                   apr_size_t max, unsigned flags, const char **out);

/* OK when every member of obj is named in names (ended by NULL); else 400
 * invalid_request "unknown field: <name>." */
int gh_http_known_fields(request_rec *r, json_object *obj, const char *const *names);

/* As gh_http_known_fields, for an object that messages call where (NULL:
 * the body itself): "unknown field: items[0].likes." */
int gh_http_known_fields_in(request_rec *r, json_object *obj, const char *where,
                            const char *const *names);

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

/* The page a list route's ?cursor= and ?limit= ask for (gh_page_read):
 * limit 1 to max, default dflt. OK or 400 saying which is wrong. */
int gh_http_page(request_rec *r, apr_int64_t dflt, apr_int64_t max, gh_page_t *page);

/* An id for this request's log lines and records: mod_unique_id's when it
 * is loaded, else httpd's log id; NULL if neither is available. */
const char *gh_http_request_id(request_rec *r);

#endif
