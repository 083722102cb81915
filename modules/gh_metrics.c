/* The shared figures: see gh_metrics.h. One fixed-layout segment, whose
 * tail (a latency histogram per area, then a counter per area, route and
 * status class) is sized from the route tables. The segment belongs to
 * the process pool and is found again through ap_retained_data after a
 * graceful restart; only its address and a fingerprint of the tables are
 * kept there, nothing of this DSO, which httpd unloads at every restart.
 * Counters are 64-bit and updated with relaxed atomics; a reader may see
 * one figure a moment ahead of another, which Prometheus tolerates. */
#include <string.h>

#include "ap_mpm.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_protocol.h"
#include "mod_status.h"

#include "gh_metrics.h"
#include "gh_private.h"
#include "gh_prom.h"

#define RETAINED_KEY   "gamehoney-metrics"
#define LAYOUT_VERSION "gamehoney-metrics-1"
#define N_CLASSES      5
#define MAX_BOUNDS     13

typedef struct {
    apr_uint64_t bucket[MAX_BOUNDS + 1];    /* not cumulative; the last is +Inf */
    apr_uint64_t sum;                       /* microseconds, or items */
} hist_t;

typedef struct {
    int n;
    const apr_int64_t *bounds;
    const char *const *le;
    int seconds;                            /* microseconds, shown as seconds */
} scale_t;

static const apr_int64_t time_bounds[MAX_BOUNDS] = {
    1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000, 10000000
};
static const char *const time_le[MAX_BOUNDS] = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
    "1", "2.5", "5", "10"
};
static const scale_t time_scale = { MAX_BOUNDS, time_bounds, time_le, 1 };

static const apr_int64_t size_bounds[] = { 1, 2, 4, 8, 16, 32, 64 };
static const char *const size_le[] = { "1", "2", "4", "8", "16", "32", "64" };
static const scale_t size_scale = { 7, size_bounds, size_le, 0 };

typedef struct {
    apr_uint64_t layout;                    /* fingerprint of what follows */
    apr_int64_t started;                    /* when the figures began */
    hist_t db_wait;
    apr_uint64_t db_acquire_failures;
    apr_uint64_t db_errors[GH_DB_ERROR_COUNT];
    hist_t batch;
    apr_uint64_t upstream[GH_UPSTREAM_COUNT][GH_OUTCOME_COUNT];
    hist_t upstream_time[GH_UPSTREAM_COUNT];
    apr_int64_t jwks_fetched[GH_UPSTREAM_COUNT];
    apr_int64_t chat_sockets;
    hist_t chat_lag;
    apr_uint64_t chat_dropped;
    apr_uint64_t refusals[GH_REFUSAL_COUNT];
    hist_t area_time[];                     /* per area; then the request counters */
} segment_t;

typedef struct {
    apr_shm_t *shm;                         /* in the process pool */
} retained_t;

/* This generation's view of the segment; children inherit it by fork. */
static struct {
    segment_t *seg;
    apr_uint64_t *requests;                 /* [slot][class] */
    const gh_area_t *const *areas;
    int n_areas;
    int *first_slot;                        /* per area, and one past the last */
    int **route_slot;                       /* per area, per route */
    const char **slot_route;                /* per slot: its pattern, "unmatched" */
} m;

static const char *const class_names[N_CLASSES] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
static const char *const upstream_names[GH_UPSTREAM_COUNT] = {
    "other", "google", "google-jwks", "cognito", "cognito-jwks", "toss-login",
    "toss-payments", "payaction"
};
static const char *const outcome_names[GH_OUTCOME_COUNT] = {
    "ok", "http_4xx", "http_5xx", "timeout", "unavailable", "bad_answer"
};
static const char *const db_error_names[GH_DB_ERROR_COUNT] = { "conflict", "lost", "other" };
static const char *const refusal_names[GH_REFUSAL_COUNT] = { "auth_failures", "requests" };

/* ---- updates ----------------------------------------------------------- */

static void add(apr_uint64_t *c, apr_uint64_t v)
{
    __atomic_fetch_add(c, v, __ATOMIC_RELAXED);
}

