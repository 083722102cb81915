/* Payaction bank deposits (seed 004, spec §3), at the seed's own paths and
 * in its own shapes: {"status":"success",...} and {"status":"fail","msg"},
 * dates in KST. A user asks to deposit, Payaction matches the transfer and
 * calls the webhook, and the order's amount is credited exactly once. The
 * seed's security notes hold: users are signed in, the webhook's key is
 * checked, inputs are validated, and failures are reported, not hidden. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_db.h"
#include "gh_auth.h"
#include "gh_crypto.h"
#include "gh_curl.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_money.h"
#include "gh_payments.h"
#include "gh_text.h"
#include "gh_payaction_cfg.h"

#define SERVICE  "Payaction"
#define MATCHED  "\xeb\xa7\xa4\xec\xb9\xad\xec\x99\x84\xeb\xa3\x8c"     /* 매칭완료 */
#define SQL_KST(col) \
    "to_char(" col " AT TIME ZONE 'Asia/Seoul', 'YYYY-MM-DD HH24\":\"MI\":\"SS')"

static const gh_db_stmt_t statements[] = {
    /* A user without a username takes the one they deposit under; the
     * unique username makes a taken name a 409. */
    { "gh_pa_order_new",
      "WITH p AS (SELECT CAST(%s AS bigint) AS uid, CAST(%s AS text) AS name,"
      " CAST(%s AS text) AS num, CAST(%s AS bigint) AS amt, CAST(%s AS text) AS billing),"
      " me AS (SELECT users.id, users.username, users.email, users.phone FROM users, p"
      " WHERE users.id = p.uid AND users.is_active),"
      " claim AS (UPDATE users SET username = p.name, updated_at = now() FROM p, me"
      " WHERE users.id = me.id AND users.username IS NULL RETURNING users.id),"
      " o AS (INSERT INTO payment_orders (user_id, order_id, provider, amount, order_name,"
      " billing_name) SELECT me.id, p.num, 'payaction', p.amt, 'Bank deposit', p.billing"
      " FROM me, p WHERE me.username = p.name OR EXISTS (SELECT 1 FROM claim)"
      " RETURNING created_at)"
      " SELECT me.username, me.email, me.phone, to_char(o.created_at AT TIME ZONE 'Asia/Seoul',"
      " 'YYYY-MM-DD\"T\"HH24\":\"MI\":\"SS\"+09:00\"') FROM me LEFT JOIN o ON true" },
    { "gh_pa_order_fail",
      "UPDATE payment_orders SET status = 'FAILED', failure_code = %s, failure_message = %s,"
      " updated_at = now() WHERE order_id = %s AND status = 'READY'" },
    { "gh_pa_order_of",
      "SELECT status, user_id FROM payment_orders WHERE order_id = %s AND provider = 'payaction'" },
    { "gh_pa_cancel",
      "UPDATE payment_orders SET status = 'CANCELLED', updated_at = now()"
      " WHERE order_id = %s AND provider = 'payaction' AND status = 'READY' RETURNING 1" },
    /* Every delivery is kept; a trace id seen before changes nothing, and
     * the order's row lock orders concurrent deliveries for one order. */
    { "gh_pa_webhook",
      "WITH p AS (SELECT CAST(%s AS text) AS trace, CAST(%s AS text) AS num,"
      " CAST(%s AS text) AS st, CAST(%s AS text) AS body, CAST(%s AS bigint) AS amt),"
      " seen AS (SELECT 1 FROM payaction_webhooks w, p WHERE w.trace_id = p.trace),"
      " ord AS (SELECT po.status, po.amount FROM payment_orders po, p WHERE po.order_id = p.num"
      " AND po.provider = 'payaction' AND NOT EXISTS (SELECT 1 FROM seen) FOR UPDATE OF po),"
      " verdict AS (SELECT CASE WHEN p.st <> '" MATCHED "' THEN 'ignored_status'"
      " WHEN NOT EXISTS (SELECT 1 FROM ord) THEN 'unknown_order'"
      " WHEN (SELECT status FROM ord) = 'DONE' THEN 'already_matched'"
      " WHEN (SELECT status FROM ord) <> 'READY' THEN 'order_not_open'"
      " WHEN p.amt IS NOT NULL AND p.amt <> (SELECT amount FROM ord) THEN 'amount_mismatch'"
      " ELSE 'credited' END AS outcome FROM p),"
      " w AS (INSERT INTO payaction_webhooks (trace_id, order_number, order_status, outcome, body)"
      " SELECT p.trace, p.num, p.st, verdict.outcome, p.body FROM p, verdict"
      " WHERE NOT EXISTS (SELECT 1 FROM seen) ON CONFLICT (trace_id) DO NOTHING"
      " RETURNING outcome),"
      " o AS (UPDATE payment_orders po SET status = 'DONE', approved_at = now(), updated_at = now()"
      " FROM w, p WHERE po.order_id = p.num AND w.outcome = 'credited' AND po.status = 'READY'"
      " RETURNING po.user_id, po.amount, po.order_id),"
      GH_SQL_CREDIT_ORDERS("payaction_deposit", "Bank deposit")
      " SELECT coalesce((SELECT outcome FROM w), 'duplicate'), (SELECT count(*) FROM l)" },
    { "gh_pa_history",
      "SELECT u.id, po.order_id, po.amount, " SQL_KST("po.created_at") ", po.status"
      " FROM users u LEFT JOIN payment_orders po ON po.user_id = u.id"
      " AND po.provider = 'payaction' WHERE u.username = %s"
      " ORDER BY po.created_at DESC, po.id DESC LIMIT 1000" },
    { "gh_pa_deposits",
      "SELECT po.order_id, u.username, po.amount, " SQL_KST("po.created_at") ", po.status,"
      " po.billing_name FROM payment_orders po JOIN users u ON u.id = po.user_id"
      " WHERE po.provider = 'payaction' AND po.status = 'DONE'"
      " ORDER BY po.created_at DESC, po.id DESC LIMIT 1000" },
    { NULL, NULL }
};

