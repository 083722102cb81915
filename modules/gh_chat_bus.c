/* The bus's listener thread (gh_bus) fans chat rows out to the child's
 * sockets. Events are rendered once and shared by every queue that holds
 * them (each in its own pool, destroyed by its last reader). A socket's
 * queue is bounded: a socket that falls behind is told to close (1013)
 * rather than hold up its room. */
#include <string.h>

#include "httpd.h"
#include "apr_atomic.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "http_log.h"

#include <json-c/json.h>

#include "gh_bus.h"
#include "gh_chat_bus.h"
#include "gh_config.h"
#include "gh_json.h"
#include "gh_metrics.h"
#include "gh_chat_cfg.h"

#define CHANNEL        "gamehoney_chat"
#define SEEN_MAX       4096       /* ids remembered against double delivery */
#define CATCH_UP_MAX   "10000"
#define ROW_COLUMNS    "id, room_id, kind, nickname, sender, profile_url, message"

struct gh_chat_event {
    apr_int64_t id;
    apr_time_t fetched;             /* by the listener: the start of its lag */
    apr_pool_t *pool;
    volatile apr_uint32_t refs;
    const char *text;
    apr_size_t len;
};

struct gh_chat_sub {
    apr_int64_t room;
    apr_int64_t floor;              /* ids below it came before the socket */
    gh_ws_t *ws;                    /* NULL until attached */
    gh_chat_event_t **ring;
    int cap, head, count;
    int overflow;
    int active;
    gh_chat_sub_t *next;
};

static struct {
    server_rec *s;
    apr_thread_mutex_t *lock;       /* rooms and every queue */
    apr_hash_t *rooms;              /* room id -> gh_chat_sub_t list */
    const char *announced;          /* ids of this wakeup, "{1,2"; listener only */
    int started;                    /* the listener has connected once */
    apr_int64_t last_id;            /* the highest id handed out */
    apr_hash_t *room_last;          /* room id -> highest id handed out there */
    apr_pool_t *keep;               /* long-lived memory, used under lock */
    apr_int64_t seen[SEEN_MAX];     /* a ring of ids handed out ... */
    apr_hash_t *seen_set;           /* ... and the same as a set */
    int seen_next;
} bus;

int gh_chat_bus_running(void)
{
    return bus.lock != NULL && gh_bus_running();
}

/* ---- events ------------------------------------------------------------ */

static void event_release(gh_chat_event_t *e)
{
    if (apr_atomic_dec32(&e->refs) == 0) {
        apr_pool_destroy(e->pool);
    }
}

/* The seed's shapes: chat.message, chat.user.join, chat.user.leave. */
static gh_chat_event_t *render(PGresult *res, int row, apr_int64_t id)
{
    const char *kind = PQgetvalue(res, row, 2);
    apr_pool_t *p;
    gh_chat_event_t *e;
    json_object *j;

    /* unmanaged: freed by whichever socket thread reads it last */
    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        return NULL;
    }
    e = apr_pcalloc(p, sizeof(*e));
    e->id = id;
    e->fetched = apr_time_now();
    e->pool = p;
    e->refs = 1;
    j = gh_json_object(p);
    if (strcmp(kind, "message") == 0) {
        json_object_object_add(j, "type", json_object_new_string("chat.message"));
        json_object_object_add(j, "message", json_object_new_string(PQgetvalue(res, row, 6)));
        json_object_object_add(j, "sender", PQgetisnull(res, row, 4) ? NULL       /* anonymous */
                               : json_object_new_string(PQgetvalue(res, row, 4)));
        json_object_object_add(j, "nickname", PQgetisnull(res, row, 3) ? NULL
                               : json_object_new_string(PQgetvalue(res, row, 3)));
        json_object_object_add(j, "profile_picture_url", PQgetisnull(res, row, 5) ? NULL
                               : json_object_new_string(PQgetvalue(res, row, 5)));
    }
    else {
        json_object_object_add(j, "type", json_object_new_string(
            strcmp(kind, "join") == 0 ? "chat.user.join" : "chat.user.leave"));
        json_object_object_add(j, "username", json_object_new_string(PQgetvalue(res, row, 3)));
    }
    e->text = apr_pstrdup(p, gh_json_serialize(j, &e->len));
    return e;
}

/* Remembers id; 0 if it was handed out already. */
static int first_time(apr_int64_t id)
{
    apr_int64_t *slot = &bus.seen[bus.seen_next];

    if (apr_hash_get(bus.seen_set, &id, sizeof(id)) != NULL) {
        return 0;
    }
    if (*slot) {
        apr_hash_set(bus.seen_set, slot, sizeof(*slot), NULL);
    }
    *slot = id;
    apr_hash_set(bus.seen_set, slot, sizeof(*slot), slot);
    bus.seen_next = (bus.seen_next + 1) % SEEN_MAX;
    if (id > bus.last_id) {
        bus.last_id = id;
    }
    return 1;
}

/* Rows of one room commit in id order (gh_chat_store locks the room), so
 * a room's highest id handed out is where its catch-up starts. Called
 * under bus.lock (from the listener and from subscribers). */
