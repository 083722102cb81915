# How mod_gamehoney.so is compiled and linked with apxs.
APXS      ?= apxs
GH_SRC    := mod_gamehoney.c $(sort $(wildcard modules/*.c))
GH_HDR    := $(sort $(wildcard modules/*.h))
GH_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
# Deferred (=, not :=): pkg-config and the -dev packages may only exist once
# `make deps` has run, which is after make has read this file.
GH_INC     = $(shell pkg-config --cflags libpq json-c)
GH_LIBS    = $(shell pkg-config --libs json-c libpq openssl libcurl) -lwslay
# The version is the upstream part of debian/changelog's first entry (no
# epoch, no Debian revision), read with sed: dpkg-dev may not be installed.
# The sed script is a variable because its parentheses would end the call.
GH_VERSION_FILE := debian/changelog
GH_VERSION_SED  := 1{s/^[^(]*(\([0-9]*:\)\{0,1\}\([^)-]*\).*/\2/p;q}
GH_VERSION = $(or $(shell sed -n '$(GH_VERSION_SED)' $(GH_VERSION_FILE)),$(error no version in $(GH_VERSION_FILE)))
# Quoted twice: apxs hands its options to a shell once more.
GH_DEFS    = -DGH_VERSION='\"$(GH_VERSION)\"'
APXS_FLAGS = $(addprefix -Wc$(comma),$(GH_CFLAGS)) $(GH_DEFS) $(GH_INC) $(GH_LIBS)

comma := ,
