# How mod_gamehoney.so is compiled and linked with apxs.
APXS      ?= apxs
GH_SRC    := mod_gamehoney.c $(sort $(wildcard modules/*.c))
GH_HDR    := $(sort $(wildcard modules/*.h))
GH_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
# Deferred (=, not :=): pkg-config and the -dev packages may only exist once
# `make deps` has run, which is after make has read this file.
GH_INC     = $(shell pkg-config --cflags libpq json-c)
GH_LIBS    = $(shell pkg-config --libs json-c libpq openssl libcurl) -lwslay
APXS_FLAGS = $(addprefix -Wc$(comma),$(GH_CFLAGS)) $(GH_INC) $(GH_LIBS)

comma := ,
