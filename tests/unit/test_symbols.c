/* The symbolizer (analyze/symbols.c) on this test program's own module map: functions,
 * files and lines of return addresses; inlined calls, each with its line; module+offset
 * when the file is missing; the latest load where two overlap; nothing for an address no
 * module holds. */
#include "symbols.h"
#include "unit.h"
#include "sym.h"

#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline, used)) void symbols_probe(void) { __asm__ volatile(""); }

/* A return address inside code inlined twice: where() is called from inner(), inlined
 * into middle(), inlined into outer(). Each call shares its line with a store of
 * __LINE__, which also keeps it from being a tail call (the return address must stay in
 * outer). */
static volatile uint64_t sink;
static volatile int inner_line, middle_line, outer_line;
__attribute__((noinline)) static uint64_t where(void)
{
	return (uint64_t)(uintptr_t)__builtin_return_address(0);
}
static inline __attribute__((always_inline)) void inner(void)
{
	sink = where(); inner_line = __LINE__;
}
static inline __attribute__((always_inline)) void middle(void)
{
	inner(); middle_line = __LINE__;
}
__attribute__((noinline)) static void outer(void)
{
	middle(); outer_line = __LINE__;
}

static struct mtan_module self;
static char self_path[4096];

static int self_cb(struct dl_phdr_info *info, size_t sz, void *arg)
{
	(void)sz;
	(void)arg;
	if (info->dlpi_name && *info->dlpi_name)
		return 0;
	uint64_t hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD && info->dlpi_phdr[i].p_vaddr + info->dlpi_phdr[i].p_memsz > hi)
			hi = info->dlpi_phdr[i].p_vaddr + info->dlpi_phdr[i].p_memsz;
	self.base = info->dlpi_addr;
	self.size = hi;
	return 1;
}

static void own_function(void)
{
	struct mtan_symbolizer *s = mtan_symbolizer_new(&self, 1, NULL);
	struct mtan_sym sym;
	CHECK(s);
	/* a return address just past the function's first byte: looked up at the byte */
	mtan_symbolize(s, (uint64_t)(uintptr_t)symbols_probe + 1, 1, &sym);
	int ok = sym.function && !strcmp(sym.function, "symbols_probe") && sym.file &&
		 strstr(sym.file, "test_symbols.c") && sym.line > 0 && sym.module && !strcmp(sym.module, self_path);
	if (!ok)
		fprintf(stderr, "  got %s %s:%d in %s\n", sym.function ? sym.function : "?",
			sym.file ? sym.file : "?", sym.line, sym.module ? sym.module : "?");
	mtan_sym_release(&sym);
	mtan_symbolizer_free(s);
	CHECK(ok);
}

static void inlined(void)
{
	outer();
	uint64_t ret = sink;
	struct mtan_symbolizer *s = mtan_symbolizer_new(&self, 1, NULL);
	struct mtan_sym sym;
	CHECK(s);
	mtan_symbolize(s, ret, 1, &sym);
	int ok = sym.ninlined == 2 && sym.inlined[0].function && !strcmp(sym.inlined[0].function, "inner") &&
		 sym.inlined[0].line == inner_line && sym.inlined[1].function &&
		 !strcmp(sym.inlined[1].function, "middle") && sym.inlined[1].line == middle_line &&
		 sym.function && !strcmp(sym.function, "outer") && sym.line == outer_line &&
		 sym.file && strstr(sym.file, "test_symbols.c") && sym.inlined[0].file &&
		 strstr(sym.inlined[0].file, "test_symbols.c");
	if (!ok) {
		for (size_t i = 0; i < sym.ninlined; i++)
			fprintf(stderr, "  inlined %s %s:%d\n", sym.inlined[i].function ? sym.inlined[i].function : "?",
				sym.inlined[i].file ? sym.inlined[i].file : "?", sym.inlined[i].line);
		fprintf(stderr, "  in %s %s:%d\n", sym.function ? sym.function : "?", sym.file ? sym.file : "?", sym.line);
	}
	mtan_sym_release(&sym);
	mtan_symbolizer_free(s);
	CHECK(ok);
}

/* A function that is not inlined anywhere has no inlined entries. */
static void not_inlined(void)
{
	struct mtan_symbolizer *s = mtan_symbolizer_new(&self, 1, NULL);
	struct mtan_sym sym;
	CHECK(s);
	mtan_symbolize(s, (uint64_t)(uintptr_t)symbols_probe + 1, 1, &sym);
	CHECK(sym.ninlined == 0 && !sym.inlined);
	mtan_sym_release(&sym);
	mtan_symbolizer_free(s);
}

static void missing_file(void)
{
	struct mtan_module m = {1, 0x7f0000000000ull, 0x10000, 0, "/nonexistent/libgone.so", ""};
	struct mtan_symbolizer *s = mtan_symbolizer_new(&m, 1, NULL);
	struct mtan_sym sym;
	CHECK(s);
	mtan_symbolize(s, 0x7f0000001234ull, 1, &sym);
	CHECK(sym.module && !strcmp(sym.module, "/nonexistent/libgone.so"));
	CHECK_EQ_U(sym.offset, 0x1234);
	CHECK(!sym.function && !sym.file && !sym.line);
	/* outside every module: nothing at all */
	mtan_symbolize(s, 0x1000, 1, &sym);
	CHECK(!sym.module && !sym.function);
	mtan_symbolize(s, 0x7f0000010000ull, 1, &sym); /* one past the end */
	CHECK(!sym.module);
	mtan_symbolizer_free(s);
}

