/* The psychology test's scoring model (gh_psy_model.h): sets, the answer
 * check, scores, the character rule and templates. */
#include <string.h>

#include <apr_strings.h>

#include "gh_psy_model.h"
#include "gh_text.h"

#define LIST_MAX 10         /* ids a problem names before "and N more" */
#define KEY_MAX  48         /* bytes between a placeholder's braces */

const char *const gh_psy_dims[GH_PSY_DIMS] = {
    "tendency_extraversion", "tendency_openness", "tendency_conscientiousness",
    "tendency_agreeableness", "tendency_stability",
    "preference_activity", "preference_social", "preference_creative"
};

const char *const gh_psy_dim_labels[GH_PSY_DIMS] = {
    "외향성", "개방성", "성실성", "친화성", "정서 안정성",
    "활동 선호", "사교 선호", "창작 선호"
};

int gh_psy_dim_index(const char *name)
{
    for (int d = 0; name && d < GH_PSY_DIMS; d++) {
        if (strcmp(name, gh_psy_dims[d]) == 0) {
            return d;
        }
    }
    return -1;
}

gh_psy_set_t *gh_psy_set_make(apr_pool_t *p, int version, const char *title)
{
    gh_psy_set_t *set = apr_pcalloc(p, sizeof(*set));

    set->version = version;
    set->title = apr_pstrdup(p, title ? title : "");
    set->questions = apr_array_make(p, 16, sizeof(gh_psy_question_t));
    return set;
}

gh_psy_question_t *gh_psy_set_question(apr_pool_t *p, gh_psy_set_t *set, apr_int64_t id,
                                       int ord, const char *text)
{
    gh_psy_question_t *q;

    if (set->questions->nelts > 0) {
        q = &APR_ARRAY_IDX(set->questions, set->questions->nelts - 1, gh_psy_question_t);
        if (q->id == id) {
            return q;
        }
    }
    q = apr_array_push(set->questions);
    q->id = id;
    q->ord = ord;
    q->text = apr_pstrdup(p, text ? text : "");
    q->options = apr_array_make(p, 4, sizeof(gh_psy_option_t));
    return q;
}

gh_psy_option_t *gh_psy_set_option(apr_pool_t *p, gh_psy_question_t *q, apr_int64_t id,
                                   int ord, const char *text)
{
    gh_psy_option_t *o = apr_array_push(q->options);

    memset(o, 0, sizeof(*o));
    o->id = id;
    o->ord = ord;
    o->text = apr_pstrdup(p, text ? text : "");
    return o;
}

/* The option with that id in question q, or NULL. */
static gh_psy_option_t *option_of(const gh_psy_question_t *q, apr_int64_t id)
{
    for (int i = 0; i < q->options->nelts; i++) {
        gh_psy_option_t *o = &APR_ARRAY_IDX(q->options, i, gh_psy_option_t);
        if (o->id == id) {
            return o;
        }
    }
    return NULL;
}

static gh_psy_question_t *question_at(const gh_psy_set_t *set, int i)
{
    return &APR_ARRAY_IDX(set->questions, i, gh_psy_question_t);
}

int gh_psy_set_weight(gh_psy_set_t *set, apr_int64_t option_id, const char *dimension,
                      int weight)
{
    int d = gh_psy_dim_index(dimension);

    for (int i = 0; i < set->questions->nelts; i++) {
        gh_psy_option_t *o = option_of(question_at(set, i), option_id);
        if (o) {
            if (d >= 0) {
                o->weights[d] = weight;
            }
            return 0;
        }
    }
    return -1;
}

int gh_psy_set_character(apr_pool_t *p, gh_psy_set_t *set, const char *dimension,
                         const char *name, const char *image_url, const char *summary,
                         const char *coaching_tips)
{
    int d = gh_psy_dim_index(dimension);
    gh_psy_character_t *c;

    if (d < 0 || d >= GH_PSY_TENDENCIES) {
        return -1;
    }
    c = &set->characters[d];
    c->name = apr_pstrdup(p, name ? name : "");
    c->image_url = apr_pstrdup(p, image_url ? image_url : "");
    c->summary = apr_pstrdup(p, summary ? summary : "");
    c->coaching_tips = apr_pstrdup(p, coaching_tips ? coaching_tips : "");
    return 0;
}

