#!/bin/sh
# doorsync postremove (deb postrm: remove|purge|upgrade|…; rpm %postun: 0|1).
# A removal keeps the configuration, the secrets and the database (the
# sync history): reinstalling carries on where it stopped. Only a purge
# (dpkg --purge, apt purge) deletes the database and /etc/doorsync; take a
# `doorsync backup FILE` first if the history matters. The doorsync user
# stays, as Debian's policy advises: files elsewhere may still be its own.
# rpm has no purge: the database and /etc/doorsync/env stay, and an edited
# configuration is kept as /etc/doorsync/doorsync.toml.rpmsave.
set -e

if [ "$1" = purge ]; then
	rm -rf /var/lib/doorsync
	rm -f /etc/doorsync/doorsync.toml /etc/doorsync/env
	rmdir /etc/doorsync 2>/dev/null || true
fi

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
