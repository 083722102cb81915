/* Request I/O shared by every API area: which requests are ours, where an
 * area is mounted, bounded body reading, JSON fields and the query. */
#include <stddef.h>   /* first: APR's ring macros then use offsetof, not NULL arithmetic */
#include <string.h>

#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_expr.h"
#include "apr_strings.h"

#include "gh_config.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_text.h"

typedef struct {
    int in_area;
    const char *handler; /* the SetHandler name, known before auth runs */
} gh_req_t;

/* Areas that keep their seed's own error shape, for existing clients. */
static const char *const seed_error_handlers[] = { "gamehoney-payaction", NULL };

int gh_http_require(request_rec *r, const gh_cfg_need_t *need)
{
    if (gh_cfg_ready(r->server, need)) {
        return OK;
    }
    return gh_fail(r, GH_E_NOT_CONFIGURED,
                   apr_psprintf(r->pool, "%s: not configured on this server; set %s.",
                                need->what, need->settings));
}

/* The handler name SetHandler gives this request, from the <Location>
 * walk that precedes translate_name; core applies it only later. */
static const char *configured_handler(request_rec *r)
{
    core_dir_config *cd = ap_get_core_module_config(r->per_dir_config);
    const char *err = NULL, *h;

    if (cd->expr_handler == NULL) {
        return r->handler;
    }
    h = ap_expr_str_exec(r, cd->expr_handler, &err);
    return err ? NULL : h;
}

int gh_http_translate(request_rec *r)
{
    const char *h = configured_handler(r);
    gh_req_t *st;

    if (h == NULL || strncasecmp(h, "gamehoney-", 10) != 0) {
        return DECLINED;
    }
    st = apr_pcalloc(r->pool, sizeof(*st));
    st->in_area = 1;
    st->handler = h;
    for (int i = 0; seed_error_handlers[i]; i++) {
        if (strcasecmp(h, seed_error_handlers[i]) == 0) {
            gh_response_seed_shape(r);
        }
    }
    ap_set_module_config(r->request_config, &gamehoney_module, st);
    gh_response_json_errors(r);
    /* Nothing here is a file: skip DocumentRoot and the directory walk. */
    r->filename = apr_pstrcat(r->pool, "gamehoney:", r->uri, NULL);
    return OK;
}

int gh_http_map_to_storage(request_rec *r)
{
    return gh_http_in_area(r) ? OK : DECLINED;
}

int gh_http_in_area(const request_rec *r)
{
    const gh_req_t *st = ap_get_module_config(r->request_config, &gamehoney_module);
    return st != NULL && st->in_area;
}

const char *gh_http_area_handler(const request_rec *r)
{
    const gh_req_t *st = ap_get_module_config(r->request_config, &gamehoney_module);
    return st != NULL && st->in_area ? st->handler : NULL;
}

int gh_http_int(request_rec *r, json_object *obj, const char *name, apr_int64_t min,
                apr_int64_t max, apr_int64_t *out)
{
    if (gh_json_int(obj, name, min, max, out) != 0) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       apr_psprintf(r->pool, "%s must be a whole number from %" APR_INT64_T_FMT
                                    " to %" APR_INT64_T_FMT ".", name, min, max));
    }
    return OK;
}

const char *gh_http_mount(request_rec *r)
{
    core_dir_config *cd = ap_get_core_module_config(r->per_dir_config);
    const char *mount = gh_dir_conf(r)->mount ? gh_dir_conf(r)->mount : cd->d ? cd->d : "";
    apr_size_t n = strlen(mount);

    while (n > 0 && mount[n - 1] == '/') {
        n--;
    }
    return apr_pstrmemdup(r->pool, mount, n);
}

const char *gh_http_area_path(request_rec *r)
{
    const char *mount = gh_http_mount(r);
    apr_size_t n = strlen(mount);

    if (strncmp(r->uri, mount, n) != 0) {
        return NULL;
    }
    return r->uri[n] ? r->uri + n : "/";
}

int gh_http_route_index(request_rec *r, const gh_route_t *table)
{
    const char *path = gh_http_area_path(r);
    return path ? gh_route_index(r->pool, table, r->method, path) : -1;
}

/* The limit core's LimitRequestBody sets for r when the operator gave
 * one; core's own default (1 GiB since 2.4.54, or none) is no limit for a
 * JSON body read into memory, so an unset one is the module's default.
 * GameHoneyMaxBody, the directive this one replaces, may only lower it:
 * core's HTTP input filter enforces LimitRequestBody by itself. */
