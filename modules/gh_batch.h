/* Coalescing of concurrent requests that need the same kind of database
 * work: the waiting threads of one child elect a leader, which runs one
 * statement for everybody queued and hands each request its own result.
 * A lone request is a batch of one and runs at once; under load, requests
 * that arrive while a batch runs go together in the next. The database
 * then does one statement, one round trip and one commit per batch.
 * One item's bad data never fails the others: items are checked before
 * they join, and a batch refused for its data is split. Results, not
 * answers: the caller maps an item's failure to its own. */
#ifndef GH_BATCH_H
#define GH_BATCH_H

#include "httpd.h"

#include "gh_result.h"

typedef struct gh_batch gh_batch_t;

typedef struct gh_batch_item {
    const void *group;          /* items coalesce only with the same group,
                                   e.g. the server_rec whose database they use */
    const void *input;          /* the caller's; only read by the run function */
    apr_pool_t *pool;           /* the caller's pool: the run function may
                                   allocate results there, as its owner is
                                   blocked until the item is done */
    const void *result;         /* set by the run function: static, or in pool */
    gh_result_t res;            /* GH_RESULT_OK, or why the item failed (set by
                                   the run function; its strings are copied
                                   into pool before the caller reads them) */
    struct gh_batch_item *next; /* private */
    int state;                  /* private */
} gh_batch_item_t;

/* Runs one batch with the leader's request (its pool, its log lines) and
 * sets every item's result, or its res. */
typedef void (*gh_batch_run_fn)(request_rec *leader, gh_batch_item_t **items, int n);

/* Made in child_init. At most max_leaders batches of max_items run at once.
 * NULL (logged with name) when the child cannot make its lock: then
 * gh_batch_set_check does nothing and every item fails as GH_INTERNAL, so
 * that no caller needs a check of its own. */
gh_batch_t *gh_batch_create(apr_pool_t *pchild, server_rec *s, const char *name,
                            int max_items, int max_leaders, gh_batch_run_fn run);

/* Refuses an item before it joins a batch when its statement would reject
 * it: GH_RESULT_OK, or why not. */
typedef gh_result_t (*gh_batch_check_fn)(request_rec *r, const void *input);

/* Sets the check every item of b passes before it is queued. */
void gh_batch_set_check(gh_batch_t *b, gh_batch_check_fn check);

/* The reason gh_batch_check_user refuses with. */
#define GH_BATCH_NOT_A_USER "not_a_user"

/* A check for batches keyed by the user: r->user must be a user id (a
 * positive decimal), else GH_REFUSED with reason GH_BATCH_NOT_A_USER
 * (logged): a bearer token whose subject names nobody, which the caller
 * refuses as an invalid token (gh_auth_refuse). */
gh_result_t gh_batch_check_user(request_rec *r, const void *input);

/* Whether res is gh_batch_check_user's refusal. */
int gh_batch_not_a_user(gh_result_t res);

/* Ends a run function: with res OK, an item left without a result is
 * an internal error (logged with label); a failure res is given to every
 * item. */
void gh_batch_finish(request_rec *leader, gh_batch_item_t **items, int n, gh_result_t res,
                     const char *label);

/* Queues item, waits until its batch has run, and returns item->res
 * (GH_RESULT_OK with item->result set, or the failure, its strings in
 * r's pool). A batch whose statement failed for a data error (SQLSTATE
 * class 22 or 23) is run again one item at a time, so that only the item
 * at fault fails. A NULL b (not created) fails as GH_INTERNAL. */
gh_result_t gh_batch_submit(gh_batch_t *b, request_rec *r, gh_batch_item_t *item);

#endif
