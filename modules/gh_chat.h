/* What the chat REST area and the chat sockets share: who is speaking
 * (from a trusted gateway's query, or a bearer token), rooms, and storing
 * a row that the bus then fans out. */
#ifndef GH_CHAT_H
#define GH_CHAT_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_db.h"
#include "gh_result.h"

typedef struct {
    const char *user_id;          /* all NULL for an anonymous REST call */
    const char *nickname;
    const char *email;
    const char *profile_url;      /* may be NULL */
} gh_chat_who_t;

extern const gh_db_stmt_t gh_chat_statements[];

/* The reasons of the results below, for the areas to map to their errors. */
#define GH_CHAT_NO_ROOM      "no_room"        /* GH_NOT_FOUND: no such room */
#define GH_CHAT_BAD_IDENTITY "bad_identity"   /* GH_BAD_INPUT: a gateway field is bad */
#define GH_CHAT_TWICE        "given_twice"    /* GH_BAD_INPUT: a query parameter given twice */
#define GH_CHAT_USER_GONE    "user_gone"      /* GH_REFUSED: the token's user is gone */

/* Whether the speaker is a bearer token's user that the caller must sign
 * in (gh_auth_user) before gh_chat_identity: GameHoneyChatGateway does
 * not trust a gateway, and r has no user yet. Without a gateway, a token
 * in qs (r's parsed query: ?token=, as browsers cannot set a WebSocket's
 * headers) stands in for a missing Authorization header. GH_OK with
 * *sign_in set, or GH_BAD_INPUT (GH_CHAT_TWICE). */
gh_result_t gh_chat_bearer(request_rec *r, apr_table_t *qs, int *sign_in);

/* The speaker. Under GameHoneyChatGateway trust: the gateway's
 * X-User-Id, X-Nickname, X-Email and X-Profile-Url headers if it sent any,
 * else qs's user_id, nickname, email and profile_url (GH_BAD_INPUT,
 * GH_CHAT_BAD_IDENTITY or GH_CHAT_TWICE, when one is missing or bad);
 * with none at all and anonymous_ok (REST, as seed 003's cURL calls it),
 * nobody: every field NULL. Otherwise the signed-in user r->user
 * (GH_REFUSED, GH_CHAT_USER_GONE, when it no longer exists), or the
 * database's failure. */
gh_result_t gh_chat_identity(request_rec *r, apr_table_t *qs, int anonymous_ok,
                             gh_chat_who_t *who);

/* The room whose id is text: GH_OK, GH_NOT_FOUND (GH_CHAT_NO_ROOM) or the
 * database's failure. *room_json is the room as the API shows it
 * (pool-owned). */
gh_result_t gh_chat_room(request_rec *r, const char *text, apr_int64_t *room,
                         json_object **room_json);

/* Stores a row of kind message, join or leave (message NULL unless a
 * message); the trigger announces it. *id gets its id, *created_at its
 * time. GH_OK, GH_NOT_FOUND (GH_CHAT_NO_ROOM: deleted meanwhile) or the
 * database's failure. */
gh_result_t gh_chat_store(request_rec *r, apr_int64_t room, const char *kind,
                          const gh_chat_who_t *who, const char *message, const char **id,
                          const char **created_at);

/* Whether text is a chat message: 1 to max characters, and no control
 * characters but tab and line breaks (messages may span lines). */
int gh_chat_message_ok(const char *text, apr_size_t max);

/* A room row (id, name, post_id, created_at) as JSON. */
json_object *gh_chat_room_json(apr_pool_t *p, const char *const *row);

#endif
