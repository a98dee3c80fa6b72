/* scan.c: a recorded process's last look at its own memory, for leak kinds. When it ends by
 * running exit code (exit(), a return from main, _exit()), it reads its private writable
 * mappings and writes each word that points into anonymous memory (where heap blocks are)
 * to its ring, with the mappings it read (FORMAT.md, SCAN). The analyzer knows which blocks
 * were live and builds memcheck's graph from these words; the process itself keeps no live
 * set, so nothing of this costs anything before the end. */
#include "engine.h"
#include "mtf.h"
#include "ring.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#define READ_BYTES (1u << 20) /* memory read at a time */
#define HEADS_BATCH 512        /* HEADS items a ring record carries */
#define HWIN_SHIFT 19          /* heads are indexed by windows of 512 KiB */
#define HWIN_WORDS ((1u << HWIN_SHIFT) / 16 / 64) /* a window's bitmap: a bit per 16 bytes */
#define VTABLE_WORDS 20        /* memcheck's VTABLE_MAX_CHECK */
#define MAPS_BYTES (64u << 10)
#define ARENA_ALIGN (64ull << 20) /* glibc's HEAP_MAX_SIZE on 64-bit: its other arenas' heaps */

struct region {
	uint64_t start, end, flags;
};

/* The scan's own memory: one private mapping, left out of what it reads (its buffers hold
 * copies of the words it found, which would otherwise point at everything twice). */
struct scratch {
	uint8_t *base;
	size_t size;
	uint8_t *buf;           /* READ_BYTES */
	char *maps;             /* MAPS_BYTES */
	uint8_t *wenc;          /* WORDS items encoded as found (FORMAT.md), MTR_SCAN_ITEMS at most */
	size_t wlen;            /* bytes of them */
	uint32_t nwords;
	uint64_t wprev_at, wprev_v; /* the item before, for the deltas (0 at a record's start) */
	struct region *regions; /* cap of them */
	size_t nregions, cap;
	struct region *targets; /* the anonymous regions that can hold blocks */
	size_t ntargets;
	struct region *ro, *code; /* read-only and executable file mappings: vtables and code */
	size_t nro, ncode;
	uint64_t *heads;        /* HEADS items being gathered: (v, 3 words before v) */
	uint32_t nheads;
	/* the HEADS values found, read after the regions: a bitmap per window of memory that
	 * has any (hkey: an open-addressing set of window numbers + 1, hbits their bitmaps,
	 * nhwin of them), each mapped apart from the regions read */
	uint64_t *hkey;
	uint32_t *hidx;
	size_t hcap, nhwin, hbits_cap;
	uint64_t *hbits;
	uint64_t hlast_key;     /* the window last noted (0 none) and its bitmap's index */
	uint32_t hlast_idx;
	uint64_t hb_lo, hb_len; /* what buf holds while the heads are read */
	const struct region *hreg; /* the target of the last head read, and its run's end */
	uint64_t hrun;
	uint64_t *vts;          /* VTABLES items */
	uint32_t nvts;
	uint64_t vt_cache[256]; /* values found (1) or not (0) to be vtables: value | bit 0 */
	uint64_t seq, total;
	int mem_fd;             /* /proc/self/mem, when process_vm_readv is refused */
	int direct;             /* anonymous memory is read in place (alone) */
	int failed;
};

/* The callee-saved registers of the scanning thread when the scan began: its registers are
 * roots, as memcheck's are. In the library's own data, which the scan reads. */
static uint64_t saved_regs[8];
static pid_t scanned_pid; /* a process scans once (exit() and then _exit()) */

static uint64_t hex(const char **p)
{
	uint64_t v = 0;
	for (;; (*p)++) {
		char c = **p;
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
		if (d == 16)
			return v;
		v = v * 16 + d;
	}
}

/* Calls fn on each line of /proc/self/maps (NUL-terminated, without its newline). */
static int each_map(struct scratch *s, void (*fn)(struct scratch *, const char *), size_t *lines)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t have = 0;
	for (;;) {
		ssize_t k = read(fd, s->maps + have, MAPS_BYTES - 1 - have);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		have += (size_t)k;
		size_t at = 0;
		for (;;) {
			char *nl = memchr(s->maps + at, '\n', have - at);
			if (!nl)
				break;
			*nl = 0;
			if (fn)
				fn(s, s->maps + at);
			(*lines)++;
			at = (size_t)(nl - s->maps) + 1;
		}
		memmove(s->maps, s->maps + at, have - at);
		have -= at;
		if (have == MAPS_BYTES - 1) /* a line longer than the buffer: a path, cut */
			have = 0;
	}
	close(fd);
	return 0;
}

