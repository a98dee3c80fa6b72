#!/bin/sh
# make demo: records the leaky sample and shows what mtan finds in it.
set -e
cd "$(dirname "$0")/.."
mkdir -p build/demo
rm -f build/demo/run.zst build/demo/run.zst.db
echo "\$ mtrec -o build/demo/run.zst build/samples/leaky"
build/mtrec -o build/demo/run.zst build/samples/leaky
echo
echo "\$ mtan summary build/demo/run.zst"
build/mtan summary build/demo/run.zst
echo
echo "\$ mtan leaks build/demo/run.zst"
build/mtan leaks build/demo/run.zst
echo
echo "The database is build/demo/run.zst.db: try  sqlite3 build/demo/run.zst.db 'SELECT * FROM leak_sites'"
