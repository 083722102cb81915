/* Parts of the configuration, each owned by its concern (gh_cfg.h): the
 * module's server and dir records are arrays of part records, created
 * and merged field by field from each part's table. */
#include <string.h>

#include "gh_cfg.h"

#include "apr_file_io.h"
#include "apr_strings.h"
#include "http_log.h"

static gh_cfg_part_t *const *parts;
static int nparts;

typedef struct {
    void **part;           /* by part index; NULL for the other scope's */
} gh_cfg_rec_t;

void gh_cfg_register(gh_cfg_part_t *const *list)
{
    parts = list;
    for (nparts = 0; list[nparts]; nparts++) {
        list[nparts]->index = nparts;
    }
}

static void *create_part(apr_pool_t *p, const gh_cfg_part_t *part)
{
    return gh_cfg_fields_create(p, part->size, part->fields);
}

static void *merge_part(apr_pool_t *p, const gh_cfg_part_t *part, const void *base,
                        const void *add)
{
    return gh_cfg_fields_merge(p, part->size, part->fields, base, add);
}

static void *create_rec(apr_pool_t *p, int per_dir)
{
    gh_cfg_rec_t *rec = apr_pcalloc(p, sizeof(*rec));

    rec->part = apr_pcalloc(p, sizeof(void *) * (nparts + 1));
    for (int i = 0; i < nparts; i++) {
        if (parts[i]->per_dir == per_dir) {
            rec->part[i] = create_part(p, parts[i]);
        }
    }
    return rec;
}

static void *merge_rec(apr_pool_t *p, const gh_cfg_rec_t *base, const gh_cfg_rec_t *add,
                       int per_dir)
{
    gh_cfg_rec_t *rec = apr_pcalloc(p, sizeof(*rec));

    rec->part = apr_pcalloc(p, sizeof(void *) * (nparts + 1));
    for (int i = 0; i < nparts; i++) {
        if (parts[i]->per_dir == per_dir) {
            rec->part[i] = merge_part(p, parts[i], base->part[i], add->part[i]);
        }
    }
    return rec;
}

void *gh_cfg_create_server(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return create_rec(p, 0);
}

void *gh_cfg_merge_server(apr_pool_t *p, void *basev, void *addv)
{
    return merge_rec(p, basev, addv, 0);
}

void *gh_cfg_create_dir(apr_pool_t *p, char *dir)
{
    (void)dir;
    return create_rec(p, 1);
}

void *gh_cfg_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    return merge_rec(p, basev, addv, 1);
}

void *gh_cfg_server(server_rec *s, const gh_cfg_part_t *part)
{
    const gh_cfg_rec_t *rec = ap_get_module_config(s->module_config, &gamehoney_module);
    return rec->part[part->index];
}

void *gh_cfg_dir(request_rec *r, const gh_cfg_part_t *part)
{
    const gh_cfg_rec_t *rec = ap_get_module_config(r->per_dir_config, &gamehoney_module);
    return rec->part[part->index];
}

/* Every file a part names must be readable by the time httpd serves. */
static int check_files(server_rec *s, const gh_cfg_part_t *part, const char *conf)
{
    for (const gh_cfg_field_t *f = part->fields; f->name; f++) {
        const char *path = f->kind == GH_CFG_FILE ? *(const char *const *)(conf + f->offset)
                                                  : NULL;
        apr_pool_t *tmp;
        apr_file_t *fh;
        apr_status_t rv;

        if (path == NULL) {
            continue;
        }
        apr_pool_create(&tmp, NULL);
        rv = apr_file_open(&fh, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, tmp);
        apr_pool_destroy(tmp);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "%s: %s cannot be read", part->name,
                         path);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

int gh_cfg_post_config(apr_pool_t *pconf, server_rec *s)
{
    for (; s; s = s->next) {
        for (int i = 0; i < nparts; i++) {
            void *conf;
            int rv;
            if (parts[i]->per_dir) {
                continue;
            }
            conf = gh_cfg_server(s, parts[i]);
            if ((rv = check_files(s, parts[i], conf)) != OK
                || (parts[i]->post_config
                    && (rv = parts[i]->post_config(pconf, s, conf)) != OK)) {
                return rv;
            }
        }
    }
    return OK;
}

int gh_cfg_ready(server_rec *s, const gh_cfg_need_t *need)
{
    return need->ready(gh_cfg_server(s, need->part));
}

void gh_cfg_warn_unready(server_rec *s)
{
    for (int i = 0; i < nparts; i++) {
        for (const gh_cfg_need_t *const *n = parts[i]->needs; n && *n; n++) {
            if (!gh_cfg_ready(s, *n) && (!(*n)->only_with || gh_cfg_ready(s, (*n)->only_with))) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "%s: not configured; its routes "
                             "answer 503 not_configured until you set %s", (*n)->what,
                             (*n)->settings);
            }
        }
    }
}

