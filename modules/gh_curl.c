/* libcurl with every limit set on every call: a failing upstream costs at
 * most GameHoneyHTTPTimeout, all tries together, and never more than
 * GameHoneyHTTPMaxResponse. */
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "apr_strings.h"
#include "apr_thread_proc.h"
#include "http_core.h"

#include "gh_config.h"
#include "gh_curl.h"
#include "gh_retry.h"

/* One handle per thread: its connection and DNS caches stay warm. The
 * thread-private key's destructor frees it when its thread exits (worker
 * threads when their child exits, the JWKS refresher when it stops). */
static apr_threadkey_t *handle_key;

int gh_curl_post_config(server_rec *s)
{
    static int initialised;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG || initialised) {
        return OK;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "libcurl cannot be initialised");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    initialised = 1;
    return OK;
}

static void free_handle(void *h)
{
    curl_easy_cleanup(h);
}

static apr_status_t cleanup_handle(void *h)
{
    free_handle(h);
    return APR_SUCCESS;
}

void gh_curl_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv = apr_threadkey_private_create(&handle_key, free_handle, pchild);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "no thread-private libcurl handles: each call makes its own");
        handle_key = NULL;
    }
}

/* This thread's handle, made on first use; without a key (it could not
 * be made, or a call before child_init) one for this call only, freed
 * with p. */
static CURL *thread_handle(apr_pool_t *p)
{
    void *h = NULL;

    if (handle_key && apr_threadkey_private_get(&h, handle_key) == APR_SUCCESS && h) {
        return h;
    }
    if ((h = curl_easy_init()) == NULL) {
        return NULL;
    }
    if (handle_key == NULL || apr_threadkey_private_set(h, handle_key) != APR_SUCCESS) {
        apr_pool_cleanup_register(p, h, cleanup_handle, apr_pool_cleanup_null);
    }
    return h;
}

#define USER_AGENT     "mod_gamehoney/" GH_VERSION

typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap, max;
    int too_large;
    const char *cache_control;
    const char *retry_after;
} sink_t;

static size_t on_body(char *data, size_t size, size_t nmemb, void *baton)
{
    sink_t *k = baton;
    apr_size_t n = size * nmemb;

    if (k->len + n > k->max) {
        k->too_large = 1;
        return 0;                   /* abort the transfer */
    }
    if (k->len + n + 1 > k->cap) {
        apr_size_t cap = k->cap ? k->cap : 4096;
        char *grown;
        while (cap < k->len + n + 1) {
            cap *= 2;
        }
        grown = apr_palloc(k->p, cap);
        if (k->len) {
            memcpy(grown, k->buf, k->len);
        }
        k->buf = grown;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, data, n);
    k->len += n;
    return n;
}

/* The trimmed value of the header line data[0..n) if it is name's. */
static const char *header_value(apr_pool_t *p, const char *data, apr_size_t n,
                                const char *name)
{
    apr_size_t len = strlen(name);
    const char *v = data + len + 1;

    if (n <= len || strncasecmp(data, name, len) != 0 || data[len] != ':') {
        return NULL;
    }
    n -= len + 1;
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ')) {
        n--;
    }
    return apr_pstrmemdup(p, v, n);
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *baton)
{
    sink_t *k = baton;
    apr_size_t n = size * nmemb;
    const char *v;

    if ((v = header_value(k->p, data, n, "cache-control")) != NULL) {
        k->cache_control = v;
    }
    else if ((v = header_value(k->p, data, n, "retry-after")) != NULL) {
        k->retry_after = v;
    }
    return n;
}

static apr_status_t free_slist(void *list)
{
    curl_slist_free_all(list);
    return APR_SUCCESS;
}

/* req's header lines, freed with p; NULL when libcurl could not take one. */
static struct curl_slist *header_list(apr_pool_t *p, const gh_curl_request_t *req)
{
    static const char *const ours[] = { "Expect:", NULL };  /* no 100-continue round trip */
    const char *const *sets[] = { req->headers, ours };
    struct curl_slist *list = NULL, *grown;

    for (int i = 0; i < 2; i++) {
        for (const char *const *line = sets[i]; line && *line; line++) {
            if ((grown = curl_slist_append(list, *line)) == NULL) {
                curl_slist_free_all(list);
                return NULL;
            }
            list = grown;
        }
    }
    apr_pool_cleanup_register(p, list, free_slist, apr_pool_cleanup_null);
    return list;
}

