/* Public app settings: the rows marked public, never the others, as one
 * object whose bytes the entity tag is the hash of. */
#include "gh_app_settings.h"
#include "gh_db.h"
#include "gh_etag.h"
#include "gh_json.h"
#include "gh_rows.h"

const gh_db_stmt_t gh_app_settings_statements[] = {
    { "gh_app_settings_public",
      "SELECT key, value FROM app_settings WHERE is_public ORDER BY key" },
    { NULL, NULL }
};

static const gh_col_t setting_cols[] = {        /* gh_app_settings_public */
    { "key", GH_COL_TEXT, NULL }, { "value", GH_COL_TEXT, NULL }, { NULL, 0, NULL }
};

gh_result_t gh_app_settings_public(request_rec *r, gh_app_settings_doc_t *doc)
{
    apr_array_header_t *rows;
    json_object *obj;
    gh_result_t res;

    if ((res = gh_db_query(r, "gh_app_settings_public", 0, NULL, &rows)).kind != GH_OK) {
        return res;
    }
    obj = gh_json_object(r->pool);
    for (int i = 0; i < rows->nelts; i++) {
        const char *const *row = gh_rows_row(rows, i);
        json_object_object_add(obj, gh_rows_text(setting_cols, row, "key"),
                               json_object_new_string(gh_rows_text(setting_cols, row, "value")));
    }
    doc->text = gh_json_serialize(obj, &doc->len);
    if ((doc->etag = gh_etag_of(r->pool, doc->text, doc->len)) == NULL) {
        return gh_result(GH_INTERNAL, NULL, "SHA-256 failed.");
    }
    return res;
}
