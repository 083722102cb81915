/* gh_psy_model: the submission body, the answer check, normalised scores,
 * the character rule and templates. */
#include <apr_strings.h>

#include "check.h"
#include "suites.h"
#include "gh_json.h"
#include "gh_psy_model.h"
#include "gh_text.h"

static apr_pool_t *g_pool;

/* A set of version 3: question 10 (options 101-103), 20 (201-202) and 30
 * (301-303). Weights (E = extraversion, O = openness, S = social):
 *   101 E+2 S+1 | 102 E-1 | 103 O+2
 *   201 E+1     | 202 O+1 S-1
 *   301 (none)  | 302 E+3 O-2 | 303 O+1 */
static gh_psy_set_t *sample(void)
{
    static const char *const dims[GH_PSY_TENDENCIES] = {
        "tendency_extraversion", "tendency_openness", "tendency_conscientiousness",
        "tendency_agreeableness", "tendency_stability"
    };
    static const struct { apr_int64_t option; const char *dim; int w; } weights[] = {
        { 101, "tendency_extraversion", 2 }, { 101, "preference_social", 1 },
        { 102, "tendency_extraversion", -1 }, { 103, "tendency_openness", 2 },
        { 201, "tendency_extraversion", 1 }, { 202, "tendency_openness", 1 },
        { 202, "preference_social", -1 }, { 302, "tendency_extraversion", 3 },
        { 302, "tendency_openness", -2 }, { 303, "tendency_openness", 1 },
        { 303, "tendency_unknownthing", 9 },       /* not one of ours: ignored */
    };
    gh_psy_set_t *set = gh_psy_set_make(g_pool, 3, "test");
    gh_psy_question_t *q;

    q = gh_psy_set_question(g_pool, set, 10, 1, "q1");
    gh_psy_set_option(g_pool, q, 101, 1, "a");
    gh_psy_set_option(g_pool, q, 102, 2, "b");
    gh_psy_set_option(g_pool, q, 103, 3, "c");
    q = gh_psy_set_question(g_pool, set, 20, 2, "q2");
    gh_psy_set_option(g_pool, q, 201, 1, "a");
    q = gh_psy_set_question(g_pool, set, 20, 2, "q2");     /* the same question again */
    gh_psy_set_option(g_pool, q, 202, 2, "b");
    q = gh_psy_set_question(g_pool, set, 30, 3, "q3");
    gh_psy_set_option(g_pool, q, 301, 1, "a");
    gh_psy_set_option(g_pool, q, 302, 2, "b");
    gh_psy_set_option(g_pool, q, 303, 3, "c");
    for (size_t i = 0; i < sizeof(weights) / sizeof(weights[0]); i++) {
        CHECK_INT_EQ(gh_psy_set_weight(set, weights[i].option, weights[i].dim, weights[i].w), 0);
    }
    for (int d = 0; d < GH_PSY_TENDENCIES; d++) {
        CHECK_INT_EQ(gh_psy_set_character(g_pool, set, dims[d], apr_psprintf(g_pool, "c%d", d),
                                          "/i.png", "{name}:{score}", "tip"), 0);
    }
    return set;
}

