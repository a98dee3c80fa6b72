/* Numbers for strings (analyze/intern.c): the first key 0, the next 1; the same bytes the
 * same number however often and after however many others; keys with NULs inside are
 * whole keys; an emptied table starts again at 0. */
#include "intern.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static void in_order(void)
{
	struct mtan_intern t = {0};
	int added = -1;
	CHECK_EQ_U(mtan_intern_str(&t, ""), 0);
	CHECK_EQ_U(mtan_intern(&t, "malloc", 6, &added), 1);
	CHECK(added == 1);
	CHECK_EQ_U(mtan_intern(&t, "malloc", 6, &added), 1);
	CHECK(added == 0);
	CHECK_EQ_U(mtan_intern_str(&t, NULL), 0); /* NULL is "" */
	CHECK_EQ_U(mtan_intern_str(&t, "main"), 2);
	CHECK(t.n == 3 && !strcmp(t.key[1], "malloc") && t.len[2] == 4);
	mtan_intern_release(&t);
	CHECK(t.n == 0 && t.key == NULL);
	CHECK_EQ_U(mtan_intern_str(&t, "main"), 0);
	mtan_intern_release(&t);
	mtan_intern_release(NULL);
}

static void nul_inside(void)
{
	struct mtan_intern t = {0};
	CHECK_EQ_U(mtan_intern(&t, "f\0a.c\0" "1", 7, NULL), 0);
	CHECK_EQ_U(mtan_intern(&t, "f\0a.c\0" "2", 7, NULL), 1);
	CHECK_EQ_U(mtan_intern(&t, "f", 1, NULL), 2);
	CHECK_EQ_U(mtan_intern(&t, "f\0a.c\0" "1", 7, NULL), 0);
	CHECK(t.key[0][7] == 0 && !memcmp(t.key[1], "f\0a.c\0" "2", 7));
	mtan_intern_release(&t);
}

/* past several growths of the slots, every key keeps its number */
static void many(void)
{
	struct mtan_intern t = {0};
	char buf[32];
	for (long i = 0; i < 100000; i++) {
		int len = snprintf(buf, sizeof buf, "key %ld", i);
		CHECK_EQ_U(mtan_intern(&t, buf, (size_t)len, NULL), i);
	}
	for (long i = 99999; i >= 0; i -= 7) {
		int len = snprintf(buf, sizeof buf, "key %ld", i);
		CHECK_EQ_U(mtan_intern(&t, buf, (size_t)len, NULL), i);
	}
	CHECK_EQ_U(t.n, 100000);
	mtan_intern_release(&t);
}

int main(void)
{
	RUN(in_order);
	RUN(nul_inside);
	RUN(many);
	UNIT_EXIT();
}
