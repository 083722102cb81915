/* JWKS cache: one entry per document URL, guarded by one mutex. A key
 * set lives in its own pool and is swapped whole on refresh; readers take
 * a reference on the key they use, so a swap never frees a key in use.
 * Documents are shared through a socache (GameHoneyJWKSCache): a child
 * that needs keys first takes a document another child (or host) fetched,
 * and one fetch at a time per URL on a host goes to the network (a lease
 * in shared memory; the others wait for its document).
 * Fetches for an unknown kid are limited per host, not per child: a slot
 * of shared memory per URL holds the time of the last one. A child whose
 * fetch finds kids it did not know tells the others, in shared memory, so
 * they take the new document at once: random kids are never found, so they
 * stay under the limit, and a key just published works on every child. */
#include <string.h>

#include "apr_atomic.h"
#include "apr_hash.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "apr_thread_proc.h"
#include "http_core.h"
#include "util_mutex.h"

#include "gh_config.h"
#include "gh_curl.h"
#include "gh_json.h"
#include "gh_jwks.h"
#include "gh_jwt.h"
#include "gh_private.h"
#include "gh_socache.h"

#define UNKNOWN_KID_REFETCH 10   /* seconds: at most one such fetch per host */
#define HOST_SLOTS          64   /* URLs hash onto them; a clash shares a limit */
#define FOUND_SLOTS         64   /* kids found lately, a ring */
#define TICK                apr_time_from_msec(100)
#define RETRY_AFTER_FAILURE apr_time_from_sec(10)
#define DEFAULT_MAX_AGE     3600
#define MAX_MAX_AGE         86400
#define MIN_MAX_AGE         60
#define REFRESH_MARGIN      apr_time_from_sec(30)  /* before max-age runs out */
#define SHARED_MAX          (64 * 1024)  /* a larger document is not shared */
#define NAMESPACE           "gamehoney-jwks"   /* of the socache, and its mutex */

typedef struct {
    const char *url;
    server_rec *server;          /* whose HTTP settings fetch it */
    gh_upstream_e provider;
    apr_pool_t *keys_pool;       /* unmanaged; holds keys; NULL while cold */
    apr_hash_t *keys;            /* kid -> EVP_PKEY* */
    apr_time_t fetched_at;       /* when the set held was fetched, by any child */
    apr_time_t expires_at;
    apr_time_t last_attempt;
    int fetching;
} entry_t;

static struct {
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *changed;  /* a fetch ended, or the refresher must look */
    apr_hash_t *entries;         /* url -> entry_t* */
    apr_thread_t *thread;
    int stop;
} cache;

/* Shared by the children of one generation. */
typedef struct {
    volatile apr_uint32_t last_unknown[HOST_SLOTS];  /* seconds */
    volatile apr_uint64_t found[FOUND_SLOTS];        /* hash(url, kid) << 32 | tick */
    volatile apr_uint32_t found_next;
    volatile apr_uint64_t lease[HOST_SLOTS];     /* hash(url) << 32 | tick it ends */
    volatile apr_uint64_t failed[HOST_SLOTS];    /* hash(url) << 32 | tick of a failure */
} host_t;

static host_t *host;
static gh_socache_t *shared;     /* documents, by URL: this generation's */

/* What a shared document starts with; the document follows. */
typedef struct {
    apr_time_t fetched_at;
    apr_time_t expires_at;
} shared_head_t;

static apr_uint32_t hash_of(const char *url, const char *kid)
{
    apr_ssize_t len = APR_HASH_KEY_STRING;
    apr_uint32_t h = apr_hashfunc_default(url, &len);

    len = APR_HASH_KEY_STRING;
    return h * 31 + apr_hashfunc_default(kid, &len);
}

static apr_uint32_t tick_of(apr_time_t t)
{
    return (apr_uint32_t)(t / TICK);
}

/* Records that a fetch of url found kid, which the child did not know. */
static void tell_found(const char *url, const char *kid)
{
    apr_uint32_t i;

    if (host) {
        i = apr_atomic_inc32(&host->found_next) % FOUND_SLOTS;
        apr_atomic_set64(&host->found[i], (apr_uint64_t)hash_of(url, kid) << 32
                                          | tick_of(apr_time_now()));
    }
}

/* Whether another child found kid in url's document after since. */
static int found_since(const char *url, const char *kid, apr_time_t since)
{
    apr_uint32_t h = hash_of(url, kid), t = tick_of(since);

    for (int i = 0; host && i < FOUND_SLOTS; i++) {
        apr_uint64_t v = apr_atomic_read64(&host->found[i]);
        if ((apr_uint32_t)(v >> 32) == h && (apr_uint32_t)v > t) {
            return 1;
        }
    }
    return 0;
}