const char *gh_psy_set_check(apr_pool_t *p, const gh_psy_set_t *set)
{
    if (set->questions->nelts == 0) {
        return apr_psprintf(p, "psy version %d has no questions", set->version);
    }
    for (int i = 0; i < set->questions->nelts; i++) {
        if (question_at(set, i)->options->nelts == 0) {
            return apr_psprintf(p, "psy version %d: question %" APR_INT64_T_FMT
                                " has no options", set->version, question_at(set, i)->id);
        }
    }
    for (int d = 0; d < GH_PSY_TENDENCIES; d++) {
        if (set->characters[d].name == NULL) {
            return apr_psprintf(p, "psy version %d has no character for %s", set->version,
                                gh_psy_dims[d]);
        }
    }
    return NULL;
}

gh_psy_set_t *gh_psy_set_copy(apr_pool_t *p, const gh_psy_set_t *set)
{
    gh_psy_set_t *copy = gh_psy_set_make(p, set->version, set->title);

    for (int i = 0; i < set->questions->nelts; i++) {
        const gh_psy_question_t *q = question_at(set, i);
        gh_psy_question_t *cq = gh_psy_set_question(p, copy, q->id, q->ord, q->text);
        for (int k = 0; k < q->options->nelts; k++) {
            const gh_psy_option_t *o = &APR_ARRAY_IDX(q->options, k, gh_psy_option_t);
            gh_psy_option_t *co = gh_psy_set_option(p, cq, o->id, o->ord, o->text);
            memcpy(co->weights, o->weights, sizeof(co->weights));
        }
    }
    for (int d = 0; d < GH_PSY_TENDENCIES; d++) {
        const gh_psy_character_t *c = &set->characters[d];
        if (c->name) {
            gh_psy_set_character(p, copy, gh_psy_dims[d], c->name, c->image_url, c->summary,
                                 c->coaching_tips);
        }
    }
    return copy;
}

const gh_psy_question_t *gh_psy_set_find(const gh_psy_set_t *set, apr_int64_t question_id)
{
    for (int i = 0; i < set->questions->nelts; i++) {
        if (question_at(set, i)->id == question_id) {
            return question_at(set, i);
        }
    }
    return NULL;
}

/* ---- the submission body ---- */

/* Non-zero when obj has only members named in allowed (NULL-ended); *bad
 * gets the first other name. */
static int only_members(json_object *obj, const char *const *allowed, const char **bad)
{
    json_object_object_foreach(obj, key, val) {
        int known = 0;
        (void)val;
        for (const char *const *a = allowed; *a && !known; a++) {
            known = strcmp(key, *a) == 0;
        }
        if (!known) {
            *bad = key;
            return 0;
        }
    }
    return 1;
}

/* A positive id: a JSON integer, or a string of decimal digits. */
static int positive_id(json_object *v, apr_int64_t *out)
{
    apr_int64_t n;

    if (json_object_is_type(v, json_type_int)) {
        n = json_object_get_int64(v);
    }
    else if (!json_object_is_type(v, json_type_string)
             || strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)
             || gh_parse_int64_dec(json_object_get_string(v), &n) != 0) {
        return -1;
    }
    if (n <= 0) {
        return -1;
    }
    *out = n;
    return 0;
}

static int fail(const char **err, const char *why)
{
    *err = why;
    return -1;
}

