/* Per-child cache of users' token epoch, role and active flag. An entry
 * read from the database is kept only if no notification and no loss of
 * the bus came while it was read, so a change that raced the read is
 * never hidden by it. */
#include <string.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

#include "gh_bus.h"
#include "gh_private.h"
#include "gh_user_cache.h"

#define CHANNEL     "gamehoney_users"
#define MAX_ENTRIES 65536         /* allocations; past it the cache starts over */
#define ROLE_MAX    16

typedef struct {
    apr_int64_t id;
    apr_int64_t epoch;
    int exists, active;
    char role[ROLE_MAX];
} entry_t;

static struct {
    apr_thread_mutex_t *lock;
    apr_pool_t *pool;             /* entries; cleared when the cache starts over */
    apr_hash_t *entries;          /* id -> entry_t, for users that exist */
    int allocated;                /* entries made since the pool was cleared */
    int trusted;                  /* LISTEN runs on a live connection */
    apr_uint64_t generation;      /* bumped by every notification and loss */
} cache;

const gh_db_stmt_t gh_user_cache_statements[] = {
    { "gh_user_state", "SELECT token_epoch, role, is_active FROM users WHERE id = %lld" },
    { NULL, NULL }
};

/* Under the lock. */
static void forget_all(void)
{
    apr_pool_clear(cache.pool);
    cache.entries = apr_hash_make(cache.pool);
    cache.allocated = 0;
    cache.generation++;
}

static void connected(PGconn *pg, apr_pool_t *p, void *unused)
{
    (void)pg;
    (void)p;
    (void)unused;
    apr_thread_mutex_lock(cache.lock);
    forget_all();                 /* changes while nobody listened went unheard */
    cache.trusted = 1;
    apr_thread_mutex_unlock(cache.lock);
}

static void lost(void *unused)
{
    (void)unused;
    apr_thread_mutex_lock(cache.lock);
    cache.trusted = 0;
    forget_all();
    apr_thread_mutex_unlock(cache.lock);
}

static void notified(const char *extra, apr_pool_t *p, void *unused)
{
    apr_int64_t id = apr_atoi64(extra);

    (void)p;
    (void)unused;
    apr_thread_mutex_lock(cache.lock);
    apr_hash_set(cache.entries, &id, sizeof(id), NULL);
    cache.generation++;
    apr_thread_mutex_unlock(cache.lock);
}

void gh_user_cache_child_init(apr_pool_t *pchild, server_rec *s)
{
    gh_bus_sub_t sub = { CHANNEL, connected, notified, NULL, lost, NULL };

    if (apr_thread_mutex_create(&cache.lock, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS
        || apr_pool_create(&cache.pool, pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "cannot create the user cache");
        cache.lock = NULL;
        return;
    }
    cache.entries = apr_hash_make(cache.pool);
    gh_bus_subscribe(pchild, &sub);
}

static void copy_out(request_rec *r, const entry_t *e, gh_user_state_t *out)
{
    out->exists = e->exists;
    out->active = e->active;
    out->epoch = e->epoch;
    out->role = e->exists ? apr_pstrdup(r->pool, e->role) : NULL;
}

gh_result_t gh_user_cache_get(request_rec *r, apr_int64_t id, gh_user_state_t *out)
{
    const char *args[] = { apr_psprintf(r->pool, "%" APR_INT64_T_FMT, id) };
    apr_array_header_t *rows;
    apr_uint64_t generation = 0;
    entry_t fresh;
    gh_result_t res;

    if (cache.lock) {
        entry_t *e;
        apr_thread_mutex_lock(cache.lock);
        if (cache.trusted && (e = apr_hash_get(cache.entries, &id, sizeof(id))) != NULL) {
            copy_out(r, e, out);
            apr_thread_mutex_unlock(cache.lock);
            return GH_RESULT_OK;
        }
        generation = cache.generation;
        apr_thread_mutex_unlock(cache.lock);
    }
    if ((res = gh_db_query(r, "gh_user_state", 1, args, &rows)).kind != GH_OK) {
        return res;
    }
    memset(&fresh, 0, sizeof(fresh));
    fresh.id = id;
    if (rows->nelts > 0) {
        const char **row = APR_ARRAY_IDX(rows, 0, const char **);
        fresh.exists = 1;
        fresh.epoch = apr_atoi64(row[0]);
        fresh.active = row[2][0] == 't';
        apr_cpystrn(fresh.role, row[1], sizeof(fresh.role));
    }
    copy_out(r, &fresh, out);
    if (cache.lock) {
        apr_thread_mutex_lock(cache.lock);
        /* an absent user is not kept: an INSERT notifies nobody */
        if (cache.trusted && cache.generation == generation && fresh.exists) {
            entry_t *e;
            if (++cache.allocated > MAX_ENTRIES) {
                forget_all();
            }
            e = apr_pmemdup(cache.pool, &fresh, sizeof(fresh));
            apr_hash_set(cache.entries, &e->id, sizeof(e->id), e);
        }
        apr_thread_mutex_unlock(cache.lock);
    }
    return GH_RESULT_OK;
}
