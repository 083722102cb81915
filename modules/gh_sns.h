/* SNS: the channel list, the user's accounts on channels, and the import
 * of an account's posts, each stored once by its channel's own id.
 * Returns results (gh_result.h). */
#ifndef GH_SNS_H
#define GH_SNS_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_result.h"
#include "gh_sql.h"

extern const gh_db_stmt_t gh_sns_statements[];

/* One imported post, already checked. */
typedef struct {
    const char *external_id;
    const char *text;
    const char *posted_at;      /* RFC 3339, as gh_rfc3339_format writes it */
} gh_sns_item_t;

/* {"items":[{"id","name","icon_url","sort_order"}]}: the active channels,
 * in their order. OK or a failure. */
gh_result_t gh_sns_channels(request_rec *r, json_object **out);

/* Links (or re-handles) user_id's account on channel and upserts
 * items[0..n) by external id, in one transaction:
 * {"account":{account},"imported","updated","unchanged"}. OK,
 * GH_NOT_FOUND "user", GH_BAD_INPUT "unknown_channel" or "duplicate", or
 * a failure. */
gh_result_t gh_sns_import(request_rec *r, const char *user_id, const char *channel,
                          const char *handle, const gh_sns_item_t *items, int n,
                          json_object **out);

/* {"items":[{"id","channel","handle","item_count","created_at",
 * "updated_at"}]}: user_id's accounts, in the channels' order. OK or a
 * failure. */
gh_result_t gh_sns_accounts(request_rec *r, const char *user_id, json_object **out);

/* Unlinks user_id's account account_id (a positive decimal), and its
 * items with it. OK, GH_NOT_FOUND "account" (none such of this user), or
 * a failure. */
gh_result_t gh_sns_unlink(request_rec *r, const char *user_id, const char *account_id);

#endif
