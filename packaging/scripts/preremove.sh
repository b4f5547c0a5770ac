#!/bin/sh
# doorsync preremove (deb prerm: remove|upgrade|…; rpm %preun: 0|1).
# On removal (not on an upgrade) stops and disables the timer and the watch
# service, so no run starts without the binary. A run in progress ends
# cleanly on the stop: the request in flight completes, the rest is recorded
# as cancelled.
set -e

case "$1" in
remove | 0) ;;
*) exit 0 ;;
esac

if [ -d /run/systemd/system ]; then
	systemctl disable --now doorsync.timer doorsync-watch.service >/dev/null 2>&1 || true
	systemctl stop doorsync.service >/dev/null 2>&1 || true
fi
exit 0
