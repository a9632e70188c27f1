"""`python -m bot recruiters import FILE`: replace the licensed-recruiter registry."""

from __future__ import annotations

from pathlib import Path

from db.engine import session_factory
from db.migrate import open_database
from db.recruiters import replace_all
from faq.registry_file import RegistryError, parse_registry
from settings import Settings


async def import_registry(settings: Settings, path: Path) -> int:
    """Validate the whole file first; a bad file changes nothing and names the bad rows."""
    try:
        recruiters = parse_registry(path)
    except RegistryError as error:
        print(f"Not imported: {len(error.problems)} problem(s) in {path}; nothing changed.")
        for problem in error.problems:
            print(f"  {problem}")
        return 1
    except OSError as error:
        print(f"Not imported: cannot read {path}: {error}")
        return 1
    engine = await open_database(settings)
    try:
        async with session_factory(engine).begin() as session:
            count = await replace_all(session, recruiters)
    finally:
        await engine.dispose()
    dates = sorted({r.list_date for r in recruiters})
    sources = sorted({r.source for r in recruiters})
    print(
        f"Imported {count} enterprises (list of {', '.join(f'{d:%d/%m/%Y}' for d in dates)}; "
        f"source: {'; '.join(sources)})."
    )
    return 0
