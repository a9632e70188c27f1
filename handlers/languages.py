"""The languages of spoken answers: codes and the Vietnamese labels workers see.

Pure (no handler imports): `settings.py` reads `VOICE_LANGUAGES` through it.
"""

from __future__ import annotations

import re

VIETNAMESE = "vi"
# Labels of the languages spoken in the northern mountain provinces; others take
# `code=Label` in the setting.
KNOWN: dict[str, str] = {
    "vi": "Tiếng Việt",
    "hmn": "Tiếng H'Mông",
    "dao": "Tiếng Dao",
    "tay": "Tiếng Tày",
    "giay": "Tiếng Giáy",
    "hni": "Tiếng Hà Nhì",
    "nung": "Tiếng Nùng",
    "thai": "Tiếng Thái",
}
_CODE = re.compile(r"^[a-z]{2,8}$")


def parse_languages(value: str) -> dict[str, str]:
    """`vi, hmn, dao=Tiếng Dao` → {code: label}, in order; Vietnamese always included
    (first when not named). Raises ValueError naming what is wrong."""
    found: dict[str, str] = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        code, _, label = (s.strip() for s in item.partition("="))
        code = code.lower()
        if not _CODE.match(code):
            raise ValueError(f"language code {code!r}: 2 to 8 letters a-z")
        if code in found:
            raise ValueError(f"language {code!r} is named twice")
        label = label or KNOWN.get(code, "")
        if not label:
            raise ValueError(f"language {code!r} needs a label: {code}=Tiếng …")
        found[code] = label
    if VIETNAMESE not in found:
        found = {VIETNAMESE: KNOWN[VIETNAMESE], **found}
    return found
