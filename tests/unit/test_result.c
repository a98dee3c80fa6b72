/* The result type and its renderers (analyze/result.c, analyze/render.c): a result built by
 * hand prints the same cells as a table, CSV, JSON and HTML, each by its columns' kinds;
 * NULL and absent cells, nested rows and columns shown in some formats only. */
#include "result.h"
#include "unit.h"
#include "opts.h"
#include "output.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>

static const struct mtan_col cols[] = {
	{"site", NULL, MTAN_K_TEXT},
	{"bytes", "leaked", MTAN_K_SIZE},
	{"blocks", NULL, MTAN_K_COUNT},
	{"device", NULL, MTAN_K_DEVICE},
	{"address", NULL, MTAN_K_HEX},
	{"ratio", NULL, MTAN_K_RATIO},
};

/* Two rows: one full, one with a NULL address and a name that needs escaping. */
static struct mtan_result *sample(void)
{
	struct mtan_result *r = mtan_result_new(cols, 6);
	if (!r)
		return NULL;
	mtan_result_text(r, "alpha");
	mtan_result_int(r, 15518924);
	mtan_result_int(r, 1234567);
	mtan_result_int(r, -1);
	mtan_result_int(r, 0x7f00);
	mtan_result_real(r, 0.16875);
	mtan_result_text(r, "<b>&\"x\"");
	mtan_result_int(r, 512);
	mtan_result_int(r, 2);
	mtan_result_int(r, 3);
	mtan_result_null(r);
	mtan_result_null(r);
	if (mtan_result_ok(r)) {
		mtan_result_free(r);
		return NULL;
	}
	return r;
}