int gh_jwks_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, NAMESPACE, NULL, APR_LOCK_DEFAULT, 0);
}

static apr_status_t forget_shared(void *unused)
{
    (void)unused;
    shared = NULL;
    return APR_SUCCESS;
}

int gh_jwks_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const gh_server_conf_t *sc = gh_server_conf(s);
    struct ap_socache_hints hints = { 64, 4096, apr_time_from_sec(DEFAULT_MAX_AGE) };
    apr_shm_t *shm;
    apr_status_t rv;

    /* anonymous: inherited by the children of this generation */
    if ((rv = apr_shm_create(&shm, sizeof(host_t), NULL, pconf)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot create the signing-key "
                     "fetch limit's shared memory");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    host = apr_shm_baseaddr_get(shm);
    memset(host, 0, sizeof(*host));
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;    /* the configuration-check pass */
    }
    shared = gh_socache_open(pconf, ptemp, s, "GameHoneyJWKSCache",
                             sc->jwks_cache, NAMESPACE, &hints);
    if (shared == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, NULL, forget_shared, apr_pool_cleanup_null);
    return OK;
}

/* Claims the host's one fetch for an unknown kid of url in this window;
 * 0 when another child (or this one) made it less than the limit ago. */
static int claim_unknown_kid_fetch(const char *url)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now()), last;
    apr_ssize_t len = APR_HASH_KEY_STRING;
    volatile apr_uint32_t *slot;

    if (host == NULL) {
        return 0;
    }
    slot = &host->last_unknown[apr_hashfunc_default(url, &len) % HOST_SLOTS];
    last = apr_atomic_read32(slot);
    return now - last >= UNKNOWN_KID_REFETCH && apr_atomic_cas32(slot, now, last) == last;
}

static apr_status_t free_key(void *pkey)
{
    EVP_PKEY_free(pkey);
    return APR_SUCCESS;
}

/* Seconds from a Cache-Control max-age, bounded, with a default. */
static int max_age(const char *cc)
{
    const char *m = cc ? strstr(cc, "max-age=") : NULL;
    long v;

    if (m == NULL) {
        return DEFAULT_MAX_AGE;
    }
    v = strtol(m + 8, NULL, 10);
    return v < MIN_MAX_AGE ? MIN_MAX_AGE : v > MAX_MAX_AGE ? MAX_MAX_AGE : (int)v;
}

/* Parses a JWKS document into a key table in kp. NULL when it has no
 * usable RSA signing key. */
static apr_hash_t *parse_keys(apr_pool_t *kp, const char *body, apr_size_t len)
{
    apr_hash_t *keys = apr_hash_make(kp);
    json_object *doc, *list;
    const char *err;

    if (gh_json_parse(kp, body, len, &doc, &err) != 0
        || !json_object_is_type(doc, json_type_object)
        || !json_object_object_get_ex(doc, "keys", &list)
        || !json_object_is_type(list, json_type_array)) {
        return NULL;
    }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *k = json_object_array_get_idx(list, i), *v;
        const char *kty = NULL, *kid = NULL, *n = NULL, *e = NULL, *use = NULL;
        EVP_PKEY *pkey;

        if (!json_object_is_type(k, json_type_object)) {
            continue;
        }
        if (json_object_object_get_ex(k, "kty", &v)) kty = json_object_get_string(v);
        if (json_object_object_get_ex(k, "kid", &v)) kid = json_object_get_string(v);
        if (json_object_object_get_ex(k, "n", &v)) n = json_object_get_string(v);
        if (json_object_object_get_ex(k, "e", &v)) e = json_object_get_string(v);
        if (json_object_object_get_ex(k, "use", &v)) use = json_object_get_string(v);
        if (kty == NULL || strcmp(kty, "RSA") != 0 || kid == NULL
            || (use && strcmp(use, "sig") != 0) || (pkey = gh_jwk_rsa(n, e)) == NULL) {
            continue;
        }
        apr_pool_cleanup_register(kp, pkey, free_key, apr_pool_cleanup_null);
        apr_hash_set(keys, apr_pstrdup(kp, kid), APR_HASH_KEY_STRING, pkey);
    }
    return apr_hash_count(keys) ? keys : NULL;
}

