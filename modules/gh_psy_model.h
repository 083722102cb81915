/* The psychology test's scoring model: a versioned question set whose
 * options weigh on named dimensions, the check of a submitted answer set,
 * the scores 0-100, the character a result is and its texts from
 * templates. Pure: needs only APR and json-c (README "Wellness: psy-test
 * and analysis"). */
#ifndef GH_PSY_MODEL_H
#define GH_PSY_MODEL_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <json-c/json.h>

/* The dimensions, in the order of analysis_results' columns; the first
 * GH_PSY_TENDENCIES are the tendencies a character stands for, and this
 * order breaks ties. */
#define GH_PSY_DIMS        8
#define GH_PSY_TENDENCIES  5
extern const char *const gh_psy_dims[GH_PSY_DIMS];        /* column names */
extern const char *const gh_psy_dim_labels[GH_PSY_DIMS];  /* Korean labels */

#define GH_PSY_ANSWERS_MAX    200   /* answers in one submission */
#define GH_PSY_SUBMISSION_MAX 64    /* characters of a submission id */
#define GH_PSY_TEXT_MAX       4000  /* bytes of a filled summary or tips */

/* The index of a dimension's column name, or -1. */
int gh_psy_dim_index(const char *name);

typedef struct {
    apr_int64_t id;
    int ord;
    const char *text;
    int weights[GH_PSY_DIMS];       /* 0 where the option names none */
} gh_psy_option_t;

typedef struct {
    apr_int64_t id;
    int ord;
    const char *text;
    apr_array_header_t *options;    /* of gh_psy_option_t, by ord */
} gh_psy_question_t;

typedef struct {
    const char *name, *image_url;
    const char *summary, *coaching_tips;    /* templates */
} gh_psy_character_t;

/* One version's whole set; build it with the functions below. */
typedef struct {
    int version;
    const char *title;
    apr_array_header_t *questions;  /* of gh_psy_question_t, by ord */
    gh_psy_character_t characters[GH_PSY_TENDENCIES];   /* name NULL: none */
} gh_psy_set_t;

gh_psy_set_t *gh_psy_set_make(apr_pool_t *p, int version, const char *title);

/* Adds a question, or an option to the question last added with that id
 * (added first if new). Strings are copied into p. */
gh_psy_question_t *gh_psy_set_question(apr_pool_t *p, gh_psy_set_t *set, apr_int64_t id,
                                       int ord, const char *text);
gh_psy_option_t *gh_psy_set_option(apr_pool_t *p, gh_psy_question_t *q, apr_int64_t id,
                                   int ord, const char *text);

/* Sets an option's weight on a dimension: 0, or -1 when the option is not
 * in the set; a dimension that is none of the eight is ignored (0). */
int gh_psy_set_weight(gh_psy_set_t *set, apr_int64_t option_id, const char *dimension,
                      int weight);

/* Sets the character of a tendency dimension: 0, or -1 when dimension is
 * not a tendency. Strings are copied into p. */
int gh_psy_set_character(apr_pool_t *p, gh_psy_set_t *set, const char *dimension,
                         const char *name, const char *image_url, const char *summary,
                         const char *coaching_tips);

/* NULL when the set can score: at least one question, every question
 * with an option, a character for every tendency; else what is missing. */
const char *gh_psy_set_check(apr_pool_t *p, const gh_psy_set_t *set);

/* A deep copy of set in p (for a cache that outlives the request). */
gh_psy_set_t *gh_psy_set_copy(apr_pool_t *p, const gh_psy_set_t *set);

/* The question with that id, or NULL. */
const gh_psy_question_t *gh_psy_set_find(const gh_psy_set_t *set, apr_int64_t question_id);

typedef struct {
    apr_int64_t question_id, option_id;
} gh_psy_answer_t;

/* A submission body: {"client_submission_id" (or its synonym
 * "session_id"; exactly one): 1-64 of A-Z a-z 0-9 . _ : -, "answers":
 * [{"question_id", "option_id"}]}, ids positive integers as JSON integers
 * or decimal strings, at most GH_PSY_ANSWERS_MAX answers, no other
 * member anywhere. Returns 0, or -1 with *err saying what is wrong. */
typedef struct {
    const char *submission_id;
    int n;
    gh_psy_answer_t *answers;
} gh_psy_submission_t;

int gh_psy_parse_submission(apr_pool_t *p, json_object *body, gh_psy_submission_t *out,
                            const char **err);

/* The answers array alone (as in the body). */
int gh_psy_parse_answers(apr_pool_t *p, json_object *answers, gh_psy_submission_t *out,
                         const char **err);

/* What is wrong with an answer set, checked in this order. */
typedef enum {
    GH_PSY_VALID = 0,
    GH_PSY_UNKNOWN_QUESTION,     /* a question not of the set's version */
    GH_PSY_DUPLICATE_QUESTION,   /* a question answered more than once */
    GH_PSY_FOREIGN_OPTION,       /* an option that is not of its question */
    GH_PSY_MISSING_QUESTION      /* a question of the set left unanswered */
} gh_psy_problem_e;

/* Checks answers against set: every question exactly once, each option of
 * its question. On a problem *msg names it and the ids concerned (at most
 * 10, then how many more), for a 400. */
gh_psy_problem_e gh_psy_validate(apr_pool_t *p, const gh_psy_set_t *set,
                                 const gh_psy_answer_t *answers, int n, const char **msg);

typedef struct {
    int scores[GH_PSY_DIMS];             /* 0-100, by gh_psy_dims */
    int top;                             /* the character's tendency */
    const gh_psy_character_t *character;
    const char *summary, *coaching_tips; /* filled templates */
} gh_psy_result_t;

/* Scores a valid answer set (gh_psy_validate said GH_PSY_VALID): per
 * dimension raw = the sum of the chosen options' weights, min and max the
 * sums over the questions of their lowest and highest option weight;
 * score = round-half-up(100 * (raw - min) / (max - min)), 50 when
 * max == min. The character is the highest tendency's, ties going to the
 * earlier one in gh_psy_dims. */
void gh_psy_score(apr_pool_t *p, const gh_psy_set_t *set, const gh_psy_answer_t *answers,
                  int n, gh_psy_result_t *out);

/* Fills a template: {name}, {top_dimension}, {top_dimension_label},
 * {score} (the top tendency's), {preference_label} and {preference_score}
 * (the highest preference, ties to the earlier), {version},
 * {score:<dimension>} and {label:<dimension>}; anything else in braces
 * stays as written. At most GH_PSY_TEXT_MAX bytes, cut at a character. */
const char *gh_psy_fill(apr_pool_t *p, const char *tmpl, const gh_psy_set_t *set,
                        const gh_psy_result_t *res);

#endif
