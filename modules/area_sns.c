/* SNS (seed 002), mounted at /api/sns: the channel list for anyone, and
 * the import of a signed-in user's posts from one channel (a bearer
 * token). Every limit of an import is checked here, before the one
 * statement that stores it (README "Wellness: settings, SNS and
 * self-check"). */
#include <string.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_rfc3339.h"
#include "gh_sns.h"

#define CHANNEL_MAX      32
#define HANDLE_MAX       100
#define ITEMS_MAX        100
#define EXTERNAL_ID_MAX  128
#define TEXT_MAX         2000
#define POSTED_AT_MAX    64
#define FUTURE_SLACK     apr_time_from_sec(24 * 3600)   /* clocks and time zones */

static const gh_reason_map_t errors[] = {
    { "user",            GH_E_USER_NOT_FOUND },
    { "unknown_channel", GH_E_UNKNOWN_CHANNEL },
    { "duplicate",       GH_E_DUPLICATE_EXTERNAL_ID },
    { NULL, 0 }
};

static int channels(request_rec *r, const gh_route_params_t *params)
{
    json_object *out;
    int status;

    (void)params;
    if ((status = gh_answer(r, gh_sns_channels(r, &out))) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_OK, out);
}

/* items[i]: an object of external_id, text and posted_at in range, its
 * external id not one an earlier item has (seen). */
static int read_item(request_rec *r, json_object *v, int i, apr_hash_t *seen,
                     gh_sns_item_t *item)
{
    static const char *const fields[] = { "external_id", "text", "posted_at", NULL };
    const char *where = apr_psprintf(r->pool, "items[%d]", i), *posted, *first;
    apr_time_t t;
    int status;

    if (!json_object_is_type(v, json_type_object)) {
        return gh_fail(r, GH_E_INVALID_REQUEST, apr_pstrcat(r->pool, where,
                                                            " must be an object.", NULL));
    }
    if ((status = gh_http_known_fields_in(r, v, where, fields)) != OK
        || (status = gh_http_string(r, v, where, "external_id", EXTERNAL_ID_MAX,
                                    GH_FIELD_REQUIRED, &item->external_id)) != OK
        || (status = gh_http_string(r, v, where, "text", TEXT_MAX,
                                    GH_FIELD_REQUIRED | GH_FIELD_LINES, &item->text)) != OK
        || (status = gh_http_string(r, v, where, "posted_at", POSTED_AT_MAX,
                                    GH_FIELD_REQUIRED, &posted)) != OK) {
        return status;
    }
    if (gh_rfc3339_parse(posted, strlen(posted), &t) != 0) {
        return gh_fail(r, GH_E_INVALID_REQUEST, apr_pstrcat(r->pool, where,
                       ".posted_at must be an RFC 3339 date-time from 1970 on, such as"
                       " 2026-12-01T09:30:00+09:00.", NULL));
    }
    if (t > apr_time_now() + FUTURE_SLACK) {
        return gh_fail(r, GH_E_INVALID_REQUEST, apr_pstrcat(r->pool, where,
                       ".posted_at must not be more than a day in the future.", NULL));
    }
    item->posted_at = gh_rfc3339_format(r->pool, t);
    if ((first = apr_hash_get(seen, item->external_id, APR_HASH_KEY_STRING)) != NULL) {
        return gh_fail(r, GH_E_DUPLICATE_EXTERNAL_ID, apr_psprintf(r->pool,
                       "%s.external_id repeats %s's.", where, first));
    }
    apr_hash_set(seen, item->external_id, APR_HASH_KEY_STRING, where);
    return OK;
}

static int import(request_rec *r, const gh_route_params_t *params)
{
    static const char *const fields[] = { "channel", "handle", "items", NULL };
    const char *channel, *handle;
    apr_hash_t *seen = apr_hash_make(r->pool);
    gh_sns_item_t *items;
    json_object *in, *list, *out;
    int status, n;

    (void)params;
    if ((status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_known_fields(r, in, fields)) != OK
        || (status = gh_http_field(r, in, "channel", CHANNEL_MAX, 1, &channel)) != OK
        || (status = gh_http_field(r, in, "handle", HANDLE_MAX, 1, &handle)) != OK) {
        return status;
    }
    if (!json_object_object_get_ex(in, "items", &list)) {
        return gh_fail(r, GH_E_INVALID_REQUEST, "items is required.");
    }
    if (!json_object_is_type(list, json_type_array)) {
        return gh_fail(r, GH_E_INVALID_REQUEST, "items must be an array.");
    }
    if ((n = (int)json_object_array_length(list)) > ITEMS_MAX) {
        return gh_fail(r, GH_E_INVALID_REQUEST, apr_psprintf(r->pool,
                       "items must hold at most %d posts.", ITEMS_MAX));
    }
    items = apr_pcalloc(r->pool, sizeof(*items) * (n + 1));
    for (int i = 0; i < n; i++) {
        if ((status = read_item(r, json_object_array_get_idx(list, i), i, seen,
                                &items[i])) != OK) {
            return status;
        }
    }
    if ((status = gh_answer_mapped(r, gh_sns_import(r, r->user, channel, handle, items, n,
                                                    &out), errors)) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_OK, out);
}

static const gh_route_t routes[] = {
    { "GET",  "/channels", channels, GH_ROUTE_PUBLIC },
    { "POST", "/import",   import,   GH_ROUTE_USER },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_sns = { "sns", routes, NULL, NULL, NULL };