static void add_region(struct scratch *s, uint64_t start, uint64_t end, uint64_t flags)
{
	if (start < end && s->nregions < s->cap)
		s->regions[s->nregions++] = (struct region){start, end, flags};
}

/* Whether an anonymous mapping is one of glibc's non-main malloc heaps: 64 MiB-aligned, its
 * heap_info's arena pointer within the first page of itself or of another such heap. Its
 * free chunks hold stale pointers, so it is never a root (only live blocks in it count). */
static int glibc_heap(uint64_t start, uint64_t end)
{
	if (start % ARENA_ALIGN || end - start > ARENA_ALIGN)
		return 0;
	const uint64_t *h = (const uint64_t *)(uintptr_t)start;
	uint64_t ar = h[0], prev = h[1], size = h[2];
	return ar && (ar & (ARENA_ALIGN - 1)) < 4096 && prev % ARENA_ALIGN == 0 && size <= ARENA_ALIGN &&
	       size >= end - start;
}

/* One line of /proc/self/maps: "start-end perms offset dev inode   path". */
static void take_map(struct scratch *s, const char *line)
{
	const char *p = line;
	uint64_t start = hex(&p);
	if (*p++ != '-')
		return;
	uint64_t end = hex(&p);
	if (*p++ != ' ' || strlen(p) < 4)
		return;
	const char *perms = p;
	int rw = perms[0] == 'r' && perms[1] == 'w' && perms[3] == 'p';
	int ro = perms[0] == 'r' && perms[1] == '-';
	if (!rw && !ro)
		return; /* shared writable mappings (the rings) and unreadable ones */
	uint64_t inode = 0, flags = 0;
	for (int field = 0; field < 3; field++) { /* past perms, offset and dev */
		p = strchr(p, ' ');
		if (!p)
			return;
		p++;
	}
	while (*p >= '0' && *p <= '9')
		inode = inode * 10 + (uint64_t)(*p++ - '0');
	while (*p == ' ')
		p++;
	const char *path = p; /* "" for anonymous memory */
	if (ro) { /* where memcheck's multiple-inheritance heuristic looks for vtables and code */
		if (path[0] == '/' && perms[2] == 'x' && s->ncode < s->cap)
			s->code[s->ncode++] = (struct region){start, end, 0};
		else if (path[0] == '/' && s->nro < s->cap)
			s->ro[s->nro++] = (struct region){start, end, 0};
		return;
	}
	if (!strcmp(path, "[heap]"))
		flags = MTF_REGION_ARENA | MTF_REGION_ANON;
	else if (!strcmp(path, "[stack]"))
		flags = MTF_REGION_STACK | MTF_REGION_ANON;
	else if (!*path || (!inode && path[0] == '[' && strncmp(path, "[v", 2)))
		flags = MTF_REGION_ANON | (glibc_heap(start, end) ? MTF_REGION_ARENA : 0);
	else if (path[0] == '[')
		return; /* [vvar], [vsyscall], [vdso]: the kernel's */
	else if (!strncmp(path, "/dev/", 5) && strcmp(path, "/dev/zero"))
		return; /* a device's memory: reading it may do something */
	/* the scan's own memory is left out, wherever the kernel merged it */
	uint64_t s0 = (uintptr_t)s->base, s1 = s0 + s->size;
	if (s0 < end && s1 > start) {
		add_region(s, start, s0 > start ? s0 : start, flags);
		add_region(s, s1 < end ? s1 : end, end, flags);
	} else {
		add_region(s, start, end, flags);
	}
}

static int emit(struct scratch *s, uint32_t part, uint64_t a, const uint64_t *v, uint32_t n)
{
	if (!s->failed && mtr_scan_part(s->seq, part, a, v, n))
		s->failed = 1;
	return s->failed ? -1 : 0;
}

