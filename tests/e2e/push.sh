# mtan push: a ClickHouse server of its own (Debian's clickhouse-server, on a free loopback
# port, from this scratch directory with its own config, not as a service) gets two
# traces; its leak_sites, timeline and summary views give what SQLite gives for each run.
. "$TOP/tests/e2e/lib.bash"
server=$(command -v clickhouse-server || ls /usr/sbin/clickhouse-server 2>/dev/null)
if [ -z "$server" ]; then
	skip "push: clickhouse-server not installed (the Makefile's deps step installs it)"
	exit 0
fi
# a free port (and one more for the native protocol) on loopback
read -r http tcp < <(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
mkdir -p ch
cat >ch/config.xml <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$PWD/ch/server.log</log><errorlog>$PWD/ch/error.log</errorlog></logger>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$PWD/ch/data/</path>
  <tmp_path>$PWD/ch/tmp/</tmp_path>
  <user_files_path>$PWD/ch/user_files/</user_files_path>
  <format_schema_path>$PWD/ch/schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
</yandex>
XML
cat >ch/users.xml <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
"$server" --config-file="$PWD/ch/config.xml" >ch/out.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
url=http://127.0.0.1:$http
ch() { curl -sS "$url/" --data-binary "$1"; }
for _ in $(seq 100); do [ "$(ch 'SELECT 1' 2>/dev/null)" = 1 ] && break; sleep 0.1; done
check_eq "the server answers" "$(ch 'SELECT 1' 2>&1)" 1

"$MTREC" -q -o leaky.zst "$SAMPLES/leaky" >/dev/null
"$MTREC" -q -o meshdev.zst "$SAMPLES/meshdev" >/dev/null
check_rc "push two traces" 0 "$MTAN" push --clickhouse "$url" leaky.zst meshdev.zst
check_match "push: one line per trace, with its run and host" \
	"^mtan: push: 'leaky\.zst' sent as run 'leaky\.zst@[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z' of host '[^']+'
mtan: push: 'meshdev\.zst' sent as run 'meshdev\.zst@" "$(cat "$ERR")"
check_eq "two runs in every table" \
	"$(for t in lifetimes stacks stack_frames frames timeline_buckets space_stats; do ch "SELECT uniqExact(run) FROM $t"; done | tr '\n' ' ')" \
	"2 2 2 2 2 2 "
check_eq "marks: meshdev's" "$(ch "SELECT count() > 0 FROM marks WHERE run LIKE 'meshdev.zst@%'")" 1

# leaked bytes per run: ClickHouse's leak_sites against SQLite's (mtan leaks, every leak)
for t in leaky meshdev; do
	"$MTAN" leaks $t.zst --no-default-suppressions >leaks.txt
	sqlite_bytes=$(sed -n 's/^leaked: \([0-9,]*\) bytes.*/\1/p' leaks.txt | tr -d ,)
	ch_bytes=$(ch "SELECT sum(bytes) FROM leak_sites WHERE run LIKE '$t.zst@%' AND (isNull(kind) OR kind != 'still_reachable')")
	check_eq "$t: ClickHouse's leak bytes are mtan leaks' ($sqlite_bytes)" "$ch_bytes" "$sqlite_bytes"
	check_eq "$t: leak_sites row for row as SQLite's" \
		"$(ch "SELECT pid, device, space, stack, ifNull(kind, ''), blocks, bytes FROM leak_sites WHERE run LIKE '$t.zst@%' ORDER BY pid, device, space, stack, kind FORMAT CSV" | tr -d '"')" \
		"$("$MTAN" sql $t.zst "SELECT pid, device, space, stack, coalesce(kind, ''), blocks, bytes FROM leak_sites ORDER BY pid, device, space, stack, kind" --format csv | tail -n +2 | tr -d '"')"
	check_eq "$t: summary as SQLite's" \
		"$(ch "SELECT pid, device, space, name, allocs, frees, bytes_allocated, leaked_bytes FROM summary WHERE run LIKE '$t.zst@%' ORDER BY pid, device, space FORMAT CSV" | tr -d '"')" \
		"$("$MTAN" sql $t.zst "SELECT pid, device, space, name, allocs, frees, bytes_allocated, leaked_bytes FROM summary ORDER BY pid, device, space" --format csv | tail -n +2 | tr -d '"')"
	check_eq "$t: timeline's rows and live bytes at the end as SQLite's" \
		"$(ch "SELECT count(), sum(live_bytes) FROM timeline WHERE run LIKE '$t.zst@%' FORMAT CSV")" \
		"$("$MTAN" sql $t.zst "SELECT count(*), sum(live_bytes) FROM timeline" --format csv | tail -1)"
done
check_eq "the views have SQLite's columns after run and host" \
	"$(ch "SELECT name FROM system.columns WHERE table = 'leak_sites' AND database = currentDatabase() FORMAT TSV" | tr '\n' ' ')" \
	"run host pid device space stack kind blocks bytes est_blocks est_bytes "

# a sampled run (mtrec --sample-stacks): the estimates per site are SQLite's; an unsampled
# run's are its exact figures
"$MTREC" -q --sample-stacks 4k -o sampled.zst "$SAMPLES/sampled" >/dev/null
check_rc "push a sampled trace" 0 "$MTAN" push -q --clickhouse "$url" sampled.zst
check_eq "sampled: the run's mean is in the sampling table" \
	"$(ch "SELECT sample_bytes FROM sampling WHERE run LIKE 'sampled.zst@%'")" 4096
check_eq "sampled: leak_sites' estimates per site as SQLite's (to the byte)" \
	"$(ch "SELECT pid, device, space, ifNull(stack, 0) AS s, blocks, bytes, round(est_blocks), round(est_bytes) FROM leak_sites WHERE run LIKE 'sampled.zst@%' ORDER BY pid, device, space, s FORMAT CSV" | tr -d '"')" \
	"$("$MTAN" sql sampled.zst "SELECT pid, device, space, coalesce(stack, 0) AS s, blocks, bytes, round(est_blocks), round(est_bytes) FROM leak_sites ORDER BY pid, device, space, s" --format csv | tail -n +2 | tr -d '"' | sed 's/\.0\(,\|$\)/\1/g')"
check_eq "unsampled: the estimates are the exact figures" \
	"$(ch "SELECT sum(est_blocks = blocks AND est_bytes = bytes), count() FROM leak_sites WHERE run LIKE 'leaky.zst@%' FORMAT CSV")" \
	"$(ch "SELECT count(), count() FROM leak_sites WHERE run LIKE 'leaky.zst@%' FORMAT CSV")"

check_rc "push again: left as it is" 0 "$MTAN" push --clickhouse "$url" leaky.zst
check_match "push again: said so" "^mtan: note: push: run 'leaky\.zst@.*' of host '.*' is there already: left as it is$" "$(cat "$ERR")"
check_eq "push again: no row twice" "$(ch "SELECT count() FROM lifetimes WHERE run LIKE 'leaky.zst@%'")" \
	"$("$MTAN" sql leaky.zst 'SELECT count(*) FROM lifetimes' --format csv | tail -1)"
check_rc "--host names the host" 0 "$MTAN" push -q --clickhouse "$url" --host fleet-7 leaky.zst
check_eq "--host: the run under that host" "$(ch "SELECT DISTINCT host FROM lifetimes WHERE host = 'fleet-7'")" fleet-7

kill $pid; wait $pid 2>/dev/null
check_rc "server gone: exit 1" 1 "$MTAN" push --clickhouse "$url" leaky.zst
check_eq "server gone: one line" "$(cat "$ERR")" "mtan: push: cannot reach ClickHouse at '$url': Couldn't connect to server"
check_rc "no --clickhouse: exit 2" 2 "$MTAN" push leaky.zst
check_rc "no trace: exit 2" 2 "$MTAN" push --clickhouse "$url"
