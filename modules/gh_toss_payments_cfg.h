/* Toss Payments' settings: the API and its keys, where the payment
 * redirects go on to, and the bounds of an order. */
#ifndef GH_TOSS_PAYMENTS_CFG_H
#define GH_TOSS_PAYMENTS_CFG_H

#include "gh_cfg.h"

#define GH_DEFAULT_TOSS_PAYMENTS_URL "https://api.tosspayments.com"
#define GH_DEFAULT_PAYMENT_MIN       100
#define GH_DEFAULT_PAYMENT_MAX       1000000

typedef struct {
    const char *url;             /* default applied in post_config */
    const char *secret;          /* test_sk_ or live_sk_ */
    const char *client_key;      /* handed to the payment widget */
    const char *return_url;      /* NULL: /success and /fail answer JSON */
    gh_range_t amount;           /* default applied in post_config */

    const char *auth;            /* derived: "Basic base64(secret:)", or NULL */
} gh_toss_payments_cfg_t;

extern gh_cfg_part_t gh_toss_payments_part;
extern const gh_cfg_need_t gh_need_toss_payments;
#define GH_NEED_TOSS_PAYMENTS (&gh_need_toss_payments)

static APR_INLINE const gh_toss_payments_cfg_t *gh_toss_payments_cfg(server_rec *s)
{
    return gh_cfg_server(s, &gh_toss_payments_part);
}

#define GH_TOSS_PAYMENTS_DIRECTIVES \
    GH_CFG_STRING("GameHoneyTossPaymentsURL", gh_toss_payments_part, gh_toss_payments_cfg_t, \
                  url, "Toss Payments API base URL (default https://api.tosspayments.com)"), \
    GH_CFG_STRING("GameHoneyTossPaymentsSecretKey", gh_toss_payments_part, \
                  gh_toss_payments_cfg_t, secret, \
                  "Toss Payments secret key, test_sk_ or live_sk_ (from the environment)"), \
    GH_CFG_STRING("GameHoneyTossPaymentsClientKey", gh_toss_payments_part, \
                  gh_toss_payments_cfg_t, client_key, \
                  "Toss Payments client key, handed to the payment widget"), \
    GH_CFG_STRING("GameHoneyPaymentReturnURL", gh_toss_payments_part, gh_toss_payments_cfg_t, \
                  return_url, "front-end URL that payment success and fail redirects go on " \
                  "to (default: answer with JSON)"), \
    GH_CFG_TAKE2("GameHoneyPaymentAmount", gh_cfg_set_range, gh_toss_payments_part, \
                 gh_toss_payments_cfg_t, amount, RSRC_CONF, \
                 "<min> <max>: bounds of a Toss payment in won (default 100 1000000)")

#endif
