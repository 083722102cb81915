/* libFuzzer target: the amounts of bank deposits. The input is a JSON
 * body, read two ways:
 *  - as Payaction's match webhook: gh_payaction_amount_of must agree with
 *    a model written from spec §3 (a JSON integer, or a string of digits
 *    with or without thousands separators; 0 to 15 digits' worth), and an
 *    amount read is within bounds and reads back the same written as a
 *    number, as plain digits and with separators;
 *  - as a client's deposit request: gh_json_int (what gh_pay_amount
 *    checks) must take "amount" exactly when it is a JSON integer within
 *    the bounds (the README's defaults for deposits and payments, the
 *    directive's widest, and bounds on either side of the value itself),
 *    and the amount taken reads back the same. */
#include <apr_strings.h>

#include "fuzz.h"
#include "gh_json.h"
#include "gh_payaction_amount.h"

/* Whether s[0..n) is how spec §3 writes won: digits, or groups of three
 * digits after a first group of one to three, separated by commas (a
 * comma stands exactly where 3, 7, 11... characters follow it). *won
 * gets the value. */
static int model_won(const char *s, size_t n, apr_int64_t *won)
{
    int commas = memchr(s, ',', n) != NULL, digits = 0;
    apr_int64_t v = 0;

    if (n == 0 || s[0] == ',') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        int comma_here = commas && (n - 1 - i) % 4 == 3;
        if (s[i] == ',') {
            if (!comma_here) {
                return 0;
            }
            continue;
        }
        if (comma_here || s[i] < '0' || s[i] > '9' || ++digits > 15) {
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }
    *won = v;
    return 1;
}

static gh_payaction_amount_e model_amount(json_object *body, apr_int64_t *won)
{
    json_object *v;

    if (!json_object_object_get_ex(body, "amount", &v) || v == NULL) {
        return GH_PAYACTION_AMOUNT_NONE;                 /* absent, or null */
    }
    if (json_object_is_type(v, json_type_int)) {
        *won = json_object_get_int64(v);
        return *won >= 0 && *won <= APR_INT64_C(999999999999999) ? GH_PAYACTION_AMOUNT_WON
                                                                  : GH_PAYACTION_AMOUNT_BAD;
    }
    if (json_object_is_type(v, json_type_string)
        && model_won(json_object_get_string(v), (size_t)json_object_get_string_len(v), won)) {
        return GH_PAYACTION_AMOUNT_WON;
    }
    return GH_PAYACTION_AMOUNT_BAD;
}

/* won with thousands separators. */
static const char *grouped(apr_pool_t *p, apr_int64_t won)
{
    const char *digits = apr_psprintf(p, "%" APR_INT64_T_FMT, won);
    size_t n = strlen(digits);
    char *out = apr_palloc(p, n + n / 3 + 1), *o = out;

    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            *o++ = ',';
        }
        *o++ = digits[i];
    }
    *o = '\0';
    return out;
}

/* The amount read from {"amount": v}. */
static gh_payaction_amount_e read_back(apr_pool_t *p, json_object *v, apr_int64_t *won)
{
    json_object *body = gh_json_object(p), *parsed;
    const char *text, *err;
    apr_size_t len;

    json_object_object_add(body, "amount", v);
    text = apr_pstrdup(p, gh_json_serialize(body, &len));
    REQUIRE(gh_json_parse(p, text, len, &parsed, &err) == 0);
    return gh_payaction_amount_of(parsed, won);
}

static void check_webhook(apr_pool_t *p, json_object *body)
{
    apr_int64_t got = -1, want = -1, again = -1;
    gh_payaction_amount_e kind = gh_payaction_amount_of(body, &got);
    gh_payaction_amount_e model = model_amount(body, &want);

    if (kind != model || (kind == GH_PAYACTION_AMOUNT_WON && got != want)) {
        fprintf(stderr, "webhook amount: gh_payaction_amount_of gave %d (%" APR_INT64_T_FMT
                "), the model %d (%" APR_INT64_T_FMT ") for %s\n", (int)kind, got, (int)model,
                want, json_object_to_json_string(body));
        abort();
    }
    if (kind != GH_PAYACTION_AMOUNT_WON) {
        return;
    }
    REQUIRE(got >= 0 && got <= GH_PAYACTION_WON_MAX);
    REQUIRE(read_back(p, json_object_new_int64(got), &again) == GH_PAYACTION_AMOUNT_WON
            && again == got);
    REQUIRE(read_back(p, json_object_new_string(apr_psprintf(p, "%" APR_INT64_T_FMT, got)),
                      &again) == GH_PAYACTION_AMOUNT_WON && again == got);
    REQUIRE(read_back(p, json_object_new_string(grouped(p, got)), &again)
            == GH_PAYACTION_AMOUNT_WON && again == got);
}

static void check_client(apr_pool_t *p, json_object *body)
{
    json_object *v = NULL;
    int is_int = json_object_object_get_ex(body, "amount", &v)
                 && json_object_is_type(v, json_type_int);
    apr_int64_t value = is_int ? json_object_get_int64(v) : 0;
    apr_int64_t bounds[][2] = {
        { 1000, 5000000 },                                   /* GameHoneyDepositAmount */
        { 100, 1000000 },                                    /* GameHoneyPaymentAmount */
        { 1, APR_INT64_C(1000000000000) },                   /* the widest allowed */
        { value, value },
        { value == APR_INT64_MAX ? value : value + 1, APR_INT64_MAX },
        { APR_INT64_MIN, value == APR_INT64_MIN ? value : value - 1 },
    };

    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        apr_int64_t min = bounds[i][0], max = bounds[i][1], got = -7, again = -7;
        int want = is_int && value >= min && value <= max;
        int rc = gh_json_int(body, "amount", min, max, &got);

        REQUIRE(rc == 0 || rc == -1);
        if ((rc == 0) != want) {
            fprintf(stderr, "client amount in [%" APR_INT64_T_FMT ", %" APR_INT64_T_FMT
                    "]: gh_json_int said %d for %s\n", min, max, rc,
                    json_object_to_json_string(body));
            abort();
        }
        if (rc == 0) {
            json_object *back = gh_json_object(p), *parsed;
            const char *text, *err;
            apr_size_t len;

            REQUIRE(got == value && got >= min && got <= max);
            json_object_object_add(back, "amount", json_object_new_int64(got));
            text = apr_pstrdup(p, gh_json_serialize(back, &len));
            REQUIRE(gh_json_parse(p, text, len, &parsed, &err) == 0);
            REQUIRE(gh_json_int(parsed, "amount", min, max, &again) == 0 && again == got);
        }
        else {
            REQUIRE(got == -7);                 /* nothing written on a refusal */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_root_pool();
    json_object *body;
    const char *err;

    if (gh_json_parse(p, (const char *)data, size, &body, &err) == 0
        && json_object_is_type(body, json_type_object)) {
        check_webhook(p, body);
        check_client(p, body);
    }
    apr_pool_clear(p);
    return 0;
}
