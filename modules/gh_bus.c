/* One listener thread per child for every LISTEN channel: chat fan-out
 * and the user cache share its connection. */
#include <string.h>
#include <poll.h>

#include "apr_strings.h"
#include "apr_tables.h"
#include "apr_thread_proc.h"

#include "gh_bus.h"
#include "gh_config.h"
#include "gh_chat_cfg.h"

#define POLL_MS 500
#define APP_NAME "gamehoney-bus"

static struct {
    server_rec *s;
    const char *conninfo;
    apr_array_header_t *subs;       /* gh_bus_sub_t */
    apr_thread_t *thread;
    volatile int stop;
} bus;

int gh_bus_running(void)
{
    return bus.thread != NULL;
}

void gh_bus_subscribe(apr_pool_t *pchild, const gh_bus_sub_t *sub)
{
    if (bus.subs == NULL) {
        bus.subs = apr_array_make(pchild, 2, sizeof(gh_bus_sub_t));
    }
    *(gh_bus_sub_t *)apr_array_push(bus.subs) = *sub;
}

static void tell_lost(void)
{
    for (int i = 0; i < bus.subs->nelts; i++) {
        gh_bus_sub_t *sub = &APR_ARRAY_IDX(bus.subs, i, gh_bus_sub_t);
        if (sub->lost) {
            sub->lost(sub->data);
        }
    }
}

static PGconn *connect_and_listen(apr_pool_t *p, int *warned)
{
    /* the operator's string wins; the name lets an operator find us */
    static const char *const keys[] = { "fallback_application_name", "dbname", NULL };
    const char *values[] = { APP_NAME, bus.conninfo, NULL };
    PGconn *pg = PQconnectdbParams(keys, values, 1);

    if (PQstatus(pg) != CONNECTION_OK) {
        if (!*warned) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, bus.s, "bus: cannot connect, "
                         "retrying: %s", PQerrorMessage(pg));
            *warned = 1;
        }
        PQfinish(pg);
        return NULL;
    }
    for (int i = 0; i < bus.subs->nelts; i++) {
        const char *sql = apr_pstrcat(p, "LISTEN ",
                                      APR_ARRAY_IDX(bus.subs, i, gh_bus_sub_t).channel, NULL);
        PGresult *res = PQexec(pg, sql);
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

        PQclear(res);
        if (!ok) {
            PQfinish(pg);
            return NULL;
        }
    }
    for (int i = 0; i < bus.subs->nelts; i++) {
        gh_bus_sub_t *sub = &APR_ARRAY_IDX(bus.subs, i, gh_bus_sub_t);
        sub->connected(pg, p, sub->data);
    }
    if (*warned) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, bus.s, "bus: connected again");
    }
    *warned = 0;
    return pg;
}

/* Hands each pending notification to its channel's subscriber, then
 * tells every subscriber the wakeup is over. */
static void hand_out(apr_pool_t *p, PGconn *pg)
{
    PGnotify *n;

    while ((n = PQnotifies(pg)) != NULL) {
        for (int i = 0; i < bus.subs->nelts; i++) {
            gh_bus_sub_t *sub = &APR_ARRAY_IDX(bus.subs, i, gh_bus_sub_t);
            if (strcmp(sub->channel, n->relname) == 0) {
                sub->notified(n->extra, p, sub->data);
            }
        }
        PQfreemem(n);
    }
    for (int i = 0; i < bus.subs->nelts; i++) {
        gh_bus_sub_t *sub = &APR_ARRAY_IDX(bus.subs, i, gh_bus_sub_t);
        if (sub->drained) {
            sub->drained(pg, p, sub->data);
        }
    }
}

static void *APR_THREAD_FUNC listener(apr_thread_t *thread, void *data)
{
    apr_pool_t *p = data;
    PGconn *pg = NULL;
    int warned = 0;

    (void)thread;
    while (!bus.stop) {
        struct pollfd pfd;

        apr_pool_clear(p);
        if (pg == NULL && (pg = connect_and_listen(p, &warned)) == NULL) {
            apr_sleep(apr_time_from_msec(POLL_MS));
            continue;
        }
        pfd.fd = PQsocket(pg);
        pfd.events = POLLIN;
        if (poll(&pfd, 1, POLL_MS) < 0 || !PQconsumeInput(pg)) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, bus.s, "bus: connection lost, "
                         "reconnecting: %s", PQerrorMessage(pg));
            PQfinish(pg);
            pg = NULL;
            warned = 1;
            tell_lost();
            continue;
        }
        hand_out(p, pg);
    }
    if (pg) {
        PQfinish(pg);
    }
    return NULL;
}

static apr_status_t stop_listener(void *unused)
{
    apr_status_t rv;

    (void)unused;
    bus.stop = 1;
    if (bus.thread) {
        apr_thread_join(&rv, bus.thread);
        bus.thread = NULL;
    }
    return APR_SUCCESS;
}

void gh_bus_start(apr_pool_t *pchild, server_rec *s)
{
    apr_pool_t *work;

    if ((bus.conninfo = gh_chat_cfg(s)->db_params) == NULL || bus.subs == NULL) {
        return;
    }
    bus.s = s;
    apr_pool_create(&work, pchild);
    if (apr_thread_create(&bus.thread, NULL, listener, work, pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "bus: cannot start the listener");
        bus.thread = NULL;
        return;
    }
    /* before pchild's subpools (the listener's work pool) are destroyed */
    apr_pool_pre_cleanup_register(pchild, NULL, stop_listener);
}
