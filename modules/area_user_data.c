/* Game Honey user data (seed 000), mounted at /api/me behind AuthType
 * GameHoney: game-notice subscriptions and push tokens of the signed-in
 * user. Each change is one statement that also checks the user still
 * exists and is active, so a valid token for a removed user gets 404. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_db.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_rows.h"

#define ACTIVE_USER "WITH u AS (SELECT id FROM users WHERE id = %lld AND is_active)"

static const gh_db_stmt_t statements[] = {
    { "gh_subs_list",
      "SELECT game_id, category, " GH_SQL_ISO8601("created_at") " FROM subscriptions"
      " WHERE user_id = %lld ORDER BY created_at, id" },
    { "gh_subs_add",
      ACTIVE_USER ", ins AS (INSERT INTO subscriptions (user_id, game_id, category)"
      " SELECT id, %s, %s FROM u ON CONFLICT (user_id, game_id, category) DO NOTHING"
      " RETURNING id) SELECT EXISTS (SELECT 1 FROM u) AS active, EXISTS (SELECT 1 FROM ins)"
      " AS added" },
    { "gh_subs_delete",
      "DELETE FROM subscriptions WHERE user_id = %lld AND game_id = %s AND category = %s"
      " RETURNING id" },
    /* a device's token follows whoever signs in on it last */
    { "gh_push_upsert",
      ACTIVE_USER ", up AS (INSERT INTO push_tokens (user_id, token, device_type)"
      " SELECT id, %s, %s FROM u ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id,"
      " device_type = EXCLUDED.device_type, updated_at = now() RETURNING (xmax = 0) AS created)"
      " SELECT EXISTS (SELECT 1 FROM u) AS active, (SELECT created FROM up) AS created" },
    { "gh_push_delete",
      "DELETE FROM push_tokens WHERE user_id = %lld AND token = %s RETURNING id" },
    { NULL, NULL }
};

static const gh_col_t sub_cols[] = {            /* gh_subs_list */
    { "game_id", GH_COL_TEXT, "game_id" }, { "category", GH_COL_TEXT, "category" },
    { "created_at", GH_COL_TIME, "created_at" }, { NULL, 0, NULL }
};

static const gh_col_t added_cols[] = {          /* gh_subs_add */
    { "active", GH_COL_BOOL, NULL }, { "added", GH_COL_BOOL, NULL }, { NULL, 0, NULL }
};

static const gh_col_t upsert_cols[] = {         /* gh_push_upsert */
    { "active", GH_COL_BOOL, NULL }, { "created", GH_COL_BOOL, NULL }, { NULL, 0, NULL }
};

static int no_user(request_rec *r)
{
    return gh_fail(r, GH_E_USER_NOT_FOUND, "The user no longer exists.");
}

/* Game ids are identifiers; categories are free text (often Korean). */
static int subscription_input(request_rec *r, const char **game_id, const char **category)
{
    json_object *in;
    int status;

    if (r->args && *r->args) {               /* DELETE may name it in the query */
        apr_table_t *qs;
        if ((status = gh_http_query(r, &qs)) != OK
            || (status = gh_http_query_one(r, qs, "game_id", game_id)) != OK
            || (status = gh_http_query_one(r, qs, "category", category)) != OK) {
            return status;
        }
        in = gh_json_object(r->pool);
        if (*game_id) json_object_object_add(in, "game_id", json_object_new_string(*game_id));
        if (*category) json_object_object_add(in, "category", json_object_new_string(*category));
    }
    else if ((status = gh_http_read_object(r, &in)) != OK) {
        return status;
    }
    if ((status = gh_http_field(r, in, "game_id", 64, 1, game_id)) != OK
        || (status = gh_http_field(r, in, "category", 64, 1, category)) != OK) {
        return status;
    }
    for (const char *c = *game_id; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
              || *c == '_' || *c == '-' || *c == '.')) {
            return gh_fail(r, GH_E_INVALID_REQUEST,
                           "game_id may hold only letters, digits, '_', '-' and '.'.");
        }
    }
    return OK;
}

static int subs_list(request_rec *r, const gh_route_params_t *params)
{
    const char *args[] = { r->user };
    apr_array_header_t *rows;
    json_object *body;
    int status;

    (void)params;
    if ((status = gh_answer(r, gh_db_query(r, "gh_subs_list", 1, args, &rows))) != OK) {
        return status;
    }
    body = gh_json_object(r->pool);
    json_object_object_add(body, "subscriptions", gh_rows_array(sub_cols, rows, -1));
    return gh_send_json(r, HTTP_OK, body);
}

