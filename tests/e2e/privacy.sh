# The recorder's side of hostile input: its shared memory is private to the user, a
# segment someone else owns is not joined, and a program that scribbles over its rings
# cannot crash the collector or spoil what was recorded before.
. "$TOP/tests/e2e/lib.bash"
DUMP="$TOP/build/mtdump"

"$MTREC" -q -o p.zst sh -c 'stat -c "%a %u" "$MTREC_SHM"; echo "$MTREC_SHM"' >mode.out
check_eq "the shared memory is mode 0600, owned by the user" "$(head -1 mode.out)" "600 $(id -u)"
check_eq "and it is removed after the recording" "$(ls "$(tail -1 mode.out)" 2>&1 | grep -c 'No such file')" 1

# a segment owned by another user: libmtrec.so must not join it (nor touch it)
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	seg=$(mktemp /dev/shm/mtrec-foreign-XXXXXX)
	head -c 4096 /dev/urandom >"$seg"
	chown nobody "$seg"
	sum=$(md5sum <"$seg")
	check_rc "a foreign segment: the program runs normally" 0 env MTREC_SHM="$seg" LD_PRELOAD="$TOP/build/libmtrec.so" "$SAMPLES/leaky"
	check_eq "a foreign segment: it is left untouched" "$(md5sum <"$seg")" "$sum"
	rm -f "$seg"
else
	fail "a foreign segment: needs root and the user nobody to set up"
fi
check_rc "a segment path that does not exist: the program runs normally" 0 env MTREC_SHM=/nonexistent LD_PRELOAD="$TOP/build/libmtrec.so" "$SAMPLES/leaky"
check_rc "no segment at all: the program runs normally" 0 env LD_PRELOAD="$TOP/build/libmtrec.so" "$SAMPLES/leaky"

for seed in 1 2 3; do
	check_rc "scribbled rings (seed $seed): mtrec exits with the program's status" 0 "$MTREC" -q -o s$seed.zst "$TOP/build/scribble" $seed
	check_rc "scribbled rings (seed $seed): the trace reads to its end" 0 "$DUMP" -c s$seed.zst
	check_ge "scribbled rings (seed $seed): the honest events before it are there" "$(awk '{print $2}' "$OUT")" 1000
done
