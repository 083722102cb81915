/* Payaction's settings: its API and keys, the webhook's key, the account
 * shown for deposits and the bounds of one. */
#ifndef GH_PAYACTION_CFG_H
#define GH_PAYACTION_CFG_H

#include "gh_cfg.h"

#define GH_DEFAULT_PAYACTION_URL "https://api.payaction.app"
#define GH_DEFAULT_DEPOSIT_MIN   1000
#define GH_DEFAULT_DEPOSIT_MAX   5000000

typedef struct {
    const char *url;             /* default applied in post_config */
    const char *api_key;
    const char *mall_id;
    const char *webhook_key;     /* what x-webhook-key must match */
    const char *bank;            /* shown for deposits */
    const char *account;
    gh_range_t amount;           /* default applied in post_config */
} gh_payaction_cfg_t;

extern gh_cfg_part_t gh_payaction_part;
extern const gh_cfg_need_t gh_need_payaction;
#define GH_NEED_PAYACTION (&gh_need_payaction)

static APR_INLINE const gh_payaction_cfg_t *gh_payaction_cfg(server_rec *s)
{
    return gh_cfg_server(s, &gh_payaction_part);
}

#define GH_PAYACTION_DIRECTIVES \
    GH_CFG_STRING("GameHoneyPayactionURL", gh_payaction_part, gh_payaction_cfg_t, url, \
                  "Payaction API base URL (default https://api.payaction.app)"), \
    GH_CFG_STRING("GameHoneyPayactionAPIKey", gh_payaction_part, gh_payaction_cfg_t, api_key, \
                  "Payaction x-api-key (from the environment)"), \
    GH_CFG_STRING("GameHoneyPayactionMallID", gh_payaction_part, gh_payaction_cfg_t, mall_id, \
                  "Payaction x-mall-id (from the environment)"), \
    GH_CFG_STRING("GameHoneyPayactionWebhookKey", gh_payaction_part, gh_payaction_cfg_t, \
                  webhook_key, \
                  "Payaction webhook key that x-webhook-key must match (from the environment)"), \
    GH_CFG_STRING("GameHoneyDepositBank", gh_payaction_part, gh_payaction_cfg_t, bank, \
                  "bank name shown for deposits"), \
    GH_CFG_STRING("GameHoneyDepositAccount", gh_payaction_part, gh_payaction_cfg_t, account, \
                  "account number shown for deposits"), \
    GH_CFG_TAKE2("GameHoneyDepositAmount", gh_cfg_set_range, gh_payaction_part, \
                 gh_payaction_cfg_t, amount, RSRC_CONF, \
                 "<min> <max>: bounds of a bank deposit in won (default 1000 5000000)")

#endif