static void note_room_last(apr_int64_t room, apr_int64_t id)
{
    apr_int64_t *last = apr_hash_get(bus.room_last, &room, sizeof(room));

    if (last == NULL) {
        last = apr_palloc(bus.keep, sizeof(apr_int64_t) * 2);
        last[1] = room;
        apr_hash_set(bus.room_last, &last[1], sizeof(room), last);
        *last = 0;
    }
    if (id > *last) {
        *last = id;
    }
}

/* Hands every row of res (ordered by id) to the sockets of its room. */
static void dispatch(PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        apr_int64_t id = apr_atoi64(PQgetvalue(res, i, 0));
        apr_int64_t room = apr_atoi64(PQgetvalue(res, i, 1));
        gh_chat_event_t *e;
        gh_chat_sub_t *sub;

        if (!first_time(id) || (e = render(res, i, id)) == NULL) {
            continue;
        }
        apr_thread_mutex_lock(bus.lock);
        note_room_last(room, id);
        for (sub = apr_hash_get(bus.rooms, &room, sizeof(room)); sub; sub = sub->next) {
            if (id < sub->floor) {
                continue;
            }
            /* one wakeup per batch the socket has not yet taken: a socket
             * stuck writing to a slow client must not fill its wakeup
             * pipe and block this thread (and the lock) */
            int wake = sub->count == 0 && !sub->overflow;
            if (sub->count == sub->cap) {
                gh_metrics_chat_dropped();
                sub->overflow = 1;
                wake = 1;
            }
            else {
                apr_atomic_inc32(&e->refs);
                sub->ring[(sub->head + sub->count++) % sub->cap] = e;
            }
            if (wake && sub->ws) {
                gh_ws_wakeup(sub->ws);
            }
        }
        apr_thread_mutex_unlock(bus.lock);
        event_release(e);
    }
}

/* ---- the listener ------------------------------------------------------ */

/* The rooms with a socket in this child, and where each one's catch-up
 * starts, as two PostgreSQL arrays "{1,2}" and "{40,52}". */
static void local_rooms(apr_pool_t *p, const char **rooms, const char **lasts)
{
    const char *r = NULL, *l = NULL;

    apr_thread_mutex_lock(bus.lock);
    for (apr_hash_index_t *hi = apr_hash_first(p, bus.rooms); hi; hi = apr_hash_next(hi)) {
        const apr_int64_t *room, *last;
        apr_hash_this(hi, (const void **)&room, NULL, NULL);
        last = apr_hash_get(bus.room_last, room, sizeof(*room));
        r = apr_psprintf(p, "%s%s%" APR_INT64_T_FMT, r ? r : "", r ? "," : "", *room);
        l = apr_psprintf(p, "%s%s%" APR_INT64_T_FMT, l ? l : "", l ? "," : "",
                         last ? *last : bus.last_id);
    }
    apr_thread_mutex_unlock(bus.lock);
    *rooms = apr_pstrcat(p, "{", r ? r : "", "}", NULL);
    *lasts = apr_pstrcat(p, "{", l ? l : "", "}", NULL);
}

static void fetch(PGconn *pg, const char *sql, int n, const char *const *params)
{
    PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);

    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        dispatch(res);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, bus.s, "chat bus: fetching rows failed: %s",
                     PQerrorMessage(pg));
    }
    PQclear(res);
}

/* A new bus connection: whatever came while no connection was listening,
 * after a loss and for sockets that joined before the first connect. */
static void connected(PGconn *pg, apr_pool_t *p, void *unused)
{
    const char *params[2];
    PGresult *res;

    (void)unused;
    if (!bus.started) {                  /* first start: from now on */
        res = PQexec(pg, "SELECT coalesce(max(id), 0) FROM chat_messages");
        if (PQresultStatus(res) == PGRES_TUPLES_OK) {
            bus.last_id = apr_atoi64(PQgetvalue(res, 0, 0));
            bus.started = 1;
        }
        PQclear(res);
    }
    local_rooms(p, &params[0], &params[1]);
    fetch(pg, "SELECT m.id, m.room_id, m.kind, m.nickname, m.sender, m.profile_url,"
              " m.message FROM chat_messages m JOIN unnest($1::bigint[], $2::bigint[])"
              " AS t(room, last) ON m.room_id = t.room AND m.id > t.last"
              " ORDER BY m.id LIMIT " CATCH_UP_MAX, 2, params);
    bus.announced = NULL;
}

/* Notes an announced id ("room:id") when its room has a local socket. */
static void notified(const char *extra, apr_pool_t *p, void *unused)
{
    const char *colon = strchr(extra, ':');
    apr_int64_t room = apr_atoi64(extra);
    int local;

    (void)unused;
    apr_thread_mutex_lock(bus.lock);
    local = apr_hash_get(bus.rooms, &room, sizeof(room)) != NULL;
    apr_thread_mutex_unlock(bus.lock);
    if (local && colon) {
        bus.announced = apr_pstrcat(p, bus.announced ? bus.announced : "{",
                                    bus.announced ? "," : "", colon + 1, NULL);
    }
}