static void test_set(void)
{
    gh_psy_set_t *set = sample(), *empty = gh_psy_set_make(g_pool, 4, NULL);
    gh_psy_question_t *q;

    CHECK_INT_EQ(set->questions->nelts, 3);
    CHECK_INT_EQ(gh_psy_set_find(set, 20)->options->nelts, 2);
    CHECK_NULL(gh_psy_set_find(set, 40));
    CHECK_INT_EQ(gh_psy_set_weight(set, 999, "tendency_openness", 1), -1);
    CHECK_INT_EQ(gh_psy_set_character(g_pool, set, "preference_social", "x", "", "", ""), -1);
    CHECK_INT_EQ(gh_psy_set_character(g_pool, set, "nothing", "x", "", "", ""), -1);
    CHECK_NULL(gh_psy_set_check(g_pool, set));
    {   /* a copy scores as the original does */
        apr_pool_t *sub;
        gh_psy_set_t *copy;
        gh_psy_answer_t a[3] = { { 10, 103 }, { 20, 202 }, { 30, 302 } };
        gh_psy_result_t r1, r2;
        apr_pool_create(&sub, g_pool);
        copy = gh_psy_set_copy(sub, set);
        CHECK_NULL(gh_psy_set_check(g_pool, copy));
        CHECK_INT_EQ(copy->version, 3);
        CHECK_STR_EQ(copy->title, "test");
        CHECK_STR_EQ(gh_psy_set_find(copy, 30)->text, "q3");
        gh_psy_score(g_pool, set, a, 3, &r1);
        gh_psy_score(g_pool, copy, a, 3, &r2);
        CHECK_MEM_EQ(r1.scores, sizeof(r1.scores), r2.scores, sizeof(r2.scores));
        CHECK_STR_EQ(r2.summary, r1.summary);
        CHECK_STR_EQ(copy->characters[4].image_url, "/i.png");
        apr_pool_destroy(sub);
    }
    CHECK_STR_EQ(gh_psy_set_check(g_pool, empty), "psy version 4 has no questions");
    q = gh_psy_set_question(g_pool, empty, 7, 1, "q");
    CHECK_STR_EQ(gh_psy_set_check(g_pool, empty), "psy version 4: question 7 has no options");
    gh_psy_set_option(g_pool, q, 71, 1, "o");
    CHECK_STR_EQ(gh_psy_set_check(g_pool, empty),
                 "psy version 4 has no character for tendency_extraversion");
    CHECK_INT_EQ(gh_psy_dim_index("preference_creative"), 7);
    CHECK_INT_EQ(gh_psy_dim_index("tendency_extraversion"), 0);
    CHECK_INT_EQ(gh_psy_dim_index("Tendency_extraversion"), -1);
    CHECK_INT_EQ(gh_psy_dim_index(NULL), -1);
}

/* ---- the body ---- */

static const struct {
    const char *body;
    const char *err;        /* NULL: parses */
    int n;
    const char *id;
} bodies[] = {
    { "{\"client_submission_id\":\"a\",\"answers\":[]}", NULL, 0, "a" },
    { "{\"session_id\":\"s-1.x:Y_2\",\"answers\":[{\"question_id\":1,\"option_id\":\"2\"}]}",
      NULL, 1, "s-1.x:Y_2" },
    { "{\"answers\":[{\"option_id\":\"12\",\"question_id\":\"9223372036854775807\"}],"
      "\"client_submission_id\":\"x\"}", NULL, 1, "x" },
    { "[]", "The body must be a JSON object.", 0, NULL },
    { "{\"answers\":[]}", "Give exactly one of client_submission_id and session_id.", 0, NULL },
    { "{\"client_submission_id\":\"a\",\"session_id\":\"a\",\"answers\":[]}",
      "Give exactly one of client_submission_id and session_id.", 0, NULL },
    { "{\"client_submission_id\":\"a\",\"answers\":[],\"extra\":1}",
      "unknown field 'extra'.", 0, NULL },
    { "{\"client_submission_id\":\"a\"}", "answers is required.", 0, NULL },
    { "{\"client_submission_id\":\"a\",\"answers\":null}",
      "answers must be an array of {question_id, option_id}.", 0, NULL },
    { "{\"client_submission_id\":\"a\",\"answers\":{}}",
      "answers must be an array of {question_id, option_id}.", 0, NULL },
    { "{\"client_submission_id\":\"a\",\"answers\":[1]}", "answers[0] must be an object.", 0,
      NULL },
    { "{\"client_submission_id\":\"a\",\"answers\":[{\"question_id\":1,\"option_id\":1,"
      "\"x\":0}]}", "answers[0]: unknown field 'x'.", 0, NULL },
    { "{\"client_submission_id\":\"a\",\"answers\":[{\"option_id\":1}]}",
      "answers[0].question_id must be a positive integer.", 0, NULL },
    { "{\"client_submission_id\":\"a\",\"answers\":[{\"question_id\":1}]}",
      "answers[0].option_id must be a positive integer.", 0, NULL },
};

