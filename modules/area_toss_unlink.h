/* The Toss unlink callback's own setting, for mod_gamehoney.c's
 * directive table: what the callback does to a known user. */
#ifndef AREA_TOSS_UNLINK_H
#define AREA_TOSS_UNLINK_H

#include "gh_cfg.h"

typedef enum {
    GH_UNLINK_DELETE = 0,
    GH_UNLINK_DEACTIVATE = 1
} gh_unlink_mode_e;

typedef struct {
    int mode;                    /* gh_unlink_mode_e, GH_UNSET: delete */
} gh_unlink_cfg_t;

extern gh_cfg_part_t gh_unlink_part;

const char *gh_unlink_set_mode(cmd_parms *cmd, void *dcv, const char *arg);

#define GH_UNLINK_DIRECTIVES \
    GH_CFG_TAKE1("GameHoneyUnlinkMode", gh_unlink_set_mode, gh_unlink_part, gh_unlink_cfg_t, \
                 mode, GH_CFG_DIR_SCOPE, \
                 "what the Toss unlink callback does to a user: delete (default) or deactivate")

#endif
