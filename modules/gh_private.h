/* The one private header every httpd-facing file includes: the module
 * record and the log tag, so `LogLevel gamehoney:debug` reaches all of us. */
#ifndef GH_PRIVATE_H
#define GH_PRIVATE_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

extern module AP_MODULE_DECLARE_DATA gamehoney_module;
APLOG_USE_MODULE(gamehoney);

#define GH_VERSION "0.1.0"

#endif
