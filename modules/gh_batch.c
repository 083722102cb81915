/* Leader/follower coalescing: see gh_batch.h. Items live in their
 * requests' memory; a follower blocks until the leader has written its
 * result (static, or allocated in the follower's own pool while it
 * waits) and copied its failure's strings into that pool, so nothing of
 * the leader's request is read after the leader has gone. */
#include <string.h>

#include "apr_strings.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"

#include "gh_batch.h"
#include "gh_db.h"
#include "gh_dbrule.h"
#include "gh_metrics.h"
#include "gh_private.h"
#include "gh_text.h"

enum { ITEM_QUEUED, ITEM_TAKEN, ITEM_DONE };

struct gh_batch {
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *finished;     /* broadcast whenever a batch is done */
    gh_batch_item_t *head, **tail;   /* queued items, oldest first */
    int leaders, max_leaders, max_items;
    gh_batch_run_fn run;
    gh_batch_check_fn check;
};

gh_batch_t *gh_batch_create(apr_pool_t *pchild, server_rec *s, const char *name,
                            int max_items, int max_leaders, gh_batch_run_fn run)
{
    gh_batch_t *b = apr_pcalloc(pchild, sizeof(*b));
    apr_status_t rv;

    if ((rv = apr_thread_mutex_create(&b->lock, APR_THREAD_MUTEX_DEFAULT, pchild)) != APR_SUCCESS
        || (rv = apr_thread_cond_create(&b->finished, pchild)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot create the %s batcher", name);
        return NULL;
    }
    b->tail = &b->head;
    b->max_items = max_items;
    b->max_leaders = max_leaders;
    b->run = run;
    return b;
}

void gh_batch_set_check(gh_batch_t *b, gh_batch_check_fn check)
{
    if (b) {
        b->check = check;
    }
}

gh_result_t gh_batch_check_user(request_rec *r, const void *input)
{
    apr_int64_t id;

    (void)input;
    if (r->user == NULL || gh_parse_int64_dec(r->user, &id) != 0 || id <= 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "bearer token refused: its subject is not"
                      " a user id");
        return gh_result(GH_REFUSED, GH_BATCH_NOT_A_USER,
                         "The access token is invalid: its subject is not a user id.");
    }
    return GH_RESULT_OK;
}

int gh_batch_not_a_user(gh_result_t res)
{
    return res.kind == GH_REFUSED && res.reason && strcmp(res.reason, GH_BATCH_NOT_A_USER) == 0;
}

/* Runs a batch; when its statement was refused for the data of one of
 * its items (nothing was written: a statement is atomic), runs each item
 * alone, so that only the one at fault fails. */
static void run(gh_batch_t *b, request_rec *r, gh_batch_item_t **items, int n)
{
    const char *sqlstate;
    int failed = 0;

    b->run(r, items, n);
    for (int i = 0; i < n; i++) {
        failed += items[i]->res.kind != GH_OK;
    }
    sqlstate = gh_db_failed_sqlstate(r);
    if (n < 2 || failed != n || !gh_dbrule_data_error(sqlstate)) {
        return;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "a batch of %d was refused for its data (%s):"
                  " running its items one by one", n, sqlstate);
    for (int i = 0; i < n; i++) {
        items[i]->res = GH_RESULT_OK;
        items[i]->result = NULL;
        b->run(r, &items[i], 1);
    }
}

/* Takes up to max_items queued items of the oldest item's group; called
 * with the lock held. */
static int take(gh_batch_t *b, gh_batch_item_t **items)
{
    const void *group = b->head->group;
    gh_batch_item_t **link = &b->head;
    int n = 0;

    while (*link && n < b->max_items) {
        gh_batch_item_t *it = *link;
        if (it->group != group) {
            link = &it->next;
            continue;
        }
        *link = it->next;
        it->state = ITEM_TAKEN;
        items[n++] = it;
    }
    b->tail = &b->head;
    while (*b->tail) {
        b->tail = &(*b->tail)->next;
    }
    return n;
}

/* A follower's failure, in its own pool: the leader's strings go with
 * the leader's request. */
static void own_strings(gh_batch_item_t *it)
{
    it->res.reason = apr_pstrdup(it->pool, it->res.reason);
    it->res.message = apr_pstrdup(it->pool, it->res.message);
}

gh_result_t gh_batch_submit(gh_batch_t *b, request_rec *r, gh_batch_item_t *item)
{
    gh_batch_item_t **items;
    gh_result_t res;

    if (b == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "no batcher for this request: it could not"
                      " be created in this child");
        return gh_result(GH_INTERNAL, NULL, NULL);
    }
    if (b->check && (res = b->check(r, item->input)).kind != GH_OK) {
        return res;
    }
    items = apr_palloc(r->pool, sizeof(*items) * b->max_items);
    item->next = NULL;
    item->pool = r->pool;
    item->state = ITEM_QUEUED;
    item->res = GH_RESULT_OK;
    apr_thread_mutex_lock(b->lock);
    *b->tail = item;
    b->tail = &item->next;
    while (item->state != ITEM_DONE) {
        if (item->state == ITEM_QUEUED && b->leaders < b->max_leaders) {
            int n = take(b, items);

            b->leaders++;
            apr_thread_mutex_unlock(b->lock);
            ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "batch of %d", n);
            gh_metrics_batch(n);
            run(b, r, items, n);
            for (int i = 0; i < n; i++) {
                if (items[i] != item) {
                    own_strings(items[i]);
                }
            }
            apr_thread_mutex_lock(b->lock);
            for (int i = 0; i < n; i++) {
                items[i]->state = ITEM_DONE;
            }
            b->leaders--;
            apr_thread_cond_broadcast(b->finished);
        }
        else {
            apr_thread_cond_wait(b->finished, b->lock);
        }
    }
    apr_thread_mutex_unlock(b->lock);
    return item->res;
}

void gh_batch_finish(request_rec *leader, gh_batch_item_t **items, int n, gh_result_t res,
                     const char *label)
{
    for (int i = 0; res.kind == GH_OK && i < n; i++) {
        if (items[i]->result == NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, leader, "%s gave no outcome for item %d",
                          label, i + 1);
            res = gh_result(GH_INTERNAL, NULL, NULL);
        }
    }
    for (int i = 0; res.kind != GH_OK && i < n; i++) {
        items[i]->res = res;
    }
}
