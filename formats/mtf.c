/* mtf: encoder and decoder of the trace format (FORMAT.md). Shared by mtrec and mtan.
 * The decoder treats every byte as hostile: each length and count is checked against
 * what is left and against a fixed limit before anything is allocated or read. */
#include "mtf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#define WRITER_FRAME_BYTES (256u << 10) /* close a frame when this much is pending: a lost
						* tail costs at most this */
#define CHUNK_EVENTS 65536u           /* events per EVENTS record at most */

char *mtf_count(char *buf, uint64_t n)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
	char *p = buf;
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			*p++ = ',';
		*p++ = tmp[i];
	}
	*p = 0;
	return buf;
}

const char *mtf_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case MTF_E_ZSTD: return "damaged zstd frame";
	case MTF_E_TRUNC: return "file ends inside a frame";
	case MTF_E_BADREC: return "malformed record";
	case MTF_E_MAGIC: return "not an mtrec trace";
	case MTF_E_VERSION: return "trace written by a newer format version";
	case MTF_E_TOOBIG: return "length or count over its limit";
	case MTF_E_NOMEM: return "out of memory";
	case MTF_E_NOTZSTD: return "not a zstd-compressed file";
	case MTF_E_CONCAT: return "a second trace starts";
	}
	if (err < 0 && err > MTF_E_BASE)
		return strerror(-err);
	return "unknown error";
}

/* ------------------------------------------------------------------ byte buffers */

typedef struct bbuf {
	uint8_t *p;
	size_t len, cap;
} bbuf;

static int bb_reserve(bbuf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p)
		return MTF_E_NOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

size_t mtf_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static int bb_varint(bbuf *b, uint64_t v)
{
	if (bb_reserve(b, 10))
		return MTF_E_NOMEM;
	b->len += mtf_put_varint(b->p + b->len, v);
	return 0;
}

static int bb_bytes(bbuf *b, const void *p, size_t n)
{
	if (bb_reserve(b, n))
		return MTF_E_NOMEM;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int bb_str(bbuf *b, mtf_str s)
{
	uint32_t n = s.s ? s.len : 0;
	if (n > MTF_MAX_STRING)
		n = MTF_MAX_STRING; /* truncate rather than write what no reader accepts */
	int ret = bb_varint(b, n);
	if (!ret)
		ret = bb_bytes(b, s.s, n);
	return ret;
}

/* ------------------------------------------------------------------ writer */

#define BACKREF_BITS 12 /* 4096 recent allocations: small enough to stay in cache */
struct backref {
	uint64_t addr;
	uint32_t ordinal, gen;
};

struct mtf_writer {
	int fd;
	ZSTD_CCtx *cctx;
	bbuf pending; /* whole records not yet compressed */
	bbuf payload; /* one record's payload under construction */
	bbuf col[6];  /* event columns */
	bbuf out;     /* compressed frame */
	uint64_t written;
	struct backref *backref; /* see events_chunk */
	uint64_t *backref_dev;
	uint32_t backref_gen;
	int level, level_now;  /* zstd's level asked for, and the one cctx has */
	size_t scan_pending;   /* bytes of SCAN items in pending */
};

/* An exit scan's items (varint deltas of pointers) shrink little at any level, and come
 * all at once while the program waits at its exit for the collector to write them: the
 * frames that are mostly scan are compressed at zstd's fast level -1, 1.6 times level 1's
 * speed. On perl's 150 MiB heap the program's wait in its scan went from 0.25 s to 0.11 s
 * (its own work) and the trace from 27.7 MB to 32.2 MB. */
#define SCAN_LEVEL (-1)

int mtf_writer_new(mtf_writer **out, int fd, int level)
{
	*out = NULL;
	mtf_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return MTF_E_NOMEM;
	w->fd = fd;
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx) {
		free(w);
		return MTF_E_NOMEM;
	}
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
	w->level = w->level_now = level;
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
	*out = w;
	return 0;
}

void mtf_writer_free(mtf_writer *w)
{
	if (!w)
		return;
	ZSTD_freeCCtx(w->cctx);
	free(w->pending.p);
	free(w->payload.p);
	for (int i = 0; i < 6; i++)
		free(w->col[i].p);
	free(w->out.p);
	free(w->backref);
	free(w->backref_dev);
	free(w);
}

uint64_t mtf_writer_bytes(const mtf_writer *w) { return w->written; }

int mtf_writer_flush(mtf_writer *w)
{
	if (w->pending.len == 0)
		return 0;
	size_t bound = ZSTD_compressBound(w->pending.len);
	w->out.len = 0;
	if (bb_reserve(&w->out, bound))
		return MTF_E_NOMEM;
	int level = w->scan_pending * 2 > w->pending.len && w->level > SCAN_LEVEL ? SCAN_LEVEL : w->level;
	if (level != w->level_now) {
		ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
		w->level_now = level;
	}
	size_t n = ZSTD_compress2(w->cctx, w->out.p, bound, w->pending.p, w->pending.len);
	if (ZSTD_isError(n))
		return MTF_E_ZSTD;
	size_t off = 0;
	while (off < n) {
		ssize_t k = write(w->fd, w->out.p + off, n - off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)k;
	}
	w->written += n;
	w->pending.len = 0;
	w->scan_pending = 0;
	return 0;
}