/* The seed's labels for an order's status. */
static const char *label(const char *status)
{
    return strcmp(status, "READY") == 0 ? "\xeb\x8c\x80\xea\xb8\xb0\xec\xa4\x91"     /* 대기중 */
         : strcmp(status, "DONE") == 0 ? MATCHED
         : strcmp(status, "CANCELLED") == 0 ? "\xec\xb7\xa8\xec\x86\x8c\xeb\x90\xa8" /* 취소됨 */
         : "\xec\x8b\xa4\xed\x8c\xa8";                                              /* 실패 */
}

static json_object *success_body(request_rec *r)
{
    json_object *out = gh_json_object(r->pool);
    json_object_object_add(out, "status", json_object_new_string("success"));
    return out;
}

static int fail(request_rec *r, int status, const char *msg)
{
    return gh_fail_status(r, status, msg);
}

/* Calls Payaction; OK when it answered {"status":"success"}, with *answer
 * its document. Otherwise *why says what went wrong and *transport whether
 * the answer is unknown (so the order may exist there). */
static int call(request_rec *r, const char *path, json_object *body, json_object **answer,
                const char **why, int *transport)
{
    const gh_payaction_cfg_t *pc = gh_payaction_cfg(r->server);
    const char *headers[] = {
        "Content-Type: application/json",
        apr_pstrcat(r->pool, "x-api-key: ", pc->api_key, NULL),
        apr_pstrcat(r->pool, "x-mall-id: ", pc->mall_id, NULL), NULL
    };
    /* fresh: libcurl would silently resend on a reused connection that
     * died, and a resent order could come back "duplicate" for an order
     * Payaction does have; Payaction takes no idempotency key */
    gh_curl_request_t req = { .method = "POST", .headers = headers, .fresh = 1,
                              .retry = GH_CURL_ONCE };
    gh_curl_response_t resp;
    const char *err, *st;
    gh_curl_result_e rc;

    *answer = NULL;
    *transport = 0;
    req.provider = GH_UPSTREAM_PAYACTION;
    req.url = apr_pstrcat(r->pool, pc->url,
                          path, NULL);
    req.body = gh_json_serialize(body, &req.body_len);
    if ((rc = gh_curl_fetch(r->pool, r->server, &req, &resp, why)) != GH_CURL_OK) {
        *transport = rc;
        return HTTP_BAD_GATEWAY;
    }
    *why = resp.body;
    if (gh_json_parse(r->pool, resp.body, resp.len, answer, &err) != 0
        || !json_object_is_type(*answer, json_type_object)) {
        *answer = NULL;
        *transport = resp.status >= 500 ? GH_CURL_BAD_RESPONSE : 0;
        return HTTP_BAD_GATEWAY;
    }
    st = gh_json_str(*answer, "status");
    if (resp.status == HTTP_OK && st && strcmp(st, "success") == 0) {
        return OK;
    }
    *transport = resp.status >= 500 ? GH_CURL_BAD_RESPONSE : 0;
    return HTTP_BAD_GATEWAY;
}

