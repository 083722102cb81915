/* The one outbound HTTP client (libcurl) for every area: no signals,
 * connect and total timeouts, http/https only, TLS verification on, a cap
 * on the response size, GameHoneyHTTPProxy, a User-Agent naming the
 * module, one reusable handle per thread, and retries only for calls that
 * are safe to send twice. */
#ifndef GH_CURL_H
#define GH_CURL_H

#include "httpd.h"

#include "gh_metrics.h"
#include "gh_result.h"

/* Whether a call may be sent again after a transient failure: a transport
 * failure, 502, 503 or 504, or a 429 or 503 whose Retry-After fits. The
 * tries share the call's total timeout (GameHoneyHTTPTimeout). */
typedef enum {
    GH_CURL_ONCE = 0,            /* changes state and carries no idempotency key */
    GH_CURL_RETRY                /* idempotent (a GET, a read-only POST), or carries
                                    an Idempotency-Key the upstream honours */
} gh_curl_retry_e;

typedef struct {
    const char *method;          /* "GET" or "POST" */
    const char *url;
    const char *body;            /* POST body, may be NULL */
    apr_size_t body_len;
    const char *const *headers;  /* "Name: value" lines, NULL-terminated; may be NULL */
    const char *client_cert;     /* PEM files for mutual TLS; may be NULL */
    const char *client_key;
    int fresh;                   /* a new connection: libcurl silently resends a
                                    request whose reused connection died, which
                                    must not happen to a single-use code; a fresh
                                    call is never retried */
    gh_curl_retry_e retry;       /* each call site says; GH_CURL_ONCE unless set */
    gh_upstream_e provider;      /* whom the call is counted for */
} gh_curl_request_t;

typedef struct {
    long status;                 /* the upstream's HTTP status */
    const char *body;            /* NUL-terminated, in the caller's pool */
    apr_size_t len;
    const char *cache_control;   /* the Cache-Control header, or NULL */
} gh_curl_response_t;

typedef enum {
    GH_CURL_OK = 0,
    GH_CURL_TIMEOUT,
    GH_CURL_UNREACHABLE,         /* refused, DNS, TLS handshake */
    GH_CURL_BAD_RESPONSE         /* too large, broken */
} gh_curl_result_e;

/* post_config, real pass: global libcurl init, once (never cleaned up:
 * re-initialising after a cleanup breaks TLS). */
int gh_curl_post_config(server_rec *s);

/* child_init, before any thread that calls out starts: the thread-private
 * key whose destructor frees each thread's handle when the thread exits. */
void gh_curl_child_init(apr_pool_t *pchild, server_rec *s);

/* Performs req with s's settings, trying again as req->retry allows. Any
 * HTTP status is GH_CURL_OK (the last try's); only a transport failure,
 * or an option libcurl refused (the call is then not sent), is not.
 * *why says what failed, for the log. */
gh_curl_result_e gh_curl_fetch(apr_pool_t *p, server_rec *s, const gh_curl_request_t *req,
                               gh_curl_response_t *resp, const char **why);

/* Logs a transport failure with r and says what it was: GH_UPSTREAM_TIMEOUT,
 * GH_UPSTREAM_DOWN or GH_UPSTREAM_BAD, with the service as the reason and
 * a message naming it. */
gh_result_t gh_curl_fail(request_rec *r, gh_curl_result_e result, const char *service,
                         const char *why);

/* An upstream answered, but not as its API says it would (logged):
 * GH_UPSTREAM_BAD. */
gh_result_t gh_upstream_bad(request_rec *r, const char *service, const char *why);

#endif
