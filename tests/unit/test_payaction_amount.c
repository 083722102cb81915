/* gh_payaction_amount: the amount in Payaction's match webhook (spec §3),
 * a number or text with thousands separators. */
#include <apr_strings.h>

#include "check.h"
#include "suites.h"
#include "gh_json.h"
#include "gh_payaction_amount.h"

static apr_pool_t *g_pool;

static gh_payaction_amount_e amount_of(const char *body, apr_int64_t *won)
{
    json_object *o = NULL;
    const char *e;

    if (gh_json_parse(g_pool, body, strlen(body), &o, &e) != 0) {
        fprintf(stderr, "test_payaction_amount: %s does not parse\n", body);
        abort();
    }
    return gh_payaction_amount_of(o, won);
}

static void expect(const char *body, gh_payaction_amount_e want, apr_int64_t want_won, int line)
{
    apr_int64_t won = -7;
    gh_payaction_amount_e k = amount_of(body, &won);

    if (!check_int_eq(k, want, __FILE__, line, "kind", "want")
        || (want == GH_PAYACTION_AMOUNT_WON
            && !check_int_eq(won, want_won, __FILE__, line, "won", "want_won"))) {
        fprintf(stderr, "    body %s\n", body);
    }
}
#define WON(body, v)  expect((body), GH_PAYACTION_AMOUNT_WON, (v), __LINE__)
#define BAD(body)     expect((body), GH_PAYACTION_AMOUNT_BAD, 0, __LINE__)
#define NONE(body)    expect((body), GH_PAYACTION_AMOUNT_NONE, 0, __LINE__)

void test_payaction_amount(apr_pool_t *p)
{
    g_pool = p;

    /* spec §3: the usual delivery has no amount; some carry one */
    NONE("{\"order_number\":\"ORD1\",\"order_status\":\"\xeb\xa7\xa4\xec\xb9\xad\xec\x99\x84"
         "\xeb\xa3\x8c\",\"processing_date\":\"2023-07-26T11:31:00+09:00\"}");
    NONE("{\"amount\":null}");
    WON("{\"order_number\":\"ORD1\",\"agent_id\":\"a\",\"amount\":\"1,000,000\"}", 1000000);
    WON("{\"amount\":\"1000000\"}", 1000000);
    WON("{\"amount\":50000}", 50000);
    WON("{\"amount\":\"1,000\"}", 1000);
    WON("{\"amount\":\"12,345,678\"}", 12345678);
    WON("{\"amount\":\"999\"}", 999);
    WON("{\"amount\":\"0\"}", 0);
    WON("{\"amount\":0}", 0);
    WON("{\"amount\":\"01,000\"}", 1000);

    /* 15 digits at most, as text and as a number */
    WON("{\"amount\":\"999,999,999,999,999\"}", GH_PAYACTION_WON_MAX);
    WON("{\"amount\":999999999999999}", GH_PAYACTION_WON_MAX);
    BAD("{\"amount\":\"1,000,000,000,000,000\"}");
    BAD("{\"amount\":1000000000000000}");
    BAD("{\"amount\":9223372036854775807}");

    /* groups of three after the first */
    BAD("{\"amount\":\"1,00\"}");
    BAD("{\"amount\":\"1000,000\"}");
    BAD("{\"amount\":\"1,0000\"}");
    BAD("{\"amount\":\",100\"}");
    BAD("{\"amount\":\"100,\"}");
    BAD("{\"amount\":\"1,,000\"}");
    BAD("{\"amount\":\",\"}");
    /* nothing but digits and commas */
    BAD("{\"amount\":\"\"}");
    BAD("{\"amount\":\"1 000\"}");
    BAD("{\"amount\":\" 1000\"}");
    BAD("{\"amount\":\"-1000\"}");
    BAD("{\"amount\":\"+1000\"}");
    BAD("{\"amount\":\"1000.5\"}");
    BAD("{\"amount\":\"1.000\"}");
    BAD("{\"amount\":\"1000\\u0000\"}");
    BAD("{\"amount\":\"\xef\xbc\x91\"}");                   /* a full-width 1 */
    /* a number is a whole, non-negative one */
    BAD("{\"amount\":-5}");
    BAD("{\"amount\":1000.0}");
    BAD("{\"amount\":1e3}");
    BAD("{\"amount\":true}");
    BAD("{\"amount\":{}}");
    BAD("{\"amount\":[1000]}");
}
