/* Basic-auth credentials from directives (fed from the environment),
 * compared in constant time. */
#include "gh_authn.h"
#include "gh_config.h"
#include "gh_crypto.h"

static authn_status check_password(request_rec *r, const char *user, const char *password)
{
    const gh_dir_conf_t *dc = gh_dir_conf(r);
    int user_ok, password_ok;

    if (dc->auth_user == NULL || dc->auth_password == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "AuthBasicProvider gamehoney needs "
                      "GameHoneyAuthUser and GameHoneyAuthPassword in this <Location>");
        return AUTH_GENERAL_ERROR;
    }
    /* Both comparisons always run, so timing tells nothing about which failed. */
    user_ok = gh_secret_equals(user, dc->auth_user);
    password_ok = gh_secret_equals(password, dc->auth_password);
    if (user_ok & password_ok) {
        return AUTH_GRANTED;
    }
    return user_ok ? AUTH_DENIED : AUTH_USER_NOT_FOUND;
}

const authn_provider gh_authn_provider = {
    &check_password,
    NULL,
};