static const char *const bad_ids[] = {
    "0", "-1", "\"0\"", "\"-1\"", "\"+1\"", "\" 1\"", "\"1 \"", "\"\"", "\"1.0\"", "1.0", "1e2",
    "true", "null", "[1]", "{}", "\"9223372036854775808\"", "\"1\\u00002\"", "\"abc\"",
};

static const char *const bad_submission_ids[] = {
    "\"\"", "\"a b\"", "\"a/b\"", "\"\xed\x95\x9c\"", "\"a\\u0000b\"", "1", "null", "[]",
    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",  /* 65 */
};

static json_object *parse(const char *text)
{
    json_object *o = NULL;
    const char *e;

    if (gh_json_parse(g_pool, text, strlen(text), &o, &e) != 0) {
        fprintf(stderr, "test_psy_model: %s does not parse: %s\n", text, e);
        abort();
    }
    return o;
}

static void test_parse(void)
{
    gh_psy_submission_t s;
    const char *err;

    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        int rc = gh_psy_parse_submission(g_pool, parse(bodies[i].body), &s, &err);
        if (bodies[i].err == NULL) {
            if (CHECK_INT_EQ(rc, 0)) {
                CHECK_INT_EQ(s.n, bodies[i].n);
                CHECK_STR_EQ(s.submission_id, bodies[i].id);
            }
        }
        else if (CHECK_INT_EQ(rc, -1) && !CHECK_STR_EQ(err, bodies[i].err)) {
            fprintf(stderr, "    body %s\n", bodies[i].body);
        }
    }
    CHECK_INT_EQ(gh_psy_parse_submission(g_pool, parse("{\"session_id\":\"q\",\"answers\":"
        "[{\"question_id\":\"7\",\"option_id\":70}]}"), &s, &err), 0);
    CHECK_INT_EQ(s.answers[0].question_id, 7);
    CHECK_INT_EQ(s.answers[0].option_id, 70);
    CHECK_INT_EQ(gh_psy_parse_submission(g_pool, parse("{\"session_id\":\"q\",\"answers\":"
        "[{\"question_id\":1,\"option_id\":9223372036854775807}]}"), &s, &err), 0);
    CHECK_INT_EQ(s.answers[0].option_id, APR_INT64_MAX);

    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        const char *q = apr_psprintf(g_pool, "{\"session_id\":\"a\",\"answers\":[{\"question_id\":"
                                     "1,\"option_id\":1},{\"question_id\":%s,\"option_id\":1}]}",
                                     bad_ids[i]);
        const char *o = apr_psprintf(g_pool, "{\"session_id\":\"a\",\"answers\":[{\"question_id\":"
                                     "1,\"option_id\":%s}]}", bad_ids[i]);
        if (!(CHECK_INT_EQ(gh_psy_parse_submission(g_pool, parse(q), &s, &err), -1)
              && CHECK_STR_EQ(err, "answers[1].question_id must be a positive integer."))
            || !(CHECK_INT_EQ(gh_psy_parse_submission(g_pool, parse(o), &s, &err), -1)
                 && CHECK_STR_EQ(err, "answers[0].option_id must be a positive integer."))) {
            fprintf(stderr, "    id %s\n", bad_ids[i]);
        }
    }
    for (size_t i = 0; i < sizeof(bad_submission_ids) / sizeof(bad_submission_ids[0]); i++) {
        const char *b = apr_psprintf(g_pool, "{\"client_submission_id\":%s,\"answers\":[]}",
                                     bad_submission_ids[i]);
        if (!CHECK_INT_EQ(gh_psy_parse_submission(g_pool, parse(b), &s, &err), -1)
            || !CHECK(strncmp(err, "client_submission_id must be", 28) == 0)) {
            fprintf(stderr, "    id %s\n", bad_submission_ids[i]);
        }
    }
    {   /* 64 characters pass; 200 answers pass, 201 do not */
        char id[65], *many = "";
        memset(id, 'z', 64);
        id[64] = '\0';
        CHECK_INT_EQ(gh_psy_parse_submission(g_pool, parse(apr_psprintf(g_pool,
            "{\"client_submission_id\":\"%s\",\"answers\":[]}", id)), &s, &err), 0);
        for (int i = 0; i < GH_PSY_ANSWERS_MAX; i++) {
            many = apr_psprintf(g_pool, "%s%s{\"question_id\":%d,\"option_id\":1}",
                                many, i ? "," : "", i + 1);
        }
        CHECK_INT_EQ(gh_psy_parse_answers(g_pool, parse(apr_psprintf(g_pool, "[%s]", many)), &s,
                                          &err), 0);
        CHECK_INT_EQ(s.n, GH_PSY_ANSWERS_MAX);
        CHECK_INT_EQ(gh_psy_parse_answers(g_pool, parse(apr_psprintf(g_pool,
            "[%s,{\"question_id\":1,\"option_id\":1}]", many)), &s, &err), -1);
        CHECK_STR_EQ(err, "answers may hold at most 200 answers.");
    }
}