/* Two loads at one address (dlclose, then another dlopen): the later one explains it. */
static void overlap_latest(void)
{
	struct mtan_module m[2] = {
		{1, 0x7f0000000000ull, 0x10000, 0, "/nonexistent/first.so", ""},
		{5, 0x7f0000008000ull, 0x10000, 0, "/nonexistent/second.so", ""},
	};
	struct mtan_symbolizer *s = mtan_symbolizer_new(m, 2, NULL);
	struct mtan_sym sym;
	CHECK(s);
	mtan_symbolize(s, 0x7f0000009000ull, 1, &sym);
	CHECK(sym.module && !strcmp(sym.module, "/nonexistent/second.so"));
	CHECK_EQ_U(sym.offset, 0x1000);
	mtan_symbolizer_free(s);
}

/* The recorded build id must match the file's, or its symbols would be another build's. */
static void other_build(void)
{
	struct mtan_module m = self;
	m.build_id = "00112233445566778899aabbccddeeff00112233";
	struct mtan_symbolizer *s = mtan_symbolizer_new(&m, 1, NULL);
	struct mtan_sym sym;
	CHECK(s);
	mtan_symbolize(s, (uint64_t)(uintptr_t)symbols_probe + 1, 1, &sym);
	CHECK(sym.module && !sym.function);
	mtan_sym_release(&sym);
	mtan_symbolizer_free(s);
}

/* One symbolizer for every process: the same file at another base in a second map is the
 * same function, resolved once (the second answer is the first's). */
static void two_maps(void)
{
	struct mtan_module other = self;
	other.base = self.base + 0x100000000000ull;
	struct mtan_symbolizer *s = mtan_symbolizer_new(&self, 1, NULL);
	struct mtan_sym a, b;
	uint64_t resolved = 0, cached = 0;
	CHECK(s);
	uint64_t off = (uint64_t)(uintptr_t)symbols_probe + 1 - self.base;
	mtan_symbolize(s, self.base + off, 1, &a);
	int ok = !mtan_symbolizer_map(s, &other, 1);
	mtan_symbolize(s, other.base + off, 1, &b);
	ok = ok && a.function && b.function && !strcmp(a.function, "symbols_probe") &&
	     !strcmp(b.function, a.function) && b.file && a.file && !strcmp(a.file, b.file) && a.line == b.line &&
	     b.offset == off && b.module == other.path;
	mtan_sym_release(&a);
	mtan_sym_release(&b);
	/* an address no module of the new map holds: the old map is gone */
	mtan_symbolize(s, self.base + off, 1, &a);
	ok = ok && !a.module;
	mtan_symbolizer_done(s, &resolved, &cached);
	mtan_symbolizer_free(s);
	CHECK(ok);
	CHECK_EQ_U(resolved, 1);
	CHECK_EQ_U(cached, 0);
}

/* JIT code named by a perf map: an address in no module, the newest entry holding it (a
 * return address looked up a byte back); a module's address keeps the module's name; a
 * new module map clears the perf map. */
static void perf_map(void)
{
	struct mtan_module m = {1, 0x7f0000000000ull, 0x10000, 0, "/nonexistent/lib.so", ""};
	struct mtan_perf_sym p[4] = {
		{0x1000, 0x100, "py::old:/x.py"},
		{0x1080, 0x10, "py::new:/x.py"},  /* newer, over the old one's middle */
		{0x7f0000000100ull, 0x10, "py::inside:/x.py"}, /* in the module: not used */
		{0x2000, 0, "empty"},
	};
	struct mtan_symbolizer *s = mtan_symbolizer_new(&m, 1, NULL);
	struct mtan_sym sym;
	CHECK(s && !mtan_symbolizer_perf_map(s, p, 4));
	mtan_symbolize(s, 0x1004, 0, &sym);
	int ok = sym.function && !strcmp(sym.function, "py::old:/x.py") && sym.module &&
		 !strcmp(sym.module, MTAN_PERF_MAP_MODULE) && sym.offset == 4 && !sym.file;
	mtan_sym_release(&sym);
	mtan_symbolize(s, 0x1085, 1, &sym);
	ok = ok && sym.function && !strcmp(sym.function, "py::new:/x.py");
	mtan_sym_release(&sym);
	mtan_symbolize(s, 0x1090, 1, &sym); /* returns to the byte after new's end: new's call */
	ok = ok && sym.function && !strcmp(sym.function, "py::new:/x.py");
	mtan_sym_release(&sym);
	mtan_symbolize(s, 0x1090, 0, &sym);
	ok = ok && sym.function && !strcmp(sym.function, "py::old:/x.py");
	mtan_sym_release(&sym);
	mtan_symbolize(s, 0x2000, 0, &sym);
	ok = ok && !sym.module && !sym.function;
	mtan_symbolize(s, 0x7f0000000104ull, 0, &sym);
	ok = ok && sym.module && !strcmp(sym.module, "/nonexistent/lib.so") && !sym.function;
	mtan_sym_release(&sym);
	ok = ok && !mtan_symbolizer_map(s, &m, 1);
	mtan_symbolize(s, 0x1004, 0, &sym);
	ok = ok && !sym.module && !sym.function;
	mtan_symbolizer_free(s);
	CHECK(ok);
}

int main(void)
{
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
	self_path[n > 0 ? n : 0] = 0;
	dl_iterate_phdr(self_cb, NULL);
	self.path = self_path;
	self.build_id = "";
	RUN(own_function);
	RUN(inlined);
	RUN(not_inlined);
	RUN(missing_file);
	RUN(overlap_latest);
	RUN(other_build);
	RUN(two_maps);
	RUN(perf_map);
	UNIT_EXIT();
}
