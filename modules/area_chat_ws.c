/* Chat sockets (seed 003), mounted at /ws/chat: /{room_id}/chat/ upgrades
 * to a WebSocket (gh_ws) that joins the room on the child's bus
 * (gh_chat_bus). What a client says is stored and announced; what the
 * room says comes back through the bus, in id order, on every server
 * that shares the database. One worker thread serves each open socket. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_db.h"
#include "gh_chat.h"
#include "gh_chat_bus.h"
#include "gh_config.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_text.h"
#include "gh_ws.h"
#include "gh_chat_cfg.h"

static const gh_db_stmt_t statements[] = {
    { "gh_chat_room_last", "SELECT coalesce(max(id), 0) FROM chat_messages WHERE room_id = %lld" },
    { NULL, NULL }
};

typedef struct {
    request_rec *r;
    gh_chat_who_t who;
    apr_int64_t room;
    gh_chat_sub_t *sub;
    apr_pool_t *scratch;          /* cleared after every message */
    apr_size_t max_chars;
} session_t;

static void send_error(gh_ws_t *ws, session_t *s, const char *code, const char *message)
{
    json_object *j = gh_json_object(s->scratch);
    apr_size_t len;
    const char *text;

    json_object_object_add(j, "type", json_object_new_string("error"));
    json_object_object_add(j, "error", json_object_new_string(code));
    json_object_object_add(j, "message", json_object_new_string(message));
    text = gh_json_serialize(j, &len);
    gh_ws_send_text(ws, text, len);
}

/* A request for one statement: the socket's, with a pool that lives only
 * as long as the message, so a long session does not grow its pool. */
static request_rec *scratch_request(session_t *s)
{
    request_rec *tmp = apr_pmemdup(s->scratch, s->r, sizeof(*s->r));
    tmp->pool = s->scratch;
    return tmp;
}

/* A join or leave notice, or a message; its id in *id when stored. */
static int store(session_t *s, const char *kind, const char *message, apr_int64_t *id)
{
    const char *id_text, *at;
    int status;

    status = gh_chat_store(scratch_request(s), s->room, kind, &s->who, message, &id_text, &at);
    if (status == OK && id) {
        *id = apr_atoi64(id_text);
    }
    return status;
}

static void on_text(gh_ws_t *ws, const char *msg, apr_size_t len, void *baton)
{
    session_t *s = baton;
    json_object *in;
    const char *err, *type, *text;

    apr_pool_clear(s->scratch);
    if (gh_json_parse(s->scratch, msg, len, &in, &err) != 0
        || !json_object_is_type(in, json_type_object)) {
        send_error(ws, s, "invalid_json", "Send a JSON object.");
        return;
    }
    if ((type = gh_json_str(in, "type")) == NULL || strcmp(type, "chat.message") != 0) {
        send_error(ws, s, "unknown_type", "The only type a client sends is chat.message.");
        return;
    }
    text = gh_json_str(in, "message");
    if (text == NULL || !gh_chat_message_ok(text, s->max_chars)) {
        send_error(ws, s, "invalid_message", apr_psprintf(s->scratch, "message must be 1 to %"
                   APR_SIZE_T_FMT " characters, without control characters other than line "
                   "breaks and tabs.", s->max_chars));
        return;
    }
    if (store(s, "message", text, NULL) != OK) {
        send_error(ws, s, "unavailable", "The message could not be stored; send it again.");
    }
    /* keep pace with a sender's burst: the room's events go out between
     * its messages, not only when the burst ends */
    gh_chat_deliver(s->sub);
}

static int on_turn(gh_ws_t *ws, void *baton)
{
    session_t *s = baton;

    (void)ws;
    return gh_chat_deliver(s->sub) ? 1013 : 0;     /* 1013: try again later */
}

static int chat_socket(request_rec *r, const gh_route_params_t *params)
{
    static const gh_ws_handlers_t handlers = { on_text, on_turn };
    const gh_chat_cfg_t *cc = gh_chat_cfg(r->server);
    gh_ws_limits_t limits;
    session_t *s = apr_pcalloc(r->pool, sizeof(*s));
    json_object *room_json;
    apr_array_header_t *rows;
    const char *args[1];
    apr_int64_t joined;
    gh_ws_t *ws;
    int status;

    if ((status = gh_ws_check(r)) != OK
        || (status = gh_chat_identity(r, 0, &s->who)) != OK
        || (status = gh_chat_room(r, gh_route_param(params, "room_id"), &s->room,
                                  &room_json)) != OK) {
        return status;
    }
    if ((status = gh_http_require(r, GH_NEED_CHAT)) != OK) {
        return status;
    }
    if (!gh_chat_bus_running()) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "chat socket refused: the chat bus "
                      "did not start in this child");
        return gh_fail(r, GH_E_CHAT_UNAVAILABLE,
                       "Chat is unavailable on this server.");
    }
    args[0] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, s->room);
    if ((status = gh_answer(r, gh_db_query(r, "gh_chat_room_last", 1, args, &rows))) != OK) {
        return status;
    }
    s->r = r;
    s->max_chars = (apr_size_t)cc->max_message;
    apr_pool_create(&s->scratch, r->pool);
    /* Subscribed, then joined, then answered: every event stored after
     * the client has its 101 reaches it, and its own join comes first. */
    s->sub = gh_chat_subscribe(r->pool, s->room,
                               apr_atoi64(APR_ARRAY_IDX(rows, 0, const char **)[0]),
                               cc->queue);
    if ((status = store(s, "join", NULL, &joined)) != OK) {
        return status;
    }
    limits.ping_seconds = cc->ping;
    limits.idle_seconds = cc->idle;
    limits.max_message = (apr_size_t)cc->max_frame;
    if ((ws = gh_ws_upgrade(r, &limits, &handlers, s)) != NULL) {
        gh_chat_attach(s->sub, ws, joined);
        gh_ws_run(ws);
    }
    gh_chat_unsubscribe(s->sub);
    store(s, "leave", NULL, NULL);
    return ws ? OK : gh_fail(r, GH_E_INTERNAL_ERROR,
                             "The WebSocket could not be set up.");
}

static const gh_route_t routes[] = {
    { "GET", "/{room_id}/chat/", chat_socket, GH_ROUTE_PUBLIC },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_chat_ws = { "chat-ws", routes, statements, NULL, gh_chat_bus_child_init };