int gh_psy_parse_answers(apr_pool_t *p, json_object *answers, gh_psy_submission_t *out,
                         const char **err)
{
    static const char *const members[] = { "question_id", "option_id", NULL };
    size_t n;

    if (!json_object_is_type(answers, json_type_array)) {
        return fail(err, "answers must be an array of {question_id, option_id}.");
    }
    if ((n = json_object_array_length(answers)) > GH_PSY_ANSWERS_MAX) {
        *err = apr_psprintf(p, "answers may hold at most %d answers.", GH_PSY_ANSWERS_MAX);
        return -1;
    }
    out->n = (int)n;
    out->answers = apr_pcalloc(p, sizeof(gh_psy_answer_t) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(answers, i), *q, *o;
        const char *bad;

        if (!json_object_is_type(a, json_type_object)) {
            *err = apr_psprintf(p, "answers[%" APR_SIZE_T_FMT "] must be an object.", i);
            return -1;
        }
        if (!only_members(a, members, &bad)) {
            *err = apr_psprintf(p, "answers[%" APR_SIZE_T_FMT "]: unknown field '%s'.", i,
                                gh_utf8_valid(bad, strlen(bad)) ? bad : "?");
            return -1;
        }
        if (!json_object_object_get_ex(a, "question_id", &q)
            || positive_id(q, &out->answers[i].question_id) != 0) {
            *err = apr_psprintf(p, "answers[%" APR_SIZE_T_FMT "].question_id must be a positive"
                                " integer.", i);
            return -1;
        }
        if (!json_object_object_get_ex(a, "option_id", &o)
            || positive_id(o, &out->answers[i].option_id) != 0) {
            *err = apr_psprintf(p, "answers[%" APR_SIZE_T_FMT "].option_id must be a positive"
                                " integer.", i);
            return -1;
        }
    }
    return 0;
}

static int submission_id_ok(const char *s, size_t len)
{
    if (len < 1 || len > GH_PSY_SUBMISSION_MAX || strlen(s) != len) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
              || c == '.' || c == '_' || c == ':' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

int gh_psy_parse_submission(apr_pool_t *p, json_object *body, gh_psy_submission_t *out,
                            const char **err)
{
    static const char *const members[] = { "client_submission_id", "session_id", "answers",
                                           NULL };
    json_object *id1 = NULL, *id2 = NULL, *id, *answers;
    const char *bad;

    memset(out, 0, sizeof(*out));
    if (!json_object_is_type(body, json_type_object)) {
        return fail(err, "The body must be a JSON object.");
    }
    if (!only_members(body, members, &bad)) {
        *err = apr_psprintf(p, "unknown field '%s'.",
                            gh_utf8_valid(bad, strlen(bad)) ? bad : "?");
        return -1;
    }
    json_object_object_get_ex(body, "client_submission_id", &id1);
    json_object_object_get_ex(body, "session_id", &id2);
    if (json_object_object_get_ex(body, "client_submission_id", NULL)
        == json_object_object_get_ex(body, "session_id", NULL)) {
        return fail(err, "Give exactly one of client_submission_id and session_id.");
    }
    id = id1 ? id1 : id2;
    if (!json_object_is_type(id, json_type_string)
        || !submission_id_ok(json_object_get_string(id),
                             (size_t)json_object_get_string_len(id))) {
        return fail(err, "client_submission_id must be 1 to 64 of A-Z, a-z, 0-9, '.', '_',"
                         " ':' and '-'.");
    }
    out->submission_id = apr_pstrdup(p, json_object_get_string(id));
    if (!json_object_object_get_ex(body, "answers", &answers)) {
        return fail(err, "answers is required.");
    }
    return gh_psy_parse_answers(p, answers, out, err);
}

/* ---- the check of an answer set ---- */

/* "what: a, b, c and 2 more" from the n ids collected (and pairs). */
typedef struct {
    apr_pool_t *p;
    const char *text;
    int n;
} id_list_t;

static void list_add(id_list_t *l, const char *item)
{
    if (l->n < LIST_MAX) {
        l->text = l->n ? apr_pstrcat(l->p, l->text, ", ", item, NULL) : item;
    }
    l->n++;
}

static const char *list_done(const id_list_t *l, const char *what, const char *tail)
{
    const char *more = l->n > LIST_MAX ? apr_psprintf(l->p, " and %d more", l->n - LIST_MAX)
                                       : "";
    return apr_pstrcat(l->p, what, l->text, more, tail, NULL);
}

static const char *id_text(apr_pool_t *p, apr_int64_t id)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, id);
}

