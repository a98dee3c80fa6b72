/* unrolled: one line of source that the compiler copies. At -O1 gcc unrolls the loop in
 * leak_three(), so its three calls to malloc have three return addresses and the trace
 * three stacks, whose symbolized frames (function, file, line, module) are identical.
 * Expected findings (mtan leaks): ONE site, leak_three (unrolled.c), 3 blocks of 300 bytes
 * = 900 bytes; and one site leak_one, 1 block of 77 bytes. Nothing else leaks (stdio is
 * not used). */
#include <stdlib.h>

static void *volatile keep[4];

__attribute__((noinline)) static void leak_three(void **p)
{
	for (int i = 0; i < 3; i++)
		p[i] = malloc(300);
}

__attribute__((noinline)) static void *leak_one(void)
{
	return malloc(77);
}

int main(void)
{
	void *p[3];
	leak_three(p);
	keep[3] = leak_one();
	/* dropped: nothing points to them once main returns */
	keep[0] = keep[1] = keep[2] = NULL;
	keep[3] = NULL;
	(void)p;
	return 0;
}
