# mtrec / mtan: one build. `make`, `make check`, `make demo`, `make install`, `make bench`.
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= gcc
B := build

# chromium: tests/e2e/report.sh renders mtan's HTML report headless (apt-get install took 32 s
# with the package lists updated, ~290 MB installed); groff-base: tests/e2e/docs.sh checks
# the manual pages; libcurl4-openssl-dev: `mtan push` talks to ClickHouse over HTTP;
# clickhouse-server, clickhouse-client: tests/e2e/push.sh runs a server of its own (18.16 in
# bookworm); heaptrack: tests/e2e/heaptrack.sh records a sample with it for `mtan import`;
# zlib1g-dev: mtan export --as pprof gzips the profile; protobuf-compiler and nodejs:
# tests/e2e/exports.sh decodes the pprof profile with protoc and checks the speedscope and
# Chrome files with node; tmux: tests/e2e/live.sh drives `mtan live` in a terminal
DEB_PKGS := libzstd-dev libsqlite3-dev libcsv-dev libunwind-dev libdw-dev libelf-dev zstd sqlite3 g++ valgrind cppcheck libc6-dbg chromium groff-base python3 zlib1g-dev \
	libcurl4-openssl-dev clickhouse-server clickhouse-client heaptrack protobuf-compiler nodejs tmux

WARN := -Wall -Wextra -Werror
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O2 $(WARN) -Iformats
CFLAGS ?=
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

