#!/bin/sh
# Restore a backup made by scripts/backup.sh into the database of DATABASE_URL.
#
#   scripts/restore.sh BACKUP_FILE
#
# Stop the bot first (`systemctl stop bot`); this refuses while PID_FILE (default
# data/bot.pid) names a running process. SQLite: the backup is checked, the current file
# is kept as <db>.before-restore-<time>, then replaced. PostgreSQL: pg_restore --clean in
# one transaction (all or nothing). Afterwards run `python -m bot db upgrade` (a backup
# from an older release is brought to the current schema) and start the bot.
set -eu

[ $# -eq 1 ] || { echo "usage: scripts/restore.sh BACKUP_FILE" >&2; exit 2; }
backup=$1
[ -f "$backup" ] || { echo "restore: no file $backup" >&2; exit 1; }

url=${DATABASE_URL:-}
if [ -z "$url" ] && [ -f .env ]; then
    url=$(sed -n 's/^DATABASE_URL=//p' .env | tail -n 1)
fi
url=${url:-sqlite+aiosqlite:///data/bot.db}

pid_file=${PID_FILE:-data/bot.pid}
if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "restore: the bot is running (pid $(cat "$pid_file")); stop it first" >&2
    exit 1
fi

case "$url" in
sqlite*)
    db=${url#*:///}
    check=$(sqlite3 "$backup" "PRAGMA integrity_check;")
    [ "$check" = "ok" ] || { echo "restore: $backup is damaged: $check" >&2; exit 1; }
    mkdir -p "$(dirname "$db")"
    if [ -f "$db" ]; then
        saved="$db.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
        sqlite3 "$db" ".backup '$saved'"
        echo "restore: the previous database is kept as $saved"
    fi
    cp "$backup" "$db.restoring"
    rm -f "$db-wal" "$db-shm"
    mv "$db.restoring" "$db"
    ;;
postgres*)
    pg=$(printf '%s' "$url" | sed 's#^postgresql+asyncpg://#postgresql://#; s#^postgres://#postgresql://#')
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
        --exit-on-error --dbname="$pg" "$backup"
    ;;
*)
    echo "restore: unsupported DATABASE_URL" >&2
    exit 2
    ;;
esac
echo "restored $backup; now run: python -m bot db upgrade"
