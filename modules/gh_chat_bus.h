/* The chat bus of one httpd child: a subscriber of the child's LISTEN
 * bus (gh_bus) on gamehoney_chat, it fetches each announced row by id and
 * hands it to the child's sockets in that room through bounded
 * per-socket queues. After a lost connection it catches up by id, so a
 * socket misses nothing that was committed. */
#ifndef GH_CHAT_BUS_H
#define GH_CHAT_BUS_H

#include "httpd.h"

#include "gh_ws.h"

typedef struct gh_chat_sub gh_chat_sub_t;

/* A rendered event, shared by every queue it is in. */
typedef struct gh_chat_event gh_chat_event_t;

/* child_init: subscribes to the bus when GameHoneyChatDBParams is set. */
void gh_chat_bus_child_init(apr_pool_t *pchild, server_rec *s);

/* Whether the bus runs in this child (else sockets cannot be served). */
int gh_chat_bus_running(void);

/* Subscribes to room with a queue of queue_max events; undone when p is
 * cleaned up. since: the room's highest id before the socket came, where
 * a catch-up starts if the listener has to make one. Events queue up
 * until the socket is attached. */
gh_chat_sub_t *gh_chat_subscribe(apr_pool_t *p, apr_int64_t room, apr_int64_t since,
                                 int queue_max);

/* Gives the subscription its socket, to be woken when events come; from
 * now on the room's events with ids below floor are not its own. */
void gh_chat_attach(gh_chat_sub_t *sub, gh_ws_t *ws, apr_int64_t floor);

/* Ends a subscription now (idempotent). */
void gh_chat_unsubscribe(gh_chat_sub_t *sub);

/* The socket's thread: sends what is queued; returns 1 when the queue
 * overflowed (the socket must close with 1013). */
int gh_chat_deliver(gh_chat_sub_t *sub);

#endif
