"""The centre's staff dashboard: aiohttp + Jinja2 pages under /staff (see docs/dashboard.md)."""