FORMATS_SRC := formats/mtf.c
ANALYZE_SRC := $(filter-out analyze/main.c,$(wildcard analyze/*.c))
QUERIES := $(sort $(wildcard queries/*.sql))
# the preload library's sources, in link order; the launcher's; and what the unit tests of
# the recorder link (libmtr.a: the engine and the collector without the hooks and main)
RECORD_LIB_SRC := record/preload.c record/engine.c record/rebind.c record/scan.c
MTREC_SRC := record/launcher.c record/collector.c record/attach.c
MTR_TEST_SRC := record/engine.c record/scan.c record/rebind.c record/collector.c record/attach.c
UNIT_SRC := $(wildcard tests/unit/test_*.c)
SAMPLE_C := $(wildcard samples/*.c)
SAMPLE_CXX := $(wildcard samples/*.cpp)

ANALYZE_LIBS := -lsqlite3 -lzstd -ldw -lelf -lcsv -lcurl -lz -lm -lstdc++
RECORD_LIBS := -lunwind -ldl -lpthread -lm

.PHONY: all check demo install uninstall clean deps bench bench-load fuzz fuzz-seeds man npm-test-pkgs samples
all: $(B)/mtrec $(B)/libmtrec.so $(B)/mtan

deps: $(B)/.deps
# the Makefile too: a package added to DEB_PKGS is installed on the next build
$(B)/.deps: tools/deps.sh Makefile
	@mkdir -p $(B)
	@tools/deps.sh $(DEB_PKGS)
	@touch $@

# Output folders, made once before the rules that write into them (order-only).
OUT_DIRS := $(B)/asan $(B)/samples $(B)/gen $(B)/bench $(B)/fuzz
$(OUT_DIRS): | $(B)/.deps
	@mkdir -p $@

$(B)/sql2c: tools/sql2c.c | $(B)/.deps
	$(CC) -std=c11 -O2 $(WARN) -o $@ $<

$(B)/gen/queries.c: $(B)/sql2c $(QUERIES) | $(B)/gen
	$(B)/sql2c $@ $(QUERIES)

# Everything is built as objects with -MMD dependencies, each source compiled once per
# variant: $(B)/obj plain, $(B)/asan/obj under ASan/UBSan (the sanitized mtan and mtrec,
# every unit test), $(B)/pic for the preload library. The objects go into static archives:
# libmtf.a (formats/), libmtan.a (analyze/ but its main), and asan/libmtr.a (the recorder's
# engine and collector, for unit tests); programs and unit tests link those.
#
# Asserts (assert.h) guard internal invariants, never input: they are on in mtan, mtrec
# and every sanitized build, and off (NDEBUG) in libmtrec.so alone, which runs inside the
# traced program: there the rule is to stop recording and let the program run on, never to
# abort it (and the event path pays nothing for them).
OBJ = $(patsubst %.c,$(B)/obj/%.o,$(1))
ASAN_OBJ = $(patsubst %.c,$(B)/asan/obj/%.o,$(1))
PIC_OBJ = $(patsubst %.c,$(B)/pic/%.o,$(1))
# analyze/ (and the generated queries.c) include analyze/'s headers; record/ and formats/
# are compiled without them, so neither can reach into the analyzer
$(B)/obj/analyze/%.o $(B)/asan/obj/analyze/%.o $(B)/obj/$(B)/gen/%.o $(B)/asan/obj/$(B)/gen/%.o: OBJ_INC := -Ianalyze
$(B)/obj/%.o: %.c | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(OBJ_INC) -MMD -MP -c -o $@ $<
$(B)/asan/obj/%.o: %.c | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) $(OBJ_INC) -MMD -MP -c -o $@ $<
# the preload library: hidden by default, only the hooks and the client API exported
$(B)/pic/%.o: %.c | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DNDEBUG -fPIC -fvisibility=hidden -ftls-model=initial-exec -MMD -MP -c -o $@ $<

MTF_OBJ := $(call OBJ,$(FORMATS_SRC))
MTF_ASAN_OBJ := $(call ASAN_OBJ,$(FORMATS_SRC))
MTAN_LIB_SRC := $(ANALYZE_SRC) $(B)/gen/queries.c
MTAN_OBJ := $(call OBJ,$(MTAN_LIB_SRC))
MTAN_ASAN_OBJ := $(call ASAN_OBJ,$(MTAN_LIB_SRC))
MTREC_OBJ := $(call OBJ,$(MTREC_SRC))
MTR_TEST_ASAN_OBJ := $(call ASAN_OBJ,$(MTR_TEST_SRC))
LIB_PIC_OBJ := $(call PIC_OBJ,$(RECORD_LIB_SRC))
ALL_OBJ := $(MTF_OBJ) $(MTF_ASAN_OBJ) $(MTAN_OBJ) $(MTAN_ASAN_OBJ) $(MTREC_OBJ) $(MTR_TEST_ASAN_OBJ) \
	$(LIB_PIC_OBJ) $(call OBJ,analyze/main.c) $(call ASAN_OBJ,analyze/main.c record/launcher.c)
-include $(ALL_OBJ:.o=.d)

$(B)/libmtf.a: $(MTF_OBJ)
$(B)/asan/libmtf.a: $(MTF_ASAN_OBJ)
$(B)/libmtan.a: $(MTAN_OBJ)
$(B)/asan/libmtan.a: $(MTAN_ASAN_OBJ)
$(B)/asan/libmtr.a: $(MTR_TEST_ASAN_OBJ)
$(B)/libmtf.a $(B)/asan/libmtf.a $(B)/libmtan.a $(B)/asan/libmtan.a $(B)/asan/libmtr.a:
	@rm -f $@
	ar rcs $@ $^

$(B)/mtan: $(call OBJ,analyze/main.c) $(B)/libmtan.a $(B)/libmtf.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ANALYZE_LIBS)

$(B)/libmtrec.so: $(LIB_PIC_OBJ)
	$(CC) $(ALL_CFLAGS) -shared -o $@ $^ $(RECORD_LIBS)

$(B)/mtrec: $(MTREC_OBJ) $(B)/libmtf.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ -lzstd -lpthread

# Sanitizer builds of everything that is not the preload library's interception.
$(B)/asan/mtan: $(call ASAN_OBJ,analyze/main.c) $(B)/asan/libmtan.a $(B)/asan/libmtf.a
	$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $^ $(ANALYZE_LIBS)

$(B)/asan/mtrec: $(call ASAN_OBJ,record/launcher.c) $(B)/asan/libmtr.a $(B)/asan/libmtf.a
	$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $^ -lzstd -lpthread

# Unit tests: each test_NAME.c compiled and linked with the archives, its header
# dependencies in test_NAME.d. The format's own tests link only libmtf.a, so they build
# before the analyzer does; the recorder's link libmtr.a.
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/asan/%,$(UNIT_SRC))
FORMAT_TESTS := $(B)/asan/test_format $(B)/asan/test_hostile
RECORD_TESTS := $(B)/asan/test_ring
UNIT_CC = $(CC) $(ALL_CFLAGS) $(SAN) -Itests/unit -MMD -MP -MF $@.d -o $@ $<
$(B)/asan/test_%: tests/unit/test_%.c $(B)/asan/libmtan.a $(B)/asan/libmtf.a | $(B)/asan
	$(UNIT_CC) -Ianalyze $(B)/asan/libmtan.a $(B)/asan/libmtf.a $(ANALYZE_LIBS)
$(FORMAT_TESTS): $(B)/asan/test_%: tests/unit/test_%.c $(B)/asan/libmtf.a | $(B)/asan
	$(UNIT_CC) $(B)/asan/libmtf.a -lzstd
$(RECORD_TESTS): $(B)/asan/test_%: tests/unit/test_%.c $(B)/asan/libmtr.a $(B)/asan/libmtf.a | $(B)/asan
	$(UNIT_CC) -Irecord $(B)/asan/libmtr.a $(B)/asan/libmtf.a -lzstd $(RECORD_LIBS)
-include $(UNIT_BINS:=.d) $(B)/asan/test_fuzz_replay.d

# Samples: built as users build (PIE, no special flags); variants for the client API's
# -no-pie fallback and for frame-pointer/no-frame-pointer stacks.
SAMPLE_BINS := $(patsubst samples/%.c,$(B)/samples/%,$(SAMPLE_C)) $(patsubst samples/%.cpp,$(B)/samples/%,$(SAMPLE_CXX))
$(B)/samples/%: samples/%.c record/mtrec.h | $(B)/samples
	$(CC) -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) -Irecord -o $@ $< -lpthread
$(B)/samples/%: samples/%.cpp record/mtrec.h | $(B)/samples
	g++ -std=c++17 -g -O1 $(WARN) -Irecord -o $@ $< -lpthread
$(B)/samples/client-nopie: samples/client.c record/mtrec.h | $(B)/samples
	$(CC) -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) -Irecord -fno-pie -no-pie -o $@ $<
$(B)/samples/meshhold-nopie: samples/meshhold.c record/mtrec.h | $(B)/samples
	$(CC) -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) -Irecord -fno-pie -no-pie -o $@ $<
# the plugin is a shared library, not a program; leaky is also built with and without
# frame pointers, for the unwinder
SAMPLE_BINS := $(filter-out $(B)/samples/plugin $(B)/samples/rd_deepplugin,$(SAMPLE_BINS))
$(B)/samples/plugin.so $(B)/samples/rd_deepplugin.so: $(B)/samples/%.so: samples/%.c | $(B)/samples
	$(CC) -std=c11 -g -O1 $(WARN) -fPIC -shared -o $@ $<
# rd_deepbind finds its plugin by its own RUNPATH (the caller's, that dlopen must keep)
$(B)/samples/rd_deepbind: samples/rd_deepbind.c | $(B)/samples
	$(CC) -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) -Wl,-rpath,'$$ORIGIN' -o $@ $<
$(B)/samples/leaky-fp: samples/leaky.c | $(B)/samples
	$(CC) -std=c11 -D_GNU_SOURCE -g -O2 $(WARN) -fno-omit-frame-pointer -o $@ $<
$(B)/samples/leaky-nofp: samples/leaky.c | $(B)/samples
	$(CC) -std=c11 -D_GNU_SOURCE -g -O2 $(WARN) -fomit-frame-pointer -o $@ $<
# inlined calls are what it is about: -O2, as a release build
$(B)/samples/inlined: samples/inlined.c | $(B)/samples
	$(CC) -std=c11 -D_GNU_SOURCE -g -O2 $(WARN) -o $@ $<
samples: $(SAMPLE_BINS) $(B)/samples/client-nopie $(B)/samples/meshhold-nopie $(B)/samples/plugin.so $(B)/samples/rd_deepplugin.so $(B)/samples/leaky-fp $(B)/samples/leaky-nofp

# Fuzzing the decoder (tests/fuzz/): `make fuzz` runs each libFuzzer harness for
# FUZZ_SECONDS; test_fuzz_replay replays the corpus and the saved crashes in `make check`.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_PKGS := clang libclang-rt-dev
FUZZ_NAMES := decoder records roundtrip
FUZZ_BINS := $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
$(B)/.fuzzdeps: tools/deps.sh | $(B)/.deps
	@tools/deps.sh $(FUZZ_PKGS)
	@touch $@
# (clang's libFuzzer build compiles formats/ itself: gcc's archives are not for it)
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/harness.h $(FORMATS_SRC) formats/mtf.h | $(B)/.fuzzdeps $(B)/fuzz
	$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_SAN) -o $@ $< $(FORMATS_SRC) -lzstd
fuzz: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_NAMES)
# Rewrites the seed corpus with the current writer: `make fuzz-seeds`, then review and commit.
$(B)/mkseeds: tests/fuzz/mkseeds.c formats/mtf.h $(B)/libmtf.a | $(B)/.deps
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libmtf.a -lzstd
fuzz-seeds: $(B)/mkseeds
	$(B)/mkseeds tests/fuzz/corpus
$(B)/asan/test_fuzz_replay: tests/fuzz/replay.c $(B)/asan/libmtf.a | $(B)/asan
	$(CC) $(ALL_CFLAGS) $(SAN) -Itests/fuzz -MMD -MP -MF $@.d -o $@ $< $(B)/asan/libmtf.a -lzstd

# Test tools: a record dumper.
$(B)/mtdump: tests/tools/mtdump.c formats/mtf.h $(B)/libmtf.a | $(B)/.deps
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libmtf.a -lzstd

# Synthetic traces for mtan's end-to-end tests and load benchmark (tests/e2e/mtan_cli.sh).
$(B)/mktrace: tests/tools/mktrace.c tests/unit/trace_build.h formats/mtf.h $(B)/libmtf.a | $(B)/.deps
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(B)/libmtf.a -lzstd

$(B)/scribble: tests/tools/scribble.c | $(B)/.deps
	$(CC) $(ALL_CFLAGS) -o $@ $<

# ajv and the speedscope package (its published file-format-schema.json) for
# tests/e2e/exports.sh, from the npm registry into build/node; where they cannot be got (no
# npm, no registry) that check is counted as skipped, and the next make tries again.
NPM_TEST_PKGS := ajv@8.17.1 speedscope@1.25.0
$(B)/node/.installed: Makefile | $(B)/.deps
	@mkdir -p $(B)/node
	@if command -v npm >/dev/null && npm install --no-save --no-audit --no-fund --fetch-retries=1 --fetch-timeout=30000 --prefix $(B)/node \
		$(NPM_TEST_PKGS) >$(B)/node/npm.log 2>&1; then touch $@; \
	else echo "npm: cannot install $(NPM_TEST_PKGS) (see $(B)/node/npm.log): tests skip the speedscope schema" >&2; fi
npm-test-pkgs: $(B)/node/.installed

TEST_BINS := $(B)/scribble all samples npm-test-pkgs $(B)/asan/mtan $(B)/asan/mtrec $(B)/mtdump $(B)/mktrace $(UNIT_BINS) $(B)/asan/test_fuzz_replay
# The tests' binaries are built on every core (CI runs a plain `make check` on 2) unless
# -j was given; the tests then run one at a time.
check:
	@$(MAKE) --no-print-directory $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc)) $(TEST_BINS)
	@tests/run.sh

demo: all samples
	@tools/demo.sh

# Benchmarks side by side with heaptrack, valgrind and glibc's mtrace (bench/run.sh;
# BENCH_REPS, BENCH_FULL=1 for the 100 M-event size); writes bench/RESULTS.md.
$(B)/bench/churn: bench/churn.c | $(B)/bench
	$(CC) -std=c11 -D_GNU_SOURCE -g -O2 $(WARN) -o $@ $< -lpthread
$(B)/bench/scanheap: bench/scanheap.c | $(B)/bench
	$(CC) -std=c11 -D_GNU_SOURCE -g -O2 $(WARN) -o $@ $<
$(B)/bench/mtrace-on.so: bench/mtrace-on.c | $(B)/bench
	$(CC) -std=c11 -D_GNU_SOURCE -O2 $(WARN) -fPIC -shared -o $@ $<
bench: all samples $(B)/bench/churn $(B)/bench/scanheap $(B)/bench/mtrace-on.so $(B)/mtdump
	@bench/run.sh
# The first answer alone (bench/load.sh; also the end of make bench): mtan leaks on a fresh
# trace against heaptrack_print, multi-process loads, mtan's memory, database bytes per event.
bench-load: all $(B)/bench/churn
	@bench/load.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/mtrec $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/doc/mtrec
	install -m 755 $(B)/mtrec $(B)/mtan $(DESTDIR)$(PREFIX)/bin/
	install -m 755 $(B)/libmtrec.so $(DESTDIR)$(PREFIX)/lib/mtrec/
	install -m 644 record/mtrec.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 formats/FORMAT.md analyze/SCHEMA.md analyze/CSV.md $(DESTDIR)$(PREFIX)/share/doc/mtrec/
	for m in doc/*.1; do [ -f "$$m" ] && install -m 644 "$$m" $(DESTDIR)$(PREFIX)/share/man/man1/ || true; done
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 doc/mtan.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/mtan
	install -m 644 doc/mtrec.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/mtrec

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/mtrec $(DESTDIR)$(PREFIX)/bin/mtan $(DESTDIR)$(PREFIX)/include/mtrec.h
	rm -rf $(DESTDIR)$(PREFIX)/lib/mtrec $(DESTDIR)$(PREFIX)/share/doc/mtrec
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/mtrec.1 $(DESTDIR)$(PREFIX)/share/man/man1/mtan.1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/mtan \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/mtrec

# doc/mtan.1 is written by mtan from its command table and usage texts (tests/e2e/docs.sh
# fails when it is out of date): `make man` after changing a command's usage.
man: $(B)/mtan
	$(B)/mtan help --man >doc/mtan.1

clean:
	rm -rf $(B)/mtrec $(B)/mtan $(B)/libmtrec.so $(B)/asan $(B)/samples $(B)/gen $(B)/sql2c \
		$(B)/obj $(B)/pic $(B)/libmtan.a $(B)/libmtf.a $(B)/mtdump $(B)/mktrace $(B)/scribble \
		$(B)/fuzz $(B)/mkseeds $(B)/node
