"""The 54 ethnic groups of Vietnam, matched from what users type.

Source of the list, the order (the official codes 01-54) and the other names:
"Danh mục các dân tộc Việt Nam", Tổng cục Thống kê, Quyết định 121-TCTK/PPCĐ
(2/3/1979), reissued with Quyết định 1019/QĐ-TCTK (12/11/2008), the list the
population censuses use. The stored value is the name in that list in its
current everyday spelling ("Mông" for "H'mông", "Khmer" for "Khơ-me",
hyphens dropped, e.g. "Gia Rai"), because that is how staff write it.

Alternative names listed in the same Danh mục ("Tên khác") are accepted as
input and stored under the official name, including "Mèo"/"Mẹo" for Mông and
"Mán" for Dao: those exonyms are considered disrespectful, so they are only
ever read, never shown. "Xá Phó" is a name of the Phù Lá, not a separate
group; "Cao Lan" and "Sán Chỉ" belong to Sán Chay; "Thổ" is its own group
(21), not Tày. Names shared by two groups in the Danh mục ("Xá Khao", "Hoa"
as a Mông subgroup) are left out rather than guessed.

:data:`COMMON_BY_PROVINCE` lists the groups to offer as buttons, by number of
people, from the 2019 census (Tổng cục Thống kê, "Kết quả toàn bộ Tổng điều
tra dân số và nhà ở năm 2019", population by ethnic group and province),
with the old provinces merged as from 1 July 2025 (e.g. Lào Cai = Lào Cai +
Yên Bái).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from rapidfuzz import fuzz, process

from faq.normalize import fold

__all__ = ["COMMON_BY_PROVINCE", "ETHNIC_GROUPS", "find_ethnicity"]

# (official name, other names) in the order of the official codes 01..54.
_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Kinh", ("Việt", "người Kinh")),
    ("Tày", ("Ngạn", "Phén", "Thù Lao", "Pa Dí")),
    ("Thái", ("Thai", "Tày Khao", "Tày Đăm", "Thái Trắng", "Thái Đen", "Tày Mười", "Tày Thanh",
              "Hàng Tổng", "Pa Thay", "Thổ Đà Bắc")),
    ("Mường", ("Mol", "Mual", "Mọi Bi", "Ao Tá")),
    ("Khmer", ("Khơ Me", "Khome", "Khơ Me Krôm", "Cur", "Cul", "Việt gốc Miên")),
    ("Hoa", ("Hán", "Triều Châu", "Phúc Kiến", "Quảng Đông", "Hải Nam", "Xạ Phạng", "Hẹ")),
    ("Nùng", ("Nùng Xuồng", "Nùng Giang", "Nùng An", "Nùng Inh", "Nùng Phàn Slinh",
              "Nùng Cháo", "Nùng Lòi", "Quy Rin", "Khèn Lài")),
    ("Mông", ("H'Mông", "Hmông", "Hmong", "H'mong", "Mong", "Mèo", "Mẹo", "Mèo Xanh", "Mèo Đỏ",
              "Mèo Đen", "Mông Hoa", "Mông Đen", "Mông Trắng", "Mông Đỏ", "Mông Xanh",
              "Ná Mẻo", "Mán Trắng")),
    ("Dao", ("Giao", "Mán", "Dao Đỏ", "Dao Tiền", "Dao Quần Trắng", "Dao Quần Chẹt",
             "Dao Thanh Y", "Dao Lô Gang", "Dao Lan Tẻn", "Đại Bản", "Tiểu Bản", "Cóc Ngáng",
             "Cóc Mùn", "Sơn Đầu", "Kìm Miền", "Kìm Mùn")),
    ("Gia Rai", ("Giơ Rai", "Jrai", "Chơ Rai", "Tơ Buăn")),
    ("Ê Đê", ("Êđê", "Ede", "Ra Đê", "Rhađê", "Kpa", "Mđhur", "Bih")),
    ("Ba Na", ("Bahnar", "Gơ Lar", "Tơ Lô", "Giơ Lâng", "Rơ Ngao", "Krem", "Roh", "Kpăng Công")),
    ("Sán Chay", ("Cao Lan", "Sán Chỉ", "Mán Cao Lan", "Hờn Bạn")),
    ("Chăm", ("Chàm", "Chiêm Thành", "Chăm Hroi")),
    ("Cơ Ho", ("Kơ Ho", "K'Ho", "Koho", "Xrê", "Nốp", "Cơ Don", "Chil", "Lát", "Tring")),
    ("Xơ Đăng", ("Xê Đăng", "Sedang", "Xơ Teng", "Tơ Đrá", "Mơ Nâm", "Ca Dong", "Hà Lăng")),
    ("Sán Dìu", ("Sán Déo", "Trại", "Trại Đất", "Mán Quần Cộc")),
    ("Hrê", ("H're", "Chăm Rê", "Chom", "Lùy")),
    ("Ra Glai", ("Raglai", "Ra Clây", "Rai", "Noang", "La Oang")),
    ("Mnông", ("M'Nông", "Mơ Nông", "Pnông", "Pré", "Bu Đâng", "Preh", "Biat")),
    ("Thổ", ("Kẹo", "Mọn", "Cuối", "Đan Lai", "Ly Hà", "Tày Poọng")),
    ("Xtiêng", ("Stiêng", "Xa Điêng", "Bù Lơ", "Bù Đek", "Bù Biêk")),
    ("Khơ Mú", ("Khmu", "Kho Mu", "Xá Cẩu", "Mứn Xen", "Pu Thênh", "Tềnh", "Tày Hay")),
    ("Bru Vân Kiều", ("Bru", "Vân Kiều", "Bru - Vân Kiều", "Măng Coong", "Tri", "Khùa")),
    ("Cơ Tu", ("Ca Tu", "Katu")),
    ("Giáy", ("Nhắng", "Dẩng", "Pầu Thìn", "Pu Nà", "Cùi Chu", "Giay", "Dáy")),
    ("Tà Ôi", ("Tôi Ôi", "Pa Cô", "Pa Hy", "Ba Hi", "Pa Kô")),
    ("Mạ", ("Châu Mạ", "Mạ Ngăn", "Mạ Xóp", "Mạ Tô", "Mạ Krung")),
    ("Giẻ Triêng", ("Giẻ", "Triêng", "Đgiéh", "Ta Riêng", "Ve", "Veh", "La Ve", "Bnoong")),
    ("Co", ("Cor", "Col", "Cùa", "Trầu")),
    ("Chơ Ro", ("Châu Ro", "Dơ Ro", "Chro")),
    ("Xinh Mun", ("Puộc", "Pụa")),
    ("Hà Nhì", ("U Ni", "Xá U Ni", "Hà Nhì Già", "Ha Nhi")),
    ("Chu Ru", ("Chơ Ru", "Chu")),
    ("Lào", ("Lào Bốc", "Lào Nọi", "Phu Thay", "Phu Lào")),
    ("La Chí", ("Cù Tê", "La Quả")),
    ("Kháng", ("Xá Dón", "Xá Dẩng", "Xá Hốc", "Xá Ái", "Xá Bung", "Quảng Lâm")),
    ("Phù Lá", ("Xá Phó", "Bồ Khô Pạ", "Mú Dí Pạ", "Phổ", "Va Xơ", "Phu La")),
    ("La Hủ", ("Pu Đang", "Khù Xung", "Cò Xung", "Khả Quy")),
    ("La Ha", ("Khlá Phlạo",)),
    ("Pà Thẻn", ("Pà Hưng", "Tống", "Pa Then")),
    ("Lự", ("Lừ", "Nhuồn", "Duồn")),
    ("Ngái", ("Xín", "Đản", "Khách Gia")),
    ("Chứt", ("Rục", "Sách", "Mày", "A Rem", "Mã Liềng")),
    ("Lô Lô", ("Mun Di", "Lolo")),
    ("Mảng", ("Mảng Ư", "Xá Lá Vàng")),
    ("Cơ Lao", ("Co Lao",)),
    ("Bố Y", ("Chủng Chá", "Trọng Gia", "Tu Dí", "Tu Din")),
    ("Cống", ("Xắm Khống", "Mấng Nhé", "Xá Xeng")),
    ("Si La", ("Cù Dề Xừ", "Khả Pẻ")),
    ("Pu Péo", ("Ka Pèo", "Pen Ti Lô Lô")),
    ("Rơ Măm", ("Romam",)),
    ("Brâu", ("Brao",)),
    ("Ơ Đu", ("Tày Hạt", "O Du")),
)  # fmt: skip

ETHNIC_GROUPS: tuple[str, ...] = tuple(name for name, _ in _GROUPS)

# Groups to offer as buttons, most numerous first (2019 census, merged
# provinces); the user can always type another one.
COMMON_BY_PROVINCE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # Lào Cai + Yên Bái
        "Lào Cai": ("Kinh", "Mông", "Tày", "Dao", "Thái", "Giáy", "Nùng", "Hà Nhì", "Phù Lá",
                    "Mường"),
        # Hà Giang + Tuyên Quang
        "Tuyên Quang": ("Tày", "Mông", "Kinh", "Dao", "Nùng", "Sán Chay", "Giáy", "Lô Lô",
                        "Pà Thẻn", "Sán Dìu"),
        "Lai Châu": ("Thái", "Mông", "Kinh", "Dao", "Hà Nhì", "Giáy", "Lự", "La Hủ", "Khơ Mú",
                     "Cống", "Mảng", "Si La"),
        "Điện Biên": ("Thái", "Mông", "Kinh", "Khơ Mú", "Dao", "Hà Nhì", "Lào", "Cống", "Si La"),
        "Sơn La": ("Thái", "Kinh", "Mông", "Mường", "Dao", "Xinh Mun", "Khơ Mú", "La Ha",
                   "Kháng", "Lào"),
        "Cao Bằng": ("Tày", "Nùng", "Mông", "Dao", "Kinh", "Sán Chay", "Lô Lô"),
        # Bắc Kạn + Thái Nguyên
        "Thái Nguyên": ("Kinh", "Tày", "Nùng", "Dao", "Sán Dìu", "Mông", "Sán Chay", "Hoa"),
        "Lạng Sơn": ("Nùng", "Tày", "Kinh", "Dao", "Sán Chay", "Mông", "Hoa"),
    }
)  # fmt: skip

_NON_WORD_RE = re.compile(r"[^a-z0-9 ]+")
_WS_RE = re.compile(r"\s+")
_PREFIX_WORDS = ("dan toc", "nguoi", "toc", "dt")


def _key(text: str) -> str:
    """Folded, without punctuation or apostrophes: "H'Mông" -> "hmong", "Ê-đê" -> "e de"."""
    folded = fold(text).replace("'", "").replace("’", "")
    return _WS_RE.sub(" ", _NON_WORD_RE.sub(" ", folded)).strip()


@cache
def _index() -> tuple[tuple[str, ...], tuple[str, ...], Mapping[str, str]]:
    """Keys (with and without spaces) pointing at official names; built once."""
    table: dict[str, str] = {}
    for name, others in _GROUPS:
        for spelling in (name, *others):
            for key in (_key(spelling), _key(spelling).replace(" ", "")):
                table.setdefault(key, name)
    keys = tuple(table)
    return keys, tuple(table[k] for k in keys), MappingProxyType(table)


def find_ethnicity(text: str, limit: int = 3) -> list[tuple[str, float]]:
    """Official ethnic group names matching ``text``, best first, with a 0-100 score.

    Diacritics, hyphens, apostrophes, case and a leading "dân tộc"/"người"
    do not matter; a typo still matches through fuzzy scoring. An exact
    spelling (official or other name) scores 100 and comes alone first.
    """
    if not text or len(text) > 100 or limit <= 0:
        return []
    key = _key(text)
    for prefix in _PREFIX_WORDS:
        if key.startswith(prefix + " "):
            key = key[len(prefix) + 1 :]
            break
    if not key:
        return []
    keys, names, table = _index()
    exact = table.get(key) or table.get(key.replace(" ", ""))
    result: list[tuple[str, float]] = [(exact, 100.0)] if exact else []
    cutoff = 75.0 if len(key) > 3 else 85.0
    for _, score, i in process.extract(
        key, keys, scorer=fuzz.ratio, limit=limit * 6, score_cutoff=cutoff
    ):
        name = names[i]
        if all(name != seen for seen, _ in result):
            result.append((name, round(float(score), 1)))
    return result[:limit]
