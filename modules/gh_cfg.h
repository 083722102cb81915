/* Configuration owned by its concern. Each provider and area declares a
 * part: its own settings struct, a table of that struct's fields (from
 * which every field is created unset and merged explicitly), its
 * directives and its post_config derivation and checks. mod_gamehoney.c
 * lists the parts; nothing here knows any of them, so a new area adds
 * its settings without editing a core file. */
#ifndef GH_CFG_H
#define GH_CFG_H

#include "gh_cfg_fields.h"
#include "gh_private.h"

typedef struct gh_cfg_part gh_cfg_part_t;

/* Something a group of routes needs configured before it can serve. */
typedef struct gh_cfg_need {
    const gh_cfg_part_t *part;
    const char *what;         /* "Payments" */
    const char *settings;     /* the directives (environment variables) that give it */
    int (*ready)(const void *conf);
    /* the start-up warning is worth a line only when this need is ready
     * (e.g. Google's code exchange, when id tokens work); may be NULL */
    const struct gh_cfg_need *only_with;
} gh_cfg_need_t;

struct gh_cfg_part {
    const char *name;                  /* "google", for logs */
    int per_dir;                       /* a <Location> part, else a server one */
    apr_size_t size;                   /* sizeof its settings struct */
    const gh_cfg_field_t *fields;      /* ends with a NULL name */
    /* post_config, for every server: derives settings and checks them;
     * OK, or a failure logged with s. May be NULL. */
    int (*post_config)(apr_pool_t *pconf, server_rec *s, void *conf);
    const gh_cfg_need_t *const *needs; /* ends with NULL; may be NULL */
    int index;                         /* private: its slot, set by gh_cfg_register */
};

/* Records the parts, in order, before any configuration is read
 * (register_hooks). */
void gh_cfg_register(gh_cfg_part_t *const *parts);

/* The module record's config hooks. */
void *gh_cfg_create_server(apr_pool_t *p, server_rec *s);
void *gh_cfg_merge_server(apr_pool_t *p, void *basev, void *addv);
void *gh_cfg_create_dir(apr_pool_t *p, char *dir);
void *gh_cfg_merge_dir(apr_pool_t *p, void *basev, void *addv);

/* post_config: every part's derivation and checks, for every server. */
int gh_cfg_post_config(apr_pool_t *pconf, server_rec *s);

/* A part's settings for server s, or for the <Location> of r. */
void *gh_cfg_server(server_rec *s, const gh_cfg_part_t *part);
void *gh_cfg_dir(request_rec *r, const gh_cfg_part_t *part);

/* Non-zero when s has what need asks for. */
int gh_cfg_ready(server_rec *s, const gh_cfg_need_t *need);

/* Logs one warning for each need of a part the main server lacks. */
void gh_cfg_warn_unready(server_rec *s);

/* ---- directives ----------------------------------------------------------
 * A directive's cmd_data names its part and the field it sets. */
typedef struct {
    const gh_cfg_part_t *part;
    apr_size_t offset;
} gh_cfg_slot_t;

#define GH_CFG_SLOT(part, type, member) \
    ((void *)&(gh_cfg_slot_t){ &(part), offsetof(type, member) })

/* The field a directive sets, in the config of cmd's server or in dcv. */
void *gh_cfg_target(cmd_parms *cmd, void *dcv);

/* Generic setters. A string: an empty value leaves it unset (so one conf
 * can name every provider's ${VAR}); a ${VAR} httpd left in place (not
 * exported) is refused. */
const char *gh_cfg_set_string(cmd_parms *cmd, void *dcv, int argc, char *const argv[]);
/* A file path (a GH_CFG_FILE field), resolved against ServerRoot;
 * gh_cfg_post_config checks that it can be read. */
const char *gh_cfg_set_file(cmd_parms *cmd, void *dcv, int argc, char *const argv[]);
const char *gh_cfg_set_seconds(cmd_parms *cmd, void *dcv, const char *arg);   /* 1 s..1 year */
const char *gh_cfg_set_millis(cmd_parms *cmd, void *dcv, const char *arg);    /* 1..600000 */
const char *gh_cfg_set_count(cmd_parms *cmd, void *dcv, const char *arg);     /* 1..16 Mi */
const char *gh_cfg_set_range(cmd_parms *cmd, void *dcv, const char *lo, const char *hi);
const char *gh_cfg_set_limit(cmd_parms *cmd, void *dcv, const char *count, const char *secs);

/* Refuses a secret that is empty or an unexported ${VAR}; NULL when fine. */
const char *gh_cfg_check_secret(cmd_parms *cmd, const char *value);

#define GH_CFG_DIR_SCOPE (RSRC_CONF | ACCESS_CONF)
#define GH_CFG_STRING(name, part, type, member, help) \
    AP_INIT_TAKE_ARGV(name, gh_cfg_set_string, GH_CFG_SLOT(part, type, member), RSRC_CONF, help)
#define GH_CFG_FILE(name, part, type, member, help) \
    AP_INIT_TAKE_ARGV(name, gh_cfg_set_file, GH_CFG_SLOT(part, type, member), RSRC_CONF, help)
#define GH_CFG_TAKE1(name, fn, part, type, member, scope, help) \
    AP_INIT_TAKE1(name, fn, GH_CFG_SLOT(part, type, member), scope, help)
#define GH_CFG_TAKE2(name, fn, part, type, member, scope, help) \
    AP_INIT_TAKE2(name, fn, GH_CFG_SLOT(part, type, member), scope, help)

#endif
