/* harness.h: what the fuzzers and the replay program do with one input. Each function runs
 * the reader to the end, reads every byte of every record it returns (so ASan sees any
 * record pointing outside its buffers) and traps when the reader breaks its contract. */
#ifndef MTF_FUZZ_HARNESS_H
#define MTF_FUZZ_HARNESS_H

#include "mtf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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
	case MTF_DEVICE: fuzz_str(rec->u.device.name); break;
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

#endif
