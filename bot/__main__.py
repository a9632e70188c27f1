"""Command line: `python -m bot {chat,serve,db,ask,faq,recruiters,staff,retention}`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.logs import setup_logging
from settings import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    chat = commands.add_parser("chat", help="talk to the assistant in this terminal")
    chat.add_argument("--user", default="local", help="who you are in the chat (default: local)")
    commands.add_parser("serve", help="run the channels and the web server")
    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    commands.add_parser("ask", help="answer questions from stdin, one JSON line each")
    faq = commands.add_parser("faq", help="FAQ content")
    faq.add_argument("action", choices=["check", "reload"])
    recruiters = commands.add_parser("recruiters", help="the licensed-recruiter registry")
    recruiters.add_argument("action", choices=["import"])
    recruiters.add_argument("file", type=Path, help="CSV or XLSX in the official list's columns")
    staff = commands.add_parser("staff", help="accounts of the staff web dashboard")
    staff.add_argument("action", choices=["add", "list", "passwd", "disable", "enable"])
    staff.add_argument("username", nargs="?", help="the account's user name")
    staff.add_argument("--role", choices=["admin", "staff"], default="staff")
    retention = commands.add_parser("retention", help="anonymise old personal data")
    retention.add_argument("action", choices=["purge"])
    retention.add_argument(
        "--older-than-days", type=int, default=None, help="age in days (default RETENTION_DAYS)"
    )
    retention.add_argument("--dry-run", action="store_true", help="count, change nothing")
    args = parser.parse_args(argv)

    settings = load_settings()
    quiet = args.command in ("chat", "ask", "faq", "recruiters", "staff", "retention")
    setup_logging("WARNING" if quiet else settings.log_level, settings.secret_values())

    if args.command == "chat":
        from bot.serve import chat as run_chat

        try:
            asyncio.run(run_chat(settings, args.user))
        except KeyboardInterrupt:
            pass
        return 0
    if args.command == "serve":
        from bot.serve import serve

        asyncio.run(serve(settings))
        return 0
    if args.command == "db":
        return asyncio.run(_db(settings, args.action))
    if args.command == "ask":
        from bot.faq_commands import ask

        return ask(settings, sys.stdin, sys.stdout)
    if args.command == "recruiters":
        from bot.recruiter_commands import import_registry

        return asyncio.run(import_registry(settings, args.file))
    if args.command == "staff":
        from dashboard.cli import staff_command

        return asyncio.run(staff_command(settings, args.action, args.username, args.role))
    if args.command == "retention":
        from bot.retention import run as run_retention

        return asyncio.run(run_retention(settings, args.older_than_days, args.dry_run))
    if args.command == "faq":
        from bot import faq_commands

        if args.action == "check":
            return faq_commands.check()
        return faq_commands.reload(settings)
    return 2


async def _db(settings: object, action: str) -> int:
    from db.engine import create_engine
    from db.migrate import current_revision, head_revision, upgrade

    engine = create_engine(settings)  # type: ignore[arg-type]
    try:
        if action == "upgrade":
            await upgrade(engine)
        current = await current_revision(engine)
        print(f"database at {current} (newest: {head_revision()})")
        return 0
    finally:
        await engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
