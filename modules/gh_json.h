/* json-c objects whose lifetime is an APR pool, and a strict parser for
 * request bodies. Pure: needs only APR and json-c. */
#ifndef GH_JSON_H
#define GH_JSON_H

#include <apr_pools.h>
#include <json-c/json.h>

/* Gives obj to pool p: it is released when p is cleared. Returns obj. */
json_object *gh_json_own(apr_pool_t *p, json_object *obj);

/* A fresh object owned by p. */
json_object *gh_json_object(apr_pool_t *p);

/* Parses one JSON document. The text must be UTF-8, RFC 8259 JSON, at
 * most 32 levels deep, and every integer in it must fit 64 bits. On
 * success the result is owned by p (NULL for the JSON null) and 0 is
 * returned; otherwise *err says what is wrong, in words for a client. */
int gh_json_parse(apr_pool_t *p, const char *buf, apr_size_t len,
                  json_object **out, const char **err);

/* obj's member name as a string, or NULL when absent, not a string, or
 * holding a NUL (which C would silently cut short). */
const char *gh_json_str(json_object *obj, const char *name);

/* v as a string under the same rule, or NULL. */
const char *gh_json_str_of(json_object *v);

/* obj's member name as an integer from min to max: 0 with *out set, or
 * -1. Only a JSON integer token counts: json-c also types "1e3" as a
 * double, and true as a boolean, and neither is one. */
int gh_json_int(json_object *obj, const char *name, apr_int64_t min, apr_int64_t max,
                apr_int64_t *out);

/* obj's member name as an object, or NULL. */
json_object *gh_json_obj(json_object *obj, const char *name);

/* Serialises obj compactly; the text lives as long as obj does. */
const char *gh_json_serialize(json_object *obj, apr_size_t *len);

/* Checks that buf is a run of RFC 8259 tokens (strings, numbers, true,
 * false, null, punctuation, whitespace) whose integers fit a signed 64-bit
 * integer. Returns 0, or -1 with *err set. Exposed for tests and fuzzing. */
int gh_json_lex(const char *buf, apr_size_t len, const char **err);

#endif
