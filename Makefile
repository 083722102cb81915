# mod_gamehoney: `make run` serves it on 127.0.0.1:8080, `make test` tests it.
include apxs.mk

MODULE := .libs/mod_gamehoney.so

.PHONY: all build install deb package-test deps run token test structure unit fuzz-smoke fuzz integration asan asan-build bench migrate clean

all: build
build: $(MODULE)

# GH_NO_DEPS=1 (debian/rules) builds without `make deps`: dpkg-buildpackage
# has the Build-Depends and must not run apt.
$(MODULE): $(GH_SRC) $(GH_HDR) apxs.mk $(GH_VERSION_FILE) | $(if $(GH_NO_DEPS),,deps)
	@echo "apxs -c mod_gamehoney.la"
	@$(APXS) -c -o mod_gamehoney.la $(APXS_FLAGS) $(GH_SRC) > .build.log 2>&1 || { cat .build.log; exit 1; }

# Installs as Debian lays a module out; DESTDIR stages it (debian/rules).
# Not apxs -i, which edits httpd.conf.
MODDIR  ?= /usr/lib/apache2/modules
MODSDIR ?= /etc/apache2/mods-available
DATADIR ?= /usr/share/mod-gamehoney
SBINDIR ?= /usr/sbin

install: $(MODULE)
	install -D -m 0644 $(MODULE) $(DESTDIR)$(MODDIR)/mod_gamehoney.so
	install -D -m 0644 -t $(DESTDIR)$(MODSDIR) conf/debian/gamehoney.load conf/debian/gamehoney.conf
	install -D -m 0644 -t $(DESTDIR)$(DATADIR)/sql sql/[0-9][0-9][0-9]_*.sql
	install -D -m 0644 -t $(DESTDIR)$(DATADIR)/chat conf/chat/chat.html
	install -D -m 0755 -t $(DESTDIR)$(DATADIR)/scripts scripts/migrate
	install -d $(DESTDIR)$(SBINDIR)
	ln -sfr $(DESTDIR)$(DATADIR)/scripts/migrate $(DESTDIR)$(SBINDIR)/gamehoney-migrate

# dist/libapache2-mod-gamehoney_<version>_<arch>.deb, built from a copy.
deb:
	@scripts/deb

# Installs that .deb in a fresh Debian 12 root and serves /health from it.
package-test: deb
	@tests/package/deb-test

deps:
	@scripts/deps

run: deps build
	@scripts/run

# An access token for a local user of `make run`: make -s token USER=a@example.com [ROLE=admin]
token:
	@scripts/token "$(USER)" "$(ROLE)" "$(TTL)"

migrate:
	@scripts/migrate "$${DATABASE_URL:?set DATABASE_URL}"

test: deps build structure unit fuzz-smoke integration

# The shape of the code: the include graph has no circle and points from
# areas to the core to libraries (check-layers), the README's error table
# is the registry's (check-errors), and every setting is created, merged
# and documented (check-config).
structure:
	@tests/structure/check-layers
	@tests/structure/check-errors
	@tests/structure/check-config

unit:
	@$(MAKE) -s -C tests/unit run

fuzz-smoke:
	@$(MAKE) -s -C tests/fuzz smoke

fuzz:
	@$(MAKE) -s -C tests/fuzz run

integration: build
	@cd tests/integration && /usr/bin/python3 -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# The module built by clang-14 with AddressSanitizer and UBSan into
# build/asan/ (from a copy of the sources: apxs builds in place), with the
# project's own -Werror flags; `make asan` runs the integration suite
# against it (scripts/asan), and any sanitizer report fails. No
# `-include stddef.h`: a file that uses APR's ring macros includes
# <stddef.h> first itself, so that APR_OFFSETOF is offsetof, and clang's
# -Wnull-pointer-subtraction (an error here) catches one that does not.
ASAN_DIR    := build/asan
ASAN_MODULE := $(ASAN_DIR)/.libs/mod_gamehoney.so
ASAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -O1

asan-build: $(ASAN_MODULE)

$(ASAN_MODULE): $(GH_SRC) $(GH_HDR) apxs.mk Makefile $(GH_VERSION_FILE) | $(if $(GH_NO_DEPS),,deps)
	@scripts/deps clang-14 libclang-rt-14-dev
	@echo "apxs -c $(ASAN_DIR)/mod_gamehoney.la (clang-14, ASan + UBSan)"
	@rm -rf $(ASAN_DIR) && mkdir -p $(ASAN_DIR) && cp --parents $(GH_SRC) $(GH_HDR) $(ASAN_DIR)/
	@cd $(ASAN_DIR) && $(APXS) -S CC=clang-14 -c -o mod_gamehoney.la $(APXS_FLAGS) \
	    $(addprefix -Wc$(comma),$(ASAN_CFLAGS)) $(GH_SRC) > build.log 2>&1 \
	    || { cat build.log; exit 1; }

asan: build asan-build
	@scripts/asan $(PYTEST_ARGS)

bench: deps build
	@bench/run

clean:
	rm -rf .libs build/asan modules/.libs *.la *.lo *.slo *.o modules/*.lo modules/*.slo modules/*.o
	@$(MAKE) -s -C tests/unit clean
	@$(MAKE) -s -C tests/fuzz clean