static void flush_words(struct scratch *s)
{
	if (s->nwords && !s->failed && mtr_scan_encoded(s->seq, MTF_SCAN_WORDS, s->wenc, s->wlen, s->nwords))
		s->failed = 1;
	s->total += s->nwords;
	s->nwords = 0;
	s->wlen = 0;
	s->wprev_at = s->wprev_v = 0;
}

/* A WORDS item, encoded at once: no copy of it to read back. */
static inline void add_word(struct scratch *s, uint64_t at, uint64_t v)
{
	uint8_t *o = s->wenc + s->wlen;
	o = mtf_varint_at(o, mtf_zigzag((int64_t)(at - s->wprev_at)));
	o = mtf_varint_at(o, mtf_zigzag((int64_t)(v - s->wprev_v)));
	s->wlen = (size_t)(o - s->wenc);
	s->wprev_at = at;
	s->wprev_v = v;
	if (++s->nwords == MTR_SCAN_ITEMS)
		flush_words(s);
}

/* The region of g (n of them, sorted, apart) that holds v, or NULL. */
static inline const struct region *find_region(const struct region *g, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v < g[mid].start)
			hi = mid;
		else if (v >= g[mid].end)
			lo = mid + 1;
		else
			return &g[mid];
	}
	return NULL;
}

static inline int in_regions(const struct region *g, size_t n, uint64_t v)
{
	return find_region(g, n, v) != NULL;
}

/* memcheck's heuristics (newarray, length64, stdstring) look at the words before an
 * interior pointer to a block: a pointer 8 or 24 bytes into it. Block starts are 16-byte
 * aligned (malloc's alignment), those pointers are not: only they get their words. They
 * are noted while the regions are read and their words read after, in address order: a
 * pass over the pages that hold them instead of a random read (a page pin) each, and each
 * value once (the analyzer looks them up by value; order and repeats say nothing). */
static void *grow_map(void *old, size_t old_size, size_t size)
{
	void *p = old ? mremap(old, old_size, size, MREMAP_MAYMOVE)
		      : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void free_heads(struct scratch *s)
{
	if (s->hkey)
		munmap(s->hkey, s->hcap * 12);
	if (s->hbits)
		munmap(s->hbits, s->hbits_cap * HWIN_WORDS * 8);
	s->hkey = NULL;
	s->hbits = NULL;
	s->hlast_key = 0;
}

/* The slot of window key (its number + 1) in the set: its own, or the empty one it takes. */
static size_t hslot(const struct scratch *s, uint64_t key)
{
	size_t j = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (s->hcap - 1);
	while (s->hkey[j] && s->hkey[j] != key)
		j = (j + 1) & (s->hcap - 1);
	return j;
}

/* Memory the regions' scan maps after it read /proc/self/maps is in none of its regions:
 * the index is never read as program memory. */
static int note_head(struct scratch *s, uint64_t v)
{
	uint64_t key = (v >> HWIN_SHIFT) + 1;
	uint64_t bit = (v & ((1u << HWIN_SHIFT) - 1)) >> 4;
	if (key == s->hlast_key) { /* the window of the last one: no look-up */
		s->hbits[(size_t)s->hlast_idx * HWIN_WORDS + bit / 64] |= 1ull << (bit % 64);
		return 0;
	}
	if ((s->nhwin + 1) * 2 > s->hcap) {
		size_t cap = s->hcap ? s->hcap * 2 : 1024;
		/* keys (8 bytes) then bitmap indexes (4) in one mapping */
		uint64_t *nk = grow_map(NULL, 0, cap * 12);
		if (!nk)
			return -1;
		uint32_t *ni = (uint32_t *)(nk + cap);
		uint64_t *ok = s->hkey;
		uint32_t *oi = s->hidx;
		size_t ocap = s->hcap;
		s->hkey = nk;
		s->hidx = ni;
		s->hcap = cap;
		for (size_t i = 0; i < ocap; i++)
			if (ok[i]) {
				size_t j = hslot(s, ok[i]);
				nk[j] = ok[i];
				ni[j] = oi[i];
			}
		if (ok)
			munmap(ok, ocap * 12);
	}
	size_t j = hslot(s, key);
	if (!s->hkey[j]) {
		if (s->nhwin == s->hbits_cap) {
			size_t cap = s->hbits_cap ? s->hbits_cap * 2 : 64;
			uint64_t *nb = grow_map(s->hbits, s->hbits_cap * HWIN_WORDS * 8, cap * HWIN_WORDS * 8);
			if (!nb)
				return -1;
			s->hbits = nb;
			s->hbits_cap = cap;
		}
		s->hkey[j] = key;
		s->hidx[j] = (uint32_t)s->nhwin++;
	}
	s->hlast_key = key;
	s->hlast_idx = s->hidx[j];
	s->hbits[(size_t)s->hidx[j] * HWIN_WORDS + bit / 64] |= 1ull << (bit % 64);
	return 0;
}

static void flush_head_items(struct scratch *s)
{
	if (s->nheads)
		emit(s, MTF_SCAN_HEADS, 0, s->heads, s->nheads / 4);
	s->nheads = 0;
}

static size_t read_mem(struct scratch *s, uint64_t addr, size_t n, uint64_t flags);

/* The target region holding v, or NULL. */
static const struct region *target_of(const struct scratch *s, uint64_t v)
{
	size_t lo = 0, hi = s->ntargets;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v < s->targets[mid].start)
			hi = mid;
		else if (v >= s->targets[mid].end)
			lo = mid + 1;
		else
			return &s->targets[mid];
	}
	return NULL;
}

