/* What the chat REST area and the chat sockets share: who is speaking
 * (from a trusted gateway's query, or a bearer token), rooms, and storing
 * a row that the bus then fans out. */
#ifndef GH_CHAT_H
#define GH_CHAT_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_db.h"

typedef struct {
    const char *user_id;          /* all NULL for an anonymous REST call */
    const char *nickname;
    const char *email;
    const char *profile_url;      /* may be NULL */
} gh_chat_who_t;

extern const gh_db_stmt_t gh_chat_statements[];

/* The speaker. Under GameHoneyChatGateway trust: the gateway's
 * X-User-Id, X-Nickname, X-Email and X-Profile-Url headers if it sent any,
 * else the query's user_id, nickname, email and profile_url (400 when
 * one is missing or bad); with none at all and anonymous_ok (REST, as
 * seed 003's cURL calls it), nobody: every field NULL. Otherwise the user
 * of a bearer token, from the Authorization header or the token query
 * parameter (401). */
int gh_chat_identity(request_rec *r, int anonymous_ok, gh_chat_who_t *who);

/* The room whose id is text: OK, or 404 room_not_found. *room_json is
 * the room as the API shows it (pool-owned). */
int gh_chat_room(request_rec *r, const char *text, apr_int64_t *room, json_object **room_json);

/* Stores a row of kind message, join or leave (message NULL unless a
 * message); the trigger announces it. *id gets its id, *created_at its
 * time. OK or the database's failure. */
int gh_chat_store(request_rec *r, apr_int64_t room, const char *kind, const gh_chat_who_t *who,
                  const char *message, const char **id, const char **created_at);

/* Whether text is a chat message: 1 to max characters, and no control
 * characters but tab and line breaks (messages may span lines). */
int gh_chat_message_ok(const char *text, apr_size_t max);

/* A room row (id, name, post_id, created_at) as JSON. */
json_object *gh_chat_room_json(apr_pool_t *p, const char *const *row);

#endif
