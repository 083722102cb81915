/* The WebSocket session loop. Frames go through the connection's own
 * filters (so TLS works too), with mod_reqtimeout and HTTP_IN taken off:
 * reads are non-blocking, and the loop sleeps in a pollset on the socket
 * that other threads can wake. wslay answers pings, reassembles
 * fragments, refuses unmasked client frames (1002) and oversized
 * messages (1009), and does the close handshake; frames its parser
 * refuses outright get their 1002 from fail_protocol. */
#include <stddef.h>   /* first: APR's ring macros then use offsetof, not NULL arithmetic */
#include <string.h>

#include "httpd.h"
#include "apr_poll.h"
#include "apr_strings.h"
#include "http_connection.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_mpm.h"

#include <wslay/wslay.h>

#include "gh_crypto.h"
#include "gh_private.h"
#include "gh_ws.h"

#define TURN_MS     500          /* how often a quiet session checks its timers */
#define READ_CHUNK  8192

struct gh_ws {
    request_rec *r;
    conn_rec *c;
    wslay_event_context_ptr ctx;
    apr_pollset_t *pollset;
    apr_bucket_brigade *in;      /* read but not yet given to wslay */
    apr_bucket_brigade *out;
    gh_ws_limits_t limits;
    const gh_ws_handlers_t *handlers;
    void *baton;
    apr_time_t last_heard;
    apr_time_t next_ping;
    int closing;
    int eof;
};

static int has_token(apr_pool_t *p, const char *list, const char *token)
{
    const char *t;
    while (list && *list && (t = ap_get_token(p, &list, 0)) != NULL) {
        if (strcasecmp(t, token) == 0) {
            return 1;
        }
        while (*list == ',' || *list == ' ' || *list == '\t') {
            list++;
        }
    }
    return 0;
}

gh_result_t gh_ws_check(request_rec *r)
{
    const char *version = apr_table_get(r->headers_in, "Sec-WebSocket-Version");
    const char *key = apr_table_get(r->headers_in, "Sec-WebSocket-Key");
    unsigned char *raw;
    apr_size_t n;

    if (r->method_number != M_GET || r->proto_num < HTTP_VERSION(1, 1)
        || !has_token(r->pool, apr_table_get(r->headers_in, "Upgrade"), "websocket")
        || !has_token(r->pool, apr_table_get(r->headers_in, "Connection"), "upgrade")) {
        return gh_result(GH_BAD_INPUT, GH_WS_NOT_UPGRADE,
                         "This is a WebSocket endpoint: send an HTTP/1.1 GET upgrade.");
    }
    if (version == NULL || strcmp(version, GH_WS_VERSION) != 0) {
        return gh_result(GH_BAD_INPUT, GH_WS_OTHER_VERSION,
                         "Only WebSocket version 13 is spoken here.");
    }
    if (key == NULL || gh_base64_decode(r->pool, key, strlen(key), 0, &raw, &n) != 0
        || n != 16) {
        return gh_result(GH_BAD_INPUT, GH_WS_BAD_KEY,
                         "Sec-WebSocket-Key must be the base64 of 16 bytes.");
    }
    return GH_RESULT_OK;
}