/* Moves the payload under construction into pending as one record. */
static int emit(mtf_writer *w, int type)
{
	if (w->payload.len > MTF_MAX_RECORD)
		return MTF_E_TOOBIG;
	int ret = bb_reserve(&w->pending, w->payload.len + 11);
	if (ret)
		return ret;
	w->pending.p[w->pending.len++] = (uint8_t)type;
	bb_varint(&w->pending, w->payload.len);
	bb_bytes(&w->pending, w->payload.p, w->payload.len);
	w->payload.len = 0;
	if (w->pending.len >= WRITER_FRAME_BYTES)
		return mtf_writer_flush(w);
	return 0;
}

int mtf_writer_put(mtf_writer *w, const mtf_record *r)
{
	bbuf *b = &w->payload;
	int ret = 0;
	b->len = 0;
#define V(x) do { if ((ret = bb_varint(b, (x)))) return ret; } while (0)
#define S(x) do { if ((ret = bb_str(b, (x)))) return ret; } while (0)
	switch (r->type) {
	case MTF_HEADER:
		if ((ret = bb_bytes(b, MTF_MAGIC, 6)))
			return ret;
		V(MTF_VERSION);
		S(r->u.header.host);
		V(r->u.header.pid);
		S(r->u.header.cmdline);
		V(r->u.header.realtime_ns);
		V(r->u.header.flags);
		/* appended within version 1: older readers ignore it */
		if (r->u.header.flags & MTF_FLAG_SAMPLED_STACKS)
			V(r->u.header.sample_bytes);
		break;
	case MTF_PROCESS:
		V(r->u.process.pid); V(r->u.process.ppid);
		V(r->u.process.seq); V(r->u.process.time_ns);
		S(r->u.process.exe); S(r->u.process.cmdline);
		V(r->u.process.how);
		break;
	case MTF_PROCESS_EXIT:
		V(r->u.process_exit.pid); V(r->u.process_exit.seq); V(r->u.process_exit.time_ns);
		V(mtf_zigzag(r->u.process_exit.code)); V((uint32_t)r->u.process_exit.signal);
		break;
	case MTF_THREAD:
		V(r->u.thread.pid); V(r->u.thread.tid); V(r->u.thread.seq); V(r->u.thread.time_ns);
		S(r->u.thread.name);
		break;
	case MTF_PERF_MAP:
		V(r->u.perf_map.pid); V(r->u.perf_map.seq); V(r->u.perf_map.start); V(r->u.perf_map.size);
		S(r->u.perf_map.name);
		break;
	case MTF_MODULE:
		V(r->u.module.pid); V(r->u.module.seq); V(r->u.module.unload);
		V(r->u.module.base); V(r->u.module.size);
		S(r->u.module.path); S(r->u.module.build_id);
		break;
	case MTF_STACK: {
		uint32_t n = r->u.stack.n > MTF_MAX_FRAMES ? MTF_MAX_FRAMES : r->u.stack.n;
		V(r->u.stack.pid); V(r->u.stack.id); V(n);
		uint64_t prev = 0;
		for (uint32_t i = 0; i < n; i++) {
			V(mtf_zigzag((int64_t)(r->u.stack.frames[i] - prev)));
			prev = r->u.stack.frames[i];
		}
		break;
	}
	case MTF_DEVICE:
		V(r->u.device.pid); V(r->u.device.seq); V(r->u.device.time_ns);
		V(r->u.device.close); V(r->u.device.device); S(r->u.device.name);
		V(r->u.device.capacity);
		break;
	case MTF_DEVICE_READY:
		V(r->u.device.pid); V(r->u.device.seq); V(r->u.device.time_ns); V(r->u.device.device);
		break;
	case MTF_SPACE:
		V(r->u.space.pid); V(r->u.space.id); S(r->u.space.name);
		break;
	case MTF_MARK:
		V(r->u.mark.pid); V(r->u.mark.tid); V(r->u.mark.seq); V(r->u.mark.time_ns);
		S(r->u.mark.label);
		break;
	case MTF_LOSS:
		V(r->u.loss.pid); V(r->u.loss.tid); V(r->u.loss.seq); V(r->u.loss.count);
		break;
	case MTF_RSS:
		V(r->u.rss.pid); V(r->u.rss.time_ns); V(r->u.rss.rss_bytes);
		break;
	case MTF_END:
		V(r->u.end.events); V(r->u.end.lost); V(r->u.end.processes); V(r->u.end.threads);
		break;
	case MTF_CLOCK:
		V(r->u.clock.seq); V(r->u.clock.time_ns);
		break;
	case MTF_SCAN: {
		unsigned width = mtf_scan_width(r->u.scan.part);
		uint32_t n = width ? r->u.scan.n : 0;
		if (r->u.scan.part > MTF_SCAN_PART_MAX || n > MTF_SCAN_MAX_ITEMS)
			return MTF_E_BADREC;
		V(r->u.scan.pid); V(r->u.scan.seq); V(r->u.scan.time_ns); V(r->u.scan.part);
		V(r->u.scan.a); V(n);
		/* column by column, each value a delta from the one above it: locations and
		 * pointer values both climb in small steps; room for all of them at once (an
		 * exit scan writes millions) */
		if ((ret = bb_reserve(b, (size_t)n * width * 10)))
			return ret;
		{
			size_t len = mtf_scan_encode(b->p + b->len, r->u.scan.v, n, width);
			b->len += len;
			w->scan_pending += len;
		}
		break;
	}
	default:
		return MTF_E_BADREC;
	}
#undef V
#undef S
	return emit(w, r->type);
}