/* The target region holding v, from the last one asked (heads come in address order), with
 * *run the end of the run of targets it starts, each ending where the next begins: no block
 * reaches past it (a block is one piece of mapped memory). NULL when none holds v. */
static const struct region *head_region(struct scratch *s, uint64_t v, uint64_t *run)
{
	const struct region *r = s->hreg;
	if (!r || v - r->start >= r->end - r->start) {
		r = s->hreg = target_of(s, v);
		if (!r)
			return NULL;
		size_t i = (size_t)(r - s->targets);
		while (i + 1 < s->ntargets && s->targets[i + 1].start == s->targets[i].end)
			i++;
		s->hrun = s->targets[i].end;
	}
	*run = s->hrun;
	return r;
}

/* One head's three words: from buf when a read of its region holds them (reading up to
 * last, the window's last head, at most), else on their own (the words before the start of
 * a region, or past a page that cannot be read). Kept only when an idiom of the analyzer's
 * (reach.c's heuristic) could take them: a block that starts 8 bytes before v and keeps a
 * count or size (> 0) of what follows first, or one that starts 24 bytes before v with a
 * length no more than its capacity, and a capacity that fits in the memory after v. The
 * others (most: pointers and text before v) would never be looked at. */
static void take_head(struct scratch *s, uint64_t v, uint64_t last)
{
	uint64_t w[3], run = 0;
	const struct region *hr = head_region(s, v, &run), *r = NULL;
	if (s->direct || v - 24 < s->hb_lo || v > s->hb_lo + s->hb_len) {
		r = hr;
		if (r && v - 24 < r->start)
			r = NULL; /* words of the mapping before: on their own */
	}
	if (s->direct && r) { /* every target is anonymous: in place */
		memcpy(w, (const void *)(uintptr_t)(v - 24), 24);
	} else {
		if (r) {
			uint64_t end = last < r->end ? last : r->end;
			s->hb_lo = v - 24;
			s->hb_len = read_mem(s, s->hb_lo, (size_t)(end - s->hb_lo), r->flags);
		}
		if (v - 24 >= s->hb_lo && v <= s->hb_lo + s->hb_len) {
			memcpy(w, s->buf + (v - 24 - s->hb_lo), 24);
		} else {
			struct iovec l = {w, 24}, rv = {(void *)(uintptr_t)(v - 24), 24};
			if (process_vm_readv(getpid(), &l, 1, &rv, 1, 0) != 24 &&
			    (s->mem_fd < 0 || pread(s->mem_fd, w, 24, (off_t)(v - 24)) != 24))
				return;
		}
	}
	if (hr && !(w[2] - 1 < run - v) && !(w[1] < run - v && w[0] <= w[1]))
		return;
	s->heads[s->nheads] = v;
	memcpy(&s->heads[s->nheads + 1], w, 24);
	s->nheads += 4;
	if (s->nheads == 4 * HEADS_BATCH)
		flush_head_items(s);
}

