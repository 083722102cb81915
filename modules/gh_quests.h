/* Quests and home (issue 13): the user's quests of the current day and
 * ISO week in Asia/Seoul, made on first read, their progress and their
 * reward, once, through the ledger; and everything home shows, in one
 * call (sql/011_wellness_quests.sql). Returns results (gh_result.h). */
#ifndef GH_QUESTS_H
#define GH_QUESTS_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_db.h"
#include "gh_page.h"
#include "gh_result.h"

extern const gh_db_stmt_t gh_quests_statements[];

/* A completed quest's ledger entry. */
typedef struct {
    const char *ledger_id;
    const char *amount;           /* the reward credited */
    const char *balance_after;    /* the balance it left */
    int replay;                   /* completed before: its entry */
} gh_quest_reward_t;

/* The user's current quests (made when missing), a JSON array: OK,
 * GH_NOT_FOUND "user", or a failure. */
gh_result_t gh_quests_current(request_rec *r, const char *user_id, json_object **items);

/* Adds amount to the user's quest quest_id (the path's text), capped at
 * its target; *quest is the quest after. OK, GH_NOT_FOUND "quest" (not a
 * positive integer, or not the user's), GH_CONFLICT "completed" or
 * "expired", or a failure. */
gh_result_t gh_quests_progress(request_rec *r, const char *user_id, const char *quest_id,
                               apr_int64_t amount, json_object **quest);

/* Completes the user's quest quest_id and credits its reward once. OK
 * (reward->replay when it was completed before), GH_NOT_FOUND "quest",
 * GH_CONFLICT "not_ready" or "expired", or a failure. */
gh_result_t gh_quests_complete(request_rec *r, const char *user_id, const char *quest_id,
                               json_object **quest, gh_quest_reward_t *reward);

/* {"items":[completed quest], "next_cursor"}, newest first by id. */
gh_result_t gh_quests_history(request_rec *r, const char *user_id, const gh_page_t *page,
                              json_object **out);

/* GET /api/home's whole answer, as the JSON text the database built (it
 * goes out as it is: no parse and no second serialisation on the hot
 * path): OK, GH_NOT_FOUND "user", or a failure. */
gh_result_t gh_quests_home(request_rec *r, const char *user_id, const char **home);

#endif
