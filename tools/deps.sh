#!/bin/sh
# Makes sure the Debian packages the build needs are installed: installs the missing ones
# with apt-get when run as root or through sudo, else says the exact line to run.
# Usage: tools/deps.sh PACKAGE...
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing packages:$missing (no apt-get here: install them with your package manager)" >&2
	exit 1
fi
if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	echo "deps: missing packages:$missing" >&2
	echo "deps: run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# update once (package lists on a fresh machine are empty), then install
$SUDO apt-get update -qq >&2 || { echo "deps: 'apt-get update' failed" >&2; exit 1; }
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2 || {
	echo "deps: 'apt-get install$missing' failed" >&2
	exit 1
}
