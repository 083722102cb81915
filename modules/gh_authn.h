/* The "gamehoney" authn provider: `AuthBasicProvider gamehoney` checks
 * Basic credentials against GameHoneyAuthUser / GameHoneyAuthPassword. */
#ifndef GH_AUTHN_H
#define GH_AUTHN_H

#include "mod_auth.h"

extern const authn_provider gh_authn_provider;

#endif
