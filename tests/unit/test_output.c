/* The output helpers (analyze/output.c): rows written as a table fitted to the width with
 * human sizes and counts, as CSV quoted by libcsv, and as JSON; the width from $COLUMNS
 * (else none off a terminal). */
#include "opts.h"
#include "output.h"
#include "unit.h"
#include "result.h"
#include "rows.h"

#include <stdlib.h>
#include <string.h>

static const struct mtan_col cols[] = {
	{"site", NULL, MTAN_K_TEXT},
	{"bytes", "leaked", MTAN_K_SIZE},
	{"blocks", NULL, MTAN_K_COUNT},
	{"device", NULL, MTAN_K_DEVICE},
	{"address", NULL, MTAN_K_HEX},
};

/* Writes two rows in format with $COLUMNS at columns (NULL: unset); returns the text. */
static char *render(int format, const char *columns, const char *site)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (columns)
		setenv("COLUMNS", columns, 1);
	else
		unsetenv("COLUMNS");
	struct mtan_rows *r = mtan_rows_new(cols, 5, format, f);
	if (!r) {
		fclose(f);
		free(buf);
		return NULL;
	}
	mtan_rows_text(r, site);
	mtan_rows_int(r, 15518924);
	mtan_rows_int(r, 1234567);
	mtan_rows_int(r, -1);
	mtan_rows_int(r, 0x7f00);
	mtan_rows_text(r, "b");
	mtan_rows_int(r, 512);
	mtan_rows_int(r, 2);
	mtan_rows_int(r, 3);
	mtan_rows_null(r);
	mtan_rows_end(r);
	mtan_rows_free(r);
	fclose(f);
	return buf;
}

static void table_for_people(void)
{
	char *t = render(MTAN_TABLE, NULL, "alpha");
	CHECK(t);
	int ok = !strcmp(t, "site     leaked     blocks  device  address\n"
			    "alpha  14.8 MiB  1,234,567    host   0x7f00\n"
			    "b         512 B          2       3\n");
	if (!ok)
		fprintf(stderr, "  got:\n%s", t);
	free(t);
	CHECK(ok);
}

static void table_fits_the_width(void)
{
	char site[200];
	memset(site, 'x', sizeof site - 1);
	site[sizeof site - 1] = 0;
	char *t = render(MTAN_TABLE, "60", site);
	CHECK(t);
	/* every line within 60 columns, the long site cut with "...", the numbers whole */
	int ok = 1;
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n"))
		ok &= strlen(line) <= 60;
	free(t);
	CHECK(ok);
	t = render(MTAN_TABLE, "60", site);
	CHECK(strstr(t, "x... ") && strstr(t, "14.8 MiB") && strstr(t, "1,234,567"));
	free(t);
	/* off a terminal and without $COLUMNS: nothing cut (a file keeps every character) */
	t = render(MTAN_TABLE, NULL, site);
	CHECK(t);
	ok = strstr(t, site) != NULL && !strstr(t, "x...");
	free(t);
	CHECK(ok);
}

/* Writes the rows of cells (n a row, NULL: a NULL cell; kinds as c) in format with
 * $COLUMNS at columns; returns the text. */
static char *render_cells(const struct mtan_col *c, int n, const char *const *cells, int ncells, int format,
			  const char *columns)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	setenv("COLUMNS", columns, 1);
	struct mtan_rows *r = mtan_rows_new(c, n, format, f);
	for (int i = 0; r && i < ncells; i++) {
		if (!cells[i])
			mtan_rows_null(r);
		else if (c[i % n].kind == MTAN_K_TEXT)
			mtan_rows_text(r, cells[i]);
		else
			mtan_rows_int(r, atoll(cells[i]));
	}
	if (r)
		mtan_rows_end(r);
	mtan_rows_free(r);
	fclose(f);
	return buf;
}

/* The rule: text columns give up room (the widest first, each down to its head or 12
 * columns) and show the cut with "..."; numbers keep every digit. */
static void table_cuts_text_not_numbers(void)
{
	static const struct mtan_col c[] = {
		{"name", NULL, MTAN_K_TEXT}, {"path", NULL, MTAN_K_TEXT}, {"n", NULL, MTAN_K_COUNT},
	};
	static const char *const cells[] = {
		"alpha", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.33", "1234567",
		"a-rather-long-name-too", "/lib", "2",
	};
	char *t = render_cells(c, 3, cells, 6, MTAN_TABLE, "40");
	int ok = t && !strcmp(t, "name           path                    n\n"
				 "alpha          /usr/lib/x8...  1,234,567\n"
				 "a-rather-l...  /lib                    2\n");
	if (!ok)
		fprintf(stderr, "  got:\n%s", t ? t : "(null)");
	free(t);
	CHECK(ok);
}

