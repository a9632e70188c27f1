"""The centre's periodic report (placeholder until the report page lands)."""

from __future__ import annotations

from aiohttp import web


def add_routes(router: web.UrlDispatcher) -> None:
    """No report routes yet."""
