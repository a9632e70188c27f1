"""Command line: `python -m bot {chat,serve,db,ask,faq,recruiters,staff,retention}`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.logs import setup_logging
from settings import Settings, load_settings


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()
    setup_logging("WARNING" if args.quiet else settings.log_level, settings.secret_values())
    return int(args.run(settings, args))


def _parser() -> argparse.ArgumentParser:
    """Each command names the function that runs it (`run`) and whether it logs quietly."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    chat = commands.add_parser("chat", help="talk to the assistant in this terminal")
    chat.add_argument("--user", default="local", help="who you are in the chat (default: local)")
    chat.set_defaults(run=_chat, quiet=True)
    commands.add_parser("serve", help="run the channels and the web server").set_defaults(
        run=_serve, quiet=False
    )
    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    db.set_defaults(run=lambda settings, args: asyncio.run(_db(settings, args.action)), quiet=False)
    commands.add_parser("ask", help="answer questions from stdin, one JSON line each").set_defaults(
        run=_ask, quiet=True
    )
    faq = commands.add_parser("faq", help="FAQ content")
    faq.add_argument("action", choices=["check", "reload", "misses"])
    faq.add_argument(
        "--export", type=Path, metavar="FILE", help="misses: write them to FILE (.csv or .xlsx)"
    )
    faq.add_argument("--days", type=int, default=90, help="misses: how many days back (90)")
    faq.set_defaults(run=_faq, quiet=True)
    recruiters = commands.add_parser("recruiters", help="the licensed-recruiter registry")
    recruiters.add_argument("action", choices=["import"])
    recruiters.add_argument("file", type=Path, help="CSV or XLSX in the official list's columns")
    recruiters.set_defaults(run=_recruiters, quiet=True)
    staff = commands.add_parser("staff", help="accounts of the staff web dashboard")
    staff.add_argument("action", choices=["add", "list", "passwd", "disable", "enable"])
    staff.add_argument("username", nargs="?", help="the account's user name")
    staff.add_argument("--role", choices=["admin", "staff"], default="staff")
    staff.set_defaults(run=_staff, quiet=True)
    retention = commands.add_parser("retention", help="anonymise old personal data")
    retention.add_argument("action", choices=["purge"])
    retention.add_argument(
        "--older-than-days", type=int, default=None, help="age in days (default RETENTION_DAYS)"
    )
    retention.add_argument("--dry-run", action="store_true", help="count, change nothing")
    retention.set_defaults(run=_retention, quiet=True)
    return parser


# The commands import what they need when they run: `python -m bot faq check` need not
# load the web server.
def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.serve import chat

    try:
        asyncio.run(chat(settings, args.user))
    except KeyboardInterrupt:
        pass
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.serve import serve

    asyncio.run(serve(settings))
    return 0


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.faq_commands import ask

    return ask(settings, sys.stdin, sys.stdout)


def _faq(settings: Settings, args: argparse.Namespace) -> int:
    from bot import faq_commands

    if args.action == "check":
        return faq_commands.check()
    if args.action == "misses":
        return faq_commands.misses(settings, args.export, args.days)
    return faq_commands.reload(settings)


def _recruiters(settings: Settings, args: argparse.Namespace) -> int:
    from bot.recruiter_commands import import_registry

    return asyncio.run(import_registry(settings, args.file))


def _staff(settings: Settings, args: argparse.Namespace) -> int:
    from dashboard.cli import staff_command

    return asyncio.run(staff_command(settings, args.action, args.username, args.role))


def _retention(settings: Settings, args: argparse.Namespace) -> int:
    from bot.retention import run

    return asyncio.run(run(settings, args.older_than_days, args.dry_run))


async def _db(settings: Settings, action: str) -> int:
    from db.engine import create_engine
    from db.migrate import current_revision, head_revision, upgrade

    engine = create_engine(settings)
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
