/* harness.h: what the fuzzers and the replay program do with one input. Each function runs
 * the reader to the end, reads every byte of every record it returns (so ASan sees any
 * record pointing outside its buffers) and traps when the reader breaks its contract. */
#ifndef MTF_FUZZ_HARNESS_H
#define MTF_FUZZ_HARNESS_H

#include "mtf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

/* More records than any input can hold means the reader stopped making progress:
 * a returned record takes at least 5 bytes of a frame of at most MTF_MAX_FRAME bytes,
 * and no frame the fuzzers can write is anywhere near that many. */
#define FUZZ_MAX_RECORDS (1u << 26)

#define FUZZ_ASSERT(c) do { if (!(c)) __builtin_trap(); } while (0)

static volatile uint64_t fuzz_sink;

static inline void fuzz_str(mtf_str s)
{
	FUZZ_ASSERT(s.s != NULL && s.len <= MTF_MAX_STRING && s.s[s.len] == 0);
	uint64_t h = 0;
	for (uint32_t i = 0; i < s.len; i++)
		h = h * 31 + (uint8_t)s.s[i];
	fuzz_sink += h;
}

static inline void fuzz_check_record(const mtf_record *rec)
{
	FUZZ_ASSERT(rec->type >= 1 && rec->type <= MTF_TYPE_MAX);
	switch (rec->type) {
	case MTF_HEADER:
		FUZZ_ASSERT(rec->u.header.version >= 1 && rec->u.header.version <= MTF_VERSION);
		fuzz_str(rec->u.header.host);
		fuzz_str(rec->u.header.cmdline);
		break;
	case MTF_PROCESS: fuzz_str(rec->u.process.exe); fuzz_str(rec->u.process.cmdline); break;
	case MTF_THREAD: fuzz_str(rec->u.thread.name); break;
	case MTF_MODULE: fuzz_str(rec->u.module.path); fuzz_str(rec->u.module.build_id); break;
	case MTF_DEVICE:
	case MTF_DEVICE_READY: fuzz_str(rec->u.device.name); break;
	case MTF_SPACE: fuzz_str(rec->u.space.name); break;
	case MTF_MARK: fuzz_str(rec->u.mark.label); break;
	case MTF_STACK:
		FUZZ_ASSERT(rec->u.stack.id != 0 && rec->u.stack.n <= MTF_MAX_FRAMES);
		for (uint32_t i = 0; i < rec->u.stack.n; i++)
			fuzz_sink += rec->u.stack.frames[i];
		break;
	case MTF_EVENTS:
		FUZZ_ASSERT(rec->u.events.n == 0 || rec->u.events.ev != NULL);
		for (uint32_t i = 0; i < rec->u.events.n; i++) {
			const mtf_event *e = &rec->u.events.ev[i];
			FUZZ_ASSERT((e->op & 0xc0) == 0);
			FUZZ_ASSERT(!(e->op & MTF_OP_STACK) == !e->stack);
			FUZZ_ASSERT((e->op & MTF_OP_DEV) || (e->device == MTF_HOST && e->space == 0));
			FUZZ_ASSERT(MTF_OP_KIND(e->op) == MTF_ALLOC || e->size == 0);
			fuzz_sink += e->seq + e->time_ns + e->addr + e->size + e->device + e->space;
		}
		break;
	}
}

/* Reads buf as a trace file. Returns the number of records. */
static inline uint64_t fuzz_decode(const uint8_t *buf, size_t len)
{
	mtf_reader *r;
	int ret = mtf_reader_open_mem(&r, buf, len);
	if (ret) {
		FUZZ_ASSERT(ret < 0 && r == NULL);
		return 0;
	}
	mtf_record rec;
	uint64_t n = 0;
	while ((ret = mtf_reader_next(r, &rec)) == 1) {
		FUZZ_ASSERT(++n < FUZZ_MAX_RECORDS);
		fuzz_check_record(&rec);
		FUZZ_ASSERT(n != 1 || rec.type == MTF_HEADER);
	}
	FUZZ_ASSERT(ret == 0 || (ret < 0 && mtf_strerror(ret) != NULL));
	FUZZ_ASSERT(mtf_reader_next(r, &rec) == ret); /* the end or the error stays */
	FUZZ_ASSERT(mtf_reader_good_offset(r) <= len && mtf_reader_file_size(r) == len);
	if (ret < 0)
		FUZZ_ASSERT(mtf_reader_bad_offset(r) <= len);
	if (ret == 0)
		FUZZ_ASSERT(mtf_reader_good_offset(r) == len && n > 0);
	if (mtf_reader_complete(r))
		FUZZ_ASSERT(n >= 2);
	mtf_reader_free(r);
	return n;
}

/* Reads buf as a decompressed record stream: wraps it in one zstd frame with content size
 * and checksum, as the writer makes them, so the fuzzer works on the records themselves. */
static inline uint64_t fuzz_records(const uint8_t *buf, size_t len)
{
	static ZSTD_CCtx *cctx;
	if (!cctx) {
		cctx = ZSTD_createCCtx();
		FUZZ_ASSERT(cctx != NULL);
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
	}
	size_t cap = ZSTD_compressBound(len);
	uint8_t *z = malloc(cap);
	FUZZ_ASSERT(z != NULL);
	size_t zn = ZSTD_compress2(cctx, z, cap, buf, len);
	FUZZ_ASSERT(!ZSTD_isError(zn));
	uint64_t n = fuzz_decode(z, zn);
	free(z);
	return n;
}

