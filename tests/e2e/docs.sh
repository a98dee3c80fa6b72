# The documentation: doc/mtan.1 is what 'mtan help --man' writes from the command table
# (current, and it renders without warnings), every command and every option of each
# command's --help is in it; doc/mtrec.1 names every option of 'mtrec --help'; the bash
# completion offers the commands, each command's options and the values of a few.
. "$TOP/tests/e2e/lib.bash"

check_rc "mtan help --man" 0 "$MTAN" help --man
cp "$OUT" man.1
if cmp -s man.1 "$TOP/doc/mtan.1"; then
	ok "doc/mtan.1 is current"
else
	fail "doc/mtan.1 is current (run 'make man' and commit doc/mtan.1)" "$(diff "$TOP/doc/mtan.1" man.1 | head -10)"
fi
for m in "$TOP/doc/mtan.1" "$TOP/doc/mtrec.1"; do
	check_eq "$(basename "$m") renders without warnings" "$(groff -man -Tutf8 -ww -z "$m" 2>&1)" ""
done
page=$(MANWIDTH=100 man -l "$TOP/doc/mtan.1" 2>/dev/null)
for c in $("$MTAN" help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p'); do
	opts=$("$MTAN" help "$c" | sed -n '/^options:/,$p' | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ')
	missing=""
	for o in $opts; do grep -q -- "$o" <<<"$page" || missing="$missing $o"; done
	check_eq "mtan.1: '$c' and its options" "$(grep -c "^   $c\$" <<<"$page") $missing" "1 "
done
mpage=$(MANWIDTH=100 man -l "$TOP/doc/mtrec.1" 2>/dev/null)
missing=""
for o in $("$MTREC" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do grep -q -- "$o" <<<"$mpage" || missing="$missing $o"; done
check_eq "mtrec.1: every option of mtrec --help" "$missing" ""

# mtan --help and mtan help list the same commands, each with a working --help
check_eq "--help and help agree" "$("$MTAN" --help)" "$("$MTAN" help)"
for c in $("$MTAN" help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p'); do
	"$MTAN" "$c" --help >h.txt 2>&1
	rc=$?
	check_eq "mtan $c --help: exit 0, its usage" "$rc $(head -1 h.txt | cut -d' ' -f1-3)" "0 usage: mtan $c"
done

# bash completion
touch run.zst other.db events.csv notes.txt
complete_at() { # WORDS...: what the completion offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mtan; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		_ "$TOP/doc/mtan.bash-completion" "$@"
}
check_eq "completion: commands" "$(complete_at "$MTAN" su)" "summary "
check_eq "completion: commands from s" "$(complete_at "$MTAN" s)" "sql summary "
check_eq "completion: a command's options" "$(complete_at "$MTAN" check --max)" "--max-leaked --max-reachable "
check_eq "completion: export's own options" "$(complete_at "$MTAN" export --w)" "--what "
check_eq "completion: --format's values" "$(complete_at "$MTAN" leaks --format "")" "csv json table "
check_eq "completion: --what's values" "$(complete_at "$MTAN" export run.zst --what "")" "events lifetimes "
check_eq "completion: --of's values" "$(complete_at "$MTAN" export run.zst --folded --of "")" "allocated leaked peak "
check_eq "completion: --as's values" "$(complete_at "$MTAN" export run.zst --as "")" "chrome folded pprof speedscope "
check_eq "completion: traces and databases" "$(complete_at "$MTAN" leaks "")" "other.db run.zst "
check_eq "completion: import takes CSV" "$(complete_at "$MTAN" import "")" "events.csv "
check_eq "completion: help's commands" "$(complete_at "$MTAN" help rep)" "report "
check_eq "completion: the top-level options" "$(complete_at "$MTAN" --v)" "--version "

# mtrec's bash completion: its options from its --help, then PROGRAM (a command), then the
# program's arguments
complete_mtrec() { # WORDS...: what the completion offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mtrec; ((${#COMPREPLY[@]})) && printf "%s\n" "${COMPREPLY[@]}" | sort -u | tr "\n" " "' \
		_ "$TOP/doc/mtrec.bash-completion" "$@"
}
check_eq "mtrec completion: its options" "$(complete_mtrec "$MTREC" --no-)" "--no-follow --no-scan --no-stacks "
check_eq "mtrec completion: every option of its --help" "$(complete_mtrec "$MTREC" --)" \
	"$("$MTREC" --help | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ')"
check_eq "mtrec completion: -o takes a file" "$(complete_mtrec "$MTREC" -o r)" "run.zst "
check_eq "mtrec completion: --level takes a number" "$(complete_mtrec "$MTREC" --level "")" ""
check_eq "mtrec completion: the program is a command" "$(complete_mtrec "$MTREC" -o run.zst --no-scan zstdca)" "zstdcat "
check_eq "mtrec completion: the program's arguments (files, without bash-completion)" \
	"$(complete_mtrec "$MTREC" -o run.zst zstdcat no)" "notes.txt "
check_eq "mtrec completion: after --, the program" "$(complete_mtrec "$MTREC" -- zstdca)" "zstdcat "