/* Sets one option. The first that libcurl refuses stops the setup (rc
 * and *what say which), so a call is never sent half configured. */
#define SET(opt, val)                                                          \
    do {                                                                       \
        if (rc == CURLE_OK && (rc = curl_easy_setopt(h, opt, val)) != CURLE_OK) { \
            *what = #opt;                                                      \
        }                                                                      \
    } while (0)

/* Everything but the timeouts, which each try sets from what is left. */
static CURLcode configure(CURL *h, const gh_server_conf_t *sc, const gh_curl_request_t *req,
                          struct curl_slist *headers, sink_t *sink, char *errbuf,
                          const char **what)
{
    CURLcode rc = CURLE_OK;

    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_USERAGENT, USER_AGENT);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink->max);
    if (sc->http_ca_file) {
        SET(CURLOPT_CAINFO, sc->http_ca_file);
        SET(CURLOPT_PROXY_CAINFO, sc->http_ca_file);
    }
    /* unset: libcurl's own https_proxy, http_proxy and NO_PROXY variables */
    if (sc->http_proxy) {
        SET(CURLOPT_PROXY, sc->http_proxy);
    }
    if (sc->http_no_proxy) {
        SET(CURLOPT_NOPROXY, sc->http_no_proxy);
    }
    SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);   /* a proxy's headers are not the answer's */
    if (req->fresh) {
        SET(CURLOPT_FRESH_CONNECT, 1L);
    }
    if (req->client_cert) {
        SET(CURLOPT_SSLCERT, req->client_cert);
        SET(CURLOPT_SSLKEY, req->client_key);
    }
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, sink);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, sink);
    if (strcmp(req->method, "POST") == 0) {
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    return rc;
}

/* One try with the budget left; the sink starts empty. */
static CURLcode try_once(CURL *h, const gh_server_conf_t *sc, sink_t *sink, char *errbuf,
                         apr_interval_time_t left, const char **what)
{
    long ms = (long)apr_time_as_msec(left);
    long connect = sc->http_connect_ms;
    CURLcode rc = CURLE_OK;

    sink->buf = NULL;
    sink->len = sink->cap = 0;
    sink->too_large = 0;
    sink->cache_control = sink->retry_after = NULL;
    errbuf[0] = '\0';
    ms = ms > 1 ? ms : 1;
    SET(CURLOPT_TIMEOUT_MS, ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, connect < ms ? connect : ms);
    return rc == CURLE_OK ? curl_easy_perform(h) : rc;
}

#undef SET

/* How a try that libcurl failed ended, for the retry policy: dropped by
 * the network or the upstream (another try may not meet that), or for
 * good (a refused certificate, a bad URL, a too-large answer). */
static gh_try_e lost_or_failed(CURLcode rc, const sink_t *k)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:   /* the connect timed out with budget left */
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return k->too_large ? GH_TRY_FAILED : GH_TRY_LOST;
    default:
        return GH_TRY_FAILED;
    }
}

/* The wait before another try (gh_retry_wait), or -1. */
static apr_interval_time_t retry_wait(CURLcode rc, long status, const sink_t *k, int n,
                                      apr_interval_time_t left)
{
    apr_uint32_t random = 0;

    (void)apr_generate_random_bytes((unsigned char *)&random, sizeof(random));
    return gh_retry_wait(rc == CURLE_OK ? GH_TRY_ANSWERED : lost_or_failed(rc, k), status,
                         k->retry_after, n, left, random, apr_time_now());
}

/* req's URL without its query, for the log. */
static const char *loggable_url(apr_pool_t *p, const char *url)
{
    const char *q = strchr(url, '?');
    return q ? apr_pstrmemdup(p, url, q - url) : url;
}

static gh_curl_result_e failed(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return GH_CURL_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SEND_ERROR:
        return GH_CURL_UNREACHABLE;
    default:
        return GH_CURL_BAD_RESPONSE;
    }
}

