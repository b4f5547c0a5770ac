#!/bin/sh
# doorsync preinstall (deb preinst: install|upgrade …; rpm %pre: 1|2).
# Makes the doorsync system user and group before the files owned by them
# (/etc/doorsync/doorsync.toml, /etc/doorsync/env) are unpacked. Idempotent:
# it runs on every install and upgrade and changes nothing that exists.
set -e

case "$1" in
install | upgrade | 1 | 2) ;;
*) exit 0 ;;
esac

if ! getent group doorsync >/dev/null; then
	groupadd --system doorsync
fi
if ! getent passwd doorsync >/dev/null; then
	useradd --system --gid doorsync --home-dir /var/lib/doorsync --no-create-home \
		--shell /usr/sbin/nologin --comment "doorsync door terminal sync" doorsync
fi
exit 0