static apr_off_t body_limit(request_rec *r)
{
    const core_dir_config *cd = ap_get_core_module_config(r->per_dir_config);
    const gh_dir_conf_t *dc = gh_dir_conf(r);
    apr_off_t limit = cd->limit_req_body > 0 ? cd->limit_req_body : GH_DEFAULT_MAX_BODY;

    return dc->max_body != GH_UNSET && dc->max_body < limit ? dc->max_body : limit;
}

int gh_http_read_body(request_rec *r, const char **buf, apr_size_t *len)
{
    apr_off_t limit = body_limit(r);
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_bucket_brigade *bb, *kept;
    apr_off_t total = 0;
    int seen_eos = 0;
    char *out;
    apr_size_t outlen;

    if (cl != NULL) {
        char *end;
        apr_off_t declared;
        if (apr_strtoff(&declared, cl, &end, 10) != APR_SUCCESS || *end || declared < 0) {
            return gh_fail(r, GH_E_BAD_REQUEST, "Content-Length is invalid.");
        }
        if (declared > limit) {
            return gh_fail(r, GH_E_PAYLOAD_TOO_LARGE,
                           apr_psprintf(r->pool, "The request body exceeds %" APR_OFF_T_FMT
                                        " bytes.", limit));
        }
    }

    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    kept = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    while (!seen_eos) {
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                                         APR_BLOCK_READ, HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) {
            int status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            if (!ap_is_HTTP_ERROR(status)) {
                return status;      /* an input filter already answered */
            }
            return gh_fail(r, status == HTTP_REQUEST_ENTITY_TOO_LARGE
                           ? GH_E_PAYLOAD_TOO_LARGE : GH_E_BAD_REQUEST,
                           "The request body could not be read.");
        }
        while (!APR_BRIGADE_EMPTY(bb)) {
            apr_bucket *b = APR_BRIGADE_FIRST(bb);
            if (APR_BUCKET_IS_EOS(b)) {
                seen_eos = 1;
                apr_bucket_delete(b);
                continue;
            }
            if (!APR_BUCKET_IS_METADATA(b)) {
                const char *data;
                apr_size_t n;
                if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS) {
                    return gh_fail(r, GH_E_BAD_REQUEST,
                                   "The request body could not be read.");
                }
                total += n;
                if (total > limit) {
                    return gh_fail(r, GH_E_PAYLOAD_TOO_LARGE,
                                   apr_psprintf(r->pool, "The request body exceeds %"
                                                APR_OFF_T_FMT " bytes.", limit));
                }
                apr_bucket_setaside(b, r->pool);
            }
            APR_BUCKET_REMOVE(b);
            APR_BRIGADE_INSERT_TAIL(kept, b);
        }
    }
    out = apr_palloc(r->pool, (apr_size_t)total + 1);
    outlen = (apr_size_t)total;
    if (apr_brigade_flatten(kept, out, &outlen) != APR_SUCCESS) {
        return gh_fail(r, GH_E_BAD_REQUEST, "The request body could not be read.");
    }
    apr_brigade_destroy(kept);
    out[outlen] = '\0';
    *buf = out;
    *len = outlen;
    return OK;
}

/* Reads the body as JSON; an empty one is absent (*out NULL) when empty_ok. */
static int read_json(request_rec *r, int empty_ok, json_object **out)
{
    const char *ctype = apr_table_get(r->headers_in, "Content-Type");
    const char *buf, *err;
    apr_size_t len;
    int status;

    if (ctype != NULL) {
        apr_size_t n = strcspn(ctype, "; \t");
        if (n != sizeof("application/json") - 1
            || strncasecmp(ctype, "application/json", n) != 0) {
            return gh_fail(r, GH_E_UNSUPPORTED_MEDIA_TYPE,
                           "The request body must be application/json.");
        }
    }
    if ((status = gh_http_read_body(r, &buf, &len)) != OK) {
        return status;
    }
    *out = NULL;
    if (empty_ok && len == 0) {
        return OK;
    }
    if (gh_json_parse(r->pool, buf, len, out, &err) != 0) {
        return gh_fail(r, GH_E_INVALID_JSON, err);
    }
    return OK;
}

int gh_http_read_json(request_rec *r, json_object **out)
{
    return read_json(r, 0, out);
}

static int read_object(request_rec *r, int empty_ok, json_object **out)
{
    int status = read_json(r, empty_ok, out);

    if (status == OK && *out == NULL && empty_ok) {
        *out = gh_json_object(r->pool);
    }
    else if (status == OK && !json_object_is_type(*out, json_type_object)) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       "The request body must be a JSON object.");
    }
    return status;
}

int gh_http_read_object(request_rec *r, json_object **out)
{
    return read_object(r, 0, out);
}

int gh_http_read_object_or_empty(request_rec *r, json_object **out)
{
    return read_object(r, 1, out);
}

