// rd_alignednew: C++17 aligned operator new, which libstdc++ serves with aligned_alloc of
// the size rounded up to the alignment (100 -> 128, 200 -> 256, 72 -> 128).
// Expected: 6 allocations, all freed, of the sizes the program asked for, as valgrind
// counts them: 100 bytes from new_array() (new (std::align_val_t(64)) char[100]), 128 from
// new_line() (a struct alignas(64) holding 72 bytes: the language makes its sizeof 128),
// 200 from new_nothrow() (the nothrow form), 72 from new_raw() (operator new(72,
// std::align_val_t(64)) called directly), 384 from new_lines() (3 Lines) and 24 from
// new_plain() (no alignment). No anomaly; live at exit only libstdc++'s emergency pool
// (72,704 bytes) and stdio's buffer.
#include <cstdio>
#include <cstdlib>
#include <new>

struct alignas(64) Line {
	char bytes[72];
};

__attribute__((noinline)) static char *new_array() { return new (std::align_val_t(64)) char[100]; }
__attribute__((noinline)) static Line *new_line() { return new Line; }
__attribute__((noinline)) static char *new_nothrow()
{
	return new (std::align_val_t(64), std::nothrow) char[200];
}
__attribute__((noinline)) static void *new_raw() { return ::operator new(72, std::align_val_t(64)); }
__attribute__((noinline)) static Line *new_lines() { return new Line[3]; }
__attribute__((noinline)) static int *new_plain() { return new int[6]; }

int main()
{
	char *a = new_array();
	Line *l = new_line();
	char *n = new_nothrow();
	void *r = new_raw();
	Line *ls = new_lines();
	int *p = new_plain();
	std::printf("rd_alignednew: sizeof(Line) %zu\n", sizeof(Line));
	delete[] p;
	delete[] ls;
	::operator delete(r, std::align_val_t(64));
	::operator delete[](n, std::align_val_t(64));
	delete l;
	::operator delete[](a, std::align_val_t(64));
	return 0;
}