int mtf_writer_scan_encoded(mtf_writer *w, const mtf_record *r, const uint8_t *items, size_t len)
{
	bbuf *b = &w->payload;
	unsigned width = mtf_scan_width(r->u.scan.part);
	uint64_t want = width ? (uint64_t)r->u.scan.n * width : 0;
	int ret = 0;
	if (r->type != MTF_SCAN || r->u.scan.part > MTF_SCAN_PART_MAX || r->u.scan.n > MTF_SCAN_MAX_ITEMS ||
	    len > want * 10 || (len && items[len - 1] >= 0x80))
		return MTF_E_BADREC;
	/* a varint ends at each byte below 0x80: exactly want of them, the last byte one of
	 * them, so a reader finds want values and nothing after (a count, not a decode) */
	uint64_t ends = 0;
	for (size_t i = 0; i < len; i++)
		ends += items[i] < 0x80;
	if (ends != want)
		return MTF_E_BADREC;
	b->len = 0;
#define V(x) do { if ((ret = bb_varint(b, (x)))) return ret; } while (0)
	V(r->u.scan.pid); V(r->u.scan.seq); V(r->u.scan.time_ns); V(r->u.scan.part);
	V(r->u.scan.a); V(width ? r->u.scan.n : 0);
#undef V
	if ((ret = bb_bytes(b, items, len)))
		return ret;
	w->scan_pending += len;
	return emit(w, MTF_SCAN);
}

/* Free addresses are written as back-references when they can be: "the address of the
 * k-th most recent allocation in this chunk". A FIFO or LIFO allocation pattern then
 * compresses to almost nothing. The table maps an address to the ordinal of the chunk's
 * latest allocation there; entries of earlier chunks are told apart by their generation. */

static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline size_t backref_slot(uint64_t addr)
{
	return (size_t)((addr * 0x9E3779B97F4A7C15ull) >> (64 - BACKREF_BITS));
}

static int events_chunk(mtf_writer *w, uint32_t pid, uint32_t tid, const mtf_event *ev, uint32_t n)
{
	bbuf *c = w->col;
	int ret = 0;
	for (int i = 0; i < 6; i++) {
		c[i].len = 0;
		/* worst case per event: op 1 byte; seq, time, size 10 each; addr 11 (an escaped
		 * raw free); stack + device + space 20 (all in column 5) */
		if ((ret = bb_reserve(&c[i], (size_t)n * (i == 0 ? 1 : i == 3 ? 11 : i == 5 ? 25 : 10))))
			return ret;
	}
	if (!w->backref) {
		w->backref = calloc((size_t)1 << BACKREF_BITS, sizeof(struct backref));
		w->backref_dev = calloc((size_t)1 << BACKREF_BITS, sizeof(uint64_t));
		if (!w->backref || !w->backref_dev)
			return MTF_E_NOMEM;
	}
	if (++w->backref_gen == 0) { /* wrapped: entries 2^32 chunks old would match again */
		memset(w->backref, 0, ((size_t)1 << BACKREF_BITS) * sizeof(struct backref));
		w->backref_gen = 1; /* 0 marks freed entries: never a live generation */
	}
	uint32_t gen = w->backref_gen;
	uint8_t *op = c[0].p, *seq = c[1].p, *tim = c[2].p, *adr = c[3].p, *siz = c[4].p, *ext = c[5].p;
	uint64_t pseq = 0, ptime = 0, palloc = 0, pfree = 0;
	uint32_t pstack = 0, nallocs = 0;
	for (uint32_t i = 0; i < n; i++) {
		const mtf_event *e = &ev[i];
		uint8_t o = e->op & 0x0f;
		int dev = e->device != MTF_HOST || e->space != 0;
		if (dev)
			o |= MTF_OP_DEV;
		if (e->stack)
			o |= MTF_OP_STACK;
		*op++ = o;
		seq = put_varint(seq, mtf_zigzag((int64_t)(e->seq - pseq)));
		tim = put_varint(tim, mtf_zigzag((int64_t)(e->time_ns - ptime)));
		pseq = e->seq;
		ptime = e->time_ns;
		/* back-references only within one (device, space): keyed by address, so the
		 * host heap's and a device's equal addresses must not alias */
		struct backref *b = &w->backref[backref_slot(e->addr ^ ((uint64_t)e->device << 40) ^ ((uint64_t)e->space << 20))];
		if (MTF_OP_KIND(o) == MTF_ALLOC) {
			adr = put_varint(adr, mtf_zigzag((int64_t)(e->addr - palloc)));
			palloc = e->addr;
			siz = put_varint(siz, e->size);
			b->addr = e->addr;
			b->ordinal = ++nallocs;
			b->gen = gen;
			w->backref_dev[b - w->backref] = (uint64_t)e->device << 32 | e->space;
		} else if (b->gen == gen && b->addr == e->addr &&
			   w->backref_dev[b - w->backref] == ((uint64_t)e->device << 32 | e->space)) {
			adr = put_varint(adr, (uint64_t)(nallocs - b->ordinal + 1) << 1);
			b->gen = 0; /* freed: a second free of it is written raw */
		} else {
			uint64_t z = mtf_zigzag((int64_t)(e->addr - pfree));
			if (z >> 63) { /* no room for the tag bit: escape 0, then the whole delta */
				adr = put_varint(adr, 0);
				adr = put_varint(adr, z);
			} else {
				adr = put_varint(adr, z << 1 | 1);
			}
			pfree = e->addr;
		}
		if (e->stack) {
			ext = put_varint(ext, mtf_zigzag((int64_t)e->stack - (int64_t)pstack));
			pstack = e->stack;
		}
		if (dev) {
			ext = put_varint(ext, e->device);
			ext = put_varint(ext, e->space);
		}
	}
	c[0].len = (size_t)(op - c[0].p);
	c[1].len = (size_t)(seq - c[1].p);
	c[2].len = (size_t)(tim - c[2].p);
	c[3].len = (size_t)(adr - c[3].p);
	c[4].len = (size_t)(siz - c[4].p);
	c[5].len = (size_t)(ext - c[5].p);
	bbuf *b = &w->payload;
	b->len = 0;
	if ((ret = bb_varint(b, pid)) || (ret = bb_varint(b, tid)) || (ret = bb_varint(b, n)))
		return ret;
	for (int i = 0; i < 6; i++)
		if ((ret = bb_bytes(b, c[i].p, c[i].len)))
			return ret;
	return emit(w, MTF_EVENTS);
}

