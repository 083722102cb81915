/* libFuzzer target: the psy-test's submission body, the answer check and
 * the scores (gh_psy_model). The input is read two ways:
 *  - as a POST /api/psy-test/submit body: what gh_psy_parse_submission
 *    takes holds a well-formed submission id and at most 200 positive
 *    ids, and reads back the same written out again; those answers are
 *    checked against a small fixed set, and gh_psy_validate must agree
 *    with a reference written from the README (every question exactly
 *    once, each option of its question, problems named in the README's
 *    order); a valid set scores as the reference does, in any order of
 *    its answers, with the character the README's rule picks;
 *  - as a template: gh_psy_fill stays within GH_PSY_TEXT_MAX bytes of
 *    valid UTF-8, and a text without braces comes out as it went in. */
#include <apr_strings.h>

#include "fuzz.h"
#include "gh_json.h"
#include "gh_psy_model.h"
#include "gh_text.h"

/* Questions 1-4 with options q*10+1 .. q*10+k (k = 2, 3, 4, 1). Weights
 * are made from the ids, so every dimension has some spread. */
#define NQ 4
static const int n_options[NQ] = { 2, 3, 4, 1 };

static int weight(apr_int64_t option, int d)
{
    return (int)((option * 7 + d * 13) % 21) - 10;
}

static gh_psy_set_t *the_set(apr_pool_t *p)
{
    gh_psy_set_t *set = gh_psy_set_make(p, 1, "fuzz");

    for (int q = 1; q <= NQ; q++) {
        gh_psy_question_t *qq = gh_psy_set_question(p, set, q, q, "q");
        for (int k = 1; k <= n_options[q - 1]; k++) {
            gh_psy_set_option(p, qq, q * 10 + k, k, "o");
            for (int d = 0; d < GH_PSY_DIMS; d++) {
                if ((q + k + d) % 3) {          /* some options name no dimension */
                    REQUIRE(gh_psy_set_weight(set, q * 10 + k, gh_psy_dims[d],
                                              weight(q * 10 + k, d)) == 0);
                }
            }
        }
    }
    for (int d = 0; d < GH_PSY_TENDENCIES; d++) {
        REQUIRE(gh_psy_set_character(p, set, gh_psy_dims[d], gh_psy_dims[d], "/x.png",
                                     "{name} {score} {top_dimension_label}",
                                     "{preference_label} {score:preference_social}") == 0);
    }
    REQUIRE(gh_psy_set_check(p, set) == NULL);
    return set;
}

static int known_weight(apr_int64_t option, int d)
{
    apr_int64_t q = option / 10, k = option % 10;
    return (q + k + d) % 3 ? weight(option, d) : 0;
}

static int is_option(apr_int64_t q, apr_int64_t o)
{
    return q >= 1 && q <= NQ && o / 10 == q && o % 10 >= 1 && o % 10 <= n_options[q - 1];
}

/* The README's check, written separately. */
static gh_psy_problem_e ref_validate(const gh_psy_answer_t *a, int n)
{
    int seen[NQ + 1] = { 0 }, unknown = 0, dup = 0, foreign = 0, missing = 0;

    for (int i = 0; i < n; i++) {
        if (a[i].question_id < 1 || a[i].question_id > NQ) {
            unknown = 1;
        }
        else if (seen[a[i].question_id]++) {
            dup = 1;
        }
        else if (!is_option(a[i].question_id, a[i].option_id)) {
            foreign = 1;
        }
    }
    for (int q = 1; q <= NQ; q++) {
        missing |= !seen[q];
    }
    return unknown ? GH_PSY_UNKNOWN_QUESTION : dup ? GH_PSY_DUPLICATE_QUESTION
         : foreign ? GH_PSY_FOREIGN_OPTION : missing ? GH_PSY_MISSING_QUESTION : GH_PSY_VALID;
}

static void ref_scores(const gh_psy_answer_t *a, int n, int *scores)
{
    for (int d = 0; d < GH_PSY_DIMS; d++) {
        long lo = 0, hi = 0, raw = 0;
        for (int q = 1; q <= NQ; q++) {
            int l = 100, h = -100;
            for (int k = 1; k <= n_options[q - 1]; k++) {
                int w = known_weight(q * 10 + k, d);
                l = w < l ? w : l;
                h = w > h ? w : h;
            }
            lo += l;
            hi += h;
        }
        for (int i = 0; i < n; i++) {
            raw += known_weight(a[i].option_id, d);
        }
        /* round half up: floor(x + 1/2) */
        scores[d] = hi == lo ? 50 : (int)((200 * (raw - lo) + (hi - lo)) / (2 * (hi - lo)));
    }
}