static volatile apr_uint64_t *slot_in(volatile apr_uint64_t *slots, const char *url,
                                      apr_uint32_t *h)
{
    apr_ssize_t len = APR_HASH_KEY_STRING;

    *h = apr_hashfunc_default(url, &len);
    return &slots[*h % HOST_SLOTS];
}

/* Claims the host's network fetch of url until `until`: the value to give
 * back to lease_drop, or 0 while another child's lease runs. */
static apr_uint64_t lease_take(const char *url, apr_time_t until)
{
    apr_uint32_t h;
    volatile apr_uint64_t *slot = slot_in(host->lease, url, &h);
    apr_uint64_t v = apr_atomic_read64(slot), mine = (apr_uint64_t)h << 32 | tick_of(until);

    if ((apr_int32_t)((apr_uint32_t)v - tick_of(apr_time_now())) > 0) {
        return 0;
    }
    return apr_atomic_cas64(slot, mine, v) == v ? mine : 0;
}

static void lease_drop(const char *url, apr_uint64_t mine, int failed)
{
    apr_uint32_t h;
    volatile apr_uint64_t *slot = slot_in(host->lease, url, &h);

    if (failed) {
        apr_atomic_set64(slot_in(host->failed, url, &h),
                         (apr_uint64_t)h << 32 | tick_of(apr_time_now()));
    }
    apr_atomic_cas64(slot, 0, mine);    /* unless it ran out and another child took it */
}

/* Whether a child's fetch of url failed at or after since. */
static int failed_since(const char *url, apr_time_t since)
{
    apr_uint32_t h;
    apr_uint64_t v = apr_atomic_read64(slot_in(host->failed, url, &h));

    return (apr_uint32_t)(v >> 32) == h
           && (apr_int32_t)((apr_uint32_t)v - tick_of(since)) >= 0;
}

/* The shared key set of e, if one fetched after since is there and not yet
 * due for refresh. */
static apr_hash_t *shared_keys(entry_t *e, apr_pool_t *kp, apr_time_t since,
                               shared_head_t *head)
{
    unsigned int len = sizeof(*head) + SHARED_MAX;
    apr_hash_t *keys = NULL;
    unsigned char *buf;
    apr_pool_t *tp;

    if (shared == NULL || apr_pool_create(&tp, kp) != APR_SUCCESS) {
        return NULL;
    }
    buf = apr_palloc(tp, len);
    if (gh_socache_get(shared, e->server, e->url, buf, &len, tp) == APR_SUCCESS
        && len > sizeof(*head)) {
        memcpy(head, buf, sizeof(*head));
        if (head->fetched_at > since && head->expires_at - REFRESH_MARGIN > apr_time_now()) {
            keys = parse_keys(kp, (const char *)buf + sizeof(*head), len - sizeof(*head));
        }
    }
    apr_pool_destroy(tp);
    return keys;
}

static void share(entry_t *e, apr_pool_t *kp, const shared_head_t *head, const char *doc,
                  apr_size_t len)
{
    unsigned char *buf;
    apr_status_t rv;

    if (shared == NULL || len > SHARED_MAX) {
        return;
    }
    buf = apr_palloc(kp, sizeof(*head) + len);
    memcpy(buf, head, sizeof(*head));
    memcpy(buf + sizeof(*head), doc, len);
    rv = gh_socache_put(shared, e->server, e->url, head->expires_at, buf,
                        (unsigned int)(sizeof(*head) + len), kp);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, rv, e->server, "signing keys from %s: not "
                     "shared (GameHoneyJWKSCache)", e->url);
    }
}

/* Fetches e's document from the network and shares it. */
static apr_hash_t *fetch(entry_t *e, apr_pool_t *kp, shared_head_t *head, const char **why)
{
    gh_curl_request_t req = { .method = "GET", .url = e->url, .provider = e->provider,
                              .retry = GH_CURL_RETRY };
    gh_curl_response_t resp;
    apr_hash_t *keys = NULL;
    gh_curl_result_e rc;

    rc = gh_curl_fetch(kp, e->server, &req, &resp, why);
    if (rc == GH_CURL_OK && resp.status != 200) {
        *why = apr_psprintf(kp, "HTTP %ld", resp.status);
    }
    else if (rc == GH_CURL_OK && (keys = parse_keys(kp, resp.body, resp.len)) == NULL) {
        *why = "no usable RSA key in the document";
    }
    if (keys) {
        head->fetched_at = apr_time_now();
        head->expires_at = head->fetched_at + apr_time_from_sec(max_age(resp.cache_control));
        share(e, kp, head, resp.body, resp.len);
        gh_metrics_jwks_fetched(e->provider);
    }
    return keys;
}

