/* libcurl with every limit set on every call: a failing upstream costs at
 * most GameHoneyHTTPTimeout and never more than GameHoneyHTTPMaxResponse. */
#include <string.h>

#include <curl/curl.h>

#include "apr_strings.h"
#include "apr_thread_proc.h"
#include "http_core.h"

#include "gh_config.h"
#include "gh_curl.h"

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

typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap, max;
    int too_large;
    const char *cache_control;
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

static size_t on_header(char *data, size_t size, size_t nmemb, void *baton)
{
    sink_t *k = baton;
    apr_size_t n = size * nmemb;
    static const char name[] = "cache-control:";

    if (n > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        const char *v = data + sizeof(name) - 1;
        apr_size_t vlen = n - (sizeof(name) - 1);
        while (vlen && (*v == ' ' || *v == '\t')) {
            v++;
            vlen--;
        }
        while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' ')) {
            vlen--;
        }
        k->cache_control = apr_pstrmemdup(k->p, v, vlen);
    }
    return n;
}

static apr_status_t free_slist(void *list)
{
    curl_slist_free_all(list);
    return APR_SUCCESS;
}

static gh_curl_result_e perform(apr_pool_t *p, server_rec *s, const gh_curl_request_t *req,
                                gh_curl_response_t *resp, const char **why)
{
    const gh_server_conf_t *sc = gh_server_conf(s);
    struct curl_slist *headers = NULL;
    sink_t sink;
    CURL *h;
    CURLcode rc;

    memset(resp, 0, sizeof(*resp));
    memset(&sink, 0, sizeof(sink));
    sink.p = p;
    sink.max = (apr_size_t)sc->http_max_response;
    if ((h = thread_handle(p)) == NULL) {
        *why = "cannot create a libcurl handle";
        return GH_CURL_UNREACHABLE;
    }
    curl_easy_reset(h);
    for (const char *const *line = req->headers; line && *line; line++) {
        headers = curl_slist_append(headers, *line);
    }
    headers = curl_slist_append(headers, "Expect:");     /* no 100-continue round trip */
    apr_pool_cleanup_register(p, headers, free_slist, apr_pool_cleanup_null);

    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)sc->http_connect_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     (long)sc->http_timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink.max);
    if (sc->http_ca_file) {
        curl_easy_setopt(h, CURLOPT_CAINFO, sc->http_ca_file);
    }
    if (req->fresh) {
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    }
    if (req->client_cert) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, req->client_cert);
        curl_easy_setopt(h, CURLOPT_SSLKEY, req->client_key);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
    if (strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }

    rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);   /* the list dies with p */
    if (rc != CURLE_OK) {
        *why = sink.too_large ? "the response is too large" : curl_easy_strerror(rc);
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
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
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
