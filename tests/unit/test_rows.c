/* gh_rows: rows read by column name and turned into JSON by a column
 * table. */
#include <string.h>

#include <apr_tables.h>

#include "check.h"
#include "suites.h"
#include "gh_json.h"
#include "gh_rows.h"

static const gh_col_t cols[] = {
    { "id",         GH_COL_TEXT, NULL },         /* read, never shown */
    { "name",       GH_COL_TEXT, "name" },
    { "amount",     GH_COL_INT,  "amount" },
    { "done",       GH_COL_BOOL, "is_done" },
    { "created_at", GH_COL_TIME, "created_at" },
    { "meta",       GH_COL_JSON, "meta" },
    { NULL, 0, NULL }
};

static const char *const full[] = { "7", "ann", "-1200", "t", "2026-11-21T08:04:51Z",
                                    "{\"a\":[1,true]}" };
static const char *const nulls[] = { NULL, NULL, NULL, NULL, NULL, NULL };

static const char *text(json_object *obj)
{
    return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
}

static void by_name(void)
{
    CHECK_INT_EQ(gh_rows_index(cols, "id"), 0);
    CHECK_INT_EQ(gh_rows_index(cols, "meta"), 5);
    CHECK_INT_EQ(gh_rows_index(cols, "nope"), -1);
    CHECK_STR_EQ(gh_rows_text(cols, full, "name"), "ann");
    CHECK_STR_EQ(gh_rows_text(cols, full, "id"), "7");
    CHECK_NULL(gh_rows_text(cols, full, "nope"));
    CHECK_NULL(gh_rows_text(cols, nulls, "name"));
    CHECK_INT_EQ(gh_rows_int(cols, full, "amount"), -1200);
    CHECK_INT_EQ(gh_rows_int(cols, nulls, "amount"), 0);
    CHECK_INT_EQ(gh_rows_int(cols, full, "nope"), 0);
    CHECK_INT_EQ(gh_rows_bool(cols, full, "done"), 1);
    {
        const char *const no[] = { "1", "b", "0", "f", NULL, NULL };
        CHECK_INT_EQ(gh_rows_bool(cols, no, "done"), 0);
    }
    CHECK_INT_EQ(gh_rows_bool(cols, nulls, "done"), 0);
}

static void objects(apr_pool_t *p)
{
    json_object *o = gh_json_own(p, gh_rows_object(cols, full));
    json_object *n = gh_json_own(p, gh_rows_object(cols, nulls));

    /* every keyed column in the table's order, typed; the unkeyed one left out */
    CHECK_STR_EQ(text(o), "{\"name\":\"ann\",\"amount\":-1200,\"is_done\":true,"
                          "\"created_at\":\"2026-11-21T08:04:51Z\",\"meta\":{\"a\":[1,true]}}");
    CHECK(json_object_is_type(json_object_object_get(o, "amount"), json_type_int));
    /* SQL NULL is null, whatever the type */
    CHECK_STR_EQ(text(n), "{\"name\":null,\"amount\":null,\"is_done\":null,"
                          "\"created_at\":null,\"meta\":null}");
    {
        const char *const odd[] = { "1", "", "0", "f", "", "not json" };
        CHECK_STR_EQ(text(gh_json_own(p, gh_rows_object(cols, odd))),
                     "{\"name\":\"\",\"amount\":0,\"is_done\":false,\"created_at\":\"\","
                     "\"meta\":null}");
    }
    {
        json_object *base = gh_json_object(p);
        json_object_object_add(base, "user_id", json_object_new_string("9"));
        gh_rows_add(base, cols, full);
        CHECK_STR_EQ(json_object_get_string(json_object_object_get(base, "user_id")), "9");
        CHECK_INT_EQ(json_object_object_length(base), 6);
    }
}

static void arrays(apr_pool_t *p)
{
    apr_array_header_t *rows = apr_array_make(p, 3, sizeof(const char *const *));
    static const char *const a[] = { "1", "a", "1", "f", NULL, NULL };
    static const char *const b[] = { "2", "b", "2", "t", NULL, NULL };
    static const char *const c[] = { "3", "c", "3", "t", NULL, NULL };
    json_object *all, *two, *none;

    APR_ARRAY_PUSH(rows, const char *const *) = a;
    APR_ARRAY_PUSH(rows, const char *const *) = b;
    APR_ARRAY_PUSH(rows, const char *const *) = c;
    CHECK_STR_EQ(gh_rows_row(rows, 1)[1], "b");
    all = gh_json_own(p, gh_rows_array(cols, rows, -1));
    two = gh_json_own(p, gh_rows_array(cols, rows, 2));
    none = gh_json_own(p, gh_rows_array(cols, rows, 0));
    CHECK_INT_EQ(json_object_array_length(all), 3);
    CHECK_INT_EQ(json_object_array_length(two), 2);
    CHECK_INT_EQ(json_object_array_length(none), 0);
    CHECK_STR_EQ(json_object_get_string(json_object_object_get(
                     json_object_array_get_idx(all, 2), "name")), "c");
    CHECK_INT_EQ(json_object_array_length(gh_json_own(p, gh_rows_array(cols, rows, 9))), 3);
}

void test_rows(apr_pool_t *p)
{
    by_name();
    objects(p);
    arrays(p);
}