/* The heads noted, window by window in address order. */
static void read_heads(struct scratch *s)
{
	/* the windows in use, in order: their keys packed to the front, then a shell sort */
	size_t n = 0;
	for (size_t i = 0; i < s->hcap; i++)
		if (s->hkey[i]) {
			s->hidx[n] = s->hidx[i];
			s->hkey[n++] = s->hkey[i];
		}
	for (size_t gap = n / 2; gap; gap = gap == 2 ? 1 : gap * 5 / 11)
		for (size_t i = gap; i < n; i++) {
			uint64_t k = s->hkey[i];
			uint32_t x = s->hidx[i];
			size_t j = i;
			for (; j >= gap && s->hkey[j - gap] > k; j -= gap) {
				s->hkey[j] = s->hkey[j - gap];
				s->hidx[j] = s->hidx[j - gap];
			}
			s->hkey[j] = k;
			s->hidx[j] = x;
		}
	s->hb_lo = s->hb_len = 0;
	for (size_t i = 0; i < n && !s->failed; i++) {
		const uint64_t *bits = s->hbits + (size_t)s->hidx[i] * HWIN_WORDS;
		uint64_t base = (s->hkey[i] - 1) << HWIN_SHIFT, last = 0;
		for (size_t k = HWIN_WORDS; k-- > 0;)
			if (bits[k]) {
				last = base + ((k * 64 + 63 - (size_t)__builtin_clzll(bits[k])) << 4) + 8;
				break;
			}
		for (size_t k = 0; k < HWIN_WORDS; k++)
			for (uint64_t b = bits[k]; b; b &= b - 1)
				take_head(s, base + ((k * 64 + (size_t)__builtin_ctzll(b)) << 4) + 8, last);
	}
	flush_head_items(s);
}

/* memcheck's aligned_ptr_above_page0_is_vtable_addr: v points to a table holding only
 * NULLs and code addresses, at least two of them, within its first 20 words. */
static int vtable(struct scratch *s, uint64_t v)
{
	uint64_t *c = &s->vt_cache[(v >> 3) & 255];
	if ((*c & ~(uint64_t)1) == v)
		return (int)(*c & 1);
	uint64_t w[VTABLE_WORDS];
	struct iovec l = {w, sizeof w}, r = {(void *)(uintptr_t)v, sizeof w};
	ssize_t k = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	int found = 0;
	for (ssize_t i = 0; i < k / 8 && found < 2; i++) {
		if (!w[i])
			continue;
		if (!in_regions(s->code, s->ncode, w[i]))
			break;
		found++;
	}
	*c = v | (found >= 2);
	return found >= 2;
}

/* Copies n bytes at addr into buf without faulting: bytes copied, 0 at an unreadable page. */
static size_t read_mem(struct scratch *s, uint64_t addr, size_t n, uint64_t flags)
{
	struct iovec l = {s->buf, n}, r = {(void *)(uintptr_t)addr, n};
	if (s->mem_fd == -1) {
		ssize_t k = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
		if (k >= 0)
			return (size_t)k;
		if (errno != ENOSYS && errno != EPERM)
			return 0;
		s->mem_fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
		if (s->mem_fd < 0)
			s->mem_fd = -2;
	}
	if (s->mem_fd >= 0) {
		ssize_t k = pread(s->mem_fd, s->buf, n, (off_t)addr);
		return k > 0 ? (size_t)k : 0;
	}
	if (!(flags & MTF_REGION_ANON))
		return 0; /* no safe way to read a file's pages here: left out */
	memcpy(s->buf, (const void *)(uintptr_t)addr, n); /* anonymous memory cannot fault */
	return n;
}