static gh_curl_result_e perform(apr_pool_t *p, server_rec *s, const gh_curl_request_t *req,
                                gh_curl_response_t *resp, const char **why)
{
    const gh_server_conf_t *sc = gh_server_conf(s);
    apr_time_t deadline = apr_time_now()
                        + apr_time_from_msec(sc->http_timeout_ms);
    int tries = 0;
    int max_tries = req->retry == GH_CURL_RETRY && !req->fresh ? GH_RETRY_MAX_TRIES : 1;
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *headers;
    const char *what = NULL;
    apr_interval_time_t wait;
    sink_t sink;
    CURLcode rc;
    CURL *h;

    memset(resp, 0, sizeof(*resp));
    memset(&sink, 0, sizeof(sink));
    sink.p = p;
    sink.max = (apr_size_t)sc->http_max_response;
    if ((h = thread_handle(p)) == NULL) {
        *why = "cannot create a libcurl handle";
        return GH_CURL_UNREACHABLE;
    }
    if ((headers = header_list(p, req)) == NULL) {
        *why = "libcurl cannot take the request's headers";
        return GH_CURL_UNREACHABLE;
    }
    curl_easy_reset(h);
    if ((rc = configure(h, sc, req, headers, &sink, errbuf, &what)) == CURLE_OK) {
        for (;;) {
            rc = try_once(h, sc, &sink, errbuf, deadline - apr_time_now(), &what);
            resp->status = 0;
            if (rc == CURLE_OK) {
                curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
            }
            if (what != NULL || ++tries >= max_tries
                || (wait = retry_wait(rc, resp->status, &sink, tries,
                                      deadline - apr_time_now())) < 0) {
                break;
            }
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "%s %s: try %d of %d: %s; again in %"
                         APR_TIME_T_FMT " ms", req->method, loggable_url(p, req->url), tries,
                         max_tries, rc == CURLE_OK ? apr_psprintf(p, "HTTP %ld", resp->status)
                         : errbuf[0] ? errbuf : curl_easy_strerror(rc), apr_time_as_msec(wait));
            apr_sleep(wait);
        }
    }
    curl_easy_reset(h);     /* nothing left pointing into p or this frame */
    if (what != NULL) {
        *why = apr_psprintf(p, "libcurl refused %s (%s); the call was not sent", what,
                            curl_easy_strerror(rc));
        return GH_CURL_UNREACHABLE;
    }
    if (rc != CURLE_OK) {
        *why = sink.too_large ? "the response is too large"
             : errbuf[0] ? apr_pstrdup(p, errbuf) : curl_easy_strerror(rc);
        if (tries > 1) {
            *why = apr_psprintf(p, "%s (%d tries)", *why, tries);
        }
        return failed(rc);
    }
    resp->body = sink.buf ? sink.buf : "";
    if (sink.buf) {
        sink.buf[sink.len] = '\0';
    }
    resp->len = sink.len;
    resp->cache_control = sink.cache_control;
    return GH_CURL_OK;
}

static gh_outcome_e outcome(gh_curl_result_e rc, long status)
{
    switch (rc) {
    case GH_CURL_OK:
        return status >= 500 ? GH_OUTCOME_HTTP_5XX
             : status >= 400 ? GH_OUTCOME_HTTP_4XX : GH_OUTCOME_OK;
    case GH_CURL_TIMEOUT:
        return GH_OUTCOME_TIMEOUT;
    case GH_CURL_UNREACHABLE:
        return GH_OUTCOME_UNAVAILABLE;
    default:
        return GH_OUTCOME_BAD_ANSWER;
    }
}

gh_curl_result_e gh_curl_fetch(apr_pool_t *p, server_rec *s, const gh_curl_request_t *req,
                               gh_curl_response_t *resp, const char **why)
{
    apr_time_t start = apr_time_now();
    gh_curl_result_e rc = perform(p, s, req, resp, why);

    gh_metrics_upstream(req->provider, outcome(rc, resp->status), apr_time_now() - start);
    return rc;
}

gh_result_t gh_curl_fail(request_rec *r, gh_curl_result_e result, const char *service,
                         const char *why)
{
    switch (result) {
    case GH_CURL_TIMEOUT:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "%s call failed: %s", service, why);
        return gh_result(GH_UPSTREAM_TIMEOUT, service,
                         apr_pstrcat(r->pool, service, " did not answer in time.", NULL));
    case GH_CURL_UNREACHABLE:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "%s call failed: %s", service, why);
        return gh_result(GH_UPSTREAM_DOWN, service,
                         apr_pstrcat(r->pool, service, " cannot be reached.", NULL));
    default:
        return gh_upstream_bad(r, service, why);
    }
}

gh_result_t gh_upstream_bad(request_rec *r, const char *service, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "%s answered unexpectedly: %s", service, why);
    return gh_result(GH_UPSTREAM_BAD, service,
                     apr_pstrcat(r->pool, service, " gave an unexpected answer.", NULL));
}
