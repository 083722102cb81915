/* Counters and histograms for /metrics (Prometheus text) and
 * /server-status, kept in one anonymous shared memory segment that every
 * child inherits and updates with atomics: no lock on the request path.
 * The segment is retained across graceful restarts (ap_retained_data), so
 * the figures survive them; a full stop and start resets them. */
#ifndef GH_METRICS_H
#define GH_METRICS_H

#include "httpd.h"

#include "gh_area.h"

/* Outbound services, the provider label of the upstream figures. */
typedef enum {
    GH_UPSTREAM_OTHER = 0,       /* a request that names none */
    GH_UPSTREAM_GOOGLE,
    GH_UPSTREAM_GOOGLE_JWKS,
    GH_UPSTREAM_COGNITO,
    GH_UPSTREAM_COGNITO_JWKS,
    GH_UPSTREAM_TOSS_LOGIN,
    GH_UPSTREAM_TOSS_PAYMENTS,
    GH_UPSTREAM_PAYACTION,
    GH_UPSTREAM_COUNT
} gh_upstream_e;

typedef enum {
    GH_OUTCOME_OK = 0,           /* HTTP 1xx-3xx */
    GH_OUTCOME_HTTP_4XX,
    GH_OUTCOME_HTTP_5XX,
    GH_OUTCOME_TIMEOUT,
    GH_OUTCOME_UNAVAILABLE,      /* refused, DNS, TLS handshake */
    GH_OUTCOME_BAD_ANSWER,       /* too large, broken transfer */
    GH_OUTCOME_COUNT
} gh_outcome_e;

typedef enum {
    GH_DB_ERROR_CONFLICT = 0,    /* unique violation */
    GH_DB_ERROR_LOST,            /* the connection went away */
    GH_DB_ERROR_OTHER,
    GH_DB_ERROR_COUNT
} gh_db_error_e;

typedef enum {
    GH_REFUSAL_AUTH_FAILURES = 0,    /* GameHoneyAuthFailLimit */
    GH_REFUSAL_REQUESTS,             /* GameHoneyRequestLimit */
    GH_REFUSAL_COUNT
} gh_refusal_e;

/* post_config (real pass): sizes the request figures from the areas'
 * route tables and creates the segment, or takes the retained one when
 * the tables are the same as the last generation's. */
int gh_metrics_post_config(apr_pool_t *pconf, server_rec *s, const gh_area_t *const *areas);

/* Non-zero once the segment exists (post_config's real pass). */
int gh_metrics_ready(void);

/* Counts one request of areas[area] (as given to post_config) on its
 * route (an index of the area's table, or -1: unmatched) by status class,
 * with its duration since `started`. */
void gh_metrics_request(int area, int route, int status, apr_time_t started);

/* mod_status hook: the same figures in /server-status (and ?auto). */
int gh_metrics_status(request_rec *r, int flags);

/* Writes the Prometheus text exposition (version 0.0.4) as r's answer;
 * call only when gh_metrics_ready(). */
int gh_metrics_send(request_rec *r);

/* One line at each instrumented site. Each is a no-op without a segment. */
void gh_metrics_upstream(gh_upstream_e provider, gh_outcome_e outcome,
                         apr_interval_time_t took);
void gh_metrics_jwks_fetched(gh_upstream_e provider);
void gh_metrics_db_acquire(apr_interval_time_t waited, int ok);
void gh_metrics_db_error(gh_db_error_e kind);
void gh_metrics_batch(int items);
void gh_metrics_chat_sockets(int delta);
void gh_metrics_chat_lag(apr_interval_time_t lag);
void gh_metrics_chat_dropped(void);
void gh_metrics_refusal(gh_refusal_e kind);

#endif