/* Fetches the rows announced in this wakeup. */
static void drained(PGconn *pg, apr_pool_t *p, void *unused)
{
    const char *ids;

    (void)unused;
    if (bus.announced == NULL) {
        return;
    }
    ids = apr_pstrcat(p, bus.announced, "}", NULL);
    bus.announced = NULL;
    fetch(pg, "SELECT " ROW_COLUMNS " FROM chat_messages WHERE id = ANY ($1::bigint[])"
              " ORDER BY id", 1, &ids);
}

void gh_chat_bus_child_init(apr_pool_t *pchild, server_rec *s)
{
    gh_bus_sub_t sub = { CHANNEL, connected, notified, drained, NULL, NULL };

    if (gh_chat_cfg(s)->db_params == NULL) {
        return;
    }
    bus.s = s;
    bus.rooms = apr_hash_make(pchild);
    apr_pool_create(&bus.keep, pchild);
    bus.seen_set = apr_hash_make(bus.keep);
    bus.room_last = apr_hash_make(bus.keep);
    if (apr_thread_mutex_create(&bus.lock, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "chat bus: cannot create its lock");
        bus.lock = NULL;
        return;
    }
    gh_bus_subscribe(pchild, &sub);
}

/* ---- subscriptions ----------------------------------------------------- */

/* Makes head the room's list; the hash keeps its key pointer, so the key
 * is always the current head's own room field. */
static void set_room(apr_int64_t room, gh_chat_sub_t *head)
{
    apr_hash_set(bus.rooms, &room, sizeof(room), NULL);
    if (head) {
        apr_hash_set(bus.rooms, &head->room, sizeof(head->room), head);
    }
}

/* Drops the queued events below floor (all of them with APR_INT64_MAX);
 * a queue is in id order. Under bus.lock. */
static void drop_below(gh_chat_sub_t *sub, apr_int64_t floor)
{
    while (sub->count > 0 && sub->ring[sub->head]->id < floor) {
        event_release(sub->ring[sub->head]);
        sub->head = (sub->head + 1) % sub->cap;
        sub->count--;
    }
}

void gh_chat_unsubscribe(gh_chat_sub_t *sub)
{
    apr_thread_mutex_lock(bus.lock);
    if (sub->active) {
        gh_chat_sub_t *head = apr_hash_get(bus.rooms, &sub->room, sizeof(sub->room));
        gh_chat_sub_t **link = &head;

        sub->active = 0;
        gh_metrics_chat_sockets(-1);
        while (*link && *link != sub) {
            link = &(*link)->next;
        }
        if (*link) {
            *link = sub->next;
        }
        set_room(sub->room, head);
        drop_below(sub, APR_INT64_MAX);
    }
    apr_thread_mutex_unlock(bus.lock);
}

static apr_status_t unsubscribe_cleanup(void *data)
{
    gh_chat_unsubscribe(data);
    return APR_SUCCESS;
}

gh_chat_sub_t *gh_chat_subscribe(apr_pool_t *p, apr_int64_t room, apr_int64_t since,
                                 int queue_max)
{
    gh_chat_sub_t *sub = apr_pcalloc(p, sizeof(*sub));

    sub->room = room;
    sub->cap = queue_max;
    sub->ring = apr_pcalloc(p, sizeof(*sub->ring) * queue_max);
    sub->active = 1;
    gh_metrics_chat_sockets(1);
    apr_thread_mutex_lock(bus.lock);
    sub->next = apr_hash_get(bus.rooms, &room, sizeof(room));
    set_room(room, sub);
    if (sub->next == NULL) {
        /* the room was not followed here, so what the listener last
         * handed out there is stale: a catch-up for it starts at since */
        note_room_last(room, since);
    }
    apr_thread_mutex_unlock(bus.lock);
    apr_pool_cleanup_register(p, sub, unsubscribe_cleanup, apr_pool_cleanup_null);
    return sub;
}

void gh_chat_attach(gh_chat_sub_t *sub, gh_ws_t *ws, apr_int64_t floor)
{
    apr_thread_mutex_lock(bus.lock);
    sub->ws = ws;
    sub->floor = floor;
    drop_below(sub, floor);
    apr_thread_mutex_unlock(bus.lock);
}

int gh_chat_deliver(gh_chat_sub_t *sub)
{
    gh_chat_event_t *batch[64];
    int n, overflow;

    do {
        apr_thread_mutex_lock(bus.lock);
        for (n = 0; n < 64 && sub->count > 0; n++) {
            batch[n] = sub->ring[sub->head];
            sub->head = (sub->head + 1) % sub->cap;
            sub->count--;
        }
        overflow = sub->overflow;
        apr_thread_mutex_unlock(bus.lock);
        for (int i = 0; i < n; i++) {
            gh_ws_send_text(sub->ws, batch[i]->text, batch[i]->len);
            gh_metrics_chat_lag(apr_time_now() - batch[i]->fetched);
            event_release(batch[i]);
        }
    } while (n == 64);
    return overflow;
}