gh_psy_problem_e gh_psy_validate(apr_pool_t *p, const gh_psy_set_t *set,
                                 const gh_psy_answer_t *answers, int n, const char **msg)
{
    id_list_t unknown = { p, "", 0 }, dup = { p, "", 0 }, foreign = { p, "", 0 },
              missing = { p, "", 0 };

    for (int i = 0; i < n; i++) {
        const gh_psy_question_t *q = gh_psy_set_find(set, answers[i].question_id);
        int again = 0;

        if (q == NULL) {
            list_add(&unknown, id_text(p, answers[i].question_id));
            continue;
        }
        for (int j = 0; j < i && !again; j++) {
            again = answers[j].question_id == answers[i].question_id;
        }
        if (again) {
            int first = 1;          /* each duplicated id named once */
            for (int j = 0; j < i && first; j++) {
                for (int k = j + 1; k < i && first; k++) {
                    first = !(answers[j].question_id == answers[i].question_id
                              && answers[k].question_id == answers[i].question_id);
                }
            }
            if (first) {
                list_add(&dup, id_text(p, answers[i].question_id));
            }
        }
        else if (option_of(q, answers[i].option_id) == NULL) {
            list_add(&foreign, apr_psprintf(p, "%" APR_INT64_T_FMT " (question %"
                                            APR_INT64_T_FMT ")", answers[i].option_id, q->id));
        }
    }
    for (int k = 0; k < set->questions->nelts; k++) {
        int answered = 0;
        for (int i = 0; i < n && !answered; i++) {
            answered = answers[i].question_id == question_at(set, k)->id;
        }
        if (!answered) {
            list_add(&missing, id_text(p, question_at(set, k)->id));
        }
    }
    if (unknown.n) {
        *msg = list_done(&unknown, "unknown question ids: ",
                         apr_psprintf(p, " (not questions of version %d).", set->version));
        return GH_PSY_UNKNOWN_QUESTION;
    }
    if (dup.n) {
        *msg = list_done(&dup, "duplicated question ids: ", " (answer each question once).");
        return GH_PSY_DUPLICATE_QUESTION;
    }
    if (foreign.n) {
        *msg = list_done(&foreign, "options not of their question: ", ".");
        return GH_PSY_FOREIGN_OPTION;
    }
    if (missing.n) {
        *msg = list_done(&missing, "missing question ids: ",
                         apr_psprintf(p, " (version %d has %d questions).", set->version,
                                      set->questions->nelts));
        return GH_PSY_MISSING_QUESTION;
    }
    *msg = NULL;
    return GH_PSY_VALID;
}

/* ---- scores, character and texts ---- */

/* round-half-up(100 * num / den) for 0 <= num <= den, den > 0. */
static int percent(apr_int64_t num, apr_int64_t den)
{
    return (int)((200 * num + den) / (2 * den));
}

/* The highest score of dimensions [from, to), ties to the earlier. */
static int highest(const int *scores, int from, int to)
{
    int best = from;

    for (int d = from + 1; d < to; d++) {
        if (scores[d] > scores[best]) {
            best = d;
        }
    }
    return best;
}

void gh_psy_score(apr_pool_t *p, const gh_psy_set_t *set, const gh_psy_answer_t *answers,
                  int n, gh_psy_result_t *out)
{
    apr_int64_t raw[GH_PSY_DIMS] = { 0 }, lo[GH_PSY_DIMS] = { 0 }, hi[GH_PSY_DIMS] = { 0 };

    for (int k = 0; k < set->questions->nelts; k++) {
        const gh_psy_question_t *q = question_at(set, k);
        for (int d = 0; d < GH_PSY_DIMS; d++) {
            int qlo = 0, qhi = 0;
            for (int i = 0; i < q->options->nelts; i++) {
                int w = APR_ARRAY_IDX(q->options, i, gh_psy_option_t).weights[d];
                qlo = i == 0 || w < qlo ? w : qlo;
                qhi = i == 0 || w > qhi ? w : qhi;
            }
            lo[d] += qlo;
            hi[d] += qhi;
        }
    }
    for (int i = 0; i < n; i++) {
        const gh_psy_question_t *q = gh_psy_set_find(set, answers[i].question_id);
        const gh_psy_option_t *o = q ? option_of(q, answers[i].option_id) : NULL;
        for (int d = 0; o && d < GH_PSY_DIMS; d++) {
            raw[d] += o->weights[d];
        }
    }
    for (int d = 0; d < GH_PSY_DIMS; d++) {
        apr_int64_t v = raw[d] < lo[d] ? lo[d] : raw[d] > hi[d] ? hi[d] : raw[d];
        out->scores[d] = hi[d] == lo[d] ? 50 : percent(v - lo[d], hi[d] - lo[d]);
    }
    out->top = highest(out->scores, 0, GH_PSY_TENDENCIES);
    out->character = &set->characters[out->top];
    out->summary = gh_psy_fill(p, out->character->summary, set, out);
    out->coaching_tips = gh_psy_fill(p, out->character->coaching_tips, set, out);
}

