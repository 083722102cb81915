/* JWKS cache: one entry per document URL, guarded by one mutex. A key
 * set lives in its own pool and is swapped whole on refresh; readers take
 * a reference on the key they use, so a swap never frees a key in use. */
#include <string.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "apr_thread_proc.h"

#include "gh_curl.h"
#include "gh_json.h"
#include "gh_jwks.h"
#include "gh_jwt.h"
#include "gh_private.h"

#define UNKNOWN_KID_REFETCH apr_time_from_sec(60)   /* at most once a minute */
#define RETRY_AFTER_FAILURE apr_time_from_sec(10)
#define DEFAULT_MAX_AGE     3600
#define MAX_MAX_AGE         86400
#define MIN_MAX_AGE         60
#define REFRESH_MARGIN      apr_time_from_sec(30)  /* before max-age runs out */

typedef struct {
    const char *url;
    server_rec *server;          /* whose HTTP settings fetch it */
    gh_upstream_e provider;
    apr_pool_t *keys_pool;       /* unmanaged; holds keys; NULL while cold */
    apr_hash_t *keys;            /* kid -> EVP_PKEY* */
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

/* Fetches an entry's document; called with the lock held, returns with it
 * held, and lets it go while the network is used. */
static void refresh(entry_t *e)
{
    apr_pool_t *kp = NULL;
    gh_curl_request_t req = { .method = "GET", .url = e->url, .provider = e->provider };
    gh_curl_response_t resp;
    apr_hash_t *keys = NULL;
    const char *why = NULL;
    gh_curl_result_e rc;

    e->fetching = 1;
    e->last_attempt = apr_time_now();
    apr_thread_mutex_unlock(cache.lock);

    apr_pool_create_unmanaged_ex(&kp, NULL, NULL);
    rc = gh_curl_fetch(kp, e->server, &req, &resp, &why);
    if (rc == GH_CURL_OK && resp.status != 200) {
        why = apr_psprintf(kp, "HTTP %ld", resp.status);
    }
    else if (rc == GH_CURL_OK && (keys = parse_keys(kp, resp.body, resp.len)) == NULL) {
        why = "no usable RSA key in the document";
    }
    if (keys == NULL) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, e->server, "signing keys from %s: %s",
                     e->url, why);
    }

    apr_thread_mutex_lock(cache.lock);
    if (keys) {
        apr_pool_t *old = e->keys_pool;
        e->keys_pool = kp;
        e->keys = keys;
        e->expires_at = apr_time_now() + apr_time_from_sec(max_age(resp.cache_control));
        kp = old;
        gh_metrics_jwks_fetched(e->provider);
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, e->server, "signing keys from %s: %u keys",
                     e->url, apr_hash_count(keys));
    }
    if (kp) {
        apr_pool_destroy(kp);     /* the old set, or a failed attempt */
    }
    e->fetching = 0;
    apr_thread_cond_broadcast(cache.changed);
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
            apr_time_t due = e->keys ? e->expires_at - REFRESH_MARGIN
                                     : e->last_attempt + RETRY_AFTER_FAILURE;
            if (due <= now && !e->fetching) {
                refresh(e);
                if (!e->keys) {
                    due = e->last_attempt + RETRY_AFTER_FAILURE;
                }
                else {
                    due = e->expires_at - REFRESH_MARGIN;
                }
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
    if (cache.entries == NULL || apr_hash_count(cache.entries) == 0) {
        return;
    }
    if (apr_thread_create(&cache.thread, NULL, refresher, NULL, pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "cannot start the signing-key refresher");
        return;
    }
    apr_pool_cleanup_register(pchild, NULL, stop_refresher, apr_pool_cleanup_null);
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
        /* cold: fetch now; warm but the kid is new: once a minute at most */
        if (tries == 0 && (e->keys == NULL
                           ? now - e->last_attempt >= RETRY_AFTER_FAILURE || !e->last_attempt
                           : now - e->last_attempt >= UNKNOWN_KID_REFETCH)) {
            refresh(e);
        }
        else {
            break;
        }
    }
    result = *key ? GH_JWKS_FOUND : e->keys ? GH_JWKS_UNKNOWN_KID : GH_JWKS_UNAVAILABLE;
    apr_thread_mutex_unlock(cache.lock);
    return result;
}
