/* Runs every unit test suite and prints `unit: N checks, F failures`.
 * Exits non-zero when any check failed. */
#include <stdio.h>
#include <stdlib.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "check.h"
#include "suites.h"

unsigned long check_count;
unsigned long check_failures;

static void run_suite(apr_pool_t *root, const char *name, void (*suite)(apr_pool_t *))
{
    apr_pool_t *p;
    unsigned long checks = check_count, failures = check_failures;

    if (apr_pool_create(&p, root) != APR_SUCCESS) {
        fprintf(stderr, "unit: cannot create a pool for %s\n", name);
        exit(2);
    }
    suite(p);
    apr_pool_destroy(p);
    printf("  %-12s %4lu checks, %lu failures\n", name,
           check_count - checks, check_failures - failures);
}

int main(void)
{
    apr_pool_t *root;

    setvbuf(stdout, NULL, _IOLBF, 0);     /* keep order with stderr */
    if (apr_initialize() != APR_SUCCESS) {
        fprintf(stderr, "unit: apr_initialize failed\n");
        return 2;
    }
    atexit(apr_terminate);
    if (apr_pool_create(&root, NULL) != APR_SUCCESS) {
        fprintf(stderr, "unit: apr_pool_create failed\n");
        return 2;
    }

    run_suite(root, "text", test_text);
    run_suite(root, "json", test_json);
    run_suite(root, "route", test_route);
    run_suite(root, "crypto", test_crypto);
    run_suite(root, "toss_input", test_toss_input);
    run_suite(root, "jwt", test_jwt);
    run_suite(root, "cursor", test_cursor);
    run_suite(root, "cfg", test_cfg);
    run_suite(root, "money", test_money);
    run_suite(root, "prom", test_prom);
    run_suite(root, "dbrule", test_dbrule);
    run_suite(root, "retry", test_retry);
    run_suite(root, "jwks_doc", test_jwks_doc);
    run_suite(root, "toss_env", test_toss_envelope);
    run_suite(root, "cognito_err", test_cognito_error);
    run_suite(root, "pa_amount", test_payaction_amount);
    run_suite(root, "link", test_link);
    run_suite(root, "cognito", test_cognito_refusal);
    run_suite(root, "batch", test_batch);
    run_suite(root, "page", test_page);
    run_suite(root, "rows", test_rows);
    run_suite(root, "toss_answer", test_toss_answer);
    run_suite(root, "pay_rules", test_pay_rules);
    run_suite(root, "psy_model", test_psy_model);
    run_suite(root, "rfc3339", test_rfc3339);
    run_suite(root, "etag", test_etag);

    apr_pool_destroy(root);
    fflush(stderr);
    printf("unit: %lu checks, %lu failures\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}
