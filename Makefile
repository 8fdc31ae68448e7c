# rdrill: `make` builds ./rdrill from the installed libraries (offline, as
# any user; it never installs anything). `make deps` installs the Debian
# packages (.ci/install-deps.sh). `make check` and `make demo` run `deps`
# first, then build: `check` runs every test twice (plain, then under
# ASan + UBSan) with -Werror, `demo` runs drills/demo.yaml for real,
# `demo-isolated` drills/isolated.yaml.
# `make install [PREFIX=/usr/local] [DESTDIR=]` installs the binary and
# the report templates.
# `make fuzz` builds the libFuzzer targets of tests/fuzz/ (clang 14 with
# ASan + UBSan, into build-fuzz/; `deps` with RDRILL_FUZZ=1 installs
# clang and its fuzzer runtime). Run one with its corpus, e.g.
#   build-fuzz/fuzz-toc-listing -max_total_time=600 tests/fuzz/corpus/toc-listing
# `make check` needs no clang: it replays every corpus file once through
# each target linked with tests/fuzz/driver.c (t0900-fuzz-corpus.sh).

# Every rule is written out; no built-in rule may remake a file (such as
# the BIN= a test installs from).
MAKEFLAGS += --no-builtin-rules

PKGS    := libpq yaml-0.1 libcrypto jansson libcmark-gfm zlib libisal liblz4 libzstd libcurl
B       ?= build
CC      ?= cc
OPT     ?= -O2 -g
WERROR  ?= 0
WARN    := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes
DEFS    := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
DEPFLAGS = -MMD -MP -MF $@.d -MT $@
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer

ifeq ($(WERROR),1)
WARN    += -Werror
endif
ifeq ($(SAN),1)
OPT     := -O1 -g $(SAN_FLAGS)
endif

