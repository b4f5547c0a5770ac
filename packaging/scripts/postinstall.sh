#!/bin/sh
# doorsync postinstall (deb postinst: configure [old-version]; rpm %post: 1|2).
# Makes the state directory (tmpfiles.d does the same at boot) so that
# `sudo -u doorsync doorsync doctor` works before any unit ran, the secrets
# file /etc/doorsync/env if it is absent, and tells
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

# The secrets file, from the template, once: never a conffile, so that no
# upgrade compares (and shows) the operator's secrets.
if [ ! -e /etc/doorsync/env ]; then
	install -m 0600 -o doorsync -g doorsync /usr/share/doorsync/env /etc/doorsync/env
fi

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	systemctl try-restart doorsync-watch.service || true
fi
exit 0