/* ---- the answer check ---- */

#define A(q, o) { (q), (o) }
static const struct {
    int n;
    gh_psy_answer_t a[14];
    gh_psy_problem_e problem;
    const char *msg;
} checks[] = {
    { 3, { A(10, 101), A(20, 201), A(30, 301) }, GH_PSY_VALID, NULL },
    { 3, { A(30, 303), A(10, 102), A(20, 202) }, GH_PSY_VALID, NULL },      /* any order */
    { 0, { A(0, 0) }, GH_PSY_MISSING_QUESTION,
      "missing question ids: 10, 20, 30 (version 3 has 3 questions)." },
    { 2, { A(10, 101), A(30, 301) }, GH_PSY_MISSING_QUESTION,
      "missing question ids: 20 (version 3 has 3 questions)." },
    { 4, { A(10, 101), A(20, 201), A(30, 301), A(10, 102) }, GH_PSY_DUPLICATE_QUESTION,
      "duplicated question ids: 10 (answer each question once)." },
    { 5, { A(10, 101), A(10, 101), A(10, 101), A(20, 201), A(20, 202) },
      GH_PSY_DUPLICATE_QUESTION, "duplicated question ids: 10, 20 (answer each question once)." },
    { 3, { A(10, 201), A(20, 201), A(30, 999) }, GH_PSY_FOREIGN_OPTION,
      "options not of their question: 201 (question 10), 999 (question 30)." },
    { 4, { A(10, 101), A(20, 201), A(30, 301), A(40, 401) }, GH_PSY_UNKNOWN_QUESTION,
      "unknown question ids: 40 (not questions of version 3)." },
    /* the first kind of problem wins: unknown, duplicated, foreign, missing */
    { 3, { A(10, 201), A(10, 101), A(99, 1) }, GH_PSY_UNKNOWN_QUESTION,
      "unknown question ids: 99 (not questions of version 3)." },
    { 3, { A(10, 201), A(10, 101), A(20, 1) }, GH_PSY_DUPLICATE_QUESTION,
      "duplicated question ids: 10 (answer each question once)." },
    { 1, { A(10, 201) }, GH_PSY_FOREIGN_OPTION,
      "options not of their question: 201 (question 10)." },
    /* at most 10 ids, then how many more */
    { 12, { A(1, 1), A(2, 1), A(3, 1), A(4, 1), A(5, 1), A(6, 1), A(7, 1), A(8, 1), A(9, 1),
            A(11, 1), A(12, 1), A(13, 1) }, GH_PSY_UNKNOWN_QUESTION,
      "unknown question ids: 1, 2, 3, 4, 5, 6, 7, 8, 9, 11 and 2 more"
      " (not questions of version 3)." },
};

static void test_validate(void)
{
    gh_psy_set_t *set = sample();

    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        const char *msg = "unset";
        gh_psy_problem_e got = gh_psy_validate(g_pool, set, checks[i].a, checks[i].n, &msg);
        if (!CHECK_INT_EQ(got, checks[i].problem) || !CHECK_STR_EQ(msg, checks[i].msg)) {
            fprintf(stderr, "    check %zu\n", i);
        }
    }
}

