/* Quests (issue 13), under <LocationMatch "^/api/(quests|quest-history)(/|$)">
 * with GameHoneyMount /api behind AuthType GameHoney: the signed-in user's
 * quests of the current day and week, their progress, their completion
 * (the reward, once, through the ledger) and the completed ones, a page at
 * a time. */
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_money.h"
#include "gh_page.h"
#include "gh_quests.h"

#define AMOUNT_MAX   1000
#define PAGE_DEFAULT 20
#define PAGE_MAX     100

/* The core's reasons that have codes of their own here. */
static const gh_reason_map_t errors[] = {
    { "user",      GH_E_USER_NOT_FOUND },
    { "quest",     GH_E_QUEST_NOT_FOUND },
    { "completed", GH_E_QUEST_COMPLETED },
    { "expired",   GH_E_QUEST_EXPIRED },
    { "not_ready", GH_E_QUEST_NOT_READY },
    { NULL, 0 }
};

static int answer(request_rec *r, gh_result_t res)
{
    return gh_answer_mapped(r, res, errors);
}

static int list(request_rec *r, const gh_route_params_t *params)
{
    json_object *items, *out;
    int status;

    (void)params;
    if ((status = answer(r, gh_quests_current(r, r->user, &items))) != OK) {
        return status;
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "items", json_object_get(items));
    return gh_send_json(r, HTTP_OK, out);
}

/* {"amount": 1..1000}, 1 when absent (or the body is empty). */
static int progress(request_rec *r, const gh_route_params_t *params)
{
    static const char *const fields[] = { "amount", NULL };
    apr_int64_t amount = 1;
    json_object *in, *quest;
    int status;

    if ((status = gh_http_read_object_or_empty(r, &in)) != OK
        || (status = gh_http_known_fields(r, in, fields)) != OK
        || (json_object_object_get_ex(in, "amount", NULL)
            && (status = gh_http_int(r, in, "amount", 1, AMOUNT_MAX, &amount)) != OK)
        || (status = answer(r, gh_quests_progress(r, r->user, gh_route_param(params, "id"),
                                                  amount, &quest))) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_OK, quest);
}

/* No fields: an empty body or {}. A quest completed before answers as it
 * did then, with Idempotency-Replayed. */
static int complete(request_rec *r, const gh_route_params_t *params)
{
    static const char *const fields[] = { NULL };
    gh_quest_reward_t reward;
    json_object *in, *quest, *out, *paid;
    int status;

    if ((status = gh_http_read_object_or_empty(r, &in)) != OK
        || (status = gh_http_known_fields(r, in, fields)) != OK
        || (status = answer(r, gh_quests_complete(r, r->user, gh_route_param(params, "id"),
                                                  &quest, &reward))) != OK) {
        return status;
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "quest", json_object_get(quest));
    paid = json_object_new_object();
    json_object_object_add(paid, "ledger_id", json_object_new_string(reward.ledger_id));
    json_object_object_add(paid, "amount", gh_money_int(reward.amount));
    json_object_object_add(paid, "remaining_points", gh_money_int(reward.balance_after));
    json_object_object_add(out, "reward", paid);
    if (reward.replay) {
        apr_table_setn(r->headers_out, "Idempotency-Replayed", "true");
    }
    return gh_send_json(r, HTTP_OK, out);
}

static int history(request_rec *r, const gh_route_params_t *params)
{
    gh_page_t page;
    json_object *out;
    int status;

    (void)params;
    if ((status = gh_http_page(r, PAGE_DEFAULT, PAGE_MAX, &page)) != OK
        || (status = answer(r, gh_quests_history(r, r->user, &page, &out))) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_OK, out);
}

static const gh_route_t routes[] = {
    { "GET",  "/quests",               list,     GH_ROUTE_USER },
    { "POST", "/quests/{id}/progress", progress, GH_ROUTE_USER },
    { "POST", "/quests/{id}/complete", complete, GH_ROUTE_USER },
    { "GET",  "/quest-history",        history,  GH_ROUTE_USER },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_quests = { "quests", routes, NULL, NULL, NULL };