/* The text of placeholder key[0..len), or NULL for none of ours. */
static const char *placeholder(apr_pool_t *p, const char *key, size_t len,
                               const gh_psy_set_t *set, const gh_psy_result_t *res)
{
    int pref = highest(res->scores, GH_PSY_TENDENCIES, GH_PSY_DIMS), d;
    char name[KEY_MAX + 1];

    memcpy(name, key, len);
    name[len] = '\0';
    if (strcmp(name, "name") == 0) {
        return res->character && res->character->name ? res->character->name : "";
    }
    if (strcmp(name, "top_dimension") == 0) {
        return gh_psy_dims[res->top];
    }
    if (strcmp(name, "top_dimension_label") == 0) {
        return gh_psy_dim_labels[res->top];
    }
    if (strcmp(name, "score") == 0) {
        return apr_itoa(p, res->scores[res->top]);
    }
    if (strcmp(name, "preference_label") == 0) {
        return gh_psy_dim_labels[pref];
    }
    if (strcmp(name, "preference_score") == 0) {
        return apr_itoa(p, res->scores[pref]);
    }
    if (strcmp(name, "version") == 0) {
        return apr_itoa(p, set->version);
    }
    if (strncmp(name, "score:", 6) == 0 && (d = gh_psy_dim_index(name + 6)) >= 0) {
        return apr_itoa(p, res->scores[d]);
    }
    if (strncmp(name, "label:", 6) == 0 && (d = gh_psy_dim_index(name + 6)) >= 0) {
        return gh_psy_dim_labels[d];
    }
    return NULL;
}

/* Appends s[0..len) to buf (of *used bytes) up to GH_PSY_TEXT_MAX, never
 * splitting a UTF-8 sequence. Returns 0 when it all fitted. */
static int append(char *buf, size_t *used, const char *s, size_t len)
{
    size_t room = GH_PSY_TEXT_MAX - *used, take = len < room ? len : room;

    if (take < len) {
        while (take > 0 && ((unsigned char)s[take] & 0xC0) == 0x80) {
            take--;
        }
    }
    memcpy(buf + *used, s, take);
    *used += take;
    return take == len ? 0 : -1;
}

const char *gh_psy_fill(apr_pool_t *p, const char *tmpl, const gh_psy_set_t *set,
                        const gh_psy_result_t *res)
{
    char *buf = apr_palloc(p, GH_PSY_TEXT_MAX + 1);
    size_t used = 0;
    const char *s = tmpl ? tmpl : "";

    while (*s) {
        const char *open = strchr(s, '{'), *close, *text = NULL;

        if (open == NULL) {
            append(buf, &used, s, strlen(s));
            break;
        }
        if (append(buf, &used, s, (size_t)(open - s)) != 0) {
            break;
        }
        close = strchr(open + 1, '}');
        if (close && (size_t)(close - open - 1) <= KEY_MAX) {
            text = placeholder(p, open + 1, (size_t)(close - open - 1), set, res);
        }
        if (text) {
            if (append(buf, &used, text, strlen(text)) != 0) {
                break;
            }
            s = close + 1;
        }
        else {
            if (append(buf, &used, "{", 1) != 0) {
                break;
            }
            s = open + 1;
        }
    }
    buf[used] = '\0';
    return buf;
}
