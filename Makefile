# rdrill: `make` builds ./rdrill, `make check` runs every test twice (plain,
# then under ASan + UBSan), `make demo` runs drills/demo.yaml for real.
# Every target first makes sure the Debian packages are there.

PKGS    := libpq yaml-0.1 libcrypto jansson libcmark-gfm
B       ?= build
CC      ?= cc
OPT     ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes
DEFS    := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer

ifeq ($(SAN),1)
OPT     := -O1 -g $(SAN_FLAGS)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lpthread
CMOCKA_LIBS = $(shell pkg-config --libs cmocka)

ALL_CFLAGS = $(WARN) $(DEFS) $(OPT) $(PKG_CFLAGS) -Isrc $(CFLAGS)

SRCS    := $(wildcard src/*.c)
LIBOBJS := $(patsubst src/%.c,$(B)/%.o,$(filter-out src/rdrill.c,$(SRCS)))
UNITSRC := $(wildcard tests/unit/test-*.c)
UNITS   := $(patsubst tests/unit/%.c,$(B)/%,$(UNITSRC))

.PHONY: all deps check check-suite unit e2e demo clean bench

all: rdrill

deps:
	@sh .ci/install-deps.sh

rdrill: $(B)/rdrill
	cp $(B)/rdrill $@

$(B)/rdrill: $(B)/rdrill.o $(B)/librdrill.a
	$(CC) $(OPT) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

$(B)/librdrill.a: $(LIBOBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/%.o: src/%.c $(wildcard src/*.h) | deps $(B)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/test-%: tests/unit/test-%.c $(B)/librdrill.a $(wildcard src/*.h) | deps
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags cmocka) -o $@ $< \
		$(B)/librdrill.a $(PKG_LIBS) $(CMOCKA_LIBS)

$(B):
	mkdir -p $@

# One pass of the whole suite against the binary in $(B).
check-suite: $(B)/rdrill $(UNITS)
	@RDRILL="$(CURDIR)/$(B)/rdrill" B="$(B)" sh tests/run-all.sh $(UNITS)

check: all
	$(MAKE) --no-print-directory check-suite B=build
	$(MAKE) --no-print-directory check-suite B=build-asan SAN=1

demo: all
	sh drills/demo.sh

# Figures, not pass/fail: see bench/README.md.
bench: all
	B=$(B) sh bench/checksum.sh
	B=$(B) sh bench/capture-rss.sh
	B=$(B) sh bench/toc.sh
	B=$(B) sh bench/drill.sh
	B=$(B) sh bench/step-cost.sh
	B=$(B) sh bench/render.sh

clean:
	rm -rf build build-asan rdrill