static void check_written_back(apr_pool_t *p, const gh_psy_submission_t *s)
{
    json_object *body = gh_json_object(p), *list = json_object_new_array(), *parsed;
    gh_psy_submission_t again;
    const char *text, *err;
    apr_size_t len;

    json_object_object_add(body, "session_id", json_object_new_string(s->submission_id));
    for (int i = 0; i < s->n; i++) {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "question_id", json_object_new_int64(s->answers[i].question_id));
        json_object_object_add(a, "option_id", json_object_new_string(
            apr_psprintf(p, "%" APR_INT64_T_FMT, s->answers[i].option_id)));
        json_object_array_add(list, a);
    }
    json_object_object_add(body, "answers", list);
    text = apr_pstrdup(p, gh_json_serialize(body, &len));
    REQUIRE(gh_json_parse(p, text, len, &parsed, &err) == 0);
    REQUIRE(gh_psy_parse_submission(p, parsed, &again, &err) == 0);
    REQUIRE(strcmp(again.submission_id, s->submission_id) == 0 && again.n == s->n);
    REQUIRE(s->n == 0 || memcmp(again.answers, s->answers, sizeof(*s->answers) * s->n) == 0);
}

static void check_submission(apr_pool_t *p, const gh_psy_submission_t *s)
{
    size_t idlen = strlen(s->submission_id);
    const gh_psy_set_t *set = the_set(p);
    gh_psy_problem_e got, want;
    const char *msg = NULL;

    REQUIRE(idlen >= 1 && idlen <= GH_PSY_SUBMISSION_MAX);
    REQUIRE(strspn(s->submission_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789._:-") == idlen);
    REQUIRE(s->n >= 0 && s->n <= GH_PSY_ANSWERS_MAX);
    for (int i = 0; i < s->n; i++) {
        REQUIRE(s->answers[i].question_id > 0 && s->answers[i].option_id > 0);
    }
    check_written_back(p, s);

    got = gh_psy_validate(p, set, s->answers, s->n, &msg);
    want = ref_validate(s->answers, s->n);
    if (got != want) {
        fprintf(stderr, "gh_psy_validate said %d, the reference %d (%s)\n", (int)got, (int)want,
                msg ? msg : "");
        abort();
    }
    REQUIRE((got == GH_PSY_VALID) == (msg == NULL));
    if (msg) {
        REQUIRE(strlen(msg) < 1000 && gh_utf8_valid(msg, strlen(msg)));
    }
    if (got == GH_PSY_VALID) {
        gh_psy_result_t res, rev;
        gh_psy_answer_t back[NQ];
        int ref[GH_PSY_DIMS], top = 0;

        gh_psy_score(p, set, s->answers, s->n, &res);
        ref_scores(s->answers, s->n, ref);
        for (int d = 0; d < GH_PSY_DIMS; d++) {
            if (res.scores[d] != ref[d]) {
                fprintf(stderr, "score of %s: %d, the reference %d\n", gh_psy_dims[d],
                        res.scores[d], ref[d]);
                abort();
            }
            REQUIRE(res.scores[d] >= 0 && res.scores[d] <= 100);
        }
        for (int d = 1; d < GH_PSY_TENDENCIES; d++) {
            top = ref[d] > ref[top] ? d : top;
        }
        REQUIRE(res.top == top && res.character == &set->characters[top]);
        REQUIRE(strlen(res.summary) <= GH_PSY_TEXT_MAX && strchr(res.summary, '{') == NULL);
        REQUIRE(s->n == NQ);
        for (int i = 0; i < NQ; i++) {
            back[i] = s->answers[NQ - 1 - i];
        }
        gh_psy_score(p, set, back, NQ, &rev);
        REQUIRE(memcmp(rev.scores, res.scores, sizeof(res.scores)) == 0);
        REQUIRE(strcmp(rev.summary, res.summary) == 0);
        REQUIRE(strcmp(rev.coaching_tips, res.coaching_tips) == 0);
    }
}

static void check_template(apr_pool_t *p, const char *text, size_t size)
{
    const gh_psy_set_t *set = the_set(p);
    gh_psy_result_t res = { { 0, 100, 50, 7, 99, 1, 2, 3 }, 1, NULL, NULL, NULL };
    const char *out;
    size_t n;

    if (strlen(text) != size || !gh_utf8_valid(text, size)) {
        return;
    }
    res.character = &set->characters[1];
    out = gh_psy_fill(p, text, set, &res);
    n = strlen(out);
    REQUIRE(n <= GH_PSY_TEXT_MAX && gh_utf8_valid(out, n));
    if (strchr(text, '{') == NULL) {
        REQUIRE(n == (size < GH_PSY_TEXT_MAX ? size : n) && memcmp(out, text, n) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_root_pool();
    char *text = dup_bytes(data, size);
    gh_psy_submission_t s;
    json_object *body;
    const char *err;

    if (gh_json_parse(p, text, size, &body, &err) == 0) {
        if (gh_psy_parse_submission(p, body, &s, &err) == 0) {
            check_submission(p, &s);
        }
        else {
            REQUIRE(err != NULL && gh_utf8_valid(err, strlen(err)));
        }
    }
    check_template(p, text, size);
    free(text);
    apr_pool_clear(p);
    return 0;
}