/* ---- scores ---- */

/* Per dimension over the sample: E lo = -1+0+0 = -1, hi = 2+1+3 = 6;
 * O lo = 0+0-2 = -2, hi = 2+1+1 = 4; S lo = 0-1+0 = -1, hi = 1+0+0 = 1;
 * the others never named: 50. */
static const struct {
    gh_psy_answer_t a[3];
    int scores[GH_PSY_DIMS];
    int top;
} scorings[] = {
    /* E raw 2+1+0 = 3: 100*4/7 = 57.14 -> 57; O 0: 100*2/6 = 33.3 -> 33; S 1: 100*2/2 */
    { { A(10, 101), A(20, 201), A(30, 301) }, { 57, 33, 50, 50, 50, 50, 100, 50 }, 0 },
    /* E -1+0+3 = 2: 300/7 = 42.9 -> 43; O 0+1-2 = -1: 100/6 = 16.7 -> 17; S -1: 0; every
     * tendency under the unnamed 50s: conscientiousness, the first of those */
    { { A(10, 102), A(20, 202), A(30, 302) }, { 43, 17, 50, 50, 50, 50, 0, 50 }, 2 },
    /* E max 2+1+3 = 6 -> 100; O 0+0-2 -> 0 */
    { { A(10, 101), A(20, 201), A(30, 302) }, { 100, 0, 50, 50, 50, 50, 100, 50 }, 0 },
    /* E 0+0+0: 100/7 = 14.3 -> 14; O 2+1+1 = 4: 100; S -1: 0; top O */
    { { A(10, 103), A(20, 202), A(30, 303) }, { 14, 100, 50, 50, 50, 50, 0, 50 }, 1 },
    /* E -1+1+0 = 0: 100/7 = 14.29 -> 14; O 0+0+1 = 1: 300/6 = 50 (exact half up) */
    { { A(10, 102), A(20, 201), A(30, 303) }, { 14, 50, 50, 50, 50, 50, 50, 50 }, 1 },
    /* E 0+0+0... E -1+0+0 = -1 -> 0; O 0+1+0 = 1 -> 50: tie of O with the unnamed 50s: O
     * comes first */
    { { A(10, 102), A(20, 202), A(30, 301) }, { 0, 50, 50, 50, 50, 50, 0, 50 }, 1 },
};

static void test_score(void)
{
    gh_psy_set_t *set = sample();

    for (size_t i = 0; i < sizeof(scorings) / sizeof(scorings[0]); i++) {
        gh_psy_result_t res;
        int ok = 1;
        gh_psy_score(g_pool, set, scorings[i].a, 3, &res);
        for (int d = 0; d < GH_PSY_DIMS; d++) {
            ok &= CHECK_INT_EQ(res.scores[d], scorings[i].scores[d]);
        }
        ok &= CHECK_INT_EQ(res.top, scorings[i].top);
        ok &= CHECK(res.character == &set->characters[scorings[i].top]);
        ok &= CHECK_STR_EQ(res.summary, apr_psprintf(g_pool, "c%d:%d", scorings[i].top,
                                                     scorings[i].scores[scorings[i].top]));
        ok &= CHECK_STR_EQ(res.coaching_tips, "tip");
        if (!ok) {
            fprintf(stderr, "    scoring %zu\n", i);
        }
    }
}

