/* manyframes: a game loop of 2,000 frames, each marked "frame", with a steady working
 * set: a level of 64 blocks of 1 KiB loaded before the first frame and kept, and per
 * frame 8 temporaries of 256 bytes (frame_temp) freed before the next frame. No sleeps:
 * the whole run takes a few milliseconds.
 * Expected (mtan growth): host heap: plateau, judged on the 2,000 "frame" marks; no leaks
 * (the level is freed at the end). */
#include <stdio.h>
#include <stdlib.h>

#include "mtrec.h"

#define FRAMES 2000

__attribute__((noinline)) static void *level_block(void)
{
	return malloc(1024);
}

__attribute__((noinline)) static void *frame_temp(int i)
{
	char *p = malloc(256);
	if (p)
		p[0] = (char)i;
	return p;
}

int main(void)
{
	void *level[64], *tmp[8];
	for (int i = 0; i < 64; i++)
		level[i] = level_block();
	for (int f = 0; f < FRAMES; f++) {
		mtrec_mark("frame");
		for (int i = 0; i < 8; i++)
			tmp[i] = frame_temp(f + i);
		for (int i = 0; i < 8; i++)
			free(tmp[i]);
	}
	for (int i = 0; i < 64; i++)
		free(level[i]);
	printf("manyframes: %d frames\n", FRAMES);
	return 0;
}