/* ---- round trip: the writer's output must read back as what it was given ---- */

/* Takes n bytes from the input, zero-filled past its end. */
static inline uint64_t fuzz_take(const uint8_t **p, const uint8_t *end, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)(*p < end ? *(*p)++ : 0) << (8 * i);
	return v;
}

/* The input describes events: per event a control byte (bits 0-3 kind and function, bit 4
 * on a device, bit 5 reuse an earlier address, bit 6 a seq jump of 2^32 or more, bit 7 a
 * stack), a selector byte (thread, device, space, which earlier address), a raw address
 * unless reused, and seq, time and size deltas. They are written as EVENTS chunks of
 * four threads (a chunk ends where the selector says) and read back field by field. */
static inline void fuzz_roundtrip(const uint8_t *buf, size_t len)
{
	enum { MAXEV = 4096 };
	static mtf_event ev[MAXEV], want[MAXEV];
	static uint32_t tid_of[MAXEV];
	const uint8_t *p = buf, *end = buf + len;
	uint64_t addrs[16] = {0, 1, UINT64_MAX, 1ull << 63, 0x8000000000001000ull,
			      0x555555554000ull, 0x7fffffffffffffffull, 0xc000000000000000ull};
	uint64_t seq = 0, t = 0;
	uint32_t n = 0;
	while (p < end && n < MAXEV) {
		uint8_t ctl = (uint8_t)fuzz_take(&p, end, 1), sel = (uint8_t)fuzz_take(&p, end, 1);
		mtf_event *e = &ev[n];
		memset(e, 0, sizeof *e);
		e->op = ctl & 0x0f;
		e->device = ctl & 0x10 ? (sel >> 2) & 3 : MTF_HOST;
		e->space = ctl & 0x10 ? (sel >> 4) & 1 : ((sel >> 4) & 3) == 3;
		if (ctl & 0x20)
			e->addr = addrs[sel >> 4];
		else
			addrs[8 + n % 8] = e->addr = fuzz_take(&p, end, 8);
		int64_t d = (int32_t)fuzz_take(&p, end, 4);
		seq += (uint64_t)d << (ctl & 0x40 ? 32 : 0);
		e->seq = seq;
		t += (uint64_t)(int64_t)(int16_t)fuzz_take(&p, end, 2);
		e->time_ns = t;
		e->size = fuzz_take(&p, end, (sel & 3) * 2 + 1);
		e->stack = ctl & 0x80 ? (uint32_t)fuzz_take(&p, end, 4) : 0;
		tid_of[n++] = sel & 3;
	}
	FILE *f = tmpfile();
	FUZZ_ASSERT(f != NULL);
	mtf_writer *w;
	FUZZ_ASSERT(mtf_writer_new(&w, fileno(f), 1) == 0);
	mtf_record rec = {0};
	rec.type = MTF_HEADER;
	FUZZ_ASSERT(mtf_writer_put(w, &rec) == 0);
	/* one thread's events at a time, in runs: chunk boundaries wherever the thread changes */
	uint32_t nw = 0;
	for (uint32_t i = 0; i < n;) {
		uint32_t j = i;
		while (j < n && tid_of[j] == tid_of[i])
			j++;
		FUZZ_ASSERT(mtf_writer_events(w, 1, tid_of[i], ev + i, j - i) == 0);
		for (uint32_t k = i; k < j; k++) {
			mtf_event x = ev[k];
			x.op &= 0x0f;
			if (x.device != MTF_HOST || x.space != 0)
				x.op |= MTF_OP_DEV;
			if (x.stack)
				x.op |= MTF_OP_STACK;
			if (MTF_OP_KIND(x.op) == MTF_FREE)
				x.size = 0;
			want[nw++] = x;
		}
		if (tid_of[i] == 3)
			FUZZ_ASSERT(mtf_writer_flush(w) == 0);
		i = j;
	}
	FUZZ_ASSERT(mtf_writer_flush(w) == 0);
	size_t zlen = (size_t)mtf_writer_bytes(w);
	mtf_writer_free(w);
	uint8_t *z = malloc(zlen ? zlen : 1);
	FUZZ_ASSERT(z != NULL && pread(fileno(f), z, zlen, 0) == (ssize_t)zlen);
	fclose(f);
	mtf_reader *r;
	FUZZ_ASSERT(mtf_reader_open_mem(&r, z, zlen) == 0);
	FUZZ_ASSERT(mtf_reader_next(r, &rec) == 1 && rec.type == MTF_HEADER);
	uint32_t got = 0;
	int ret;
	while ((ret = mtf_reader_next(r, &rec)) == 1) {
		FUZZ_ASSERT(rec.type == MTF_EVENTS);
		for (uint32_t i = 0; i < rec.u.events.n; i++, got++) {
			const mtf_event *a = &rec.u.events.ev[i], *b = &want[got];
			FUZZ_ASSERT(got < nw && rec.u.events.tid == tid_of[got]);
			FUZZ_ASSERT(a->seq == b->seq && a->time_ns == b->time_ns);
			FUZZ_ASSERT(a->addr == b->addr);
			FUZZ_ASSERT(a->size == b->size && a->op == b->op && a->stack == b->stack);
			FUZZ_ASSERT(a->device == b->device && a->space == b->space);
		}
	}
	FUZZ_ASSERT(ret == 0 && got == nw);
	mtf_reader_free(r);
	free(z);
}

#endif