static int is_admin(const request_rec *r)
{
    const char *role = gh_auth_role(r);
    return role && strcmp(role, "admin") == 0;
}

/* Payaction's answer is unknown after a timeout or a 5xx: the order may
 * exist there, so it is taken out of matching (best effort) before ours
 * is marked failed. */
static void exclude_quietly(request_rec *r, const char *number)
{
    json_object *body = gh_json_object(r->pool), *answer;
    const char *why;
    int transport;

    json_object_object_add(body, "order_number", json_object_new_string(number));
    if (call(r, "/order-exclude", body, &answer, &why, &transport) != OK) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "order %s may still be open at "
                      SERVICE " for matching: order-exclude failed too", number);
    }
}

static json_object *order_request(request_rec *r, const char *number, apr_int64_t amount,
                                  const char *date, const char *billing, const char *const *me)
{
    json_object *o = gh_json_object(r->pool);

    json_object_object_add(o, "order_number", json_object_new_string(number));
    json_object_object_add(o, "order_amount", json_object_new_int64(amount));
    json_object_object_add(o, "order_date", json_object_new_string(date));
    json_object_object_add(o, "billing_name", json_object_new_string(billing));
    json_object_object_add(o, "orderer_name", json_object_new_string(me[0]));
    json_object_object_add(o, "orderer_phone_number", json_object_new_string(me[2] ? me[2] : ""));
    json_object_object_add(o, "orderer_email", json_object_new_string(me[1] ? me[1] : ""));
    json_object_object_add(o, "trade_usage", json_object_new_string(""));
    json_object_object_add(o, "identity_number", json_object_new_string(""));
    return o;
}

