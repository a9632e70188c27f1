"""Dependencies: the ranges in pyproject.toml start at releases without public advisories,
and `make` installs the exact versions pinned (and tested together) in constraints.txt."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# The first release after the last public advisory (checked 2026-12; see pyproject.toml):
# aiohttp GHSA-h4cc-hm5h-fmm9 (3.14.4), Jinja2 GHSA-cpwx-vrp4-4pq7 (3.1.6), cryptography
# GHSA-g6cj-pr64-35w5 (50.0.0), aiosmtplib GHSA-v3q9-hj7j-63hq and its follow-up (5.1.3),
# pytest GHSA-6w46-j5rx-g56g (9.0.3), aiosmtpd GHSA-wgjv-9j3q-jhg8 (1.4.6),
# setuptools CVE-2025-47273 (78.1.1), h11 CVE-2025-43859 (0.16.0, through httpx).
SAFE_FROM = {
    "aiohttp": "3.14.4",
    "jinja2": "3.1.6",
    "cryptography": "50.0.0",
    "aiosmtplib": "5.1.3",
    "pytest": "9.0.3",
    "aiosmtpd": "1.4.6",
    "setuptools": "78.1.1",
    "h11": "0.16.0",
}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirements() -> list[Requirement]:
    project = _project()
    lines = project["project"]["dependencies"] + project["project"]["optional-dependencies"]["dev"]
    return [Requirement(line) for line in lines] + [
        Requirement(line) for line in project["build-system"]["requires"]
    ]


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact pin"
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_no_range_allows_a_release_with_a_public_advisory() -> None:
    declared = {canonicalize_name(r.name): r for r in _requirements()}
    for name, safe in SAFE_FROM.items():
        requirement = declared.get(canonicalize_name(name))
        if requirement is None:
            continue  # a transitive dependency: held by its pin below
        floors = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        assert floors and max(floors) >= Version(safe), f"{requirement} allows < {safe}"


def test_every_dependency_is_pinned_within_its_range_and_past_its_advisories() -> None:
    pins = _pins()
    for requirement in _requirements():
        name = canonicalize_name(requirement.name)
        if name == "setuptools":
            continue  # a build requirement, fetched by pip's build isolation
        assert name in pins, f"{name} is not pinned in constraints.txt (run `make lock`)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside {requirement.specifier}"
        )
    for name, safe in SAFE_FROM.items():
        if canonicalize_name(name) in pins:
            assert pins[canonicalize_name(name)] >= Version(safe), name


def test_make_installs_the_pinned_versions() -> None:
    makefile = (ROOT / "Makefile").read_text()
    install = re.search(r"\$\(PY\) -m pip install .*-e '\.\[dev\]'", makefile)
    assert install and "-c constraints.txt" in install.group(), install
    assert re.search(r"^\$\(VENV\)/\.installed: .*constraints\.txt", makefile, re.M)
