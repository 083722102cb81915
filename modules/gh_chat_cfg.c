/* Chat's settings (gh_chat_cfg.h). */
#include <strings.h>

#include "gh_chat_cfg.h"

#define F(member, kind) GH_CFG_FIELD(gh_chat_cfg_t, member, kind)

static const gh_cfg_field_t fields[] = {
    F(db_params, GH_CFG_PTR), F(ping, GH_CFG_INT), F(idle, GH_CFG_INT),
    F(max_frame, GH_CFG_INT), F(max_message, GH_CFG_INT), F(queue, GH_CFG_INT),
    { NULL, 0, 0 }
};

static const gh_cfg_field_t dir_fields[] = {
    GH_CFG_FIELD(gh_chat_dir_cfg_t, gateway, GH_CFG_INT), { NULL, 0, 0 }
};

#define DEFAULT(field, value) if (c->field == GH_UNSET) c->field = (value)

static int post_config(apr_pool_t *pconf, server_rec *s, void *conf)
{
    gh_chat_cfg_t *c = conf;

    (void)pconf;
    (void)s;
    DEFAULT(ping, GH_DEFAULT_CHAT_PING);
    DEFAULT(idle, GH_DEFAULT_CHAT_IDLE);
    DEFAULT(max_frame, GH_DEFAULT_CHAT_MAX_FRAME);
    DEFAULT(max_message, GH_DEFAULT_CHAT_MAX_MESSAGE);
    DEFAULT(queue, GH_DEFAULT_CHAT_QUEUE);
    return OK;
}

static int ready(const void *conf)
{
    return ((const gh_chat_cfg_t *)conf)->db_params != NULL;
}

const gh_cfg_need_t gh_need_chat = {
    &gh_chat_part, "Chat sockets", "GameHoneyChatDBParams (GAMEHONEY_DBD_PARAMS)", ready, NULL
};

static const gh_cfg_need_t *const needs[] = { &gh_need_chat, NULL };

gh_cfg_part_t gh_chat_part = {
    "chat", 0, sizeof(gh_chat_cfg_t), fields, post_config, needs, 0
};

gh_cfg_part_t gh_chat_dir_part = {
    "chat <Location>", 1, sizeof(gh_chat_dir_cfg_t), dir_fields, NULL, NULL, 0
};

const char *gh_chat_cfg_set_gateway(cmd_parms *cmd, void *dcv, const char *arg)
{
    if (strcasecmp(arg, "trust") == 0 || strcasecmp(arg, "off") == 0) {
        *(int *)gh_cfg_target(cmd, dcv) = strcasecmp(arg, "trust") == 0;
        return NULL;
    }
    return "GameHoneyChatGateway takes 'trust' or 'off'";
}
