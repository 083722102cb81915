/* Toss Payments' settings (gh_toss_payments_cfg.h). */
#include <string.h>

#include "apr_strings.h"

#include "gh_crypto.h"
#include "gh_toss_payments_cfg.h"

#define F(member, kind) GH_CFG_FIELD(gh_toss_payments_cfg_t, member, kind)

static const gh_cfg_field_t fields[] = {
    F(url, GH_CFG_PTR), F(secret, GH_CFG_PTR), F(client_key, GH_CFG_PTR),
    F(return_url, GH_CFG_PTR), F(amount, GH_CFG_RANGE), F(auth, GH_CFG_DERIVED),
    { NULL, 0, 0 }
};

static int post_config(apr_pool_t *pconf, server_rec *s, void *conf)
{
    gh_toss_payments_cfg_t *t = conf;

    (void)s;
    if (t->url == NULL) {
        t->url = GH_DEFAULT_TOSS_PAYMENTS_URL;
    }
    t->amount = gh_cfg_range(t->amount, GH_DEFAULT_PAYMENT_MIN, GH_DEFAULT_PAYMENT_MAX);
    if (t->secret) {
        /* Toss Payments takes the secret key as a user with no password */
        const char *pair = apr_pstrcat(pconf, t->secret, ":", NULL);
        t->auth = apr_pstrcat(pconf, "Basic ", gh_base64_encode(pconf, (const unsigned char *)pair,
                                                                strlen(pair), 0), NULL);
    }
    return OK;
}

static int ready(const void *conf)
{
    return ((const gh_toss_payments_cfg_t *)conf)->auth != NULL;
}

const gh_cfg_need_t gh_need_toss_payments = {
    &gh_toss_payments_part, "Payments", "GameHoneyTossPaymentsSecretKey (TOSS_SECRET_KEY)",
    ready, NULL
};

static const gh_cfg_need_t *const needs[] = { &gh_need_toss_payments, NULL };

gh_cfg_part_t gh_toss_payments_part = {
    "Toss Payments", 0, sizeof(gh_toss_payments_cfg_t), fields, post_config, needs, 0
};
