/* WebSocket (RFC 6455) inside an httpd worker thread, framed by wslay:
 * the handshake, then a loop that owns the connection until it closes.
 * All reads and writes happen on the worker thread that runs gh_ws_run;
 * other threads only call gh_ws_wakeup. One open socket holds one worker
 * thread. */
#ifndef GH_WS_H
#define GH_WS_H

#include "httpd.h"

#include "gh_result.h"

typedef struct gh_ws gh_ws_t;

typedef struct {
    /* A whole text message arrived (fragments reassembled). */
    void (*on_text)(gh_ws_t *ws, const char *msg, apr_size_t len, void *baton);
    /* Called on every turn of the loop: queue what is due with
     * gh_ws_send_text; return a close code to close, else 0. */
    int (*on_turn)(gh_ws_t *ws, void *baton);
} gh_ws_handlers_t;

typedef struct {
    int ping_seconds;
    int idle_seconds;
    apr_size_t max_message;      /* bytes; beyond it, close 1009 */
} gh_ws_limits_t;

/* The one version spoken; a refusal for another names it in
 * Sec-WebSocket-Version (RFC 6455, 4.4). */
#define GH_WS_VERSION "13"

/* The reasons gh_ws_check refuses with. */
#define GH_WS_NOT_UPGRADE   "not_upgrade"     /* not an HTTP/1.1 GET upgrade to websocket */
#define GH_WS_OTHER_VERSION "other_version"   /* a Sec-WebSocket-Version but 13 */
#define GH_WS_BAD_KEY       "bad_key"         /* Sec-WebSocket-Key is not 16 bytes in base64 */

/* Checks r's upgrade request: GH_OK, or GH_BAD_INPUT with one of the
 * reasons above and a message. The caller answers (RFC 6455: 400, or 426
 * with Sec-WebSocket-Version for another version). */
gh_result_t gh_ws_check(request_rec *r);

/* Answers 101 and makes the session. NULL (and a log line) on failure. */
gh_ws_t *gh_ws_upgrade(request_rec *r, const gh_ws_limits_t *limits,
                       const gh_ws_handlers_t *handlers, void *baton);

/* Runs the session until it is closed; then the connection is done. */
void gh_ws_run(gh_ws_t *ws);

/* Queues a text message (the session's thread only). */
void gh_ws_send_text(gh_ws_t *ws, const char *msg, apr_size_t len);

/* Makes gh_ws_run take a turn soon; from any thread. */
void gh_ws_wakeup(gh_ws_t *ws);

/* The request the session runs in. */
request_rec *gh_ws_request(gh_ws_t *ws);

#endif