int mtf_writer_events(mtf_writer *w, uint32_t pid, uint32_t tid, const mtf_event *ev, uint32_t n)
{
	while (n) {
		uint32_t k = n > CHUNK_EVENTS ? CHUNK_EVENTS : n;
		int ret = events_chunk(w, pid, tid, ev, k);
		if (ret)
			return ret;
		ev += k;
		n -= k;
	}
	return 0;
}

/* ------------------------------------------------------------------ reader */

struct mtf_reader {
	const uint8_t *data; /* the whole compressed input (open_mem) */
	int fd;              /* -1 for memory; a file is read in windows with pread, never mapped, so a file
			      * cut short while it is read is truncation, not SIGBUS */
	bbuf win;            /* a file: bytes from win_off on */
	size_t win_off;
	size_t size;
	size_t in_off;       /* next frame starts here */
	size_t frame_off;    /* the current frame starts here */
	size_t good_off, bad_off;
	ZSTD_DCtx *dctx;
	bbuf frame;          /* the current decompressed frame */
	size_t pos;          /* next record in frame */
	int seen_header, complete, err, started;
	unsigned live_ms;    /* live mode (mtf_reader_set_live): how long a partial frame is waited on */
	int live;
	bbuf arena;          /* strings of the current record */
	mtf_event *ev;
	uint32_t *allocs; /* indexes of the chunk's allocations, for free back-references */
	size_t ev_cap;
	uint64_t *frames;
	uint64_t *scan; /* a SCAN record's values */
	size_t scan_cap;
};

typedef struct cur {
	const uint8_t *p, *end;
	int bad;
} cur;

static uint64_t get_varint(cur *c)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (c->p >= c->end) {
			c->bad = 1;
			return 0;
		}
		uint8_t b = *c->p++;
		if (shift == 63 && b > 1)
			break; /* the 10th byte holds bit 63 only: anything more overflows 64 bits */
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	c->bad = 1;
	return 0;
}

static uint32_t get_u32(cur *c)
{
	uint64_t v = get_varint(c);
	if (v > UINT32_MAX)
		c->bad = 1;
	return (uint32_t)v;
}

/* Strings are copied into the arena with a NUL; their pointers are set once all strings
 * of the record are in, because the arena may move while it grows. */
typedef struct strfix {
	mtf_str *dst[4];
	size_t off[4];
	int n;
} strfix;

static void get_str(mtf_reader *r, cur *c, mtf_str *dst, strfix *f)
{
	uint64_t n = get_varint(c);
	dst->s = "";
	dst->len = 0;
	if (c->bad || n > MTF_MAX_STRING || n > (uint64_t)(c->end - c->p) || f->n >= 4 ||
	    bb_reserve(&r->arena, n + 1)) {
		c->bad = 1;
		return;
	}
	f->dst[f->n] = dst;
	f->off[f->n++] = r->arena.len;
	memcpy(r->arena.p + r->arena.len, c->p, n);
	r->arena.p[r->arena.len + n] = 0;
	r->arena.len += n + 1;
	c->p += n;
	dst->len = (uint32_t)n;
}

