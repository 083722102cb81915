/* The psychology test and its analysis results (seed 002), under
 * SetHandler gamehoney-analysis at /api (GameHoneyMount /api) behind
 * AuthType GameHoney: the current question set without its weights, a
 * submission scored and stored once per submission id, and the user's own
 * results. The model is gh_psy_model, the database gh_psy. */
#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_db.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_psy.h"

/* The core's reasons that have codes of their own here. */
static const gh_reason_map_t errors[] = {
    { "answers",           GH_E_INVALID_ANSWERS },
    { "submission_reused", GH_E_SUBMISSION_REUSED },
    { "no_version",        GH_E_PSY_TEST_UNAVAILABLE },
    { "user",              GH_E_USER_NOT_FOUND },
    { "result",            GH_E_RESULT_NOT_FOUND },
    { NULL, 0 }
};

static int answer(request_rec *r, gh_result_t res)
{
    return gh_answer_mapped(r, res, errors);
}

/* An id, order and text: what a client shows of a question or option. */
static json_object *item(apr_pool_t *p, apr_int64_t id, int ord, const char *text)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "id", json_object_new_string(
        apr_psprintf(p, "%" APR_INT64_T_FMT, id)));
    json_object_object_add(o, "order", json_object_new_int(ord));
    json_object_object_add(o, "text", json_object_new_string(text));
    return o;
}

static int questions(request_rec *r, const gh_route_params_t *params)
{
    const gh_psy_set_t *set;
    json_object *out, *list;
    int status;

    (void)params;
    if ((status = answer(r, gh_psy_current(r, &set))) != OK) {
        return status;
    }
    out = gh_json_object(r->pool);
    list = json_object_new_array();
    json_object_object_add(out, "version", json_object_new_int(set->version));
    json_object_object_add(out, "title", json_object_new_string(set->title));
    json_object_object_add(out, "questions", list);
    for (int i = 0; i < set->questions->nelts; i++) {
        const gh_psy_question_t *q = &APR_ARRAY_IDX(set->questions, i, gh_psy_question_t);
        json_object *qo = item(r->pool, q->id, q->ord, q->text), *opts = json_object_new_array();
        for (int k = 0; k < q->options->nelts; k++) {
            const gh_psy_option_t *o = &APR_ARRAY_IDX(q->options, k, gh_psy_option_t);
            json_object_array_add(opts, item(r->pool, o->id, o->ord, o->text));
        }
        json_object_object_add(qo, "options", opts);
        json_object_array_add(list, qo);
    }
    return gh_send_json(r, HTTP_OK, out);
}

static int submit(request_rec *r, const gh_route_params_t *params)
{
    gh_psy_submission_t sub;
    json_object *in, *out;
    const char *err;
    int status, replayed = 0;

    (void)params;
    if ((status = gh_http_read_object(r, &in)) != OK) {
        return status;
    }
    if (gh_psy_parse_submission(r->pool, in, &sub, &err) != 0) {
        return gh_fail(r, GH_E_INVALID_REQUEST, err);
    }
    if ((status = answer(r, gh_psy_submit(r, r->user, &sub, &out, &replayed))) != OK) {
        return status;
    }
    if (replayed) {
        apr_table_setn(r->headers_out, "Idempotency-Replayed", "true");
    }
    return gh_send_json(r, replayed ? HTTP_OK : HTTP_CREATED, out);
}

static int result(request_rec *r, const gh_route_params_t *params)
{
    json_object *out;
    int status;

    if ((status = answer(r, gh_psy_result(r, r->user, gh_route_param(params, "id"),
                                          &out))) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_OK, out);
}

static int post_config(apr_pool_t *pconf, server_rec *s)
{
    (void)s;
    gh_db_register(pconf, gh_psy_statements);
    return OK;
}

static const gh_route_t routes[] = {
    { "GET",  "/psy-test/questions",    questions, GH_ROUTE_USER },
    { "POST", "/psy-test/submit",       submit,    GH_ROUTE_USER },
    { "GET",  "/analysis-results/{id}", result,    GH_ROUTE_USER },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_analysis = { "analysis", routes, NULL, post_config,
                                     gh_psy_child_init };