/* Rounding half up, and a tie of every tendency. */
static void test_rounding(void)
{
    gh_psy_set_t *set = gh_psy_set_make(g_pool, 1, "r");
    gh_psy_answer_t a[8];
    gh_psy_result_t res;

    /* 8 questions of two options: 0 or +1 on stability; 200 on preference_activity
     * weighs 0/1 on the first question only */
    for (int k = 0; k < 8; k++) {
        gh_psy_question_t *q = gh_psy_set_question(g_pool, set, k + 1, k + 1, "q");
        gh_psy_set_option(g_pool, q, 10 * (k + 1) + 1, 1, "zero");
        gh_psy_set_option(g_pool, q, 10 * (k + 1) + 2, 2, "one");
        gh_psy_set_weight(set, 10 * (k + 1) + 2, "tendency_stability", 1);
        a[k].question_id = k + 1;
        a[k].option_id = 10 * (k + 1) + 1;
    }
    for (int d = 0; d < GH_PSY_TENDENCIES; d++) {
        gh_psy_set_character(g_pool, set, gh_psy_dims[d], gh_psy_dims[d], "", "", "");
    }
    /* raw r of 8: 100 r / 8 = 12.5 r; half up: 0 13 25 38 50 63 75 88 100 */
    {
        static const int want[] = { 0, 13, 25, 38, 50, 63, 75, 88, 100 };
        for (int r = 0; r <= 8; r++) {
            if (r > 0) {
                a[r - 1].option_id++;
            }
            gh_psy_score(g_pool, set, a, 8, &res);
            if (!CHECK_INT_EQ(res.scores[4], want[r])) {
                fprintf(stderr, "    raw %d\n", r);
            }
            /* the unnamed four tendencies are 50: stability wins only above 50 */
            CHECK_INT_EQ(res.top, want[r] > 50 ? 4 : 0);
            CHECK_INT_EQ(res.scores[0], 50);
        }
    }
}

/* ---- templates ---- */

static void test_fill(void)
{
    gh_psy_set_t *set = sample();
    gh_psy_result_t res = { { 10, 80, 20, 80, 5, 30, 70, 70 }, 1, NULL, NULL, NULL };
    static const struct { const char *tmpl, *want; } fills[] = {
        { "", "" },
        { "plain", "plain" },
        { "{name}", "c1" },
        { "{name}님은 {top_dimension_label}이 {score}점", "c1님은 개방성이 80점" },
        { "{top_dimension}", "tendency_openness" },
        { "{preference_label} {preference_score}", "사교 선호 70" },     /* tie: social */
        { "v{version}", "v3" },
        { "{score:tendency_stability}/{label:tendency_stability}", "5/정서 안정성" },
        { "{score:preference_creative}", "70" },
        { "{score:nothing} {label:}", "{score:nothing} {label:}" },
        { "{unknown} {NAME} { name}", "{unknown} {NAME} { name}" },
        { "{{name}}", "{c1}" },
        { "{", "{" },
        { "}{", "}{" },
        { "{name", "{name" },
        { "a{}b", "a{}b" },
        { "{name}{name}", "c1c1" },
    };

    res.character = &set->characters[1];
    for (size_t i = 0; i < sizeof(fills) / sizeof(fills[0]); i++) {
        if (!CHECK_STR_EQ(gh_psy_fill(g_pool, fills[i].tmpl, set, &res), fills[i].want)) {
            fprintf(stderr, "    template %s\n", fills[i].tmpl);
        }
    }
    CHECK_STR_EQ(gh_psy_fill(g_pool, NULL, set, &res), "");
    {   /* bounded, and never cut inside a character: 3-byte 한 */
        char *big = apr_palloc(g_pool, 3 * 2000 + 1), *many = "";
        const char *out;
        for (int i = 0; i < 2000; i++) {
            memcpy(big + 3 * i, "\xed\x95\x9c", 3);
        }
        big[3 * 2000] = '\0';
        out = gh_psy_fill(g_pool, big, set, &res);
        CHECK_INT_EQ(strlen(out), GH_PSY_TEXT_MAX - GH_PSY_TEXT_MAX % 3);
        CHECK(gh_utf8_valid(out, strlen(out)));
        for (int i = 0; i < 1000; i++) {
            many = apr_pstrcat(g_pool, many, "{label:tendency_stability}", NULL);
        }
        out = gh_psy_fill(g_pool, many, set, &res);
        CHECK(strlen(out) <= GH_PSY_TEXT_MAX);
        CHECK(strlen(out) > GH_PSY_TEXT_MAX - 16);
        CHECK(gh_utf8_valid(out, strlen(out)));
    }
}

void test_psy_model(apr_pool_t *p)
{
    g_pool = p;
    test_set();
    test_parse();
    test_validate();
    test_score();
    test_rounding();
    test_fill();
}