/* A key set for e fetched after since: another child's from the shared
 * cache, or this child's own fetch when none is there and no other child
 * of the host is fetching it; *fetched says which. While one is, waits for
 * its document, and gives up if that fetch fails. */
static apr_hash_t *obtain(entry_t *e, apr_pool_t *kp, apr_time_t since, shared_head_t *head,
                          int *fetched, const char **why)
{
    const gh_server_conf_t *sc = gh_server_conf(e->server);
    apr_time_t start = apr_time_now();
    apr_time_t until = start + apr_time_from_sec(1)
                     + apr_time_from_msec(sc->http_timeout_ms);
    apr_uint64_t lease = 0;
    apr_hash_t *keys;

    *fetched = 0;
    while ((keys = shared_keys(e, kp, since, head)) == NULL && host
           && (lease = lease_take(e->url, until)) == 0 && apr_time_now() < until) {
        if (failed_since(e->url, start)) {
            *why = "another child's fetch failed just now";
            return NULL;
        }
        apr_sleep(TICK);
    }
    if (lease && (keys = shared_keys(e, kp, since, head)) != NULL) {
        lease_drop(e->url, lease, 0);       /* stored between the look and the lease */
    }
    if (keys) {
        return keys;
    }
    *fetched = 1;
    keys = fetch(e, kp, head, why);
    if (lease) {
        lease_drop(e->url, lease, keys == NULL);
    }
    return keys;
}

/* Gets an entry's keys (obtain); called with the lock held, returns with
 * it held, and lets it go while it waits. fresh: for an unknown kid, only
 * a set fetched from now on will do; otherwise any newer than this
 * child's. */
static void refresh(entry_t *e, int fresh)
{
    apr_pool_t *kp = NULL;
    apr_hash_t *keys = NULL;
    shared_head_t head;
    const char *why = NULL;
    apr_time_t since;
    int fetched;

    e->fetching = 1;
    e->last_attempt = apr_time_now();
    since = fresh ? e->last_attempt : e->fetched_at;
    apr_thread_mutex_unlock(cache.lock);

    apr_pool_create_unmanaged_ex(&kp, NULL, NULL);
    keys = obtain(e, kp, since, &head, &fetched, &why);
    if (keys == NULL) {
        ap_log_error(APLOG_MARK, fetched ? APLOG_ERR : APLOG_INFO, 0, e->server,
                     "signing keys from %s: %s", e->url, why);
    }

    apr_thread_mutex_lock(cache.lock);
    if (keys) {
        apr_pool_t *old = e->keys_pool;
        for (apr_hash_index_t *hi = apr_hash_first(kp, keys); hi && e->keys;
             hi = apr_hash_next(hi)) {
            const char *kid = apr_hash_this_key(hi);
            if (apr_hash_get(e->keys, kid, APR_HASH_KEY_STRING) == NULL) {
                tell_found(e->url, kid);    /* published since this child's last look */
            }
        }
        e->keys_pool = kp;
        e->keys = keys;
        e->fetched_at = head.fetched_at;
        e->expires_at = head.expires_at;
        kp = old;
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, e->server, "signing keys from %s: %u keys, "
                     "%s", e->url, apr_hash_count(keys),
                     fetched ? "fetched" : "shared by another child");
    }
    if (kp) {
        apr_pool_destroy(kp);     /* the old set, or a failed attempt */
    }
    e->fetching = 0;
    apr_thread_cond_broadcast(cache.changed);
}

/* When the refresher gets e next: before its set runs out, or 10 s after
 * a failed try (a set past due is kept meanwhile, and not fetched in a
 * loop). */
static apr_time_t due_of(const entry_t *e)
{
    apr_time_t refresh_at = e->keys ? e->expires_at - REFRESH_MARGIN : 0;

    return refresh_at > e->last_attempt ? refresh_at : e->last_attempt + RETRY_AFTER_FAILURE;
}

