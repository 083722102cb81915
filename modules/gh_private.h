/* The one private header every httpd-facing file includes: the module
 * record and the log tag, so `LogLevel gamehoney:debug` reaches all of us. */
#ifndef GH_PRIVATE_H
#define GH_PRIVATE_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

extern module AP_MODULE_DECLARE_DATA gamehoney_module;
APLOG_USE_MODULE(gamehoney);

/* apxs.mk passes it from debian/changelog, so it has one source. */
#ifndef GH_VERSION
#error "GH_VERSION is not defined: build with make (apxs.mk reads debian/changelog)"
#endif

#endif
