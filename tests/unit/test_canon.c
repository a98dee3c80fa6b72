/* Stacks that read the same (analyze/canon.c): frame texts are numbered by what a report
 * shows of them, and a stack's canonical id is the first stack with the same texts and
 * site; a frame without a function is told apart by its offset (or address). */
#include "canon.h"
#include "unit.h"

#include <stdlib.h>

static void frame_texts(void)
{
	struct mtan_canon *c = mtan_canon_new();
	CHECK(c != NULL);
	/* three return addresses of one unrolled line: one text */
	uint32_t a = mtan_canon_frame(c, "leak_three", "unrolled.c", 14, "/bin/unrolled", 0x1147, 0x5000, 0);
	uint32_t b = mtan_canon_frame(c, "leak_three", "unrolled.c", 14, "/bin/unrolled", 0x1154, 0x5010, 0);
	uint32_t d = mtan_canon_frame(c, "leak_three", "unrolled.c", 15, "/bin/unrolled", 0x1160, 0x5020, 0);
	uint32_t e = mtan_canon_frame(c, "leak_three", "unrolled.c", 14, "/bin/unrolled", 0x1147, 0x5000, 1);
	uint32_t f = mtan_canon_frame(c, NULL, NULL, 0, "/lib/libx.so", 0x10, 0x7000, 0);
	uint32_t g = mtan_canon_frame(c, NULL, NULL, 0, "/lib/libx.so", 0x20, 0x7010, 0);
	uint32_t h = mtan_canon_frame(c, NULL, NULL, 0, "/lib/libx.so", 0x10, 0x9000, 0);
	uint32_t i = mtan_canon_frame(c, NULL, NULL, 0, NULL, 0, 0x9000, 0);
	uint32_t j = mtan_canon_frame(c, NULL, NULL, 0, NULL, 0, 0x9008, 0);
	mtan_canon_free(c);
	CHECK(a && a == b);           /* another address, the same function, file and line */
	CHECK(d && d != a);           /* another line */
	CHECK(e && e != a);           /* inlined there is another frame */
	CHECK(f && g && f != g);      /* no function: the offset tells them apart */
	CHECK(h == f);                /* ... not the address (ASLR, another process) */
	CHECK(i && j && i != j && i != f); /* in no module: the address */
}

static void stacks(void)
{
	struct mtan_canon *c = mtan_canon_new();
	CHECK(c != NULL);
	uint32_t s1[] = {1, 2, 3}, s2[] = {1, 2, 3}, s3[] = {1, 2, 4}, s4[] = {1, 2};
	CHECK_EQ_U(mtan_canon_stack(c, 1, s1, 3, 0), 1);
	CHECK_EQ_U(mtan_canon_stack(c, 2, s2, 3, 0), 1); /* reads as stack 1 */
	CHECK_EQ_U(mtan_canon_stack(c, 3, s3, 3, 0), 3);
	CHECK_EQ_U(mtan_canon_stack(c, 4, s4, 2, 0), 4); /* a prefix is another stack */
	CHECK_EQ_U(mtan_canon_stack(c, 5, s1, 3, 1), 5); /* another site */
	CHECK_EQ_U(mtan_canon_stack(c, 6, s1, 0, 0), 6); /* no frames */
	CHECK_EQ_U(mtan_canon_stack(c, 7, s2, 0, 0), 6);
	/* many stacks: the table grows and keeps every answer */
	uint32_t t[2];
	for (uint32_t k = 0; k < 5000; k++) {
		t[0] = 1000 + k;
		t[1] = k + 1;
		CHECK_EQ_U(mtan_canon_stack(c, 100 + k, t, 2, 0), 100 + k);
	}
	for (uint32_t k = 0; k < 5000; k++) {
		t[0] = 1000 + k;
		t[1] = k + 1;
		CHECK_EQ_U(mtan_canon_stack(c, 20000 + k, t, 2, 0), 100 + k);
	}
	mtan_canon_free(c);
	mtan_canon_free(NULL);
}

int main(void)
{
	RUN(frame_texts);
	RUN(stacks);
	UNIT_EXIT();
}
