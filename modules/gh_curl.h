/* The one outbound HTTP client (libcurl) for every area: no signals,
 * connect and total timeouts, http/https only, TLS verification on, a cap
 * on the response size, one reusable handle per thread. */
#ifndef GH_CURL_H
#define GH_CURL_H

#include "httpd.h"

#include "gh_metrics.h"
#include "gh_result.h"

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
                                    must not happen to a single-use code */
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

/* Performs req with s's settings. Any HTTP status is GH_CURL_OK; only a
 * transport failure is not. *why says what failed, for the log. */
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