PREFIX  ?= /usr/local
DESTDIR ?=
bindir   = $(PREFIX)/bin
datadir  = $(PREFIX)/share
mandir   = $(datadir)/man
INSTALL ?= install
# The binary `make install` copies (tests/t0600 installs the one it tests).
BIN     ?= $(B)/rdrill
TEMPLATES := $(wildcard templates/*.mustache)
MANPAGE := $(wildcard rdrill.1)

# Every goal but these compiles, so needs the libraries' pkg-config
# modules (and cmocka for the tests): say which are missing, in one line,
# instead of a compiler error. check and demo run `deps`, then make again.
NOLIB_GOALS := deps deps-deploy image check check-deploy deb demo demo-isolated demo-pitr fuzz clean uninstall
ifneq ($(filter-out $(NOLIB_GOALS),$(or $(MAKECMDGOALS),all)),)
NEED_PKGS := $(PKGS) $(if $(filter check-suite $(B)/test-%,$(MAKECMDGOALS)),cmocka)
ifeq ($(shell command -v pkg-config 2>/dev/null),)
$(error rdrill: pkg-config is not installed; `make deps` installs it and the libraries)
endif
MISSING_PKGS := $(shell for m in $(NEED_PKGS); do pkg-config --exists $$m || echo $$m; done)
ifneq ($(MISSING_PKGS),)
$(error rdrill: pkg-config cannot find $(MISSING_PKGS); `make deps` installs them)
endif
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lpthread
CMOCKA_LIBS = $(shell pkg-config --libs cmocka)

ALL_CFLAGS = $(WARN) $(DEFS) $(OPT) $(PKG_CFLAGS) -Isrc $(CFLAGS)

SRCS    := $(wildcard src/*.c)
LIBOBJS := $(patsubst src/%.c,$(B)/%.o,$(filter-out src/rdrill.c,$(SRCS)))
UNITSRC := $(wildcard tests/unit/test-*.c)
UNITS   := $(patsubst tests/unit/%.c,$(B)/%,$(UNITSRC))
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BINS  := $(patsubst %,$(B)/fuzz-%,$(FUZZ_NAMES))
# FUZZER=1 (make fuzz): linked with libFuzzer; else with the replay driver.
ifeq ($(FUZZER),1)
FUZZ_DRIVER :=
FUZZ_LINK   := -fsanitize=fuzzer
WARN        += -Wno-missing-field-initializers
OPT         := -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
               -fno-sanitize-recover=all -fno-omit-frame-pointer \
               -DMUSTACHE_MAX_WORK=100000
else
FUZZ_DRIVER := tests/fuzz/driver.c
FUZZ_LINK   :=
endif

.PHONY: all deps deps-fleet deps-deploy deb image check-deploy check check-suite man demo demo-isolated demo-pitr fuzz fuzz-targets clean bench install uninstall

all: rdrill

deps:
	@sh .ci/install-deps.sh

# What the suite's fleet tests need that would start services at boot
# (sshd, prometheus, the pushgateway: installed disabled and masked).
deps-fleet:
	@sh .ci/install-deps-deploy.sh fleet

# deps-fleet and the tools check-deploy drives (debootstrap, lintian,
# ansible, docker.io, nodejs and npm for the Kubernetes checker).
deps-deploy:
	@sh .ci/install-deps-deploy.sh

# The Debian package (deploy/debian/build-deb.sh): rdrill_VERSION_ARCH.deb.
deb: deps
	@sh deploy/debian/build-deb.sh

# What needs root and a throwaway Debian 12 root (debootstrap): the .deb
# installed and run there, the systemd units, the Ansible role, twice;
# and a Docker daemon of a test's own: the image (t1660), a files step's
# in_effect: against a real container's mounts (t1680).
check-deploy: deps deps-deploy
	@sh tests/deploy/run.sh

# The container image (deploy/image/build.sh): a debootstrap'd Debian 12
# root with rdrill, PostgreSQL 15 and pgBackRest, imported into the
# running Docker daemon as rdrill:VERSION. As root.
image: deps
	@sh deploy/image/build.sh

rdrill: $(B)/rdrill
	cp $(B)/rdrill $@

$(B)/rdrill: $(B)/rdrill.o $(B)/librdrill.a
	$(CC) $(OPT) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

$(B)/librdrill.a: $(LIBOBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/%.o: src/%.c | $(B)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/test-%: tests/unit/test-%.c $(B)/librdrill.a
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(shell pkg-config --cflags cmocka) \
		-o $@ $< $(B)/librdrill.a $(PKG_LIBS) $(CMOCKA_LIBS)

# test-kind brings a kind of its own (tests/kinds/: its file and its
# step_kinds[] row), linked before the archive so the archive's table is
# not: ARCHITECTURE.md's "one file, one row, its templates", checked.
# It runs rdrill's own main(), built again as rdrill_main().
KIND_TEST_SRCS := $(wildcard tests/kinds/*.c)
# Every header too: an object built before it recorded its own is not
# left stale.
$(B)/rdrill-main.o: src/rdrill.c $(wildcard src/*.h) | $(B)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Wno-missing-prototypes \
		-Dmain=rdrill_main -c -o $@ $<

$(B)/test-kind: tests/unit/test-kind.c $(KIND_TEST_SRCS) $(B)/rdrill-main.o \
		$(B)/librdrill.a
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(shell pkg-config --cflags cmocka) \
		-o $@ $< $(KIND_TEST_SRCS) $(B)/rdrill-main.o $(B)/librdrill.a \
		$(PKG_LIBS) $(CMOCKA_LIBS)

# test-words plans every shipped drill through rdrill's main() too.
$(B)/test-words: tests/unit/test-words.c $(B)/rdrill-main.o $(B)/librdrill.a
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(shell pkg-config --cflags cmocka) \
		-o $@ $< $(B)/rdrill-main.o $(B)/librdrill.a $(PKG_LIBS) \
		$(CMOCKA_LIBS)

$(B)/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/common.c tests/fuzz/fuzz.h \
		$(FUZZ_DRIVER) $(B)/librdrill.a
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -DFUZZ_TOP='"$(CURDIR)"' $(FUZZ_LINK) \
		-o $@ $< tests/fuzz/common.c $(FUZZ_DRIVER) $(B)/librdrill.a \
		$(PKG_LIBS)

# Programs the end-to-end tests use (tests/helpers/NAME.c -> $(B)/NAME).
HELPERS := $(patsubst tests/helpers/%.c,$(B)/%,$(wildcard tests/helpers/*.c))

# Stand-alone helpers; pgdump-recompress links librdrill (below).
LINKED_HELPERS := $(B)/pgdump-recompress
$(filter-out $(LINKED_HELPERS),$(HELPERS)): $(B)/%: tests/helpers/%.c | $(B)
	$(CC) $(WARN) $(DEFS) $(OPT) $(CFLAGS) -o $@ $<

# Rewrites a PostgreSQL 15 archive's streams as lz4/zstd (t1600).
$(B)/pgdump-recompress: tests/helpers/pgdump-recompress.c $(B)/librdrill.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/librdrill.a $(PKG_LIBS)

$(B):
	mkdir -p $@

# What each object and test binary last included (-MMD -MP).
-include $(wildcard $(B)/*.d)

# One pass of the whole suite against the binary in $(B).
check-suite: $(B)/rdrill $(UNITS) $(FUZZ_BINS) $(HELPERS)
	@RDRILL="$(CURDIR)/$(B)/rdrill" B="$(B)" sh tests/run-all.sh $(UNITS)

check: deps deps-fleet
	$(MAKE) --no-print-directory check-suite B=build-check WERROR=1
	$(MAKE) --no-print-directory check-suite B=build-asan SAN=1 WERROR=1

fuzz:
	@RDRILL_FUZZ=1 sh .ci/install-deps.sh
	$(MAKE) --no-print-directory fuzz-targets B=build-fuzz CC=clang FUZZER=1

fuzz-targets: $(FUZZ_BINS)

# rdrill.1's SYNOPSIS and COMMANDS from the table --help prints
# (src/rdrill.c); tests/t1351-man-drift.sh fails when they differ.
man: $(B)/rdrill
	sh .ci/man-splice.sh $(B)/rdrill rdrill.1

demo: deps
	$(MAKE) --no-print-directory all
	sh drills/demo.sh

# The isolated restore: production only read, the dump restored into a
# scratch cluster and fingerprinted against it (no --confirm needed).
demo-isolated: deps
	$(MAKE) --no-print-directory all
	sh drills/isolated.sh

# Point-in-time recovery: pg_basebackup + WAL archive (drills/pitr-demo.yaml).
demo-pitr: deps
	$(MAKE) --no-print-directory all
	sh drills/pitr-demo.sh

# Figures, not pass/fail: see bench/README.md.
bench: all
	B=$(B) sh bench/checksum.sh
	B=$(B) sh bench/capture-rss.sh
	B=$(B) sh bench/toc.sh
	B=$(B) sh bench/drill.sh
	B=$(B) sh bench/step-cost.sh
	B=$(B) sh bench/render.sh
	B=$(B) sh bench/seal.sh
	B=$(B) sh bench/verify.sh
	B=$(B) sh bench/pg-result.sh
	B=$(B) sh bench/redact.sh
	B=$(B) sh bench/fingerprint.sh
	B=$(B) sh bench/pitr.sh

install: $(BIN)
	$(INSTALL) -d '$(DESTDIR)$(bindir)' '$(DESTDIR)$(datadir)/rdrill/templates'
	$(INSTALL) -m 755 '$(BIN)' '$(DESTDIR)$(bindir)/rdrill'
	$(INSTALL) -m 644 $(TEMPLATES) '$(DESTDIR)$(datadir)/rdrill/templates'
ifneq ($(MANPAGE),)
	$(INSTALL) -d '$(DESTDIR)$(mandir)/man1'
	$(INSTALL) -m 644 rdrill.1 '$(DESTDIR)$(mandir)/man1/rdrill.1'
endif

uninstall:
	rm -f '$(DESTDIR)$(bindir)/rdrill' '$(DESTDIR)$(mandir)/man1/rdrill.1'
	rm -f $(patsubst templates/%,'$(DESTDIR)$(datadir)/rdrill/templates/%',$(TEMPLATES))
	rmdir '$(DESTDIR)$(datadir)/rdrill/templates' 2>/dev/null || true
	rmdir '$(DESTDIR)$(datadir)/rdrill' 2>/dev/null || true

clean:
	rm -rf build build-check build-asan build-fuzz build-deb rdrill rdrill_*.deb