static void scan_region(struct scratch *s, const struct region *g)
{
	uint64_t lo = s->ntargets ? s->targets[0].start : 0, span = s->ntargets ? s->targets[s->ntargets - 1].end - lo : 0;
	/* most words are no pointer at all: one compare rules out the read-only mappings too */
	uint64_t ro_lo = s->nro ? s->ro[0].start : 0, ro_span = s->nro ? s->ro[s->nro - 1].end - ro_lo : 0;
	uint64_t hit_lo = 0, hit_len = 0; /* the target region of the last pointer found */
	for (uint64_t at = g->start; at < g->end && !s->failed;) {
		size_t want = g->end - at < READ_BYTES ? (size_t)(g->end - at) : READ_BYTES;
		size_t got;
		const uint64_t *w;
		if (s->direct && (g->flags & MTF_REGION_ANON)) {
			got = want & ~(size_t)7;
			w = (const uint64_t *)(uintptr_t)at;
		} else {
			got = read_mem(s, at, want, g->flags) & ~(size_t)7;
			w = (const uint64_t *)s->buf;
		}
		for (size_t i = 0; i < got / 8; i++) {
			uint64_t v = w[i];
			/* pointers cluster: the region the last one fell in first, one compare
			 * instead of a search with a branch missed at every step */
			if (v - hit_lo >= hit_len) {
				const struct region *r = v - lo < span ? find_region(s->targets, s->ntargets, v) : NULL;
				if (!r) {
					if ((g->flags & MTF_REGION_ANON) && !(v & 7) && v - ro_lo < ro_span &&
					    in_regions(s->ro, s->nro, v) && vtable(s, v)) {
						s->vts[s->nvts++] = at + i * 8;
						if (s->nvts == MTR_SCAN_ITEMS) {
							emit(s, MTF_SCAN_VTABLES, 0, s->vts, s->nvts);
							s->nvts = 0;
						}
					}
					continue;
				}
				hit_lo = r->start;
				hit_len = r->end - r->start;
			}
			add_word(s, at + i * 8, v);
			if ((v & 15) == 8 && note_head(s, v))
				s->failed = 1;
		}
		at += got < want ? got + 4096 - ((at + got) & 4095) : got; /* past an unreadable page */
	}
}

/* Whether this process is the only user of its memory: one thread (the scanning one) and
 * no raw clone() sharing it. Then nothing can unmap or protect a mapping while the scan
 * runs, and the anonymous ones (which no file truncation can take away) are read in place:
 * no copy through the kernel, no page pinned per read. */
static int alone(void)
{
	char buf[1024];
	if (mtr_vm_shared)
		return 0;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t k = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (k <= 0)
		return 0;
	buf[k] = 0;
	/* after the name in parentheses (which may hold anything): num_threads is field 20 */
	const char *p = strrchr(buf, ')');
	for (int field = 2; p && field < 20; field++)
		p = strchr(p + 1, ' ');
	return p && p[1] == '1' && p[2] == ' ';
}

