/* Database reachability and back-off: see gh_dbhealth.h. The common case
 * (every database up) costs one atomic read per query. */
#include <string.h>

#include "apr_atomic.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

#include "gh_dbhealth.h"
#include "gh_dbrule.h"
#include "gh_private.h"

#define PROBE_FIRST   apr_time_from_msec(100)
#define PROBE_MAX     apr_time_from_sec(1)
#define LOG_INTERVAL  apr_time_from_sec(10)

typedef struct {
    int down, probing;
    apr_time_t since, next_probe;
    apr_interval_time_t backoff;
    unsigned long refused;          /* 503s without trying, since down */
    const char *ping;               /* conninfo for PQping, NULL until learnt */
    gh_dbrule_lograte_t still_down, lost;
} health_t;

static apr_pool_t *pool;            /* per child */
static apr_thread_mutex_t *lock;
static apr_hash_t *by_server;       /* server_rec* -> health_t* */
static apr_uint32_t downs;          /* how many are down */

void gh_dbhealth_child_init(apr_pool_t *pchild)
{
    pool = pchild;
    by_server = apr_hash_make(pchild);
    if (apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS) {
        lock = NULL;
    }
}

/* Called with the lock held. */
static health_t *health_of(const server_rec *s)
{
    health_t *h = apr_hash_get(by_server, &s, sizeof(s));

    if (h == NULL) {
        const server_rec **key = apr_palloc(pool, sizeof(*key));
        *key = s;
        h = apr_pcalloc(pool, sizeof(*h));
        apr_hash_set(by_server, key, sizeof(*key), h);
    }
    return h;
}

static double seconds(apr_interval_time_t t)
{
    return (double)t / APR_USEC_PER_SEC;
}

/* Called with the lock held: the next probe waits twice as long. */
static void back_off(health_t *h)
{
    h->backoff = h->backoff * 2 > PROBE_MAX ? PROBE_MAX : h->backoff * 2;
}

/* Called with the lock held. */
static void mark_up(request_rec *r, health_t *h)
{
    if (h->down) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "database reachable again after %.1f s;"
                      " %lu requests were answered 503 meanwhile without trying it",
                      seconds(apr_time_now() - h->since), h->refused);
        h->down = 0;
        apr_atomic_dec32(&downs);
    }
    h->probing = 0;
}

int gh_dbhealth_admit(request_rec *r)
{
    health_t *h;
    const char *ping = NULL;
    apr_time_t now;
    int reachable;

    if (apr_atomic_read32(&downs) == 0 || lock == NULL) {
        return 1;
    }
    apr_thread_mutex_lock(lock);
    h = health_of(r->server);
    now = apr_time_now();
    if (!h->down) {
        apr_thread_mutex_unlock(lock);
        return 1;
    }
    if (h->probing || now < h->next_probe) {
        h->refused++;
        apr_thread_mutex_unlock(lock);
        return 0;
    }
    h->probing = 1;
    ping = h->ping;
    apr_thread_mutex_unlock(lock);
    if (ping == NULL) {
        return 1;                 /* never connected in this child: mod_dbd probes */
    }
    reachable = PQping(ping) == PQPING_OK;
    apr_thread_mutex_lock(lock);
    if (reachable) {
        mark_up(r, h);
    }
    else {
        unsigned long repeats;
        h->probing = 0;
        h->refused++;
        h->next_probe = now + h->backoff;
        back_off(h);
        if (gh_dbrule_lograte(&h->still_down, now, LOG_INTERVAL, &repeats)) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "database still unavailable after %.1f s:"
                          " %lu requests answered 503 so far", seconds(now - h->since),
                          h->refused);
        }
    }
    apr_thread_mutex_unlock(lock);
    return reachable;
}

void gh_dbhealth_up(request_rec *r)
{
    if (apr_atomic_read32(&downs) == 0 || lock == NULL) {
        return;
    }
    apr_thread_mutex_lock(lock);
    mark_up(r, health_of(r->server));
    apr_thread_mutex_unlock(lock);
}

void gh_dbhealth_down(request_rec *r, const char *why)
{
    health_t *h;
    apr_time_t now = apr_time_now();

    if (lock == NULL) {
        return;
    }
    apr_thread_mutex_lock(lock);
    h = health_of(r->server);
    if (!h->down) {
        h->down = 1;
        h->since = now;
        h->backoff = PROBE_FIRST;
        h->refused = 0;
        memset(&h->still_down, 0, sizeof(h->still_down));
        apr_atomic_inc32(&downs);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "database unavailable: %s; requests get 503"
                      " at once until a probe (at most every %.1f s) finds it again", why,
                      seconds(PROBE_MAX));
    }
    else if (h->probing) {
        back_off(h);
    }
    h->probing = 0;
    h->next_probe = now + h->backoff;
    apr_thread_mutex_unlock(lock);
}

void gh_dbhealth_learn(request_rec *r, PGconn *pg)
{
    health_t *h;

    if (lock == NULL || pg == NULL || PQstatus(pg) != CONNECTION_OK) {
        return;
    }
    apr_thread_mutex_lock(lock);
    h = health_of(r->server);
    if (h->ping == NULL) {
        /* where the server is and who we are, never the password: a
         * probe needs an answer, not a session */
        const char *host = PQhost(pg), *port = PQport(pg), *db = PQdb(pg), *user = PQuser(pg);
        h->ping = apr_psprintf(pool, "host='%s' port='%s' dbname='%s' user='%s'"
                               " connect_timeout=2", host ? host : "", port ? port : "",
                               db ? db : "", user ? user : "");
    }
    apr_thread_mutex_unlock(lock);
}

void gh_dbhealth_log_lost(request_rec *r, const char *what, const char *first_line)
{
    unsigned long repeats = 0;
    int say = 1;

    if (lock != NULL) {
        apr_thread_mutex_lock(lock);
        say = gh_dbrule_lograte(&health_of(r->server)->lost, apr_time_now(), LOG_INTERVAL,
                                &repeats);
        apr_thread_mutex_unlock(lock);
    }
    if (say) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "database connection lost during %s: %s%s",
                      what, first_line, repeats ? apr_psprintf(r->pool, " (and %lu more since"
                      " the last such line)", repeats) : "");
    }
}