static int deposit_request(request_rec *r, const gh_route_params_t *params)
{
    const gh_payaction_cfg_t *pc = gh_payaction_cfg(r->server);
    const char *name, *billing, *number, **row, *why, *me[3];
    apr_int64_t amount;
    apr_array_header_t *rows;
    json_object *in, *answer, *out;
    int status, transport;

    (void)params;
    if ((status = gh_http_require(r, GH_NEED_PAYACTION)) != OK
        || (status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_field(r, in, "username", 32, 1, &name)) != OK
        || (status = gh_http_field(r, in, "billing_name", 20, 1, &billing)) != OK
        || (status = gh_pay_amount(r, in, "amount", pc->amount, &amount)) != OK) {
        return status;
    }
    if (!gh_money_username_ok(name)) {
        return fail(r, HTTP_BAD_REQUEST, "username may hold 3 to 32 letters, digits, '_', '.' and '-'.");
    }
    if (!gh_money_billing_name_ok(billing)) {
        return fail(r, HTTP_BAD_REQUEST, "billing_name may hold Hangul, letters, digits and single spaces.");
    }
    if ((number = gh_money_reference(r->pool, 1)) == NULL) {
        return fail(r, HTTP_INTERNAL_SERVER_ERROR, "No randomness.");
    }
    {
        const char *args[] = { r->user, name, number,
                               apr_psprintf(r->pool, "%" APR_INT64_T_FMT, amount), billing };
        status = gh_answer(r, gh_db_query(r, "gh_pa_order_new", 5, args, &rows));
    }
    if (status == HTTP_CONFLICT) {
        return fail(r, HTTP_CONFLICT, "This username belongs to another account.");
    }
    if (status != OK) {
        return status;
    }
    if (rows->nelts == 0) {
        return fail(r, HTTP_NOT_FOUND, "The user no longer exists.");
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    if (row[3] == NULL) {
        return fail(r, HTTP_FORBIDDEN, "username is not yours.");
    }
    me[0] = name;
    me[1] = row[1];
    me[2] = row[2];
    if (call(r, "/order", order_request(r, number, amount, row[3], billing, me), &answer, &why,
             &transport) != OK) {
        const char *args[] = { transport ? "UPSTREAM_UNAVAILABLE" : "REFUSED",
                               apr_pstrndup(r->pool, why ? why : "", 500), number };
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, SERVICE " did not take order %s: %s",
                      number, transport ? why : "refused");
        if (transport) {
            exclude_quietly(r, number);
        }
        if ((status = gh_answer(r, gh_db_query(r, "gh_pa_order_fail", 3, args, &rows))) != OK) {
            return status;
        }
        return fail(r, transport == GH_CURL_TIMEOUT ? HTTP_GATEWAY_TIME_OUT : HTTP_BAD_GATEWAY,
                    SERVICE " did not accept the order; nothing will be matched to it.");
    }
    out = success_body(r);
    json_object_object_add(out, "bank", json_object_new_string(pc->bank ? pc->bank : ""));
    json_object_object_add(out, "account",
                           json_object_new_string(pc->account ? pc->account : ""));
    json_object_object_add(out, "order_number", json_object_new_string(number));
    json_object_object_add(out, "amount", json_object_new_int64(amount));
    return gh_send_json(r, HTTP_OK, out);
}

/* The webhook's amount ("1,000,000" or a number) as text, NULL when
 * absent, "-1" (never an order's amount) when unreadable. */
static const char *webhook_amount(request_rec *r, json_object *in)
{
    json_object *v;
    const char *s;
    apr_int64_t won;

    if (!json_object_object_get_ex(in, "amount", &v) || json_object_is_type(v, json_type_null)) {
        return NULL;
    }
    if (json_object_is_type(v, json_type_int)) {
        won = json_object_get_int64(v);
    }
    else if ((s = gh_json_str_of(v)) == NULL || gh_money_parse_won(s, &won) != 0) {
        return "-1";
    }
    return apr_psprintf(r->pool, "%" APR_INT64_T_FMT, won);
}

static int header_matches(request_rec *r, const char *name, const char *want)
{
    const char *got = apr_table_get(r->headers_in, name);
    return got != NULL && gh_secret_equals(got, want);
}