static void scan(int at, uint64_t sp)
{
	struct scratch s = {.mem_fd = -1};
	size_t lines = 0;
	/* the regions' room depends on the number of mappings: count them first */
	void *m = mmap(NULL, MAPS_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return;
	s.maps = m;
	lines = 0;
	int ok = each_map(&s, NULL, &lines) == 0;
	munmap(m, MAPS_BYTES);
	if (!ok)
		return;
	s.cap = lines + 64; /* the scratch itself, splits, a few new mappings */
	s.size = READ_BYTES + MAPS_BYTES + (size_t)MTR_SCAN_ITEMS * 28 + HEADS_BATCH * 32 +
		 4 * s.cap * sizeof(struct region);
	s.size = (s.size + 4095) & ~(size_t)4095;
	m = mmap(NULL, s.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return;
	s.base = m;
	s.buf = s.base;
	s.maps = (char *)s.base + READ_BYTES;
	s.wenc = s.base + READ_BYTES + MAPS_BYTES;
	s.vts = (uint64_t *)(s.wenc + (size_t)MTR_SCAN_ITEMS * 20);
	s.heads = s.vts + MTR_SCAN_ITEMS;
	s.regions = (struct region *)(s.heads + 4 * HEADS_BATCH);
	s.targets = s.regions + s.cap;
	s.ro = s.targets + s.cap;
	s.code = s.ro + s.cap;
	s.direct = alone();
	s.seq = mtr_take_seq();
	if (emit(&s, MTF_SCAN_BEGIN, (uint64_t)at, NULL, 0))
		goto out;
	lines = 0;
	if (each_map(&s, take_map, &lines) < 0)
		goto out;
	for (size_t i = 0; i < s.nregions; i++) {
		struct region *g = &s.regions[i];
		if (sp >= g->start && sp < g->end) { /* below the stack pointer is nobody's */
			g->start = sp & ~(uint64_t)7;
			g->flags |= MTF_REGION_STACK;
		}
		/* blocks are in anonymous memory, never on a stack the kernel named */
		if ((g->flags & MTF_REGION_ANON) && !(g->flags & MTF_REGION_STACK))
			s.targets[s.ntargets++] = *g;
	}
	for (size_t i = 0; i < s.nregions; i += MTR_SCAN_ITEMS / 2) {
		uint32_t n = s.nregions - i < MTR_SCAN_ITEMS / 2 ? (uint32_t)(s.nregions - i) : MTR_SCAN_ITEMS / 2;
		if (emit(&s, MTF_SCAN_REGIONS, 0, (const uint64_t *)&s.regions[i], n))
			goto out;
	}
	for (size_t i = 0; i < s.nregions; i++)
		scan_region(&s, &s.regions[i]);
	flush_words(&s);
	if (!s.failed && s.nhwin)
		read_heads(&s);
	if (s.nvts)
		emit(&s, MTF_SCAN_VTABLES, 0, s.vts, s.nvts);
	emit(&s, MTF_SCAN_DONE, s.total, NULL, 0);
out:
	if (s.mem_fd >= 0)
		close(s.mem_fd);
	free_heads(&s);
	munmap(s.base, s.size);
}

/* The stack pointer of exit()'s caller, and its callee-saved registers into saved_regs; 0
 * when it is not on the stack. exit's own frames (its handlers', ld.so's finalizer's, this
 * scan's) reuse stack that the program's returned frames left stale words in, which
 * memcheck does not read: nothing wrote them since (undefined). Scanning from exit's caller
 * up leaves them out, as the registers taken here stand for the frames left out. */
static uint64_t exit_caller(void)
{
	void *exit_fn = dlsym(RTLD_DEFAULT, "exit");
	unw_context_t uc;
	unw_cursor_t c;
	unw_proc_info_t pi;
	unw_word_t sp = 0;
	if (!exit_fn || unw_getcontext(&uc) || unw_init_local(&c, &uc) < 0)
		return 0;
	for (int depth = 0; depth < 64 && unw_step(&c) > 0; depth++) {
		if (unw_get_proc_info(&c, &pi) || pi.start_ip != (unw_word_t)(uintptr_t)exit_fn)
			continue;
		if (unw_step(&c) <= 0 || unw_get_reg(&c, UNW_REG_SP, &sp))
			return 0;
#if defined(__x86_64__)
		static const int regs[] = {UNW_X86_64_RBX, UNW_X86_64_RBP, UNW_X86_64_R12,
					   UNW_X86_64_R13, UNW_X86_64_R14, UNW_X86_64_R15};
		for (int i = 0; i < 6; i++) {
			unw_word_t v = 0;
			unw_get_reg(&c, regs[i], &v);
			saved_regs[i] = v;
		}
#endif
		return sp;
	}
	return 0;
}

/* The registers first (before this function's own work can change them), then the stack
 * from this frame up (at exit(): from exit's caller up): the frames of whoever called exit
 * are roots, the scan's own are not. */
__attribute__((noinline)) void mtr_scan_at(int at)
{
#if defined(__x86_64__)
	__asm__ volatile("mov %%rbx, 0(%0)\n\tmov %%rbp, 8(%0)\n\tmov %%r12, 16(%0)\n\t"
			 "mov %%r13, 24(%0)\n\tmov %%r14, 32(%0)\n\tmov %%r15, 40(%0)"
			 : : "r"(saved_regs) : "memory");
#else
	__builtin_unwind_init(); /* spills the callee-saved registers into this frame */
#endif
	uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
	pid_t pid = getpid();
	if (scanned_pid == pid || !mtr_scan_wanted())
		return;
	scanned_pid = pid;
	int saved_errno = errno;
	struct mtr_tls *t = &mtr_tls;
	int busy = t->busy;
	t->busy = 1;
	if (at == MTF_SCAN_AT_EXIT) {
		uint64_t caller = exit_caller();
		if (caller > sp)
			sp = caller;
	}
	scan(at, sp);
	t->busy = busy;
	memset(saved_regs, 0, sizeof saved_regs);
	errno = saved_errno;
}