static int decode_events(mtf_reader *r, cur *c, mtf_record *rec)
{
	rec->u.events.pid = get_u32(c);
	rec->u.events.tid = get_u32(c);
	uint64_t n = get_varint(c);
	/* each event takes at least 4 bytes (op, seq, time, addr) */
	if (c->bad || n > (uint64_t)(c->end - c->p) / 4 || n > CHUNK_EVENTS * 4u)
		return MTF_E_BADREC;
	if (n > r->ev_cap) {
		mtf_event *ev = realloc(r->ev, n * sizeof(*ev));
		if (!ev)
			return MTF_E_NOMEM;
		r->ev = ev;
		uint32_t *al = realloc(r->allocs, n * sizeof(*al));
		if (!al)
			return MTF_E_NOMEM;
		r->allocs = al;
		r->ev_cap = n;
	}
	const uint8_t *ops = c->p;
	c->p += n;
	uint64_t seq = 0, t = 0, addr = 0;
	for (uint64_t i = 0; i < n; i++) {
		seq += (uint64_t)mtf_unzigzag(get_varint(c));
		r->ev[i].seq = seq;
		r->ev[i].op = ops[i];
	}
	for (uint64_t i = 0; i < n; i++) {
		t += (uint64_t)mtf_unzigzag(get_varint(c));
		r->ev[i].time_ns = t;
	}
	/* ALLOC: delta from the previous allocation's address; FREE: an even value 2k is the
	 * address of the k-th most recent allocation of the chunk, an odd one a delta from
	 * the previous such raw free address, and 0 an escape for a raw delta whose zigzag
	 * needs all 64 bits (the next varint). The allocations' indexes go to r->allocs. */
	uint64_t pfree = 0, nallocs = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v = get_varint(c);
		if (MTF_OP_KIND(ops[i]) == MTF_ALLOC) {
			addr += (uint64_t)mtf_unzigzag(v);
			r->ev[i].addr = addr;
			r->allocs[nallocs++] = (uint32_t)i;
		} else if (v & 1) {
			pfree += (uint64_t)mtf_unzigzag(v >> 1);
			r->ev[i].addr = pfree;
		} else if (v == 0) {
			pfree += (uint64_t)mtf_unzigzag(get_varint(c));
			r->ev[i].addr = pfree;
		} else {
			uint64_t k = v >> 1;
			if (k == 0 || k > nallocs) {
				c->bad = 1;
				break;
			}
			r->ev[i].addr = r->ev[r->allocs[nallocs - k]].addr;
		}
	}
	for (uint64_t i = 0; i < n; i++)
		r->ev[i].size = MTF_OP_KIND(ops[i]) == MTF_ALLOC ? get_varint(c) : 0;
	int64_t stack = 0;
	for (uint64_t i = 0; i < n; i++) {
		mtf_event *e = &r->ev[i];
		e->stack = 0;
		e->device = MTF_HOST;
		e->space = 0;
		if (ops[i] & MTF_OP_STACK) {
			/* stack is in [0, UINT32_MAX] here, so these bounds cannot overflow */
			int64_t d = mtf_unzigzag(get_varint(c));
			if (d <= -stack || d > (int64_t)UINT32_MAX - stack)
				return MTF_E_BADREC;
			stack += d;
			e->stack = (uint32_t)stack;
		}
		if (ops[i] & MTF_OP_DEV) {
			e->device = get_u32(c);
			e->space = get_u32(c);
		}
	}
	if (c->bad)
		return MTF_E_BADREC;
	for (uint64_t i = 0; i < n; i++)
		if (ops[i] & 0xc0 || MTF_OP_FUNC(ops[i]) > MTF_FN_MAX)
			return MTF_E_BADREC;
	rec->u.events.n = (uint32_t)n;
	rec->u.events.ev = r->ev;
	return 0;
}