static json_object *subscription(request_rec *r, const char *game_id, const char *category)
{
    json_object *body = gh_json_object(r->pool);
    json_object_object_add(body, "game_id", json_object_new_string(game_id));
    json_object_object_add(body, "category", json_object_new_string(category));
    return body;
}

/* Reads the subscription a request names and runs label on it. */
static int on_subscription(request_rec *r, const char *label, const char **game_id,
                           const char **category, apr_array_header_t **rows)
{
    int status = subscription_input(r, game_id, category);
    const char *args[3];

    if (status != OK) {
        return status;
    }
    args[0] = r->user;
    args[1] = *game_id;
    args[2] = *category;
    return gh_answer(r, gh_db_query(r, label, 3, args, rows));
}

static int subs_add(request_rec *r, const gh_route_params_t *params)
{
    const char *game_id, *category, *const *row;
    apr_array_header_t *rows;
    int status;

    (void)params;
    if ((status = on_subscription(r, "gh_subs_add", &game_id, &category, &rows)) != OK) {
        return status;
    }
    row = gh_rows_row(rows, 0);
    if (!gh_rows_bool(added_cols, row, "active")) {
        return no_user(r);
    }
    if (!gh_rows_bool(added_cols, row, "added")) {
        return gh_fail(r, GH_E_SUBSCRIPTION_EXISTS,
                       "You are already subscribed to this game and category.");
    }
    return gh_send_json(r, HTTP_CREATED, subscription(r, game_id, category));
}

static int subs_delete(request_rec *r, const gh_route_params_t *params)
{
    const char *game_id, *category;
    apr_array_header_t *rows;
    int status;

    (void)params;
    if ((status = on_subscription(r, "gh_subs_delete", &game_id, &category, &rows)) != OK) {
        return status;
    }
    if (rows->nelts == 0) {
        return gh_fail(r, GH_E_SUBSCRIPTION_NOT_FOUND, "No such subscription.");
    }
    return gh_send_json(r, HTTP_OK, subscription(r, game_id, category));
}

static int push_upsert(request_rec *r, const gh_route_params_t *params)
{
    json_object *in, *body;
    const char *token, *device, *const *row;
    apr_array_header_t *rows;
    int status;

    (void)params;
    if ((status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_field(r, in, "token", 4096, 1, &token)) != OK
        || (status = gh_http_field(r, in, "device_type", 16, 1, &device)) != OK) {
        return status;
    }
    if (strchr(token, ' ') != NULL || strchr(token, '/') != NULL) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       "token must not contain spaces or '/'.");
    }
    if (strcmp(device, "ios") != 0 && strcmp(device, "android") != 0 && strcmp(device, "web") != 0) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       "device_type must be ios, android or web.");
    }
    {
        const char *args[] = { r->user, token, device };
        if ((status = gh_answer(r, gh_db_query(r, "gh_push_upsert", 3, args, &rows))) != OK) {
            return status;
        }
    }
    row = gh_rows_row(rows, 0);
    if (!gh_rows_bool(upsert_cols, row, "active")) {
        return no_user(r);
    }
    body = gh_json_object(r->pool);
    json_object_object_add(body, "token", json_object_new_string(token));
    json_object_object_add(body, "device_type", json_object_new_string(device));
    return gh_send_json(r, gh_rows_bool(upsert_cols, row, "created") ? HTTP_CREATED : HTTP_OK,
                        body);
}

static int push_delete(request_rec *r, const gh_route_params_t *params)
{
    const char *token = gh_route_param(params, "token");
    const char *args[] = { r->user, token };
    apr_array_header_t *rows;
    json_object *body;
    int status;

    if (strlen(token) > 4096) {
        return gh_fail(r, GH_E_INVALID_REQUEST, "token is too long.");
    }
    if ((status = gh_answer(r, gh_db_query(r, "gh_push_delete", 2, args, &rows))) != OK) {
        return status;
    }
    if (rows->nelts == 0) {
        return gh_fail(r, GH_E_PUSH_TOKEN_NOT_FOUND,
                       "No such push token for this user.");
    }
    body = gh_json_object(r->pool);
    json_object_object_add(body, "deleted", json_object_new_boolean(1));
    return gh_send_json(r, HTTP_OK, body);
}

static const gh_route_t routes[] = {
    { "GET",    "/subscriptions",       subs_list,   GH_ROUTE_USER },
    { "POST",   "/subscriptions",       subs_add,    GH_ROUTE_USER },
    { "DELETE", "/subscriptions",       subs_delete, GH_ROUTE_USER },
    { "POST",   "/push-tokens",         push_upsert, GH_ROUTE_USER },
    { "DELETE", "/push-tokens/{token}", push_delete, GH_ROUTE_USER },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_user_data = { "user-data", routes, statements, NULL, NULL };