static int webhook(request_rec *r, const gh_route_params_t *params)
{
    const gh_payaction_cfg_t *pc = gh_payaction_cfg(r->server);
    const char *number, *state, *trace, **row;
    apr_size_t len;
    apr_array_header_t *rows;
    json_object *in;
    int status;

    (void)params;
    if ((status = gh_http_require(r, GH_NEED_PAYACTION)) != OK) {
        return status;
    }
    /* no HMAC exists: the key and the mall id are the only proof; both
     * are compared, whichever is wrong ('&', not '&&') */
    if (!(header_matches(r, "x-webhook-key", pc->webhook_key)
          & header_matches(r, "x-mall-id", pc->mall_id))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, SERVICE " webhook with a wrong key");
        return fail(r, HTTP_UNAUTHORIZED, "The webhook key or mall id is wrong.");
    }
    if ((status = gh_http_read_object(r, &in)) != OK) {
        return status;
    }
    trace = apr_table_get(r->headers_in, "x-trace-id");
    if (trace && (*trace == '\0' || strlen(trace) > 200 || gh_has_control(trace))) {
        return fail(r, HTTP_BAD_REQUEST, "x-trace-id is malformed.");
    }
    if ((status = gh_http_field(r, in, "order_number", 64, 1, &number)) != OK
        || (status = gh_http_field(r, in, "order_status", 32, 1, &state)) != OK) {
        return status;
    }
    {
        const char *args[] = { trace, number, state, gh_json_serialize(in, &len),
                               webhook_amount(r, in) };
        if ((status = gh_answer(r, gh_db_query(r, "gh_pa_webhook", 5, args, &rows))) != OK) {
            return status;
        }
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    ap_log_rerror(APLOG_MARK, strcmp(row[0], "credited") == 0 || strcmp(row[0], "duplicate") == 0
                  || strcmp(row[0], "already_matched") == 0 ? APLOG_INFO : APLOG_WARNING, 0, r,
                  SERVICE " webhook for order %s (%s): %s", number, trace ? trace : "no trace id",
                  row[0]);
    return gh_send_json(r, HTTP_OK, success_body(r));
}

/* The order, if it is one of the caller's (or the caller is an admin). */
static int own_order(request_rec *r, const char *number, const char **status_out)
{
    const char *args[] = { number }, **row;
    apr_array_header_t *rows;
    int status = gh_answer(r, gh_db_query(r, "gh_pa_order_of", 1, args, &rows));

    if (status != OK) {
        return status;
    }
    row = rows->nelts ? APR_ARRAY_IDX(rows, 0, const char **) : NULL;
    if (row == NULL || (strcmp(row[1], r->user) != 0 && !is_admin(r))) {
        return fail(r, HTTP_NOT_FOUND, "No such order.");
    }
    *status_out = row[0];
    return OK;
}

static int cancel_order(request_rec *r, const gh_route_params_t *params)
{
    const char *number, *state = NULL, *why;
    apr_array_header_t *rows;
    json_object *in, *body, *answer, *out;
    int status, transport;

    (void)params;
    if ((status = gh_http_require(r, GH_NEED_PAYACTION)) != OK
        || (status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_field(r, in, "order_number", 64, 1, &number)) != OK
        || (status = own_order(r, number, &state)) != OK) {
        return status;
    }
    if (strcmp(state, "READY") != 0) {
        return fail(r, HTTP_CONFLICT, apr_pstrcat(r->pool, "The order is ", label(state),
                                                  " and cannot be cancelled.", NULL));
    }
    body = gh_json_object(r->pool);
    json_object_object_add(body, "order_number", json_object_new_string(number));
    if (call(r, "/order-exclude", body, &answer, &why, &transport) != OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, SERVICE " did not exclude order %s: %.200s",
                      number, why ? why : "no answer");
        out = gh_json_object(r->pool);
        json_object_object_add(out, "status", json_object_new_string("fail"));
        json_object_object_add(out, "msg", json_object_new_string("PayAction API \xec\x98\xa4\xeb\xa5\x98"));
        json_object_object_add(out, "payaction_response",
                               json_object_new_string(why ? apr_pstrndup(r->pool, why, 500) : ""));
        return gh_send_json(r, transport == GH_CURL_TIMEOUT ? HTTP_GATEWAY_TIME_OUT
                                                                 : HTTP_BAD_GATEWAY, out);
    }
    {
        const char *args[] = { number };
        if ((status = gh_answer(r, gh_db_query(r, "gh_pa_cancel", 1, args, &rows))) != OK) {
            return status;
        }
    }
    if (rows->nelts == 0) {      /* matched while Payaction was being asked */
        return fail(r, HTTP_CONFLICT, "The order was matched and cannot be cancelled.");
    }
    out = success_body(r);
    /* 주문이 취소되었습니다, the seed's message */
    json_object_object_add(out, "msg", json_object_new_string(
        "\xec\xa3\xbc\xeb\xac\xb8\xec\x9d\xb4 \xec\xb7\xa8\xec\x86\x8c\xeb\x90\x98\xec\x97\x88"
        "\xec\x8a\xb5\xeb\x8b\x88\xeb\x8b\xa4"));
    json_object_object_add(out, "payaction_response", json_object_get(answer));
    return gh_send_json(r, HTTP_OK, out);
}

