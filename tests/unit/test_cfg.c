/* gh_cfg_fields: a record starts with every field unset, and a merge takes
 * each field the added record sets, keeps the base's otherwise, and
 * leaves derived fields for post_config. */
#include <apr_strings.h>

#include "check.h"
#include "suites.h"
#include "gh_cfg_fields.h"

typedef struct {
    const char *name;
    int count;
    apr_off_t bytes;
    gh_range_t amount;
    gh_limit_t limit;
    const char *derived;
    int not_listed;                  /* a member no table names stays 0 */
} sample_t;

#define F(member, kind) GH_CFG_FIELD(sample_t, member, kind)

static const gh_cfg_field_t fields[] = {
    F(name, GH_CFG_PTR), F(count, GH_CFG_INT), F(bytes, GH_CFG_OFF),
    F(amount, GH_CFG_RANGE), F(limit, GH_CFG_LIMIT), F(derived, GH_CFG_DERIVED),
    { NULL, 0, 0 }
};

void test_cfg(apr_pool_t *p)
{
    sample_t *base = gh_cfg_fields_create(p, sizeof(sample_t), fields);
    sample_t *add = gh_cfg_fields_create(p, sizeof(sample_t), fields);
    sample_t *m;

    CHECK(base->name == NULL);
    CHECK(base->count == GH_UNSET);
    CHECK(base->bytes == GH_UNSET);
    CHECK(base->amount.min == GH_UNSET);
    CHECK(base->limit.count == GH_UNSET);
    CHECK(base->derived == NULL && base->not_listed == 0);

    /* nothing set anywhere: still unset */
    m = gh_cfg_fields_merge(p, sizeof(sample_t), fields, base, add);
    CHECK(m->name == NULL && m->count == GH_UNSET && m->bytes == GH_UNSET);
    CHECK(m->amount.min == GH_UNSET && m->limit.count == GH_UNSET);

    /* set in base only: inherited */
    base->name = "base";
    base->count = 7;
    base->bytes = 1024;
    base->amount.min = 100;
    base->amount.max = 200;
    base->limit.count = 0;           /* 0 is a setting (off), not unset */
    base->limit.window = 60;
    base->derived = "computed for base";
    m = gh_cfg_fields_merge(p, sizeof(sample_t), fields, base, add);
    CHECK_STR_EQ(m->name, "base");
    CHECK(m->count == 7 && m->bytes == 1024);
    CHECK(m->amount.min == 100 && m->amount.max == 200);
    CHECK(m->limit.count == 0 && m->limit.window == 60);
    CHECK(m->derived == NULL);       /* post_config derives it for the merged record */
    CHECK(m != base && m != add);

    /* set in add: add wins, field by field */
    add->count = 0;
    add->amount.min = 5;
    add->amount.max = 6;
    m = gh_cfg_fields_merge(p, sizeof(sample_t), fields, base, add);
    CHECK_STR_EQ(m->name, "base");
    CHECK(m->count == 0);
    CHECK(m->amount.min == 5 && m->amount.max == 6);
    CHECK(m->bytes == 1024 && m->limit.window == 60);
    add->name = "add";
    add->limit.count = 3;
    add->limit.window = 9;
    m = gh_cfg_fields_merge(p, sizeof(sample_t), fields, base, add);
    CHECK_STR_EQ(m->name, "add");
    CHECK(m->limit.count == 3 && m->limit.window == 9);
    /* the inputs are never changed */
    CHECK_STR_EQ(base->name, "base");
    CHECK(base->count == 7);
}
