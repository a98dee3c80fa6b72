/* mtrec.h: the client API of the mtrec recorder, header only.
 *
 * Programs that manage their own memory (accelerator buffers, pools, arenas) report it
 * here, tagged with a device and a memory space. Without the recorder every call is a
 * no-op: the functions are weak references resolved at run time, so the program needs
 * no link flag. In a -no-pie executable the linker fixes an undefined weak reference to
 * NULL even when the recorder is preloaded later, so the header then looks the symbol up
 * once with dlsym(RTLD_DEFAULT) and caches the answer.
 *
 * Ordering: a free reported after the allocator released its lock can be overtaken by
 * another thread's allocation of the same address. Reserve a number inside the lock with
 * mtrec_seq() and report with mtrec_alloc_seq()/mtrec_free_seq() to keep the order exact. */
#ifndef MTREC_H
#define MTREC_H

#include <stdint.h>

#define MTREC_HOST 0xFFFFFFFFu /* the traced process's own memory; its space 0 is the malloc heap */

#ifdef __cplusplus
extern "C" {
#endif

/* Implemented by libmtrec.so (prefixed so the inline wrappers below can keep the names). */
void mtrec_impl_device_open(uint32_t device, const char *name, uint64_t capacity) __attribute__((weak));
void mtrec_impl_device_ready(uint32_t device) __attribute__((weak));
void mtrec_impl_device_close(uint32_t device) __attribute__((weak));
uint32_t mtrec_impl_space(const char *name) __attribute__((weak));
void mtrec_impl_alloc_seq(uint64_t seq, uint32_t device, uint32_t space, uint64_t addr, uint64_t size) __attribute__((weak));
void mtrec_impl_free_seq(uint64_t seq, uint32_t device, uint32_t space, uint64_t addr) __attribute__((weak));
uint64_t mtrec_impl_seq(void) __attribute__((weak));
void mtrec_impl_mark(const char *label) __attribute__((weak));

#ifndef MTREC_NO_DLSYM
#include <dlfcn.h>
#endif

/* Resolves one implementation function: the weak reference when the dynamic linker bound
 * it (PIE, shared libraries), else one dlsym lookup, cached (-no-pie executables). The
 * cache holds (void *)1 for "looked up, absent" so a program without the recorder asks once. */
#ifndef MTREC_NO_DLSYM
#define MTREC__RESOLVE(fn)                                                              \
	static void *mtrec__cache;                                                     \
	void *mtrec__p = (void *)(fn);                                                 \
	if (!mtrec__p) {                                                               \
		mtrec__p = __atomic_load_n(&mtrec__cache, __ATOMIC_ACQUIRE);           \
		if (!mtrec__p) {                                                       \
			mtrec__p = dlsym(RTLD_DEFAULT, #fn);                           \
			if (!mtrec__p)                                                 \
				mtrec__p = (void *)1;                                  \
			__atomic_store_n(&mtrec__cache, mtrec__p, __ATOMIC_RELEASE);   \
		}                                                                      \
		if (mtrec__p == (void *)1)                                             \
			mtrec__p = 0;                                                  \
	}
#else
#define MTREC__RESOLVE(fn) void *mtrec__p = (void *)(fn);
#endif

/* A device appears: name for reports, capacity in bytes (0 if unknown). */
static inline void mtrec_device_open(uint32_t device, const char *name, uint64_t capacity)
{
	MTREC__RESOLVE(mtrec_impl_device_open)
	if (mtrec__p)
		((void (*)(uint32_t, const char *, uint64_t))mtrec__p)(device, name, capacity);
}

/* The device's setup is done: the blocks live on it now are its baseline (system
 * buffers, pools the runtime keeps for the device's whole life). Blocks allocated after
 * this call and still live when the device closes are "held to close": the analyzer
 * lists them as suspects (mtan leaks) and `mtan check --fail-held` fails on them.
 * Without this call, setup ends at the first mtrec_mark() of the process after the
 * device opened; without either before the close, the device has no baseline and
 * nothing it held is a suspect. Call it once per open; later calls are ignored. */
static inline void mtrec_device_ready(uint32_t device)
{
	MTREC__RESOLVE(mtrec_impl_device_ready)
	if (mtrec__p)
		((void (*)(uint32_t))mtrec__p)(device);
}

/* A device goes away: what is still live there ends with it (not a leak; see
 * mtrec_device_ready for the blocks held past the baseline). */
static inline void mtrec_device_close(uint32_t device)
{
	MTREC__RESOLVE(mtrec_impl_device_close)
	if (mtrec__p)
		((void (*)(uint32_t))mtrec__p)(device);
}

/* The id of a named memory space ("DRAM", "L1", "pool:instances"); the same name gives
 * the same id in one process. Returns 0 without the recorder. */
static inline uint32_t mtrec_space(const char *name)
{
	MTREC__RESOLVE(mtrec_impl_space)
	return mtrec__p ? ((uint32_t (*)(const char *))mtrec__p)(name) : 0;
}

/* Reserves a sequence number: call it inside your allocator's lock. Returns 0 without
 * the recorder (the _seq calls then take a number themselves). */
static inline uint64_t mtrec_seq(void)
{
	MTREC__RESOLVE(mtrec_impl_seq)
	return mtrec__p ? ((uint64_t (*)(void))mtrec__p)() : 0;
}

static inline void mtrec_alloc_seq(uint64_t seq, uint32_t device, uint32_t space, uint64_t addr, uint64_t size)
{
	MTREC__RESOLVE(mtrec_impl_alloc_seq)
	if (mtrec__p)
		((void (*)(uint64_t, uint32_t, uint32_t, uint64_t, uint64_t))mtrec__p)(seq, device, space, addr, size);
}

static inline void mtrec_free_seq(uint64_t seq, uint32_t device, uint32_t space, uint64_t addr)
{
	MTREC__RESOLVE(mtrec_impl_free_seq)
	if (mtrec__p)
		((void (*)(uint64_t, uint32_t, uint32_t, uint64_t))mtrec__p)(seq, device, space, addr);
}

/* Reports an allocation or free now (the number is taken at the call). */
static inline void mtrec_alloc(uint32_t device, uint32_t space, uint64_t addr, uint64_t size)
{
	mtrec_alloc_seq(0, device, space, addr, size);
}

static inline void mtrec_free(uint32_t device, uint32_t space, uint64_t addr)
{
	mtrec_free_seq(0, device, space, addr);
}

/* A named point in time: phases, frames, requests. */
static inline void mtrec_mark(const char *label)
{
	MTREC__RESOLVE(mtrec_impl_mark)
	if (mtrec__p)
		((void (*)(const char *))mtrec__p)(label);
}

#ifdef __cplusplus
}
#endif
#endif