/* The result in format, $COLUMNS unset (off a terminal: nothing cut). Caller frees. */
static char *render(const struct mtan_result *r, int format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	unsetenv("COLUMNS");
	int rc = mtan_render(r, format, f);
	fclose(f);
	if (rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int same(const char *got, const char *want)
{
	if (got && !strcmp(got, want))
		return 1;
	fprintf(stderr, "  got:\n%s\n  want:\n%s\n", got ? got : "(null)", want);
	return 0;
}

static void table(void)
{
	struct mtan_result *r = sample();
	CHECK(r);
	char *t = render(r, MTAN_TABLE);
	int ok = same(t, "site       leaked     blocks  device  address  ratio\n"
			 "alpha    14.8 MiB  1,234,567    host   0x7f00  0.169\n"
			 "<b>&\"x\"     512 B          2       3\n");
	free(t);
	mtan_result_free(r);
	CHECK(ok);
}

static void csv(void)
{
	struct mtan_result *r = sample();
	CHECK(r);
	char *t = render(r, MTAN_CSV);
	int ok = same(t, "\"site\",\"bytes\",\"blocks\",\"device\",\"address\",\"ratio\"\n"
			 "\"alpha\",15518924,1234567,-1,0x7f00,0.16875\n"
			 "\"<b>&\"\"x\"\"\",512,2,3,,\n");
	free(t);
	mtan_result_free(r);
	CHECK(ok);
}

static void json(void)
{
	struct mtan_result *r = sample();
	CHECK(r);
	char *t = render(r, MTAN_JSON);
	int ok = same(t, "[{\"site\": \"alpha\", \"bytes\": 15518924, \"blocks\": 1234567, \"device\": -1, "
			 "\"address\": \"0x7f00\", \"ratio\": 0.16875},\n"
			 " {\"site\": \"<b>&\\\"x\\\"\", \"bytes\": 512, \"blocks\": 2, \"device\": 3, "
			 "\"address\": null, \"ratio\": null}]\n");
	free(t);
	mtan_result_free(r);
	CHECK(ok);
}

static void html(void)
{
	struct mtan_result *r = sample();
	CHECK(r);
	char *t = render(r, MTAN_HTML);
	int ok = same(t, "<table><tr><th>site</th><th class=n>leaked</th><th class=n>blocks</th><th>device</th>"
			 "<th>address</th><th class=n>ratio</th></tr>\n"
			 "<tr><td>alpha</td><td class=n title=\"15518924 bytes\">14.8 MiB</td><td class=n>1,234,567</td>"
			 "<td>host</td><td class=mono>0x7f00</td><td class=n>0.169</td></tr>\n"
			 "<tr><td>&lt;b&gt;&amp;&quot;x&quot;</td><td class=n title=\"512 bytes\">512 B</td>"
			 "<td class=n>2</td><td>device 3</td><td></td><td class=n></td></tr>\n"
			 "</table>");
	free(t);
	mtan_result_free(r);
	CHECK(ok);
}

/* Text that reads as numbers ("12, 3") is right-aligned as numbers are: class n in HTML,
 * a NULL one an empty right-aligned cell; CSV and JSON write it as text. */
static void number_text(void)
{
	static const struct mtan_col nc[] = {{"free", "free (seq, thread)", MTAN_K_NTEXT}, {"window", NULL, MTAN_K_NS}};
	struct mtan_result *r = mtan_result_new(nc, 2);
	CHECK(r);
	mtan_result_text(r, "12, 3");
	mtan_result_int(r, 1500000);
	mtan_result_null(r);
	mtan_result_int(r, 0);
	CHECK(!mtan_result_ok(r));
	char *h = render(r, MTAN_HTML), *c = render(r, MTAN_CSV), *j = render(r, MTAN_JSON);
	int ok = same(h, "<table><tr><th class=n>free (seq, thread)</th><th class=n>window</th></tr>\n"
			 "<tr><td class=n>12, 3</td><td class=n>1.5 ms</td></tr>\n"
			 "<tr><td class=n></td><td class=n>0</td></tr>\n</table>") &&
		 same(c, "\"free\",\"window\"\n\"12, 3\",1500000\n,0\n") &&
		 same(j, "[{\"free\": \"12, 3\", \"window\": 1500000},\n {\"free\": null, \"window\": 0}]\n");
	free(h);
	free(c);
	free(j);
	mtan_result_free(r);
	CHECK(ok);
}

/* A nested result of kind MTAN_K_OBJECT is its first row as one JSON object (null when the
 * cell is NULL), not an array; one of kind MTAN_K_LIST an array of its one column's values. */
static void object_cell(void)
{
	static const struct mtan_col oc[] = {{"kind", NULL, MTAN_K_TEXT}, {"nearest", NULL, MTAN_K_OBJECT}};
	static const struct mtan_col in[] = {{"size", NULL, MTAN_K_INT}, {"end_reason", NULL, MTAN_K_TEXT}};
	struct mtan_result *r = mtan_result_new(oc, 2), *n = mtan_result_new(in, 2);
	CHECK(r && n);
	mtan_result_int(n, 16);
	mtan_result_null(n);
	mtan_result_text(r, "double_free");
	mtan_result_rows(r, n);
	mtan_result_text(r, "unmatched_free");
	mtan_result_null(r);
	CHECK(!mtan_result_ok(r));
	char *j = render(r, MTAN_JSON);
	int ok = same(j, "[{\"kind\": \"double_free\", \"nearest\": {\"size\": 16, \"end_reason\": null}},\n"
			 " {\"kind\": \"unmatched_free\", \"nearest\": null}]\n");
	free(j);
	mtan_result_free(r);
	CHECK(ok);
	static const struct mtan_col lc[] = {{"frames", NULL, MTAN_K_LIST}};
	static const struct mtan_col name[] = {{"name", NULL, MTAN_K_TEXT}};
	struct mtan_result *l = mtan_result_new(lc, 1), *names = mtan_result_new(name, 1);
	CHECK(l && names);
	mtan_result_text(names, "main");
	mtan_result_text(names, "a\"b");
	mtan_result_rows(l, names);
	CHECK(!mtan_result_ok(l));
	j = render(l, MTAN_JSON);
	ok = same(j, "[{\"frames\": [\"main\", \"a\\\"b\"]}]\n");
	free(j);
	mtan_result_free(l);
	CHECK(ok);
}

/* Absent cells leave their key out of JSON; nested rows are an array of objects; a column
 * shown in JSON only is not in CSV; booleans are true/false in JSON and 0/1 elsewhere. */
static void absent_nested_and_shown(void)
{
	static const struct mtan_col top[] = {
		{"kind", NULL, MTAN_K_TEXT}, {"estimated", NULL, MTAN_K_BOOL},
		{"frames", NULL, MTAN_K_TEXT}, {"held", NULL, MTAN_K_BOOL},
	};
	static const struct mtan_col fr[] = {{"function", NULL, MTAN_K_TEXT}, {"line", NULL, MTAN_K_INT}};
	struct mtan_result *r = mtan_result_new(top, 4), *sub = mtan_result_new(fr, 2);
	CHECK(r && sub);
	mtan_result_show(r, 2, MTAN_SHOW_JSON);
	mtan_result_text(sub, "main");
	mtan_result_int(sub, 7);
	mtan_result_text(sub, "f\tg");
	mtan_result_null(sub);
	mtan_result_text(r, "definitely_lost");
	mtan_result_absent(r);
	mtan_result_rows(r, sub);
	mtan_result_int(r, 1);
	mtan_result_text(r, NULL);
	mtan_result_int(r, 0);
	mtan_result_absent(r); /* short: completed with NULL */
	CHECK(mtan_result_ok(r) == 0);
	CHECK_EQ_U(r->nrows, 2);
	char *j = render(r, MTAN_JSON), *c = render(r, MTAN_CSV), *t = render(r, MTAN_TABLE);
	int ok = same(j, "[{\"kind\": \"definitely_lost\", \"frames\": [{\"function\": \"main\", \"line\": 7}, "
			 "{\"function\": \"f\\tg\", \"line\": null}], \"held\": true},\n"
			 " {\"kind\": null, \"estimated\": false, \"held\": null}]\n") &&
		 same(c, "\"kind\",\"estimated\",\"held\"\n\"definitely_lost\",,1\n,0,\n") &&
		 same(t, "kind             estimated  held\ndefinitely_lost                1\n                         0\n");
	free(j);
	free(c);
	free(t);
	mtan_result_free(r);
	CHECK(ok);
}

/* A result with no rows: the heads alone, an empty array. */
static void empty(void)
{
	struct mtan_result *r = mtan_result_new(cols, 2);
	CHECK(r);
	char *t = render(r, MTAN_TABLE), *c = render(r, MTAN_CSV), *j = render(r, MTAN_JSON),
	     *h = render(r, MTAN_HTML);
	int ok = same(t, "site  leaked\n") && same(c, "\"site\",\"bytes\"\n") && same(j, "[]\n") &&
		 same(h, "<table><tr><th>site</th><th class=n>leaked</th></tr>\n</table>");
	free(t);
	free(c);
	free(j);
	free(h);
	mtan_result_free(r);
	CHECK(ok);
}

/* Cleared, a result keeps its columns and takes new rows. */
static void clear_and_reuse(void)
{
	struct mtan_result *r = mtan_result_new(cols, 2);
	CHECK(r);
	for (int i = 0; i < 40; i++) { /* past the first allocation of rows */
		mtan_result_text(r, "x");
		mtan_result_int(r, i);
	}
	CHECK_EQ_U(r->nrows, 40);
	CHECK(mtan_result_get_int(r, 39, 1, -5) == 39);
	CHECK(!strcmp(mtan_result_get_text(r, 39, 0), "x"));
	mtan_result_clear(r);
	CHECK_EQ_U(r->nrows, 0);
	mtan_result_text(r, "y");
	mtan_result_null(r);
	CHECK(mtan_result_get_int(r, 0, 1, -5) == -5);
	char *c = render(r, MTAN_CSV);
	int ok = same(c, "\"site\",\"bytes\"\n\"y\",\n");
	free(c);
	mtan_result_free(r);
	CHECK(ok);
}

int main(void)
{
	RUN(table);
	RUN(csv);
	RUN(json);
	RUN(html);
	RUN(number_text);
	RUN(object_cell);
	RUN(absent_nested_and_shown);
	RUN(empty);
	RUN(clear_and_reuse);
	UNIT_EXIT();
}