/* Where the numbers and the least of the text cannot fit, a block per row (psql's \x):
 * every value whole but text wider than the line, which is cut. */
static void table_too_wide_as_blocks(void)
{
	static const struct mtan_col c[] = {
		{"first", NULL, MTAN_K_INT}, {"second_seq", NULL, MTAN_K_INT}, {"third", NULL, MTAN_K_INT},
		{"note", NULL, MTAN_K_TEXT},
	};
	static const char *const cells[] = {
		"123456789", "234567890", "345678901", "short",
		"1", NULL, "3", "a note far longer than the line it is on",
	};
	char *t = render_cells(c, 4, cells, 8, MTAN_TABLE, "30");
	int ok = t && !strcmp(t, "-[ row 1 ]-----------\n"
				 "first       123456789\n"
				 "second_seq  234567890\n"
				 "third       345678901\n"
				 "note        short\n"
				 "\n"
				 "-[ row 2 ]--------------------\n"
				 "first       1\n"
				 "second_seq\n"
				 "third       3\n"
				 "note        a note far long...\n");
	if (!ok)
		fprintf(stderr, "  got:\n%s", t ? t : "(null)");
	free(t);
	CHECK(ok);
	/* no rows: the heads alone, cut to the width */
	t = render_cells(c, 4, cells, 0, MTAN_TABLE, "25");
	ok = t && !strcmp(t, "first  second_seq  thi...\n");
	if (!ok)
		fprintf(stderr, "  got:\n%s", t ? t : "(null)");
	free(t);
	CHECK(ok);
}

/* A ratio reads at three decimals in a table; CSV and JSON keep every digit. */
static void ratio_short_in_tables(void)
{
	static const struct mtan_col c[] = {{"external_fragmentation", "ext. frag", MTAN_K_RATIO}};
	static const int formats[] = {MTAN_TABLE, MTAN_CSV, MTAN_JSON};
	static const char *const want[] = {
		"ext. frag\n    0.169\n    0.875\n",
		"\"external_fragmentation\"\n0.169230769230769\n0.875\n",
		"[{\"external_fragmentation\": 0.169230769230769},\n {\"external_fragmentation\": 0.875}]\n",
	};
	for (int i = 0; i < 3; i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct mtan_rows *r = mtan_rows_new(c, 1, formats[i], f);
		CHECK(r);
		mtan_rows_real(r, 22.0 / 130);
		mtan_rows_real(r, 0.875);
		mtan_rows_end(r);
		mtan_rows_free(r);
		fclose(f);
		int ok = !strcmp(buf, want[i]);
		if (!ok)
			fprintf(stderr, "  got:\n%s", buf);
		free(buf);
		CHECK(ok);
	}
}

/* Prose is folded between words, never right after a number, continued two further in. */
static void prose_folds(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	setenv("COLUMNS", "30", 1);
	mtan_prose(f, "%s bytes in 1 block leaked (pid %d, host heap)\n\n  short\n", "4,096", 2274);
	mtan_prose(f, "a-word-wider-than-the-line-can-hold-whole stays whole\n");
	fclose(f);
	int ok = !strcmp(buf, "4,096 bytes in 1 block leaked\n"
			      "  (pid 2274, host heap)\n"
			      "\n"
			      "  short\n"
			      "a-word-wider-than-the-line-can-hold-whole\n"
			      "  stays whole\n");
	if (!ok)
		fprintf(stderr, "  got:\n%s", buf);
	free(buf);
	CHECK(ok);
}

static void csv_quoted_by_libcsv(void)
{
	char *t = render(MTAN_CSV, NULL, "a \"b\", c\nd");
	CHECK(t);
	int ok = !strcmp(t, "\"site\",\"bytes\",\"blocks\",\"device\",\"address\"\n"
			    "\"a \"\"b\"\", c\nd\",15518924,1234567,-1,0x7f00\n"
			    "\"b\",512,2,3,\n");
	if (!ok)
		fprintf(stderr, "  got:\n%s", t);
	free(t);
	CHECK(ok);
}