/* ---- directives ---------------------------------------------------------- */

void *gh_cfg_target(cmd_parms *cmd, void *dcv)
{
    const gh_cfg_slot_t *slot = cmd->info;
    char *conf = slot->part->per_dir ? ((gh_cfg_rec_t *)dcv)->part[slot->part->index]
                                     : gh_cfg_server(cmd->server, slot->part);
    return conf + slot->offset;
}

const char *gh_cfg_check_secret(cmd_parms *cmd, const char *value)
{
    if (*value == '\0' || strstr(value, "${") != NULL) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " is empty or names an "
                           "environment variable that is not set", NULL);
    }
    return NULL;
}

/* TAKE_ARGV, since httpd's TAKE1 refuses an empty "" outright. */
static const char *one_value(cmd_parms *cmd, int argc, char *const argv[], const char **out)
{
    *out = argc == 1 ? argv[0] : "";
    if (argc > 1) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes one argument", NULL);
    }
    if (strstr(*out, "${") != NULL) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " names an environment variable that "
                           "is not set (export it, empty to leave this unset)", NULL);
    }
    return NULL;
}

const char *gh_cfg_set_string(cmd_parms *cmd, void *dcv, int argc, char *const argv[])
{
    const char *arg, *err = one_value(cmd, argc, argv, &arg);

    if (err == NULL) {
        *(const char **)gh_cfg_target(cmd, dcv) = *arg ? arg : NULL;
    }
    return err;
}

const char *gh_cfg_set_file(cmd_parms *cmd, void *dcv, int argc, char *const argv[])
{
    const char *arg, *err = one_value(cmd, argc, argv, &arg), *path = NULL;

    if (err == NULL && *arg && (path = ap_server_root_relative(cmd->pool, arg)) == NULL) {
        err = apr_pstrcat(cmd->pool, cmd->cmd->name, ": not a valid path: ", arg, NULL);
    }
    if (err == NULL) {
        *(const char **)gh_cfg_target(cmd, dcv) = path;
    }
    return err;
}

static const char *set_bounded(cmd_parms *cmd, void *dcv, const char *arg, long lo, long hi,
                               const char *what)
{
    char *end;
    long v = strtol(arg, &end, 10);

    if (*arg == '\0' || *end || v < lo || v > hi) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, what, NULL);
    }
    *(int *)gh_cfg_target(cmd, dcv) = (int)v;
    return NULL;
}

const char *gh_cfg_set_seconds(cmd_parms *cmd, void *dcv, const char *arg)
{
    return set_bounded(cmd, dcv, arg, 1, 365L * 86400, " takes a number of seconds");
}

const char *gh_cfg_set_millis(cmd_parms *cmd, void *dcv, const char *arg)
{
    return set_bounded(cmd, dcv, arg, 1, 600000, " takes milliseconds, 1 to 600000");
}

const char *gh_cfg_set_count(cmd_parms *cmd, void *dcv, const char *arg)
{
    return set_bounded(cmd, dcv, arg, 1, 16L * 1024 * 1024,
                       " takes a number from 1 to 16777216");
}

/* "<min> <max>" amounts in won. */
const char *gh_cfg_set_range(cmd_parms *cmd, void *dcv, const char *lo, const char *hi)
{
    gh_range_t *range = gh_cfg_target(cmd, dcv);
    char *e1, *e2;
    apr_int64_t min = apr_strtoi64(lo, &e1, 10), max = apr_strtoi64(hi, &e2, 10);

    if (*lo == '\0' || *e1 || *hi == '\0' || *e2 || min < 1 || max < min
        || max > APR_INT64_C(1000000000000)) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes <min> <max>: "
                           "1 <= min <= max <= 1000000000000", NULL);
    }
    range->min = min;
    range->max = max;
    return NULL;
}

/* "<count> <seconds>", count 0 meaning off. */
const char *gh_cfg_set_limit(cmd_parms *cmd, void *dcv, const char *count, const char *secs)
{
    gh_limit_t *limit = gh_cfg_target(cmd, dcv);
    char *e1, *e2;
    long c = strtol(count, &e1, 10), w = strtol(secs, &e2, 10);

    if (*count == '\0' || *e1 || *secs == '\0' || *e2
        || c < 0 || c > 1000000 || w < 1 || w > 86400 * 7) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes <count> <seconds>: "
                           "count 0 (off) to 1000000, seconds 1 to 604800", NULL);
    }
    limit->count = (int)c;
    limit->window = (int)w;
    return NULL;
}
