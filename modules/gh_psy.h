/* The psychology test in the database: published question sets (cached
 * per child: a published version never changes), a submission stored in
 * one transaction, once per (user, submission id), and a user's own
 * result. Returns results (gh_result.h). */
#ifndef GH_PSY_H
#define GH_PSY_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_db.h"
#include "gh_psy_model.h"
#include "gh_result.h"

extern const gh_db_stmt_t gh_psy_statements[];

/* child_init: the per-child cache of published sets. */
void gh_psy_child_init(apr_pool_t *pchild, server_rec *s);

/* The current set (the highest published version): OK, GH_NOT_FOUND
 * "no_version" when none is published, or a failure. */
gh_result_t gh_psy_current(request_rec *r, const gh_psy_set_t **set);

/* Checks, scores and stores a submission of user_id for the one published
 * version its answers are of (the current one when it has none). *out is
 * the result's JSON, *replayed non-zero when the submission id was
 * stored before with the same answers. OK; GH_BAD_INPUT "answers" (the
 * message names the problem), GH_CONFLICT "submission_reused",
 * GH_NOT_FOUND "user" or "no_version", or a failure. */
gh_result_t gh_psy_submit(request_rec *r, const char *user_id, const gh_psy_submission_t *sub,
                          json_object **out, int *replayed);

/* The user's own result of id (decimal text), marked viewed: OK,
 * GH_NOT_FOUND "result" (unknown, not a positive integer, or another
 * user's), or a failure. */
gh_result_t gh_psy_result(request_rec *r, const char *user_id, const char *id,
                          json_object **out);

#endif
