/* Payaction's settings (gh_payaction_cfg.h). */
#include "gh_payaction_cfg.h"

#define F(member, kind) GH_CFG_FIELD(gh_payaction_cfg_t, member, kind)

static const gh_cfg_field_t fields[] = {
    F(url, GH_CFG_PTR), F(api_key, GH_CFG_PTR), F(mall_id, GH_CFG_PTR),
    F(webhook_key, GH_CFG_PTR), F(bank, GH_CFG_PTR), F(account, GH_CFG_PTR),
    F(amount, GH_CFG_RANGE), { NULL, 0, 0 }
};

static int post_config(apr_pool_t *pconf, server_rec *s, void *conf)
{
    gh_payaction_cfg_t *p = conf;

    (void)pconf;
    (void)s;
    if (p->url == NULL) {
        p->url = GH_DEFAULT_PAYACTION_URL;
    }
    p->amount = gh_cfg_range(p->amount, GH_DEFAULT_DEPOSIT_MIN, GH_DEFAULT_DEPOSIT_MAX);
    return OK;
}

static int ready(const void *conf)
{
    const gh_payaction_cfg_t *p = conf;
    return p->api_key && p->mall_id && p->webhook_key;
}

const gh_cfg_need_t gh_need_payaction = {
    &gh_payaction_part, "Deposits",
    "GameHoneyPayactionAPIKey, GameHoneyPayactionMallID and GameHoneyPayactionWebhookKey "
    "(PAYACTION_API_KEY, PAYACTION_MALL_ID, PAYACTION_WEBHOOK_KEY)", ready, NULL
};

static const gh_cfg_need_t *const needs[] = { &gh_need_payaction, NULL };

gh_cfg_part_t gh_payaction_part = {
    "Payaction", 0, sizeof(gh_payaction_cfg_t), fields, post_config, needs, 0
};
