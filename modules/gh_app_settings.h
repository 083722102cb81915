/* The public app settings (service name, logo, support address ...) as
 * one JSON document with its entity tag. Returns results (gh_result.h). */
#ifndef GH_APP_SETTINGS_H
#define GH_APP_SETTINGS_H

#include "httpd.h"

#include "gh_result.h"
#include "gh_sql.h"

extern const gh_db_stmt_t gh_app_settings_statements[];

typedef struct {
    const char *text;      /* {"<key>":"<value>",...}: every public row, by key */
    apr_size_t len;
    const char *etag;      /* its strong entity tag (gh_etag_of) */
} gh_app_settings_doc_t;

/* The document as the database holds it now. OK or a failure. */
gh_result_t gh_app_settings_public(request_rec *r, gh_app_settings_doc_t *doc);

#endif