static int history(request_rec *r, const gh_route_params_t *params)
{
    const char *name = gh_route_param(params, "username");
    const char *args[] = { name };
    apr_array_header_t *rows;
    json_object *out, *list;
    int status;

    if (!gh_money_username_ok(name)) {
        rows = apr_array_make(r->pool, 0, sizeof(const char **));
    }
    else if ((status = gh_answer(r, gh_db_query(r, "gh_pa_history", 1, args, &rows))) != OK) {
        return status;
    }
    /* whether a name exists is told only to admins */
    if (!(rows->nelts > 0 && strcmp(APR_ARRAY_IDX(rows, 0, const char **)[0], r->user) == 0)
        && !is_admin(r)) {
        return fail(r, HTTP_FORBIDDEN, "You may see only your own transactions.");
    }
    if (rows->nelts == 0) {
        return fail(r, HTTP_NOT_FOUND, "No such user.");
    }
    list = json_object_new_array();
    for (int i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        json_object *t;
        if (row[1] == NULL) {            /* a user with no orders */
            continue;
        }
        t = json_object_new_object();
        json_object_object_add(t, "order_number", json_object_new_string(row[1]));
        json_object_object_add(t, "amount", gh_money_int(row[2]));
        json_object_object_add(t, "date", json_object_new_string(row[3]));
        json_object_object_add(t, "status", json_object_new_string(label(row[4])));
        json_object_array_add(list, t);
    }
    out = success_body(r);
    json_object_object_add(out, "transactions", list);
    return gh_send_json(r, HTTP_OK, out);
}

static int deposits(request_rec *r, const gh_route_params_t *params)
{
    apr_array_header_t *rows;
    json_object *out, *list;
    int status;

    (void)params;
    if ((status = gh_answer(r, gh_db_query(r, "gh_pa_deposits", 0, NULL, &rows))) != OK) {
        return status;
    }
    list = json_object_new_array();
    for (int i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        json_object *d = json_object_new_object();
        json_object_object_add(d, "order_number", json_object_new_string(row[0]));
        json_object_object_add(d, "username", row[1] ? json_object_new_string(row[1]) : NULL);
        json_object_object_add(d, "amount", gh_money_int(row[2]));
        json_object_object_add(d, "date", json_object_new_string(row[3]));
        json_object_object_add(d, "status", json_object_new_string(label(row[4])));
        json_object_object_add(d, "billing_name", row[5] ? json_object_new_string(row[5]) : NULL);
        json_object_array_add(list, d);
    }
    out = success_body(r);
    json_object_object_add(out, "deposits", list);
    return gh_send_json(r, HTTP_OK, out);
}

static const gh_route_t routes[] = {
    { "POST", "/deposit-request",                deposit_request, GH_ROUTE_USER },
    { "POST", "/webhook",                        webhook,         GH_ROUTE_PUBLIC },
    { "POST", "/cancel-order",                   cancel_order,    GH_ROUTE_USER },
    { "GET",  "/transaction-history/{username}", history,         GH_ROUTE_USER },
    { "GET",  "/admin/transactions",             deposits,        GH_ROUTE_AUTH },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_payaction = { "payaction", routes, statements, NULL, NULL };
