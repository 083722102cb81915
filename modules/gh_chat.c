/* Chat identity, rooms and rows, shared by the REST area and the sockets. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_auth.h"
#include "gh_chat.h"
#include "gh_config.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_text.h"
#include "gh_chat_cfg.h"

#define ROOM_COLUMNS "id, name, post_id, " GH_SQL_ISO8601("created_at")

const gh_db_stmt_t gh_chat_statements[] = {
    { "gh_chat_room", "SELECT " ROOM_COLUMNS " FROM chat_rooms WHERE id = %lld" },
    { "gh_chat_user",
      "SELECT coalesce(name, 'user' || id), coalesce(email, ''), picture FROM users"
      " WHERE id = %lld AND is_active" },
    /* The room's row is locked first, so rows of one room commit in id
     * order and every listener sees them in that order. */
    { "gh_chat_store",
      "WITH room AS (SELECT id FROM chat_rooms WHERE id = %lld FOR NO KEY UPDATE)"
      " INSERT INTO chat_messages (room_id, kind, user_id, nickname, sender, profile_url, message)"
      " SELECT id, %s, %s, %s, %s, %s, %s FROM room RETURNING id, " GH_SQL_ISO8601("created_at") },
    { NULL, NULL }
};

json_object *gh_chat_room_json(apr_pool_t *p, const char *const *row)
{
    json_object *j = gh_json_object(p);

    json_object_object_add(j, "id", json_object_new_int64(apr_atoi64(row[0])));
    json_object_object_add(j, "name", json_object_new_string(row[1]));
    json_object_object_add(j, "post_id", json_object_new_int64(apr_atoi64(row[2])));
    json_object_object_add(j, "created_at", json_object_new_string(row[3]));
    return j;
}

/* What a trusted gateway says about the user: in its headers, as seed
 * 003's nginx example reads them, or in the query, as its WebSocket URL
 * carries them. */
static const struct {
    const char *query, *header;
    apr_size_t max;
    int required;
} gateway_fields[] = {
    { "user_id",     "X-User-Id",     100, 1 },
    { "nickname",    "X-Nickname",    100, 1 },
    { "email",       "X-Email",       100, 1 },
    { "profile_url", "X-Profile-Url", 500, 0 },
};
#define GATEWAY_FIELDS (sizeof(gateway_fields) / sizeof(gateway_fields[0]))

/* One field: required ones 1..max characters, none with control
 * characters or invalid UTF-8 (headers are bytes). */
static int gateway_field(request_rec *r, int i, const char *value, const char **out)
{
    *out = value && *value == '\0' && !gateway_fields[i].required ? NULL : value;
    if ((*out == NULL && gateway_fields[i].required)
        || (*out && (**out == '\0' || !gh_utf8_valid(*out, strlen(*out))
                     || gh_utf8_length(*out) > gateway_fields[i].max || gh_has_control(*out)))) {
        return gh_fail(r, GH_E_INVALID_IDENTITY,
                       apr_psprintf(r->pool, "%s (or the %s header) must be given: 1 to %"
                                    APR_SIZE_T_FMT " characters, no control characters.",
                                    gateway_fields[i].query, gateway_fields[i].header,
                                    gateway_fields[i].max));
    }
    return OK;
}

/* The gateway's user, from its headers if it sent any, else from the
 * query. With neither, anonymous_ok leaves who empty (NULL fields). */
static int gateway_identity(request_rec *r, apr_table_t *qs, int anonymous_ok,
                            gh_chat_who_t *who)
{
    const char *values[GATEWAY_FIELDS], **out[GATEWAY_FIELDS] = {
        &who->user_id, &who->nickname, &who->email, &who->profile_url
    };
    int in_headers = 0, in_query = 0, status;

    for (size_t i = 0; i < GATEWAY_FIELDS; i++) {
        in_headers |= apr_table_get(r->headers_in, gateway_fields[i].header) != NULL;
        in_query |= apr_table_get(qs, gateway_fields[i].query) != NULL;
    }
    if (!in_headers && !in_query && anonymous_ok) {
        return OK;
    }
    for (size_t i = 0; i < GATEWAY_FIELDS; i++) {
        if (in_headers) {
            values[i] = apr_table_get(r->headers_in, gateway_fields[i].header);
        }
        else if ((status = gh_http_query_one(r, qs, gateway_fields[i].query,
                                             &values[i])) != OK) {
            return status;
        }
        if ((status = gateway_field(r, (int)i, values[i], out[i])) != OK) {
            return status;
        }
    }
    return OK;
}

