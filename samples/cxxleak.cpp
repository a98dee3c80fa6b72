// cxxleak: C++ leaks for symbolization.
// Expected leaks, innermost program frame first:
//   Factory::make(int)                     4 blocks of sizeof(Widget) (new Widget)
//   remember(std::string const&)           2 blocks of 40 bytes (new char[40])
// plus nothing else from this file.
#include <cstdio>
#include <string>

struct Widget {
	int id;
	char pad[60];
};

class Factory {
public:
	__attribute__((noinline)) Widget *make(int id);
};

Widget *Factory::make(int id)
{
	Widget *w = new Widget; // the leak site of Factory::make
	w->id = id;
	return w;
}

__attribute__((noinline)) char *remember(const std::string &name)
{
	char *copy = new char[40]; // the leak site of remember
	name.copy(copy, 39);
	copy[name.size() < 39 ? name.size() : 39] = 0;
	return copy;
}

static volatile int n_widgets = 4, n_names = 2;

int main()
{
	Factory f;
	for (int i = 0; i < n_widgets; i++)
		f.make(i);
	for (int i = 0; i < n_names; i++)
		remember(std::string("a name long enough to be on the heap ") + std::to_string(i));
	std::printf("cxxleak: done\n");
	return 0;
}
