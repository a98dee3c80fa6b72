/* A stack as one CSV field (analyze/stacktext.c): frames split at ';' but an escaped one,
 * the parts in parentheses taken from the end in any order and a name's own parentheses
 * left in it, addresses, and every malformed stack refused with its reason; and a stack
 * written from a database reads back the same. */
#include "stacktext.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static int same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* text's frames (malloc'd), n of them; NULL when it does not parse */
static struct mtan_text_frame *parse(char *text, size_t n)
{
	struct mtan_text_frame *f;
	size_t got;
	char why[200];
	if (mtan_stack_parse(text, &f, &got, why, sizeof why) || got != n) {
		fprintf(stderr, "  '%s': %zu frames, %s\n", text, got, why);
		free(f);
		return NULL;
	}
	return f;
}

static void parts(void)
{
	char text[] = " malloc (in /lib/libc.so.6) ; make_node (tree.c:12);main (main.c:5)";
	struct mtan_text_frame *f = parse(text, 3);
	CHECK(f);
	CHECK(same(f[0].f.function, "malloc") && same(f[0].f.module, "/lib/libc.so.6") && !f[0].f.file);
	CHECK(same(f[1].f.function, "make_node") && same(f[1].f.file, "tree.c") && f[1].f.line == 12);
	CHECK(!f[1].f.module && !f[1].inlined && !f[1].has_address);
	CHECK(same(f[2].f.function, "main") && f[2].f.line == 5);
	free(f);
}

static void names_keep_their_parentheses(void)
{
	char text[] = "operator new(unsigned long) (in libstdc++.so.6);(anonymous namespace)::f();"
		      "g(std::function<void (int)>) (a (1).cc:7);h (deleted) (inlined) (in m);k";
	struct mtan_text_frame *f = parse(text, 5);
	CHECK(f);
	CHECK(same(f[0].f.function, "operator new(unsigned long)") && same(f[0].f.module, "libstdc++.so.6"));
	CHECK(same(f[1].f.function, "(anonymous namespace)::f()") && !f[1].f.file);
	CHECK(same(f[2].f.function, "g(std::function<void (int)>)") && same(f[2].f.file, "a (1).cc") &&
	      f[2].f.line == 7);
	/* any order; a part of a kind already taken stays in the name */
	CHECK(same(f[3].f.function, "h") && same(f[3].f.file, "deleted") && f[3].inlined && same(f[3].f.module, "m"));
	free(f);
}

static void addresses_escapes_files(void)
{
	char text[] = "0x7F00ab (in /opt/x.so);a\\;b\\\\c\\d (C:\\src\\a.c);x (a.c:12:3);y (b.c)";
	struct mtan_text_frame *f = parse(text, 4);
	size_t n;
	char why[200];
	CHECK(f);
	CHECK(f[0].has_address && f[0].f.address == 0x7f00ab && !f[0].f.function && same(f[0].f.module, "/opt/x.so"));
	CHECK(same(f[1].f.function, "a;b\\c\\d") && same(f[1].f.file, "C:\\src\\a.c") && f[1].f.line == 0);
	CHECK(same(f[2].f.file, "a.c:12") && f[2].f.line == 3);
	CHECK(same(f[3].f.file, "b.c") && f[3].f.line == 0);
	free(f);
	char empty[] = "  ";
	CHECK(mtan_stack_parse(empty, &f, &n, why, sizeof why) == 0);
	CHECK(n == 0 && f == NULL);
}

static void malformed(void)
{
	static const char *const bad[][2] = {
		{"f;", "frame 2: empty"},
		{";f", "frame 1: empty"},
		{"(a.c:3)", "frame 1: no function or address"},
		{"0x", "frame 1: bad address '0x'"},
		{"0x12g", "frame 1: bad address '0x12g'"},
		{"f (a.c:99999999999)", "frame 1: bad file:line 'a.c:99999999999'"},
		{"f (:3)", "frame 1: bad file:line ':3'"},
		{"f (in  )", "frame 1: no module after 'in'"},
		{"f;g (inlined)", "frame 2: the outermost frame is inlined into none"},
		{"0x1 (inlined);g", "frame 1: an address cannot be inlined"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[64], why[200] = "";
		struct mtan_text_frame *f = (void *)1;
		size_t n = 9;
		snprintf(text, sizeof text, "%s", bad[i][0]);
		CHECK(mtan_stack_parse(text, &f, &n, why, sizeof why) == -1);
		if (strcmp(why, bad[i][1]))
			fprintf(stderr, "  '%s': '%s'\n", bad[i][0], why);
		CHECK(!strcmp(why, bad[i][1]) && f == NULL && n == 0);
	}
}

/* what mtan_stack_text writes from the frames reads back as they were */
static void written_reads_back(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *text = NULL;
	CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
			   "CREATE TABLE fr (stack INTEGER, level INTEGER, function TEXT, file TEXT, line INTEGER,"
			   " module TEXT, address INTEGER, inlined INTEGER);"
			   "INSERT INTO fr VALUES (1, 0, NULL, NULL, NULL, '/lib/a;b.so', 4096, 0),"
			   " (1, 1, 'in', 'x.c', 3, NULL, 1, 1), (1, 2, 'f(int) const', 'C:\\y.c', NULL, 'm', 1, 0),"
			   " (1, 3, '', NULL, NULL, NULL, 255, 0);",
			   NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "SELECT function, file, line, module, address, inlined FROM fr WHERE stack = ?1 ORDER BY level",
				 -1, &st, NULL) == SQLITE_OK);
	CHECK(mtan_stack_text(st, 2, &text) == 0 && !strcmp(text, ""));
	free(text);
	CHECK(mtan_stack_text(st, -1, &text) == 0 && !strcmp(text, ""));
	free(text);
	CHECK(mtan_stack_text(st, 1, &text) == 0);
	CHECK(!strcmp(text, "0x1000 (in /lib/a\\;b.so);in (x.c:3) (inlined);f(int) const (C:\\\\y.c) (in m);0xff"));
	struct mtan_text_frame *f = parse(text, 4);
	CHECK(f);
	CHECK(f[0].has_address && f[0].f.address == 4096 && same(f[0].f.module, "/lib/a;b.so"));
	CHECK(same(f[1].f.function, "in") && same(f[1].f.file, "x.c") && f[1].f.line == 3 && f[1].inlined);
	CHECK(same(f[2].f.function, "f(int) const") && same(f[2].f.file, "C:\\y.c") && same(f[2].f.module, "m"));
	CHECK(f[3].has_address && f[3].f.address == 255);
	free(f);
	free(text);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	RUN(parts);
	RUN(names_keep_their_parentheses);
	RUN(addresses_escapes_files);
	RUN(malformed);
	RUN(written_reads_back);
	UNIT_EXIT();
}
