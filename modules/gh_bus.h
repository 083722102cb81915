/* The LISTEN/NOTIFY bus of one httpd child: one listener thread keeps its
 * own libpq connection (GameHoneyChatDBParams, not a mod_dbd one), LISTENs
 * on every subscriber's channel and hands each notification to its
 * subscriber, on the listener thread. After a lost connection it
 * reconnects; each subscriber is told of the loss and of every
 * (re)connection, so it can catch up or stop trusting what it cached. */
#ifndef GH_BUS_H
#define GH_BUS_H

#include "httpd.h"

#include <libpq-fe.h>

typedef struct {
    const char *channel;          /* a plain identifier */
    /* on the listener, once LISTEN runs on a new connection; pg may be
     * used for catch-up queries, p is cleared after the call */
    void (*connected)(PGconn *pg, apr_pool_t *p, void *data);
    /* one notification's payload */
    void (*notified)(const char *extra, apr_pool_t *p, void *data);
    /* after the notifications of one wakeup were all handed out; may be NULL */
    void (*drained)(PGconn *pg, apr_pool_t *p, void *data);
    /* the connection was lost: notifications may be missed until the
     * next connected(); may be NULL */
    void (*lost)(void *data);
    void *data;
} gh_bus_sub_t;

/* child_init, before gh_bus_start: adds a subscriber (copied). */
void gh_bus_subscribe(apr_pool_t *pchild, const gh_bus_sub_t *sub);

/* child_init, after every subscriber: starts the listener when
 * GameHoneyChatDBParams is set and someone subscribed; it stops with the
 * child, before pchild's subpools are destroyed. */
void gh_bus_start(apr_pool_t *pchild, server_rec *s);

/* Whether the listener runs in this child. */
int gh_bus_running(void);

#endif