static apr_uint64_t get(const apr_uint64_t *c)
{
    return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void observe(hist_t *h, const scale_t *sc, apr_int64_t v)
{
    v = v < 0 ? 0 : v;                      /* the clock stepped back */
    add(&h->bucket[gh_prom_bucket(sc->bounds, sc->n, v)], 1);
    add(&h->sum, (apr_uint64_t)v);
}

void gh_metrics_upstream(gh_upstream_e provider, gh_outcome_e outcome, apr_interval_time_t took)
{
    if (m.seg) {
        add(&m.seg->upstream[provider][outcome], 1);
        observe(&m.seg->upstream_time[provider], &time_scale, took);
    }
}

void gh_metrics_jwks_fetched(gh_upstream_e provider)
{
    apr_int64_t now = apr_time_now(), seen;

    if (m.seg == NULL) {
        return;
    }
    /* the freshest fetch of any child wins */
    seen = __atomic_load_n(&m.seg->jwks_fetched[provider], __ATOMIC_RELAXED);
    while (seen < now
           && !__atomic_compare_exchange_n(&m.seg->jwks_fetched[provider], &seen, now, 1,
                                           __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

void gh_metrics_db_acquire(apr_interval_time_t waited, int ok)
{
    if (m.seg) {
        observe(&m.seg->db_wait, &time_scale, waited);
        if (!ok) {
            add(&m.seg->db_acquire_failures, 1);
        }
    }
}

void gh_metrics_db_error(gh_db_error_e kind)
{
    if (m.seg) {
        add(&m.seg->db_errors[kind], 1);
    }
}

void gh_metrics_batch(int items)
{
    if (m.seg) {
        observe(&m.seg->batch, &size_scale, items);
    }
}

void gh_metrics_chat_sockets(int delta)
{
    if (m.seg) {
        __atomic_fetch_add(&m.seg->chat_sockets, (apr_int64_t)delta, __ATOMIC_RELAXED);
    }
}

void gh_metrics_chat_lag(apr_interval_time_t lag)
{
    if (m.seg) {
        observe(&m.seg->chat_lag, &time_scale, lag);
    }
}

void gh_metrics_chat_dropped(void)
{
    if (m.seg) {
        add(&m.seg->chat_dropped, 1);
    }
}

void gh_metrics_refusal(gh_refusal_e kind)
{
    if (m.seg) {
        add(&m.seg->refusals[kind], 1);
    }
}

int gh_metrics_ready(void)
{
    return m.seg != NULL;
}

void gh_metrics_request(int area, int route, int status, apr_time_t started)
{
    int cls = gh_prom_status_class(status), slot;

    if (m.seg == NULL || cls < 0 || area < 0 || area >= m.n_areas) {
        return;
    }
    slot = route >= 0 ? m.route_slot[area][route] : m.first_slot[area + 1] - 1;
    add(&m.requests[slot * N_CLASSES + cls], 1);
    observe(&m.seg->area_time[area], &time_scale, apr_time_now() - started);
}

/* ---- the segment ------------------------------------------------------- */

static apr_status_t forget(void *unused)
{
    (void)unused;
    memset(&m, 0, sizeof(m));               /* the segment stays retained */
    return APR_SUCCESS;
}

static int count_routes(const gh_route_t *routes)
{
    int n = 0;

    while (routes[n].method) {
        n++;
    }
    return n;
}

/* Gives every distinct pattern of every area a slot, plus one
 * "unmatched" slot per area; returns the number of slots and folds the
 * tables into *layout. */
static int plan_slots(apr_pool_t *pconf, apr_uint64_t *layout)
{
    int slots = 0, most = 0;

    for (int a = 0; a < m.n_areas; a++) {
        most += count_routes(m.areas[a]->routes) + 1;
    }
    m.first_slot = apr_palloc(pconf, sizeof(int) * (m.n_areas + 1));
    m.route_slot = apr_palloc(pconf, sizeof(int *) * m.n_areas);
    m.slot_route = apr_palloc(pconf, sizeof(const char *) * most);
    for (int a = 0; a < m.n_areas; a++) {
        const gh_route_t *routes = m.areas[a]->routes;
        int n = count_routes(routes);

        m.first_slot[a] = slots;
        m.route_slot[a] = apr_palloc(pconf, sizeof(int) * (n + 1));
        *layout = gh_prom_hash(*layout, m.areas[a]->name);
        for (int i = 0; i < n; i++) {
            int same = 0;
            while (strcmp(routes[same].pattern, routes[i].pattern) != 0) {
                same++;
            }
            /* GET and POST /x share a slot: the label is the pattern */
            if (same == i) {
                m.slot_route[slots] = routes[i].pattern;
                m.route_slot[a][i] = slots++;
            }
            else {
                m.route_slot[a][i] = m.route_slot[a][same];
            }
            *layout = gh_prom_hash(gh_prom_hash(*layout, routes[i].method), routes[i].pattern);
        }
        m.slot_route[slots++] = "unmatched";
    }
    m.first_slot[m.n_areas] = slots;
    return slots;
}

int gh_metrics_post_config(apr_pool_t *pconf, server_rec *s, const gh_area_t *const *areas)
{
    apr_uint64_t layout = gh_prom_hash(GH_PROM_HASH_SEED, LAYOUT_VERSION);
    retained_t *kept;
    apr_size_t size;
    apr_status_t rv;
    int slots;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;                          /* the configuration-check pass */
    }
    memset(&m, 0, sizeof(m));
    m.areas = areas;
    while (areas[m.n_areas]) {
        m.n_areas++;
    }
    slots = plan_slots(pconf, &layout);
    size = sizeof(segment_t) + sizeof(hist_t) * m.n_areas
         + sizeof(apr_uint64_t) * (apr_size_t)slots * N_CLASSES;
    layout = gh_prom_hash(layout, apr_psprintf(pconf, "%" APR_SIZE_T_FMT, size));

    if ((kept = ap_retained_data_get(RETAINED_KEY)) == NULL) {
        kept = ap_retained_data_create(RETAINED_KEY, sizeof(*kept));
    }
    if (kept->shm && ((segment_t *)apr_shm_baseaddr_get(kept->shm))->layout != layout) {
        /* a new build with other routes: its figures mean other things */
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     "the route tables changed: the metrics start again");
        apr_shm_destroy(kept->shm);         /* old children keep their mapping */
        kept->shm = NULL;
    }
    if (kept->shm == NULL) {
        segment_t *fresh;
        /* anonymous: children inherit it by fork, and no file is left
         * behind by a crash */
        if ((rv = apr_shm_create(&kept->shm, size, NULL, s->process->pool)) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         "cannot create the metrics shared memory (%" APR_SIZE_T_FMT " bytes)",
                         size);
            kept->shm = NULL;
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        fresh = apr_shm_baseaddr_get(kept->shm);
        memset(fresh, 0, size);
        fresh->layout = layout;
        fresh->started = apr_time_now();
    }
    m.seg = apr_shm_baseaddr_get(kept->shm);
    m.requests = (apr_uint64_t *)&m.seg->area_time[m.n_areas];
    apr_pool_cleanup_register(pconf, NULL, forget, apr_pool_cleanup_null);
    return OK;
}

/* ---- rendering --------------------------------------------------------- */

enum { AS_PROMETHEUS, AS_STATUS_AUTO, AS_STATUS_HTML };

typedef struct {
    request_rec *r;
    int format;
} sink_t;

static void family(sink_t *k, const char *name, const char *type, const char *help)
{
    switch (k->format) {
    case AS_PROMETHEUS:
        ap_rprintf(k->r, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
        break;
    case AS_STATUS_HTML:
        ap_rprintf(k->r, "<tr><th colspan=\"2\" align=\"left\">%s (%s): %s</th></tr>\n",
                   name, type, ap_escape_html(k->r->pool, help));
        break;
    default:
        break;
    }
}

static void sample(sink_t *k, const char *name, const char *labels, const char *value)
{
    const char *key = *labels ? apr_pstrcat(k->r->pool, name, "{", labels, "}", NULL) : name;

    switch (k->format) {
    case AS_PROMETHEUS:
        ap_rprintf(k->r, "%s %s\n", key, value);
        break;
    case AS_STATUS_AUTO:
        ap_rprintf(k->r, "%s: %s\n", key, value);
        break;
    default:
        ap_rprintf(k->r, "<tr><td>%s</td><td>%s</td></tr>\n",
                   ap_escape_html(k->r->pool, key), value);
        break;
    }
}

/* name="value", escaped; joined to more with a comma. */
static const char *label(apr_pool_t *p, const char *more, const char *name, const char *value)
{
    return apr_pstrcat(p, more ? more : "", more ? "," : "", name, "=\"",
                       gh_prom_label(p, value), "\"", NULL);
}

static const char *u64(apr_pool_t *p, apr_uint64_t v)
{
    return apr_psprintf(p, "%" APR_UINT64_T_FMT, v);
}

static const char *seconds(apr_pool_t *p, apr_int64_t us)
{
    return apr_psprintf(p, "%.6f", (double)us / APR_USEC_PER_SEC);
}

static void counter(sink_t *k, const char *name, const char *labels, const apr_uint64_t *c)
{
    sample(k, name, labels ? labels : "", u64(k->r->pool, get(c)));
}

static apr_uint64_t hist_count(const hist_t *h, const scale_t *sc)
{
    apr_uint64_t n = 0;

    for (int i = 0; i <= sc->n; i++) {
        n += get(&h->bucket[i]);
    }
    return n;
}

/* _bucket (cumulative), _sum and _count; _count is the +Inf bucket, so
 * the two always agree. */
static void histogram(sink_t *k, const char *name, const char *labels, const hist_t *h,
                      const scale_t *sc)
{
    apr_pool_t *p = k->r->pool;
    const char *bucket = apr_pstrcat(p, name, "_bucket", NULL);
    apr_uint64_t n = 0, sum = get(&h->sum);

    for (int i = 0; i <= sc->n; i++) {
        n += get(&h->bucket[i]);
        sample(k, bucket, label(p, labels, "le", i < sc->n ? sc->le[i] : "+Inf"), u64(p, n));
    }
    sample(k, apr_pstrcat(p, name, "_sum", NULL), labels ? labels : "",
           sc->seconds ? seconds(p, (apr_int64_t)sum) : u64(p, sum));
    sample(k, apr_pstrcat(p, name, "_count", NULL), labels ? labels : "", u64(p, n));
}

static void render_requests(sink_t *k)
{
    apr_pool_t *p = k->r->pool;

    family(k, "gamehoney_requests_total", "counter",
           "Requests by area, route pattern (or unmatched) and status class.");
    for (int a = 0; a < m.n_areas; a++) {
        for (int slot = m.first_slot[a]; slot < m.first_slot[a + 1]; slot++) {
            for (int c = 0; c < N_CLASSES; c++) {
                const apr_uint64_t *v = &m.requests[slot * N_CLASSES + c];
                if (get(v) > 0) {
                    counter(k, "gamehoney_requests_total",
                            label(p, label(p, label(p, NULL, "area", m.areas[a]->name),
                                           "route", m.slot_route[slot]),
                                  "class", class_names[c]), v);
                }
            }
        }
    }
    family(k, "gamehoney_request_duration_seconds", "histogram",
           "Time from the request line to the log line, by area.");
    for (int a = 0; a < m.n_areas; a++) {
        if (hist_count(&m.seg->area_time[a], &time_scale) > 0) {
            histogram(k, "gamehoney_request_duration_seconds",
                      label(p, NULL, "area", m.areas[a]->name), &m.seg->area_time[a],
                      &time_scale);
        }
    }
}

/* Families of one unlabelled series, and of one counter per fixed kind
 * (every kind shown, zero or not). */
static void one_histogram(sink_t *k, const char *name, const char *help, const hist_t *h,
                          const scale_t *sc)
{
    family(k, name, "histogram", help);
    histogram(k, name, NULL, h, sc);
}

static void one_counter(sink_t *k, const char *name, const char *help, const apr_uint64_t *c)
{
    family(k, name, "counter", help);
    counter(k, name, NULL, c);
}

static void by_kind(sink_t *k, const char *name, const char *help, const char *const *kinds,
                    const apr_uint64_t *c, int n)
{
    family(k, name, "counter", help);
    for (int i = 0; i < n; i++) {
        counter(k, name, label(k->r->pool, NULL, "kind", kinds[i]), &c[i]);
    }
}

static void render_database(sink_t *k)
{
    one_histogram(k, "gamehoney_db_acquire_seconds",
                  "Time spent waiting for a pooled mod_dbd connection.", &m.seg->db_wait,
                  &time_scale);
    one_counter(k, "gamehoney_db_acquire_failures_total",
                "Times mod_dbd had no connection to give.", &m.seg->db_acquire_failures);
    by_kind(k, "gamehoney_db_errors_total", "Failed statements by kind.", db_error_names,
            m.seg->db_errors, GH_DB_ERROR_COUNT);
    one_histogram(k, "gamehoney_batch_items",
                  "Items per coalesced statement (unlink callbacks, /me lookups).",
                  &m.seg->batch, &size_scale);
}

static void render_upstreams(sink_t *k)
{
    apr_pool_t *p = k->r->pool;
    apr_time_t now = apr_time_now();

    family(k, "gamehoney_upstream_calls_total", "counter",
           "Outbound calls by provider and outcome.");
    for (int u = 0; u < GH_UPSTREAM_COUNT; u++) {
        for (int o = 0; o < GH_OUTCOME_COUNT; o++) {
            if (get(&m.seg->upstream[u][o]) > 0) {
                counter(k, "gamehoney_upstream_calls_total",
                        label(p, label(p, NULL, "provider", upstream_names[u]),
                              "outcome", outcome_names[o]), &m.seg->upstream[u][o]);
            }
        }
    }
    family(k, "gamehoney_upstream_duration_seconds", "histogram",
           "Duration of outbound calls by provider.");
    for (int u = 0; u < GH_UPSTREAM_COUNT; u++) {
        if (hist_count(&m.seg->upstream_time[u], &time_scale) > 0) {
            histogram(k, "gamehoney_upstream_duration_seconds",
                      label(p, NULL, "provider", upstream_names[u]), &m.seg->upstream_time[u],
                      &time_scale);
        }
    }
    family(k, "gamehoney_jwks_age_seconds", "gauge",
           "Seconds since the freshest successful signing-key fetch of any child.");
    for (int u = 0; u < GH_UPSTREAM_COUNT; u++) {
        apr_int64_t at = __atomic_load_n(&m.seg->jwks_fetched[u], __ATOMIC_RELAXED);
        if (at != 0) {
            sample(k, "gamehoney_jwks_age_seconds", label(p, NULL, "provider", upstream_names[u]),
                   seconds(p, now > at ? now - at : 0));
        }
    }
}

static void render_chat_and_limits(sink_t *k)
{
    apr_pool_t *p = k->r->pool;

    family(k, "gamehoney_chat_sockets_open", "gauge", "Chat WebSockets open in every child.");
    sample(k, "gamehoney_chat_sockets_open", "", apr_psprintf(p, "%" APR_INT64_T_FMT,
           __atomic_load_n(&m.seg->chat_sockets, __ATOMIC_RELAXED)));
    one_histogram(k, "gamehoney_chat_delivery_lag_seconds",
                  "Time from the bus fetching an announced row to a socket sending it.",
                  &m.seg->chat_lag, &time_scale);
    one_counter(k, "gamehoney_chat_events_dropped_total",
                "Events a full socket queue could not take (the socket closes with 1013).",
                &m.seg->chat_dropped);
    by_kind(k, "gamehoney_ratelimit_refusals_total", "429 answers by limit.", refusal_names,
            m.seg->refusals, GH_REFUSAL_COUNT);
    family(k, "gamehoney_metrics_start_time_seconds", "gauge",
           "When these figures began: the last full start, not a graceful restart.");
    sample(k, "gamehoney_metrics_start_time_seconds", "", seconds(p, m.seg->started));
}

static void render(sink_t *k)
{
    render_requests(k);
    render_database(k);
    render_upstreams(k);
    render_chat_and_limits(k);
}

int gh_metrics_send(request_rec *r)
{
    sink_t k = { r, AS_PROMETHEUS };

    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    render(&k);
    return OK;
}

int gh_metrics_status(request_rec *r, int flags)
{
    sink_t k = { r, (flags & AP_STATUS_SHORT) ? AS_STATUS_AUTO : AS_STATUS_HTML };

    if (m.seg == NULL) {
        return OK;
    }
    if (k.format == AS_STATUS_HTML) {
        ap_rputs("<hr />\n<h2>mod_gamehoney</h2>\n<table border=\"0\">\n", r);
    }
    render(&k);
    if (k.format == AS_STATUS_HTML) {
        ap_rputs("</table>\n", r);
    }
    return OK;
}