static int decode(mtf_reader *r, int type, cur *c, mtf_record *rec)
{
	strfix f = {{0}, {0}, 0};
	r->arena.len = 0;
	memset(rec, 0, sizeof(*rec));
	rec->type = type;
#define S(field) get_str(r, c, &(field), &f)
	switch (type) {
	case MTF_HEADER:
		if (c->end - c->p < 6 || memcmp(c->p, MTF_MAGIC, 6))
			return MTF_E_MAGIC;
		c->p += 6;
		rec->u.header.version = get_u32(c);
		if (c->bad)
			return MTF_E_BADREC;
		if (rec->u.header.version > MTF_VERSION || rec->u.header.version == 0)
			return MTF_E_VERSION;
		S(rec->u.header.host);
		rec->u.header.pid = get_u32(c);
		S(rec->u.header.cmdline);
		rec->u.header.realtime_ns = get_varint(c);
		rec->u.header.flags = get_varint(c);
		/* a sampled trace says its mean; it cannot sample with none */
		if (rec->u.header.flags & MTF_FLAG_SAMPLED_STACKS) {
			rec->u.header.sample_bytes = get_varint(c);
			if (!c->bad && rec->u.header.sample_bytes == 0)
				return MTF_E_BADREC;
		}
		break;
	case MTF_PROCESS:
		rec->u.process.pid = get_u32(c); rec->u.process.ppid = get_u32(c);
		rec->u.process.seq = get_varint(c); rec->u.process.time_ns = get_varint(c);
		S(rec->u.process.exe); S(rec->u.process.cmdline);
		rec->u.process.how = get_u32(c);
		break;
	case MTF_PROCESS_EXIT:
		rec->u.process_exit.pid = get_u32(c); rec->u.process_exit.seq = get_varint(c);
		rec->u.process_exit.time_ns = get_varint(c);
		rec->u.process_exit.code = (int32_t)mtf_unzigzag(get_varint(c));
		rec->u.process_exit.signal = (int32_t)get_u32(c);
		break;
	case MTF_THREAD:
		rec->u.thread.pid = get_u32(c); rec->u.thread.tid = get_u32(c);
		rec->u.thread.seq = get_varint(c); rec->u.thread.time_ns = get_varint(c);
		S(rec->u.thread.name);
		break;
	case MTF_PERF_MAP:
		rec->u.perf_map.pid = get_u32(c); rec->u.perf_map.seq = get_varint(c);
		rec->u.perf_map.start = get_varint(c); rec->u.perf_map.size = get_varint(c);
		S(rec->u.perf_map.name);
		break;
	case MTF_MODULE:
		rec->u.module.pid = get_u32(c); rec->u.module.seq = get_varint(c);
		rec->u.module.unload = get_u32(c);
		rec->u.module.base = get_varint(c); rec->u.module.size = get_varint(c);
		S(rec->u.module.path); S(rec->u.module.build_id);
		break;
	case MTF_STACK: {
		rec->u.stack.pid = get_u32(c); rec->u.stack.id = get_u32(c);
		uint64_t n = get_varint(c);
		if (c->bad || n > MTF_MAX_FRAMES || rec->u.stack.id == 0)
			return MTF_E_BADREC;
		uint64_t prev = 0;
		for (uint64_t i = 0; i < n; i++) {
			prev += (uint64_t)mtf_unzigzag(get_varint(c));
			r->frames[i] = prev;
		}
		rec->u.stack.n = (uint32_t)n;
		rec->u.stack.frames = r->frames;
		break;
	}
	case MTF_EVENTS: {
		int ret = decode_events(r, c, rec);
		if (ret)
			return ret;
		break;
	}
	case MTF_DEVICE:
		rec->u.device.pid = get_u32(c); rec->u.device.seq = get_varint(c);
		rec->u.device.time_ns = get_varint(c); rec->u.device.close = get_u32(c);
		rec->u.device.device = get_u32(c); S(rec->u.device.name);
		rec->u.device.capacity = get_varint(c);
		break;
	case MTF_DEVICE_READY:
		rec->u.device.pid = get_u32(c); rec->u.device.seq = get_varint(c);
		rec->u.device.time_ns = get_varint(c); rec->u.device.device = get_u32(c);
		rec->u.device.close = 0; rec->u.device.capacity = 0;
		rec->u.device.name.s = ""; rec->u.device.name.len = 0;
		break;
	case MTF_SPACE:
		rec->u.space.pid = get_u32(c); rec->u.space.id = get_u32(c);
		S(rec->u.space.name);
		break;
	case MTF_MARK:
		rec->u.mark.pid = get_u32(c); rec->u.mark.tid = get_u32(c);
		rec->u.mark.seq = get_varint(c); rec->u.mark.time_ns = get_varint(c);
		S(rec->u.mark.label);
		break;
	case MTF_LOSS:
		rec->u.loss.pid = get_u32(c); rec->u.loss.tid = get_u32(c);
		rec->u.loss.seq = get_varint(c); rec->u.loss.count = get_varint(c);
		break;
	case MTF_RSS:
		rec->u.rss.pid = get_u32(c); rec->u.rss.time_ns = get_varint(c);
		rec->u.rss.rss_bytes = get_varint(c);
		break;
	case MTF_END:
		rec->u.end.events = get_varint(c); rec->u.end.lost = get_varint(c);
		rec->u.end.processes = get_varint(c); rec->u.end.threads = get_varint(c);
		break;
	case MTF_CLOCK:
		rec->u.clock.seq = get_varint(c); rec->u.clock.time_ns = get_varint(c);
		break;
	case MTF_SCAN: {
		rec->u.scan.pid = get_u32(c); rec->u.scan.seq = get_varint(c);
		rec->u.scan.time_ns = get_varint(c); rec->u.scan.part = get_u32(c);
		rec->u.scan.a = get_varint(c);
		uint64_t n = get_varint(c);
		unsigned width = mtf_scan_width(rec->u.scan.part);
		/* every value takes a byte at least: a count the payload cannot hold is damage,
		 * found before anything is allocated for it */
		if (c->bad || rec->u.scan.part > MTF_SCAN_PART_MAX || n > MTF_SCAN_MAX_ITEMS ||
		    (!width && n) || n * width > (uint64_t)(c->end - c->p))
			return MTF_E_BADREC;
		size_t need = (size_t)n * width;
		if (need > r->scan_cap) {
			uint64_t *p = realloc(r->scan, need * sizeof(uint64_t));
			if (!p)
				return MTF_E_NOMEM;
			r->scan = p;
			r->scan_cap = need;
		}
		uint64_t prev[4] = {0, 0, 0, 0};
		for (size_t i = 0; i < need; i++) {
			prev[i % width] += (uint64_t)mtf_unzigzag(get_varint(c));
			r->scan[i] = prev[i % width];
		}
		rec->u.scan.n = (uint32_t)n;
		rec->u.scan.v = r->scan;
		break;
	}
	}
#undef S
	if (c->bad)
		return MTF_E_BADREC;
	for (int i = 0; i < f.n; i++)
		f.dst[i]->s = (const char *)r->arena.p + f.off[i];
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 1 for a zstd data frame, 2 for a skippable frame, 0 for neither. */
static int zstd_magic(const uint8_t *p, size_t left)
{
	if (left < 4)
		return 0;
	if (le32(p) == 0xFD2FB528u)
		return 1;
	return (le32(p) & 0xFFFFFFF0u) == 0x184D2A50u ? 2 : 0;
}

/* Points *p at the input from r->in_off on, with up to `want` bytes in *left (fewer at
 * the end of the input). Files are read into a window that moves forward. */
static int view(mtf_reader *r, size_t want, const uint8_t **p, size_t *left)
{
	if (r->fd < 0) { /* memory */
		*p = r->data + r->in_off;
		*left = r->in_off < r->size ? r->size - r->in_off : 0;
		return 0;
	}
	if (r->in_off >= r->win_off && r->in_off - r->win_off + want <= r->win.len) {
		*p = r->win.p + (r->in_off - r->win_off);
		*left = want;
		return 0;
	}
	r->win.len = 0;
	if (bb_reserve(&r->win, want))
		return MTF_E_NOMEM;
	size_t got = 0;
	while (got < want) {
		ssize_t k = pread(r->fd, r->win.p + got, want - got, (off_t)(r->in_off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	r->win_off = r->in_off;
	r->win.len = got;
	*p = r->win.p;
	*left = got;
	return 0;
}

static int reader_init(mtf_reader *r)
{
	const uint8_t *p;
	size_t left;
	r->dctx = ZSTD_createDCtx();
	r->frames = malloc(MTF_MAX_FRAMES * sizeof(uint64_t));
	if (!r->dctx || !r->frames)
		return MTF_E_NOMEM;
	int ret = view(r, 4, &p, &left);
	if (ret)
		return ret;
	if (!zstd_magic(p, left))
		return MTF_E_NOTZSTD;
	return 0;
}

int mtf_reader_open_mem(mtf_reader **out, const void *buf, size_t len)
{
	*out = NULL;
	mtf_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return MTF_E_NOMEM;
	r->data = buf;
	r->size = len;
	r->fd = -1;
	int ret = reader_init(r);
	if (ret) {
		mtf_reader_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

int mtf_reader_open(mtf_reader **out, const char *path)
{
	int ret = 0;
	mtf_reader *r = NULL;
	struct stat st;
	*out = NULL;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below) */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 4) {
		ret = MTF_E_NOTZSTD;
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		ret = MTF_E_NOMEM;
		goto out;
	}
	r->fd = fd;
	fd = -1;
	r->size = (size_t)st.st_size;
	if ((ret = reader_init(r)))
		goto out;
	*out = r;
	r = NULL;
out:
	mtf_reader_free(r);
	if (fd >= 0)
		close(fd);
	return ret;
}

void mtf_reader_free(mtf_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->win.p);
	ZSTD_freeDCtx(r->dctx);
	free(r->frame.p);
	free(r->arena.p);
	free(r->ev);
	free(r->allocs);
	free(r->frames);
	free(r->scan);
	free(r);
}

/* Decompresses the next data frame into r->frame. 1 = a frame, 0 = end of file. */
static int next_frame(mtf_reader *r)
{
	for (;;) {
		const uint8_t *p;
		size_t left, want = 256u << 10, fsz;
		int ret = view(r, want, &p, &left);
		if (ret)
			return ret;
		if (left == 0)
			return 0;
		int kind = zstd_magic(p, left);
		if (!kind) { /* garbage, or a legacy zstd frame the writer never makes */
			r->bad_off = r->in_off;
			return left < 4 ? MTF_E_TRUNC : MTF_E_ZSTD;
		}
		/* a frame longer than the view: look at more, up to the largest frame allowed */
		while (ZSTD_isError(fsz = ZSTD_findFrameCompressedSize(p, left)) &&
		       ZSTD_getErrorCode(fsz) == ZSTD_error_srcSize_wrong && left == want &&
		       want < (size_t)MTF_MAX_FRAME + (MTF_MAX_FRAME >> 4)) {
			want *= 4;
			if ((ret = view(r, want, &p, &left)))
				return ret;
		}
		if (ZSTD_isError(fsz)) {
			r->bad_off = r->in_off;
			return ZSTD_getErrorCode(fsz) == ZSTD_error_srcSize_wrong ? MTF_E_TRUNC : MTF_E_ZSTD;
		}
		if (kind == 2) { /* zstd's user metadata: nothing of ours */
			r->in_off += fsz;
			r->good_off = r->in_off;
			continue;
		}
		unsigned long long cs = ZSTD_getFrameContentSize(p, fsz);
		if (cs == ZSTD_CONTENTSIZE_ERROR || cs == ZSTD_CONTENTSIZE_UNKNOWN) {
			r->bad_off = r->in_off;
			return cs == ZSTD_CONTENTSIZE_UNKNOWN ? MTF_E_MAGIC : MTF_E_ZSTD;
		}
		/* Frame_Header_Descriptor bit 2: without the checksum, damage would go unseen */
		if (!(p[4] & 0x04)) {
			r->bad_off = r->in_off;
			return MTF_E_MAGIC;
		}
		if (cs > MTF_MAX_FRAME) {
			r->bad_off = r->in_off;
			return MTF_E_TOOBIG;
		}
		r->frame.len = 0;
		if (bb_reserve(&r->frame, (size_t)cs + 1))
			return MTF_E_NOMEM;
		size_t n = ZSTD_decompressDCtx(r->dctx, r->frame.p, (size_t)cs + 1, p, fsz);
		if (ZSTD_isError(n) || n != cs) {
			r->bad_off = r->in_off;
			return MTF_E_ZSTD;
		}
		r->started = 1;
		r->frame_off = r->in_off;
		r->frame.len = n;
		r->pos = 0;
		r->in_off += fsz;
		return 1;
	}
}

/* Live mode: the file ends inside a frame that its writer is still writing. Rereads it
 * every 20 ms until it is whole (1), or 0 after live_ms: the end for now, looked at again
 * by the next call. Other damage is reported as it is. */
static int wait_frame(mtf_reader *r)
{
	struct stat st;
	for (unsigned waited = 0;; waited += 20) {
		if (fstat(r->fd, &st) == 0 && (size_t)st.st_size > r->size)
			r->size = (size_t)st.st_size;
		if (waited >= r->live_ms)
			break;
		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
		r->win.len = 0; /* the window holds the old end: read again */
		int ret = next_frame(r);
		if (ret != MTF_E_TRUNC)
			return ret;
	}
	r->bad_off = 0;
	r->win.len = 0;
	return 0;
}

int mtf_reader_set_live(mtf_reader *r, unsigned wait_ms)
{
	if (r->fd < 0)
		return -EINVAL;
	r->live = 1;
	r->live_ms = wait_ms;
	return 0;
}

int mtf_reader_next(mtf_reader *r, mtf_record *rec)
{
	if (r->err)
		return r->err;
	for (;;) {
		if (r->pos < r->frame.len) {
			cur c = {r->frame.p + r->pos, r->frame.p + r->frame.len, 0};
			int type = *c.p++;
			uint64_t len = get_varint(&c);
			int ret = 0;
			/* before the HEADER, anything else means "not a trace" (another zstd file) */
			if (!r->seen_header && type != MTF_HEADER)
				ret = MTF_E_MAGIC;
			/* a second HEADER that opens a frame is another trace's start (cat a.zst
			 * b.zst): reading on would merge two runs into one. Anywhere else in a
			 * frame no writer puts one */
			else if (r->seen_header && type == MTF_HEADER)
				ret = r->pos == 0 ? MTF_E_CONCAT : MTF_E_BADREC;
			else if (c.bad || len > (uint64_t)(c.end - c.p))
				ret = r->seen_header ? MTF_E_BADREC : MTF_E_MAGIC;
			else if (len > MTF_MAX_RECORD)
				ret = MTF_E_TOOBIG;
			if (ret) {
				r->bad_off = r->frame_off;
				return r->err = ret;
			}
			cur body = {c.p, c.p + len, 0};
			r->pos = (size_t)(body.end - r->frame.p);
			if (type < 1 || type > MTF_TYPE_MAX)
				continue; /* a record type from a later minor revision: skipped */
			ret = decode(r, type, &body, rec);
			if (ret) {
				r->bad_off = r->frame_off;
				return r->err = ret;
			}
			if (type == MTF_HEADER)
				r->seen_header = 1;
			if (type == MTF_END)
				r->complete = 1;
			if (r->pos >= r->frame.len)
				r->good_off = r->in_off;
			return 1;
		}
		r->good_off = r->in_off;
		int ret = next_frame(r);
		if (ret == MTF_E_TRUNC && r->live)
			ret = wait_frame(r);
		if (ret < 0)
			return r->err = ret;
		if (ret == 0) {
			if (!r->seen_header && !r->live) /* live: its first frame is not written yet */
				return r->err = MTF_E_MAGIC;
			return 0;
		}
	}
}

uint64_t mtf_reader_good_offset(const mtf_reader *r) { return r->good_off; }
uint64_t mtf_reader_bad_offset(const mtf_reader *r) { return r->bad_off; }
uint64_t mtf_reader_file_size(const mtf_reader *r) { return r->size; }
int mtf_reader_complete(const mtf_reader *r) { return r->complete; }