int gh_http_field(request_rec *r, json_object *obj, const char *name, apr_size_t max,
                  int required, const char **out)
{
    return gh_http_string(r, obj, NULL, name, max, required ? GH_FIELD_REQUIRED : 0, out);
}

/* name as messages call it: where.name, or name alone. */
static const char *field_label(request_rec *r, const char *where, const char *name)
{
    return where ? apr_pstrcat(r->pool, where, ".", name, NULL) : name;
}

int gh_http_string(request_rec *r, json_object *obj, const char *where, const char *name,
                   apr_size_t max, unsigned flags, const char **out)
{
    const char *label = field_label(r, where, name);
    json_object *v;
    apr_size_t len;

    *out = NULL;
    if (!json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, json_type_null)) {
        return flags & GH_FIELD_REQUIRED
               ? gh_fail(r, GH_E_INVALID_REQUEST, apr_psprintf(r->pool, "%s is required.", label))
               : OK;
    }
    if (!json_object_is_type(v, json_type_string)) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       apr_psprintf(r->pool, "%s must be a string.", label));
    }
    *out = json_object_get_string(v);
    len = (apr_size_t)json_object_get_string_len(v);
    if (strlen(*out) != len) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       apr_psprintf(r->pool, "%s contains a forbidden character (NUL).", label));
    }
    if (len == 0 || gh_utf8_length(*out) > max) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       apr_psprintf(r->pool, "%s must be 1 to %" APR_SIZE_T_FMT " characters.",
                                    label, max));
    }
    if (flags & GH_FIELD_LINES ? gh_has_control_text(*out) : gh_has_control(*out)) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       apr_psprintf(r->pool, "%s must not contain control characters.", label));
    }
    return OK;
}

int gh_http_known_fields(request_rec *r, json_object *obj, const char *const *names)
{
    return gh_http_known_fields_in(r, obj, NULL, names);
}

int gh_http_known_fields_in(request_rec *r, json_object *obj, const char *where,
                            const char *const *names)
{
    json_object_object_foreach(obj, key, val) {
        const char *const *n = names;
        (void)val;
        while (*n && strcmp(*n, key) != 0) {
            n++;
        }
        if (*n == NULL) {
            return gh_fail(r, GH_E_INVALID_REQUEST,
                           apr_psprintf(r->pool, "unknown field: %s.",
                                        field_label(r, where, key)));
        }
    }
    return OK;
}

int gh_http_query(request_rec *r, apr_table_t **out)
{
    apr_table_t *t = apr_table_make(r->pool, 4);
    char *rest, *pair;

    *out = t;
    if (r->args == NULL) {
        return OK;
    }
    for (pair = apr_strtok(apr_pstrdup(r->pool, r->args), "&", &rest); pair;
         pair = apr_strtok(NULL, "&", &rest)) {
        char *value = strchr(pair, '=');
        if (value) {
            *value++ = '\0';
        }
        else {
            value = "";
        }
        if (ap_unescape_urlencoded(pair) != OK || ap_unescape_urlencoded(value) != OK
            || !gh_utf8_valid(pair, strlen(pair)) || !gh_utf8_valid(value, strlen(value))) {
            return gh_fail(r, GH_E_BAD_QUERY,
                           "The query string is not valid URL-encoded UTF-8.");
        }
        apr_table_addn(t, pair, value);
    }
    return OK;
}

typedef struct {
    const char *value;
    int count;
} query_find_t;

static int count_value(void *baton, const char *key, const char *value)
{
    query_find_t *f = baton;
    (void)key;
    f->value = value;
    f->count++;
    return 1;
}

int gh_http_query_one(request_rec *r, apr_table_t *query, const char *name,
                      const char **value)
{
    query_find_t f = { NULL, 0 };

    apr_table_do(count_value, &f, query, name, NULL);
    if (f.count > 1) {
        return gh_fail(r, GH_E_BAD_QUERY,
                       apr_psprintf(r->pool, "%s is given more than once.", name));
    }
    *value = f.value;
    return OK;
}

int gh_http_page(request_rec *r, apr_int64_t dflt, apr_int64_t max, gh_page_t *page)
{
    const char *cursor, *limit;
    apr_table_t *qs;
    int status;

    if ((status = gh_http_query(r, &qs)) != OK
        || (status = gh_http_query_one(r, qs, "cursor", &cursor)) != OK
        || (status = gh_http_query_one(r, qs, "limit", &limit)) != OK) {
        return status;
    }
    return gh_answer(r, gh_page_read(r->pool, cursor, limit, dflt, max, page));
}

const char *gh_http_request_id(request_rec *r)
{
    const char *id = apr_table_get(r->subprocess_env, "UNIQUE_ID");
    return id ? id : r->log_id;
}