/* ---- wslay's I/O callbacks --------------------------------------------- */

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                       void *user_data)
{
    gh_ws_t *ws = user_data;
    apr_size_t got = len;
    apr_status_t rv;

    (void)flags;
    if (APR_BRIGADE_EMPTY(ws->in)) {
        rv = ap_get_brigade(ws->c->input_filters, ws->in, AP_MODE_READBYTES,
                            APR_NONBLOCK_READ, READ_CHUNK);
        if (APR_STATUS_IS_EAGAIN(rv) || (rv == APR_SUCCESS && APR_BRIGADE_EMPTY(ws->in))) {
            wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
            return -1;
        }
        if (rv != APR_SUCCESS) {
            ws->eof = 1;
            wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
            return -1;
        }
    }
    if (apr_brigade_flatten(ws->in, (char *)buf, &got) != APR_SUCCESS) {
        ws->eof = 1;
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    if (got == 0) {                      /* only an EOS: the client is gone */
        ws->eof = 1;
        apr_brigade_cleanup(ws->in);
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    {
        apr_bucket *rest;
        apr_brigade_partition(ws->in, (apr_off_t)got, &rest);
        while (!APR_BRIGADE_EMPTY(ws->in) && APR_BRIGADE_FIRST(ws->in) != rest) {
            apr_bucket_delete(APR_BRIGADE_FIRST(ws->in));
        }
    }
    ws->last_heard = apr_time_now();
    return (ssize_t)got;
}

/* Writes block on this thread only; a client that stops reading holds
 * its own thread until the server's Timeout, never anyone else's. */
static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *user_data)
{
    gh_ws_t *ws = user_data;

    (void)flags;
    APR_BRIGADE_INSERT_TAIL(ws->out, apr_bucket_transient_create((const char *)data, len,
                                                                 ws->c->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(ws->out, apr_bucket_flush_create(ws->c->bucket_alloc));
    if (ap_pass_brigade(ws->c->output_filters, ws->out) != APR_SUCCESS || ws->c->aborted) {
        apr_brigade_cleanup(ws->out);
        ws->eof = 1;
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    apr_brigade_cleanup(ws->out);
    return (ssize_t)len;
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                   void *user_data)
{
    gh_ws_t *ws = user_data;

    (void)ctx;
    if (arg->opcode == WSLAY_TEXT_FRAME) {
        ws->handlers->on_text(ws, (const char *)arg->msg, arg->msg_length, ws->baton);
    }
    else if (arg->opcode == WSLAY_BINARY_FRAME) {
        wslay_event_queue_close(ws->ctx, WSLAY_CODE_UNSUPPORTED_DATA, NULL, 0);
    }
}

/* ---- the session ------------------------------------------------------- */

static apr_status_t free_context(void *ctx)
{
    wslay_event_context_free(ctx);
    return APR_SUCCESS;
}

gh_ws_t *gh_ws_upgrade(request_rec *r, const gh_ws_limits_t *limits,
                       const gh_ws_handlers_t *handlers, void *baton)
{
    static const struct wslay_event_callbacks callbacks = {
        recv_cb, send_cb, NULL, NULL, NULL, NULL, on_msg
    };
    const char *accept = gh_websocket_accept(r->pool,
                                             apr_table_get(r->headers_in, "Sec-WebSocket-Key"));
    gh_ws_t *ws = apr_pcalloc(r->pool, sizeof(*ws));
    apr_pollfd_t pfd = { 0 };

    ws->r = r;
    ws->c = r->connection;
    ws->limits = *limits;
    ws->handlers = handlers;
    ws->baton = baton;
    if (accept == NULL
        || apr_pollset_create(&ws->pollset, 1, r->pool,
                              APR_POLLSET_WAKEABLE | APR_POLLSET_THREADSAFE) != APR_SUCCESS
        || wslay_event_context_server_init(&ws->ctx, &callbacks, ws) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cannot set up a WebSocket session");
        return NULL;
    }
    apr_pool_cleanup_register(r->pool, ws->ctx, free_context, apr_pool_cleanup_null);
    wslay_event_config_set_max_recv_msg_length(ws->ctx, limits->max_message);
    pfd.desc_type = APR_POLL_SOCKET;
    pfd.desc.s = ap_get_conn_socket(ws->c);
    pfd.reqevents = APR_POLLIN;
    pfd.p = r->pool;
    apr_pollset_add(ws->pollset, &pfd);

    /* frames are not HTTP: no request-body parsing, no header timeouts */
    ap_remove_input_filter_byhandle(r->input_filters, "HTTP_IN");
    ap_remove_input_filter_byhandle(ws->c->input_filters, "reqtimeout");
    ws->in = apr_brigade_create(r->pool, ws->c->bucket_alloc);
    ws->out = apr_brigade_create(r->pool, ws->c->bucket_alloc);

    apr_table_setn(r->headers_out, "Upgrade", "websocket");
    apr_table_setn(r->headers_out, "Connection", "Upgrade");
    apr_table_setn(r->headers_out, "Sec-WebSocket-Accept", accept);
    r->status = HTTP_SWITCHING_PROTOCOLS;
    r->status_line = ap_get_status_line(r->status);
    ap_send_interim_response(r, 1);
    ws->last_heard = apr_time_now();
    ws->next_ping = ws->last_heard + apr_time_from_sec(limits->ping_seconds);
    return ws;
}

void gh_ws_send_text(gh_ws_t *ws, const char *msg, apr_size_t len)
{
    struct wslay_event_msg m = { WSLAY_TEXT_FRAME, (const uint8_t *)msg, len };
    if (!ws->closing) {
        wslay_event_queue_msg(ws->ctx, &m);     /* wslay copies the text */
    }
}

void gh_ws_wakeup(gh_ws_t *ws)
{
    apr_pollset_wakeup(ws->pollset);
}

request_rec *gh_ws_request(gh_ws_t *ws)
{
    return ws->r;
}

static void close_with(gh_ws_t *ws, int code, const char *reason)
{
    if (!ws->closing) {
        ws->closing = 1;
        wslay_event_queue_close(ws->ctx, (uint16_t)code, (const uint8_t *)reason, strlen(reason));
    }
}

/* Timers, shutdown and the owner's turn. */
static void take_turn(gh_ws_t *ws)
{
    apr_time_t now = apr_time_now();
    int state = AP_MPMQ_RUNNING, code;

    if (ap_mpm_query(AP_MPMQ_MPM_STATE, &state) == APR_SUCCESS && state == AP_MPMQ_STOPPING) {
        close_with(ws, WSLAY_CODE_GOING_AWAY, "server restarting");
    }
    if (now - ws->last_heard > apr_time_from_sec(ws->limits.idle_seconds)) {
        close_with(ws, WSLAY_CODE_NORMAL_CLOSURE, "idle");
    }
    if (!ws->closing && (code = ws->handlers->on_turn(ws, ws->baton)) != 0) {
        close_with(ws, code, code == 1013 ? "too slow" : "closing");
    }
    if (!ws->closing && now >= ws->next_ping) {
        struct wslay_event_msg ping = { WSLAY_PING, (const uint8_t *)"gh", 2 };
        wslay_event_queue_msg(ws->ctx, &ping);
        ws->next_ping = now + apr_time_from_sec(ws->limits.ping_seconds);
    }
}

/* A frame wslay's parser refused outright: a control frame over 125
 * bytes or fragmented (RFC 6455 5.5), or a length not in its shortest
 * form. wslay then queues a Close without a code and stops, so the Close
 * 1002 is written here, past wslay (whose output is never mid-frame
 * between calls: send_cb writes whole chunks), and the client gets a few
 * seconds to read it before the connection is closed. */
static void fail_protocol(gh_ws_t *ws)
{
    static const char close_1002[] = { (char)0x88, 0x02, 0x03, (char)0xea };
    apr_time_t until = apr_time_now() + apr_time_from_sec(2);

    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, ws->r, "WebSocket protocol error: closing 1002");
    APR_BRIGADE_INSERT_TAIL(ws->out, apr_bucket_immortal_create(close_1002, sizeof(close_1002),
                                                                ws->c->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(ws->out, apr_bucket_flush_create(ws->c->bucket_alloc));
    if (ap_pass_brigade(ws->c->output_filters, ws->out) != APR_SUCCESS) {
        apr_brigade_cleanup(ws->out);
        return;
    }
    apr_brigade_cleanup(ws->out);
    /* drain what the client still sends, until it closes or time is up,
     * so that the close is not turned into a reset */
    while (apr_time_now() < until) {
        apr_int32_t n;
        const apr_pollfd_t *ready;
        apr_status_t rv;

        apr_brigade_cleanup(ws->in);
        rv = ap_get_brigade(ws->c->input_filters, ws->in, AP_MODE_READBYTES,
                            APR_NONBLOCK_READ, READ_CHUNK);
        if (rv == APR_SUCCESS && !APR_BRIGADE_EMPTY(ws->in)) {
            apr_off_t len = 0;
            apr_brigade_length(ws->in, 1, &len);
            if (len == 0) {
                break;                   /* EOS: the client closed */
            }
            continue;
        }
        if (!APR_STATUS_IS_EAGAIN(rv) && rv != APR_SUCCESS) {
            break;
        }
        apr_pollset_poll(ws->pollset, apr_time_from_msec(TURN_MS), &n, &ready);
    }
    apr_brigade_cleanup(ws->in);
}

void gh_ws_run(gh_ws_t *ws)
{
    apr_time_t closing_since = 0;

    for (;;) {
        apr_int32_t n;
        const apr_pollfd_t *ready;
        int rv;

        take_turn(ws);
        if (wslay_event_want_write(ws->ctx) && wslay_event_send(ws->ctx) != 0) {
            break;
        }
        if ((rv = wslay_event_recv(ws->ctx)) != 0 || ws->eof) {
            /* not our callback's I/O failure: the parser's refusal */
            if (rv == WSLAY_ERR_CALLBACK_FAILURE && !ws->eof
                && !wslay_event_get_close_sent(ws->ctx)) {
                fail_protocol(ws);
            }
            break;
        }
        if (wslay_event_want_write(ws->ctx)) {
            continue;                    /* a pong or a close to answer */
        }
        if (!wslay_event_want_read(ws->ctx)) {
            break;                       /* closed both ways */
        }
        if (ws->closing || wslay_event_get_close_sent(ws->ctx)) {
            /* the peer has a few seconds to answer our close */
            closing_since = closing_since ? closing_since : apr_time_now();
            if (apr_time_now() - closing_since > apr_time_from_sec(5)) {
                break;
            }
        }
        apr_pollset_poll(ws->pollset, apr_time_from_msec(TURN_MS), &n, &ready);
    }
    ws->c->keepalive = AP_CONN_CLOSE;
    ws->c->aborted = 1;              /* nothing after the close frame */
}
