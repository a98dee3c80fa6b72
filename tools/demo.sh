#!/bin/sh
# make demo: records two samples and shows what mtan finds in them: leaky (planted leaks)
# and bufpool (a buffer pool on a simulated device that grows without bound).
set -e
cd "$(dirname "$0")/.."
mkdir -p build/demo
rm -f build/demo/*.zst build/demo/*.db build/demo/*.html
show() { # prints the command as a user would type it, then runs it
	echo "\$ $*" | sed 's|^\$ build/|$ |'
	"$@"
	echo
}
show build/mtrec -o build/demo/run.zst build/samples/leaky
show build/mtan summary build/demo/run.zst
show build/mtan leaks build/demo/run.zst
echo "\$ mtan check build/demo/run.zst   # for CI: exit 1 on leaks, anomalies or growth"
build/mtan check build/demo/run.zst || echo "(exit $?)"
echo
show build/mtrec -q -o build/demo/pool.zst build/samples/bufpool
show build/mtan growth build/demo/pool.zst --device 0
show build/mtan timeline build/demo/pool.zst --device 0 --height 8
show build/mtan report build/demo/pool.zst -o build/demo/pool.html
echo "The databases are build/demo/*.zst.db: try  sqlite3 build/demo/run.zst.db 'SELECT * FROM leak_sites'"
echo "The report is build/demo/pool.html (one file; open it in a browser)."
