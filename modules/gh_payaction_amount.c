/* Payaction's deposited amounts: a number, or text with separators. */
#include "gh_json.h"
#include "gh_money.h"
#include "gh_payaction_amount.h"

gh_payaction_amount_e gh_payaction_amount_of(json_object *body, apr_int64_t *won)
{
    json_object *v;
    const char *s;

    if (!json_object_object_get_ex(body, "amount", &v) || json_object_is_type(v, json_type_null)) {
        return GH_PAYACTION_AMOUNT_NONE;
    }
    if (json_object_is_type(v, json_type_int)) {
        *won = json_object_get_int64(v);
    }
    else if ((s = gh_json_str_of(v)) == NULL || gh_money_parse_won(s, won) != 0) {
        return GH_PAYACTION_AMOUNT_BAD;
    }
    return *won >= 0 && *won <= GH_PAYACTION_WON_MAX ? GH_PAYACTION_AMOUNT_WON
                                                     : GH_PAYACTION_AMOUNT_BAD;
}