static int bearer_identity(request_rec *r, apr_table_t *qs, gh_chat_who_t *who)
{
    const char *token, *args[1], **row;
    apr_array_header_t *rows;
    int status;

    /* browsers cannot set headers on a WebSocket: ?token= stands in */
    if (apr_table_get(r->headers_in, "Authorization") == NULL) {
        if ((status = gh_http_query_one(r, qs, "token", &token)) != OK) {
            return status;
        }
        if (token) {
            apr_table_setn(r->headers_in, "Authorization",
                           apr_pstrcat(r->pool, "Bearer ", token, NULL));
        }
    }
    if (r->user == NULL && (status = gh_auth_user(r)) != OK) {
        return status;
    }
    args[0] = r->user;
    if ((status = gh_answer(r, gh_db_query(r, "gh_chat_user", 1, args, &rows))) != OK) {
        return status;
    }
    if (rows->nelts == 0) {
        return gh_fail(r, GH_E_INVALID_TOKEN, "The user no longer exists.");
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    who->user_id = r->user;
    who->nickname = row[0];
    who->email = row[1];
    who->profile_url = row[2];
    return OK;
}

int gh_chat_message_ok(const char *text, apr_size_t max)
{
    apr_size_t n = gh_utf8_length(text);

    if (n == 0 || n > max) {
        return 0;
    }
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        /* C0, DEL, and C1 (U+0080..U+009F, encoded C2 80..C2 9F) */
        if ((*c < 0x20 && *c != '\t' && *c != '\n' && *c != '\r') || *c == 0x7f
            || (*c == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f)) {
            return 0;
        }
    }
    return 1;
}

int gh_chat_identity(request_rec *r, int anonymous_ok, gh_chat_who_t *who)
{
    apr_table_t *qs;
    int status = gh_http_query(r, &qs);

    memset(who, 0, sizeof(*who));
    if (status != OK) {
        return status;
    }
    if (!gh_chat_gateway_trusted(r)) {
        return bearer_identity(r, qs, who);
    }
    return gateway_identity(r, qs, anonymous_ok, who);
}

int gh_chat_room(request_rec *r, const char *text, apr_int64_t *room, json_object **room_json)
{
    const char *args[1];
    apr_array_header_t *rows;
    int status;

    if (gh_parse_int64_dec(text, room) != 0 || *room <= 0) {
        return gh_fail(r, GH_E_ROOM_NOT_FOUND, "No such room.");
    }
    args[0] = text;
    if ((status = gh_answer(r, gh_db_query(r, "gh_chat_room", 1, args, &rows))) != OK) {
        return status;
    }
    if (rows->nelts == 0) {
        return gh_fail(r, GH_E_ROOM_NOT_FOUND, "No such room.");
    }
    *room_json = gh_chat_room_json(r->pool, APR_ARRAY_IDX(rows, 0, const char *const *));
    return OK;
}

int gh_chat_store(request_rec *r, apr_int64_t room, const char *kind, const gh_chat_who_t *who,
                  const char *message, const char **id, const char **created_at)
{
    const char *args[] = { apr_psprintf(r->pool, "%" APR_INT64_T_FMT, room), kind, who->user_id,
                           who->nickname, who->email, who->profile_url, message };
    apr_array_header_t *rows;
    int status = gh_answer(r, gh_db_query(r, "gh_chat_store", 7, args, &rows));

    if (status == OK && rows->nelts == 0) {      /* deleted meanwhile */
        return gh_fail(r, GH_E_ROOM_NOT_FOUND, "No such room.");
    }
    if (status == OK) {
        *id = APR_ARRAY_IDX(rows, 0, const char **)[0];
        *created_at = APR_ARRAY_IDX(rows, 0, const char **)[1];
    }
    return status;
}
