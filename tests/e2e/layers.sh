# The analyzer's layers (analyze/README.md): every arrow runs downward. A file that calls a
# function defined in another depends on it; the objects' symbol tables say who calls whom,
# and no loop may appear among them. One header per module: no umbrella header is back.
. "$TOP/tests/e2e/lib.bash"

OBJ="$TOP/build/obj/analyze"

# "caller callee" pairs of object files: callee defines a global symbol caller uses.
edges() {
	local dir=$1
	for o in "$dir"/*.o; do
		nm -g --defined-only "$o" | awk -v f="$(basename "$o" .o)" 'NF == 3 { print $3, f }'
	done >defs.txt
	for o in "$dir"/*.o; do
		nm -g --undefined-only "$o" | awk -v f="$(basename "$o" .o)" '{ print $NF, f }'
	done >uses.txt
	# join on the symbol: user -> definer, each pair once, none to itself
	sort defs.txt -o defs.txt
	sort uses.txt -o uses.txt
	join uses.txt defs.txt | awk '$2 != $3 { print $2, $3 }' | sort -u
}

# A loop among the files, as tsort names it; nothing when there is none.
loops() { tsort 2>&1 >/dev/null | grep -v '^tsort: -: input contains a loop:$' | sed 's/^tsort: //'; }

objs=$(ls "$OBJ"/*.o 2>/dev/null | wc -l)
check_ge "the analyzer's objects are built ($OBJ)" "$objs" 40
edges "$OBJ" >calls.txt
check_ge "calls between the analyzer's files are found" "$(wc -l <calls.txt)" 100
check_match "a command calls the database layer (the pairs read right)" "^cmd_leaks db$" "$(cat calls.txt)"
check_eq "no call loop among analyze/ files" "$(loops <calls.txt | sort -u | tr '\n' ' ')" ""

# The same check finds a loop where there is one (two objects calling each other).
mkdir -p loop
printf 'int b(void);\nint a(void) { return b(); }\n' >loop/a.c
printf 'int a(void);\nint b(void) { return a(); }\n' >loop/b.c
cc -c -o loop/a.o loop/a.c && cc -c -o loop/b.o loop/b.c
edges loop >loop.txt
check_eq "a loop is found where there is one" "$(loops <loop.txt | sort -u | tr '\n' ' ')" "a b "

# Headers: one per module, no umbrella, and none includes another in a loop either.
check_eq "no umbrella header (analyze/mtan.h) is back" "$(ls "$TOP/analyze/mtan.h" 2>/dev/null)" ""
for h in "$TOP"/analyze/*.h; do
	grep -o '#include "[a-z_]*\.h"' "$h" | sed 's/#include "//; s/\.h"//' |
		while read -r inc; do [ -f "$TOP/analyze/$inc.h" ] && echo "$(basename "$h" .h) $inc"; done
done >includes.txt
check_ge "headers include the headers they need" "$(wc -l <includes.txt)" 10
check_eq "no include loop among analyze/ headers" "$(loops <includes.txt | sort -u | tr '\n' ' ')" ""

# Files stay cohesive: none in analyze/ is over about 800 lines.
long=$(wc -l "$TOP"/analyze/*.c "$TOP"/analyze/*.h | awk '$2 != "total" && $1 > 850 { print $2 ": " $1 }')
check_eq "no file in analyze/ is over 850 lines" "$long" ""
