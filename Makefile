# pocbot - a plain Makefile over pkg-config.
#   make            builds ./pocbot
#   make run        installs missing Debian packages (or says how), builds, runs the robot
#   make check      the same for the tests: unit (Check), end-to-end, then all again under ASan/UBSan,
#                   then each fuzz target over its seeds and regression inputs (once, -runs=0)
#   make fuzz       fuzzes each target in tests/fuzz for FUZZ_SECONDS (60) with clang's libFuzzer
#   make bench      benchmarks, printed beside their baselines
#   make check-deb  the Debian package built, installed, upgraded and purged: as root, on a
#                   fresh Debian 12 only (../shared/tools/fresh-debian 'make check-deb')
#   make install    PREFIX=/usr/local DESTDIR=: the program, its three man pages, the systemd
#                   units (UNITDIR) and /etc/pocbot/pocbot.conf if there is none (as the package)

PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
CONFDIR = /etc/pocbot
BUILD ?= build

PKGS = gmime-3.0 gpgme sqlite3 libetpan gio-unix-2.0 json-glib-1.0 libsystemd
# libetpan's .pc adds -specs=/usr/share/dpkg/no-pie-link.specs, which turns PIE off
PKG_CFLAGS = $(filter-out -specs=%,$(shell pkg-config --cflags $(PKGS)))
PKG_LIBS = $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS)))
CHECK_LIBS = $(shell pkg-config --libs check)

CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifneq ($(CI),)
WARN += -Werror
endif
HARDEN = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
LDHARDEN = -pie -Wl,-z,relro -Wl,-z,now
SAN =
ALL_CFLAGS = -std=gnu11 $(WARN) $(HARDEN) $(SAN) $(CFLAGS) -I. $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDHARDEN) $(SAN) $(LDFLAGS)

SRC = $(sort $(filter-out robot/main.c,$(wildcard robot/*.c filters/*.c)))
EMBED = $(sort $(wildcard db/*.sql db/*.tsv templates/*/*.txt))
OBJ = $(SRC:%.c=$(BUILD)/%.o) $(BUILD)/embedded.o
UNIT = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(sort $(wildcard tests/unit/test-*.c)))
TOOLS = $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(sort $(wildcard tests/tools/*.c)))
HDR = $(wildcard robot/*.h filters/*.h tests/unit/*.h)
FUZZ = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(sort $(wildcard tests/fuzz/fuzz-*.c)))
FUZZ_BUILD = build-fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60

all: pocbot

# Every program is written beside the old one and renamed over it, so that a
# robot running from here does not stop a rebuild ("Text file busy").
pocbot: $(BUILD)/pocbot
	@if [ "$(BUILD)" = build ] && ! cmp -s $(BUILD)/pocbot pocbot; then \
		cp $(BUILD)/pocbot pocbot.tmp && mv -f pocbot.tmp pocbot; fi

$(BUILD)/pocbot: $(BUILD)/robot/main.o $(BUILD)/libpocbot.a
	$(CC) $(ALL_LDFLAGS) -o $@.tmp $^ $(PKG_LIBS) && mv -f $@.tmp $@

$(BUILD)/libpocbot.a: $(OBJ)
	rm -f $@.tmp && ar rcs $@.tmp $^ && mv -f $@.tmp $@

$(BUILD)/%.o: %.c $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/embedded.c: $(EMBED) tools/embed.sh
	@mkdir -p $(BUILD)
	tools/embed.sh $(EMBED) > $@.tmp && mv $@.tmp $@

$(BUILD)/embedded.o: $(BUILD)/embedded.c robot/embedded.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpocbot.a $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@.tmp $< $(BUILD)/libpocbot.a $(PKG_LIBS) \
		$(CHECK_LIBS)
	mv -f $@.tmp $@

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libpocbot.a $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@.tmp $< $(BUILD)/libpocbot.a $(PKG_LIBS)
	mv -f $@.tmp $@

units: $(UNIT) $(TOOLS) $(BUILD)/pocbot

# The fuzz targets include by bare name (-Irobot -Ifilters): a header may move between the two.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libpocbot.a $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Irobot -Ifilters -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< \
		$(BUILD)/libpocbot.a $(PKG_LIBS)

fuzzers: $(FUZZ)

# Built with clang, ASan and UBSan, into build-fuzz; warnings are not errors
# there (clang's differ from gcc's, which CI holds to), except a function used
# undeclared: its pointer result would be cut to an int.
fuzz-build:
	@$(MAKE) --no-print-directory fuzzers BUILD=$(FUZZ_BUILD) CC=clang CI= \
		CFLAGS='-O1 -g -Werror=implicit-function-declaration' \
		SAN='$(FUZZ_SAN) -fsanitize=fuzzer-no-link'

fuzz-replay: fuzz-build
	tests/fuzz/run replay $(FUZZ_BUILD)

fuzz: deps-test fuzz-build
	tests/fuzz/run fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The README's two commands. Each first makes sure the Debian packages are there.
run: deps
	@$(MAKE) --no-print-directory pocbot
	./pocbot serve

# each pass says how long it took (the README records the figures)
check: deps-test
	@t=$$(date +%s); $(MAKE) --no-print-directory test BUILD=build && \
		echo "check: plain pass $$(( $$(date +%s) - t )) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory test BUILD=build-asan \
		SAN='-fsanitize=address,undefined -fno-omit-frame-pointer' CFLAGS='-O1 -g' && \
		echo "check: ASan/UBSan pass $$(( $$(date +%s) - t )) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory fuzz-replay && \
		echo "check: fuzz replay $$(( $$(date +%s) - t )) s"
	@cat build/results build-asan/results $(FUZZ_BUILD)/results | awk '{ p += $$1; f += $$2 } END { print "check: " p " passed, " f " failed" }'

test: units
	tests/run-all $(BUILD)

deps:
	@tools/deps build
deps-test:
	@tools/deps test

# installs packages and creates a user: for a machine made for it, not part of check
check-deb:
	tests/deb/install.sh

bench: deps-test
	@$(MAKE) --no-print-directory units
	bench/run build

MANPAGES = man/pocbot.8 man/pocbot.conf.5 man/pocbot-mail.7

# each file installed under a temporary name, then renamed over the old one
install: pocbot
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 pocbot $(DESTDIR)$(BINDIR)/.pocbot.tmp
	mv -f $(DESTDIR)$(BINDIR)/.pocbot.tmp $(DESTDIR)$(BINDIR)/pocbot
	for p in $(MANPAGES); do \
		d=$(DESTDIR)$(MANDIR)/man$${p##*.} f=$${p#man/}; \
		install -d $$d && install -m 644 $$p $$d/.$$f.tmp || exit 1; \
		mv -f $$d/.$$f.tmp $$d/$$f || exit 1; \
	done
	install -d $(DESTDIR)$(UNITDIR)
	for u in pocbot.service pocbot.socket; do \
		t=$(DESTDIR)$(UNITDIR)/.$$u.tmp; \
		sed 's|/usr/bin/\(pocbot\)|$(BINDIR)/\1|g' systemd/$$u > $$t && chmod 644 $$t && \
		mv -f $$t $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -d $(DESTDIR)$(CONFDIR)
	[ -e $(DESTDIR)$(CONFDIR)/pocbot.conf ] || \
		install -m 644 etc/pocbot.conf $(DESTDIR)$(CONFDIR)

clean:
	rm -rf build build-asan $(FUZZ_BUILD) pocbot pocbot.tmp

.PHONY: all pocbot units run check check-deb test deps deps-test bench install clean fuzzers fuzz-build fuzz-replay fuzz
