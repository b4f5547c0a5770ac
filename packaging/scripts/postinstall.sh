#!/bin/sh
# doorsync postinstall (deb postinst: configure [old-version]; rpm %post: 1|2).
# Makes the state directory (tmpfiles.d does the same at boot) so that
# `sudo -u doorsync doorsync doctor` works before any unit ran, and tells
# systemd about the units. Enables nothing: the operator enables the timer or
# the watch service once doctor passes. On an upgrade a running watch
# service is restarted onto the new binary.
set -e

case "$1" in
configure | 1 | 2) ;;
*) exit 0 ;;
esac

if [ ! -d /var/lib/doorsync ]; then
	mkdir -p /var/lib/doorsync
fi
chown doorsync:doorsync /var/lib/doorsync
chmod 0700 /var/lib/doorsync

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	systemctl try-restart doorsync-watch.service || true
fi
exit 0