static void *APR_THREAD_FUNC refresher(apr_thread_t *thread, void *unused)
{
    (void)unused;
    apr_thread_mutex_lock(cache.lock);
    while (!cache.stop) {
        apr_time_t now = apr_time_now(), wake = now + apr_time_from_sec(3600);

        for (apr_hash_index_t *hi = apr_hash_first(NULL, cache.entries); hi;
             hi = apr_hash_next(hi)) {
            entry_t *e = apr_hash_this_val(hi);
            apr_time_t due = due_of(e);

            if (e->fetching) {
                continue;           /* a request's fetch; its end signals `changed` */
            }
            if (due <= now) {
                refresh(e, 0);
                due = due_of(e);
                now = apr_time_now();
            }
            if (due < wake) {
                wake = due;
            }
            if (cache.stop) {
                break;
            }
        }
        if (!cache.stop && wake > now) {
            apr_thread_cond_timedwait(cache.changed, cache.lock, wake - now);
        }
    }
    apr_thread_mutex_unlock(cache.lock);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static apr_status_t stop_refresher(void *unused)
{
    apr_status_t rv;

    (void)unused;
    apr_thread_mutex_lock(cache.lock);
    cache.stop = 1;
    apr_thread_cond_broadcast(cache.changed);
    apr_thread_mutex_unlock(cache.lock);
    apr_thread_join(&rv, cache.thread);
    for (apr_hash_index_t *hi = apr_hash_first(NULL, cache.entries); hi; hi = apr_hash_next(hi)) {
        entry_t *e = apr_hash_this_val(hi);
        if (e->keys_pool) {
            apr_pool_destroy(e->keys_pool);
        }
    }
    return APR_SUCCESS;
}

void gh_jwks_watch(apr_pool_t *pchild, server_rec *s, const char *url, gh_upstream_e provider)
{
    entry_t *e;

    if (cache.entries == NULL) {
        cache.entries = apr_hash_make(pchild);
        apr_thread_mutex_create(&cache.lock, APR_THREAD_MUTEX_DEFAULT, pchild);
        apr_thread_cond_create(&cache.changed, pchild);
    }
    if (url == NULL || apr_hash_get(cache.entries, url, APR_HASH_KEY_STRING)) {
        return;
    }
    e = apr_pcalloc(pchild, sizeof(*e));
    e->url = url;
    e->server = s;
    e->provider = provider;
    apr_hash_set(cache.entries, url, APR_HASH_KEY_STRING, e);
}

void gh_jwks_start(apr_pool_t *pchild, server_rec *s)
{
    if (shared) {
        gh_socache_child_init(shared, pchild, s);
    }
    if (cache.entries == NULL || apr_hash_count(cache.entries) == 0) {
        return;
    }
    if (apr_thread_create(&cache.thread, NULL, refresher, NULL, pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "cannot start the signing-key refresher");
        return;
    }
    /* before pchild's subpools (the thread's own among them) are destroyed */
    apr_pool_pre_cleanup_register(pchild, NULL, stop_refresher);
}

gh_jwks_result_e gh_jwks_key(request_rec *r, const char *url, const char *kid, EVP_PKEY **key)
{
    entry_t *e;
    gh_jwks_result_e result;

    *key = NULL;
    if (cache.entries == NULL
        || (e = apr_hash_get(cache.entries, url, APR_HASH_KEY_STRING)) == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "no signing-key cache for %s", url);
        return GH_JWKS_UNAVAILABLE;
    }
    apr_thread_mutex_lock(cache.lock);
    for (int tries = 0; tries < 2; tries++) {
        EVP_PKEY *k = e->keys && kid ? apr_hash_get(e->keys, kid, APR_HASH_KEY_STRING) : NULL;
        apr_time_t now = apr_time_now();

        while (e->fetching && k == NULL) {
            apr_thread_cond_wait(cache.changed, cache.lock);
            k = e->keys && kid ? apr_hash_get(e->keys, kid, APR_HASH_KEY_STRING) : NULL;
        }
        if (k) {
            EVP_PKEY_up_ref(k);
            *key = k;
            break;
        }
        /* cold: now; another child found the kid: its set; warm but the kid
           is new: a fetch, once per window per host */
        if (tries == 0 && e->keys == NULL
            && (now - e->last_attempt >= RETRY_AFTER_FAILURE || !e->last_attempt)) {
            refresh(e, 0);
        }
        else if (tries == 0 && e->keys && kid && found_since(e->url, kid, e->last_attempt)) {
            refresh(e, 0);
        }
        else if (tries == 0 && e->keys && claim_unknown_kid_fetch(e->url)) {
            refresh(e, 1);
        }
        else {
            break;
        }
    }
    result = *key ? GH_JWKS_FOUND : e->keys ? GH_JWKS_UNKNOWN_KID : GH_JWKS_UNAVAILABLE;
    apr_thread_mutex_unlock(cache.lock);
    return result;
}
