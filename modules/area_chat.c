/* Chat REST (seed 003), mounted at /chat/v1 with the seed's trailing
 * slashes: rooms, and messages that are stored and then fanned out to the
 * room's sockets on every server by the bus (gh_chat_bus). */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_db.h"
#include "gh_chat.h"
#include "gh_config.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_text.h"
#include "gh_chat_cfg.h"

#define PAGE_DEFAULT "50"
#define PAGE_MAX     100

static const gh_db_stmt_t statements[] = {
    { "gh_chat_rooms",
      "SELECT id, name, post_id, " GH_SQL_ISO8601("created_at") " FROM chat_rooms"
      " ORDER BY id DESC LIMIT 1000" },
    { "gh_chat_room_new",
      "INSERT INTO chat_rooms (name, post_id, created_by) VALUES (%s, %lld, %s)"
      " RETURNING id, name, post_id, " GH_SQL_ISO8601("created_at") },
    { "gh_chat_history",
      "SELECT id, message, sender, nickname, profile_url, " GH_SQL_ISO8601("created_at")
      " FROM chat_messages WHERE room_id = %lld AND kind = 'message'"
      " AND id < coalesce(CAST(%s AS bigint), 9223372036854775807)"
      " ORDER BY id DESC LIMIT %lld" },
    { NULL, NULL }
};

static json_object *message_json(apr_pool_t *p, const char *id, apr_int64_t room,
                                 const char *message, const char *sender, const char *nickname,
                                 const char *profile, const char *created_at)
{
    json_object *j = gh_json_object(p);

    json_object_object_add(j, "id", json_object_new_int64(apr_atoi64(id)));
    json_object_object_add(j, "room", json_object_new_int64(room));
    json_object_object_add(j, "message", json_object_new_string(message));
    /* an anonymous message (no identity at all) has neither */
    json_object_object_add(j, "sender", sender ? json_object_new_string(sender) : NULL);
    json_object_object_add(j, "nickname", nickname ? json_object_new_string(nickname) : NULL);
    json_object_object_add(j, "profile_picture_url",
                           profile ? json_object_new_string(profile) : NULL);
    json_object_object_add(j, "created_at", json_object_new_string(created_at));
    return j;
}

static int rooms(request_rec *r, const gh_route_params_t *params)
{
    apr_array_header_t *rows;
    json_object *list;
    int status;

    (void)params;
    if ((status = gh_answer(r, gh_db_query(r, "gh_chat_rooms", 0, NULL, &rows))) != OK) {
        return status;
    }
    list = gh_json_own(r->pool, json_object_new_array());
    for (int i = 0; i < rows->nelts; i++) {
        json_object_array_add(list, json_object_get(
            gh_chat_room_json(r->pool, APR_ARRAY_IDX(rows, i, const char *const *))));
    }
    return gh_send_json(r, HTTP_OK, list);
}

static int create_room(request_rec *r, const gh_route_params_t *params)
{
    gh_chat_who_t who;
    const char *name;
    apr_int64_t post_id;
    apr_array_header_t *rows;
    json_object *in;
    int status;

    (void)params;
    if ((status = gh_chat_identity(r, 1, &who)) != OK
        || (status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_field(r, in, "name", 100, 1, &name)) != OK
        || (status = gh_http_int(r, in, "post_id", 1, APR_INT64_MAX, &post_id)) != OK) {
        return status;
    }
    {
        const char *args[] = { name, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, post_id),
                               who.user_id };
        if ((status = gh_answer(r, gh_db_query(r, "gh_chat_room_new", 3, args, &rows))) != OK) {
            return status;
        }
    }
    return gh_send_json(r, HTTP_CREATED,
                             gh_chat_room_json(r->pool, APR_ARRAY_IDX(rows, 0, const char *const *)));
}

static int room(request_rec *r, const gh_route_params_t *params)
{
    apr_int64_t id;
    json_object *j;
    int status = gh_chat_room(r, gh_route_param(params, "room_id"), &id, &j);

    return status != OK ? status : gh_send_json(r, HTTP_OK, j);
}

static int post_message(request_rec *r, const gh_route_params_t *params)
{
    const gh_chat_cfg_t *cc = gh_chat_cfg(r->server);
    gh_chat_who_t who;
    const char *message, *id, *created_at;
    apr_int64_t room_id;
    json_object *in, *room_json;
    int status;
    apr_size_t max = (apr_size_t)cc->max_message;

    (void)params;
    if ((status = gh_chat_identity(r, 1, &who)) != OK
        || (status = gh_http_read_object(r, &in)) != OK) {
        return status;
    }
    if ((message = gh_json_str(in, "message")) == NULL || !gh_chat_message_ok(message, max)) {
        return gh_fail(r, GH_E_INVALID_REQUEST, apr_psprintf(r->pool,
                       "message must be 1 to %" APR_SIZE_T_FMT " characters, without control "
                       "characters other than line breaks and tabs.", max));
    }
    if ((status = gh_http_int(r, in, "room", 1, APR_INT64_MAX, &room_id)) != OK
        || (status = gh_chat_room(r, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, room_id),
                                  &room_id, &room_json)) != OK
        || (status = gh_chat_store(r, room_id, "message", &who, message, &id,
                                   &created_at)) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_CREATED, message_json(r->pool, id, room_id, message,
                             who.email, who.nickname, who.profile_url, created_at));
}

static int history(request_rec *r, const gh_route_params_t *params)
{
    const char *before, *limit, *last = NULL;
    apr_int64_t room_id, n;
    apr_table_t *qs;
    apr_array_header_t *rows;
    json_object *room_json, *list, *out;
    int status;

    if ((status = gh_chat_room(r, gh_route_param(params, "room_id"), &room_id,
                               &room_json)) != OK
        || (status = gh_http_query(r, &qs)) != OK
        || (status = gh_http_query_one(r, qs, "before", &before)) != OK
        || (status = gh_http_query_one(r, qs, "limit", &limit)) != OK) {
        return status;
    }
    limit = limit ? limit : PAGE_DEFAULT;
    if ((before && (gh_parse_int64_dec(before, &n) != 0 || n <= 0))
        || gh_parse_int64_dec(limit, &n) != 0 || n < 1 || n > PAGE_MAX) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       "before must be a message id and limit 1 to 100.");
    }
    {
        const char *args[] = { apr_psprintf(r->pool, "%" APR_INT64_T_FMT, room_id), before, limit };
        if ((status = gh_answer(r, gh_db_query(r, "gh_chat_history", 3, args, &rows))) != OK) {
            return status;
        }
    }
    list = json_object_new_array();
    for (int i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        json_object_array_add(list, json_object_get(message_json(r->pool, row[0], room_id,
                              row[1], row[2], row[3], row[4], row[5])));
        last = row[0];
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "messages", list);
    /* a full page may have more behind it */
    json_object_object_add(out, "next_before", rows->nelts == n && last
                           ? json_object_new_int64(apr_atoi64(last)) : NULL);
    return gh_send_json(r, HTTP_OK, out);
}

static const gh_route_t routes[] = {
    { "GET",  "/rooms/",                    rooms,        GH_ROUTE_PUBLIC },
    { "POST", "/create-room/",              create_room,  GH_ROUTE_PUBLIC },
    { "GET",  "/room/{room_id}/",           room,         GH_ROUTE_PUBLIC },
    { "POST", "/message/",                  post_message, GH_ROUTE_PUBLIC },
    { "GET",  "/room/{room_id}/messages/",  history,      GH_ROUTE_PUBLIC },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_chat = { "chat", routes, statements, NULL, NULL };