static void json_typed(void)
{
	char *t = render(MTAN_JSON, NULL, "tab\there");
	CHECK(t);
	int ok = !strcmp(t, "[{\"site\": \"tab\\there\", \"bytes\": 15518924, \"blocks\": 1234567, "
			    "\"device\": -1, \"address\": \"0x7f00\"},\n"
			    " {\"site\": \"b\", \"bytes\": 512, \"blocks\": 2, \"device\": 3, \"address\": null}]\n");
	if (!ok)
		fprintf(stderr, "  got:\n%s", t);
	free(t);
	CHECK(ok);
}

/* Writes s as a JSON string; returns the text. */
static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	mtan_json_str(f, s);
	fclose(f);
	return buf;
}

/* Strings from a trace are bytes as the program gave them: valid UTF-8 passes whole, every
 * other byte becomes U+FFFD, so JSON readers never choke. */
static void json_utf8(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
		{"a\xff" "b", "\"a\\ufffdb\""},                 /* never a lead byte */
		{"\xc3", "\"\\ufffd\""},                          /* cut at the end */
		{"\xc3(", "\"\\ufffd(\""},                        /* bad continuation */
		{"\xc0\xaf", "\"\\ufffd\\ufffd\""},               /* overlong '/' */
		{"\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""},    /* overlong, 3 bytes */
		{"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},    /* a surrogate */
		{"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* past U+10FFFF */
		{"\x01\x7f", "\"\\u0001\\u007f\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *t = json_of(cases[i].in);
		int ok = t && !strcmp(t, cases[i].want);
		if (!ok)
			fprintf(stderr, "  case %zu got: %s\n", i, t ? t : "(null)");
		free(t);
		CHECK(ok);
	}
}

static void empty_results(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct mtan_rows *r = mtan_rows_new(cols, 5, MTAN_JSON, f);
	CHECK(r);
	mtan_rows_end(r);
	mtan_rows_free(r);
	fclose(f);
	int ok = !strcmp(buf, "[]\n");
	free(buf);
	CHECK(ok);
}

/* A MTAN_K_REAL2 column (growth's z) has the same two decimals in every format, and JSON's
 * own printf("%.2f") agrees with it, so CSV and JSON print one value. */
static void reals_to_two_decimals(void)
{
	static const struct mtan_col c[] = {{"z", NULL, MTAN_K_REAL2}, {"r", NULL, MTAN_K_ANY}};
	static const char *const want[] = {
		[MTAN_TABLE] = "    z                 r\n30.37  30.3678080340975\n 2.50               2.5\n",
		[MTAN_JSON] = "[{\"z\": 30.37, \"r\": 30.3678080340975},\n {\"z\": 2.50, \"r\": 2.5}]\n",
		[MTAN_CSV] = "\"z\",\"r\"\n30.37,30.3678080340975\n2.50,2.5\n",
	};
	for (int format = MTAN_TABLE; format <= MTAN_CSV; format++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct mtan_rows *r = mtan_rows_new(c, 2, format, f);
		if (r) {
			mtan_rows_real(r, 30.3678080340975);
			mtan_rows_real(r, 30.3678080340975);
			mtan_rows_real(r, 2.5);
			mtan_rows_real(r, 2.5);
			mtan_rows_end(r);
		}
		mtan_rows_free(r);
		fclose(f);
		int ok = r && !strcmp(buf, want[format]);
		if (!ok)
			fprintf(stderr, "  format %d got:\n%s", format, buf);
		free(buf);
		CHECK(ok);
	}
}

static void sizes_and_counts(void)
{
	char b[32];
	CHECK(!strcmp(mtan_size(b, 15518924), "14.8 MiB"));
	CHECK(!strcmp(mtan_size(b, 1023), "1023 B"));
	CHECK(!strcmp(mtan_size(b, 1024 * 1024 - 1), "1.0 MiB"));
	CHECK(!strcmp(mtan_count(b, 1234567), "1,234,567"));
	CHECK(!strcmp(mtan_count(b, 0), "0"));
}

int main(void)
{
	RUN(table_for_people);
	RUN(table_fits_the_width);
	RUN(table_cuts_text_not_numbers);
	RUN(table_too_wide_as_blocks);
	RUN(ratio_short_in_tables);
	RUN(prose_folds);
	RUN(csv_quoted_by_libcsv);
	RUN(json_typed);
	RUN(json_utf8);
	RUN(empty_results);
	RUN(reals_to_two_decimals);
	RUN(sizes_and_counts);
	UNIT_EXIT();
}
