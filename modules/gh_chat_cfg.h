/* Chat's settings: each child's LISTEN connection, the sockets' timers
 * and limits (per server), and whether a <Location> trusts a gateway's
 * identity. */
#ifndef GH_CHAT_CFG_H
#define GH_CHAT_CFG_H

#include "gh_cfg.h"

#define GH_DEFAULT_CHAT_PING        30
#define GH_DEFAULT_CHAT_IDLE        300
#define GH_DEFAULT_CHAT_MAX_FRAME   65536
#define GH_DEFAULT_CHAT_MAX_MESSAGE 2000
#define GH_DEFAULT_CHAT_QUEUE       256

typedef struct {
    const char *db_params;       /* libpq conninfo of the LISTEN connection */
    int ping;                    /* seconds; defaults applied in post_config */
    int idle;
    int max_frame;               /* bytes */
    int max_message;             /* characters */
    int queue;                   /* messages per socket */
} gh_chat_cfg_t;

typedef struct {
    int gateway;                 /* 1 trust, 0 off, GH_UNSET: off */
} gh_chat_dir_cfg_t;

extern gh_cfg_part_t gh_chat_part, gh_chat_dir_part;
extern const gh_cfg_need_t gh_need_chat;
#define GH_NEED_CHAT (&gh_need_chat)

static APR_INLINE const gh_chat_cfg_t *gh_chat_cfg(server_rec *s)
{
    return gh_cfg_server(s, &gh_chat_part);
}

/* Whether r's <Location> takes chat identity from a gateway. */
static APR_INLINE int gh_chat_gateway_trusted(request_rec *r)
{
    return ((const gh_chat_dir_cfg_t *)gh_cfg_dir(r, &gh_chat_dir_part))->gateway == 1;
}

const char *gh_chat_cfg_set_gateway(cmd_parms *cmd, void *dcv, const char *arg);

#define GH_CHAT_DIRECTIVES \
    GH_CFG_STRING("GameHoneyChatDBParams", gh_chat_part, gh_chat_cfg_t, db_params, \
                  "libpq connection string of each child's chat LISTEN connection"), \
    GH_CFG_TAKE1("GameHoneyChatPing", gh_cfg_set_seconds, gh_chat_part, gh_chat_cfg_t, ping, \
                 RSRC_CONF, "seconds between pings on each chat socket (default 30)"), \
    GH_CFG_TAKE1("GameHoneyChatIdleTimeout", gh_cfg_set_seconds, gh_chat_part, gh_chat_cfg_t, \
                 idle, RSRC_CONF, \
                 "seconds of silence after which a chat socket is closed (default 300)"), \
    GH_CFG_TAKE1("GameHoneyChatMaxFrame", gh_cfg_set_count, gh_chat_part, gh_chat_cfg_t, \
                 max_frame, RSRC_CONF, "largest WebSocket frame or message in bytes; larger " \
                 "closes with 1009 (default 65536)"), \
    GH_CFG_TAKE1("GameHoneyChatMaxMessage", gh_cfg_set_count, gh_chat_part, gh_chat_cfg_t, \
                 max_message, RSRC_CONF, "longest chat message in characters; longer gets an " \
                 "error event (default 2000)"), \
    GH_CFG_TAKE1("GameHoneyChatQueue", gh_cfg_set_count, gh_chat_part, gh_chat_cfg_t, queue, \
                 RSRC_CONF, "messages queued per chat socket; a full queue closes it with " \
                 "1013 (default 256)"), \
    GH_CFG_TAKE1("GameHoneyChatGateway", gh_chat_cfg_set_gateway, gh_chat_dir_part, \
                 gh_chat_dir_cfg_t, gateway, GH_CFG_DIR_SCOPE, \
                 "trust: chat identity from the query (user_id, nickname, email, " \
                 "profile_url), as a gateway sends it; off (default): a bearer token")

#endif
