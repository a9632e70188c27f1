#!/bin/sh
# Back up the bot's database into a timestamped file; prints the file's path.
#
#   scripts/backup.sh [BACKUP_DIR]        (default: backups/)
#
# DATABASE_URL comes from the environment, else from ./.env, else the default SQLite file.
# SQLite: an online copy with sqlite3's `.backup` (safe while the bot runs), checked with
# `PRAGMA integrity_check`. PostgreSQL: `pg_dump --format=custom` (restore with pg_restore).
# Keeps the newest BACKUP_KEEP files (default 14) of this kind in BACKUP_DIR.
set -eu

url=${DATABASE_URL:-}
if [ -z "$url" ] && [ -f .env ]; then
    url=$(sed -n 's/^DATABASE_URL=//p' .env | tail -n 1)
fi
url=${url:-sqlite+aiosqlite:///data/bot.db}
dir=${1:-backups}
keep=${BACKUP_KEEP:-14}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
umask 077
mkdir -p "$dir"

case "$url" in
sqlite*)
    db=${url#*:///}
    [ -f "$db" ] || { echo "backup: no SQLite database at $db" >&2; exit 1; }
    out="$dir/bot-$stamp.sqlite3"
    sqlite3 "$db" ".backup '$out'"
    check=$(sqlite3 "$out" "PRAGMA integrity_check;")
    [ "$check" = "ok" ] || { echo "backup: integrity check failed: $check" >&2; exit 1; }
    pattern="bot-*.sqlite3"
    ;;
postgres*)
    pg=$(printf '%s' "$url" | sed 's#^postgresql+asyncpg://#postgresql://#; s#^postgres://#postgresql://#')
    out="$dir/bot-$stamp.dump"
    pg_dump --format=custom --no-owner --no-privileges --file="$out" "$pg"
    pg_restore --list "$out" >/dev/null  # the archive is readable
    pattern="bot-*.dump"
    ;;
*)
    echo "backup: unsupported DATABASE_URL" >&2
    exit 2
    ;;
esac

# Old backups beyond the newest $keep go (names sort by time).
# shellcheck disable=SC2086
ls -1 "$dir"/$pattern 2>/dev/null | sort -r | tail -n +"$((keep + 1))" | while read -r old; do
    rm -f -- "$old"
done
echo "$out"
