/* The unit test suites run by main.c; each gets a pool it may allocate
 * from (and create subpools of). */
#ifndef GH_TEST_SUITES_H
#define GH_TEST_SUITES_H

#include <apr_pools.h>

void test_text(apr_pool_t *p);
void test_json(apr_pool_t *p);
void test_route(apr_pool_t *p);
void test_crypto(apr_pool_t *p);
void test_toss_input(apr_pool_t *p);
void test_jwt(apr_pool_t *p);
void test_money(apr_pool_t *p);
void test_prom(apr_pool_t *p);
void test_dbrule(apr_pool_t *p);
void test_cursor(apr_pool_t *p);
void test_retry(apr_pool_t *p);
void test_cfg(apr_pool_t *p);
void test_jwks_doc(apr_pool_t *p);
void test_toss_envelope(apr_pool_t *p);
void test_cognito_error(apr_pool_t *p);
void test_payaction_amount(apr_pool_t *p);
void test_link(apr_pool_t *p);
void test_cognito_refusal(apr_pool_t *p);
void test_batch(apr_pool_t *p);
void test_page(apr_pool_t *p);
void test_rows(apr_pool_t *p);
void test_toss_answer(apr_pool_t *p);
void test_pay_rules(apr_pool_t *p);
void test_psy_model(apr_pool_t *p);
void test_rfc3339(apr_pool_t *p);
void test_etag(apr_pool_t *p);

#endif
