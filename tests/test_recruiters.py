"""Tests of the licensed-recruiter registry: reading the official list and checking names.

The registry decides whether the bot tells a worker that a recruiter is licensed, so
the tests insist on more than "it finds things": a bad list is rejected whole (with every
problem and its row); ✅ is given only when certain, never to a look-alike of a licensed
name (an extra word, a brand word, a swap, a dropped word, another legal form); and the
short forms workers really type are still recognised. Matching is tested on a realistic
test registry of 500 made-up names built like DOLAB's list
(``tests/data/recruiters/realistic_registry.csv``, written by ``bench/recruiters.py``).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from bench.recruiters import (
    adversarial_lookalikes,
    read_made_up,
    realistic_registry,
    true_short_forms,
    write_csv,
)
from faq.recruiters import (
    LOOKALIKE_MIN_SCORE,
    Recruiter,
    RecruiterMatch,
    RegistryIndex,
    choices,
    decide,
    licence_key,
)
from faq.registry_file import RegistryError, parse_registry

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "faq" / "data" / "recruiters_SAMPLE.csv"
DATA = Path(__file__).parent / "data" / "recruiters"
REALISTIC = DATA / "realistic_registry.csv"
SAMPLE_SOURCE = "DỮ LIỆU MẪU – không phải danh sách chính thức"

VI_HEADER = (
    "Tên doanh nghiệp,Tên viết tắt,Số giấy phép,Ngày cấp,Địa chỉ trụ sở chính,"
    "Tình trạng,Ngày,Nguồn,Ngày danh sách"
)
EN_HEADER = (
    "name,short_name,licence_number,licence_date,address,status,status_date,source,list_date"
)


def write(tmp_path: Path, text: str, name: str = "list.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def recruiter(name: str, licence: str, short: str = "", status: str = "active") -> Recruiter:
    return Recruiter(
        name=name,
        short_name=short,
        licence_number=licence,
        licence_date=None,
        address="",
        status=status,  # type: ignore[arg-type]
        status_date=None,
        source="test",
        list_date=dt.date(2025, 9, 1),
    )


def problems_of(path: Path) -> list[str]:
    with pytest.raises(RegistryError) as caught:
        parse_registry(path)
    return caught.value.problems


@pytest.fixture(scope="module")
def sample_index() -> RegistryIndex:
    return RegistryIndex.build(parse_registry(SAMPLE))


@pytest.fixture(scope="module")
def index() -> RegistryIndex:
    return RegistryIndex.build(parse_registry(REALISTIC))


def verdict(index: RegistryIndex, text: str) -> tuple[str, list[str]]:
    """(verdict, licence numbers shown) for a query."""
    matches = index.lookup(text)
    return decide(matches), [m.recruiter.licence_number for m in choices(matches)]


# --- the shipped sample -------------------------------------------------------------


def test_sample_is_clearly_marked_and_mixed() -> None:
    rows = parse_registry(SAMPLE)
    assert len(rows) == 40
    for row in rows:
        assert "(DỮ LIỆU MẪU)" in row.name or row.name.startswith("MẪU —"), row.name
        assert row.source == SAMPLE_SOURCE
        assert row.licence_number.startswith("MAU-")
        assert row.list_date == dt.date(2025, 9, 1)
    assert {r.status for r in rows} == {"active", "suspended", "revoked"}


# --- parsing ------------------------------------------------------------------------


def test_official_layout_with_bom_semicolons_title_rows_and_vietnamese_values() -> None:
    rows = parse_registry(DATA / "official_layout_bom_semicolon.csv")
    assert [r.licence_number for r in rows] == ["MAU-101/GP", "MAU-102/GP", "MAU-103/GP"]
    first, second, third = rows
    assert first.short_name == "KTM MẪU"
    assert first.licence_date == dt.date(2019, 3, 5)
    assert first.status == "active" and first.status_date is None
    assert second.licence_date == dt.date(2020, 11, 30)
    assert second.status == "suspended" and second.status_date == dt.date(2025, 8, 1)
    assert second.address == "Số 2, phố Mẫu; Huế (DỮ LIỆU MẪU)"
    assert third.status == "revoked" and third.status_date == dt.date(2024, 7, 15)
    assert third.licence_date is None


def test_english_headers_comma_iso_dates(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{EN_HEADER}\n"
        "Công ty TNHH Mẫu Thử (DỮ LIỆU MẪU),,MAU-1/GP,2019-01-02,addr,revoked,2024-05-06,src,"
        "2025-09-01\n",
    )
    [row] = parse_registry(path)
    assert row == Recruiter(
        "Công ty TNHH Mẫu Thử (DỮ LIỆU MẪU)",
        "",
        "MAU-1/GP",
        dt.date(2019, 1, 2),
        "addr",
        "revoked",
        dt.date(2024, 5, 6),
        "src",
        dt.date(2025, 9, 1),
    )


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("Ten DN;So GP;Trang thai;Nguon;Ngay cap nhat", "hoạt động"),
        ("TÊN DOANH NGHIỆP;SỐ GIẤY PHÉP;TÌNH TRẠNG;NGUỒN;NGÀY DANH SÁCH", "ĐÌNH CHỈ"),
        ("Company name;Licence No.;Status;Source;List date", "thu hồi"),
    ],
)
def test_header_variants(tmp_path: Path, header: str, status: str) -> None:
    """Headers are compared folded, with punctuation ignored."""
    path = write(tmp_path, f"{header}\nCông ty Mẫu A;MAU-1/GP;{status};src;01/09/2025\n")
    [row] = parse_registry(path)
    assert row.name == "Công ty Mẫu A" and row.list_date == dt.date(2025, 9, 1)


def test_bracketed_header_notes_and_bare_ngay(tmp_path: Path) -> None:
    """ "(số/ký hiệu)" notes are ignored; "Ngày" alone is the status date."""
    header = "Tên doanh nghiệp (tiếng Việt);Số giấy phép (số/ký hiệu);Tình trạng;Nguồn;Ngày"
    path = write(tmp_path, f"{header}\nCông ty Mẫu A;MAU-1/GP;đình chỉ;src;01/02/2025\n")
    [row] = parse_registry(path, list_date=dt.date(2025, 9, 1))
    assert row.status_date == dt.date(2025, 2, 1) and row.status == "suspended"


def test_semicolon_file_with_comma_heavy_addresses(tmp_path: Path) -> None:
    """The delimiter is the one that yields a header, not the most frequent character."""
    header = "Tên doanh nghiệp;Số giấy phép;Tình trạng;Nguồn;Ngày danh sách;Địa chỉ"
    rows = "".join(
        f"Công ty Mẫu {i};MAU-{i}/GP;active;s;01/09/2025;Số 1, ngõ 2, phố 3, phường 4, tỉnh 5\n"
        for i in range(1, 21)
    )
    parsed = parse_registry(write(tmp_path, f"{header}\n{rows}", bom=True))
    assert len(parsed) == 20 and parsed[0].address == "Số 1, ngõ 2, phố 3, phường 4, tỉnh 5"


def test_source_and_list_date_can_come_from_the_caller(tmp_path: Path) -> None:
    path = write(
        tmp_path, "Tên doanh nghiệp,Số giấy phép,Tình trạng\nCông ty Mẫu A,MAU-1/GP,active\n"
    )
    [row] = parse_registry(path, source="dolab (mẫu)", list_date=dt.date(2025, 1, 2))
    assert (row.source, row.list_date) == ("dolab (mẫu)", dt.date(2025, 1, 2))


def test_xlsx_first_sheet_with_date_cells_and_title(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH (DỮ LIỆU MẪU)"])
    sheet.append(["STT", *VI_HEADER.split(",")])
    sheet.append(
        [1, "Công ty CP Mẫu Excel (DỮ LIỆU MẪU)", "EXM", "MAU-201/GP", dt.datetime(2018, 4, 3),
         "addr", "Đang hoạt động", None, SAMPLE_SOURCE, dt.datetime(2025, 9, 1)]
    )  # fmt: skip
    sheet.append([2, "Công ty TNHH Mẫu Excel Hai", None, 202, "03/04/2018", None, "Thu hồi",
                  "2025-01-01", SAMPLE_SOURCE, "01/09/2025"])  # fmt: skip
    book.create_sheet("other").append(["ignored"])
    path = tmp_path / "list.xlsx"
    book.save(path)
    first, second = parse_registry(path)
    assert first.licence_date == dt.date(2018, 4, 3) and first.short_name == "EXM"
    assert first.list_date == dt.date(2025, 9, 1)
    assert second.licence_number == "202" and second.status == "revoked"
    assert second.status_date == dt.date(2025, 1, 1) and second.address == ""


def test_every_bad_row_is_reported_with_its_row_number(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{VI_HEADER}\n"
        "Công ty Mẫu Tốt,,MAU-1/GP,01/01/2020,,active,,src,01/09/2025\n"  # row 2: fine
        ",,MAU-2/GP,,,active,,src,01/09/2025\n"  # row 3: no name
        "Công ty Mẫu B,,,,,active,,src,01/09/2025\n"  # row 4: no licence
        "Công ty Mẫu C,,MAU-3/GP,31/02/2020,,active,,src,01/09/2025\n"  # row 5: no such date
        "Công ty Mẫu D,,MAU-4/GP,2020/13/45,,active,,src,01/09/2025\n"  # row 6: bad format
        "Công ty Mẫu E,,MAU-5/GP,,,ngừng hoạt động,,src,01/09/2025\n"  # row 7: unknown status
        "Công ty Mẫu F,,mau 001 / gp,,,active,,src,01/09/2025\n"  # row 8: duplicate of row 2
        "Công ty Mẫu G,,MAU-6/GP,,,active,,,01/09/2025\n"  # row 9: no source
        "Công ty Mẫu H,,MAU-7/GP,,,active,,src,\n"  # row 10: no list date
        "Công ty Mẫu I,,không có,,,,,src,01/09/2025\n",  # row 11: no digits, no status
    )
    problems = problems_of(path)
    expected = {
        3: "missing company name",
        4: "missing licence number",
        5: "no such date",
        6: "bad licence date",
        7: "unknown status",
        8: "duplicate licence number",
        9: "missing source",
        10: "missing list date",
        11: "has no digits",
    }
    for row, text in expected.items():
        assert any(p.startswith(f"row {row}:") and text in p for p in problems), (row, problems)
    assert any("row 8:" in p and "row 2" in p for p in problems)  # names the first one
    assert any(p.startswith("row 11:") and "unknown status (empty)" in p for p in problems)
    assert not any(p.startswith("row 2:") for p in problems)
    assert len(problems) == 10


def test_xlsx_problems_use_excel_row_numbers(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Danh sách"])
    sheet.append([])
    sheet.append(EN_HEADER.split(","))
    sheet.append(["Công ty Mẫu A", None, "MAU-1/GP", None, None, "active", None, "s", "2025-09-01"])
    sheet.append(["Công ty Mẫu B", None, "MAU-2/GP", None, None, "closed", None, "s", "2025-09-01"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    [problem] = problems_of(path)
    assert problem.startswith("row 5:") and "'closed'" in problem


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("", "list.csv", "empty file"),
        ("\n;;;\n\n", "list.csv", "empty file"),
        (f"{VI_HEADER}\n", "list.csv", "header but no rows"),
        ("Tên doanh nghiệp,Tình trạng\nCông ty Mẫu,active\n", "list.csv", "licence_number"),
        (
            "Tên doanh nghiệp,Số giấy phép,Nguồn\nCông ty Mẫu,MAU-1/GP,s\n",
            "list.csv",
            "missing required column(s): status, list_date",
        ),
        ("name,licence_number\n", "list.txt", "unknown format '.txt'"),
        ("not a zip", "list.xlsx", "not a readable XLSX"),
    ],
)
def test_file_level_problems(tmp_path: Path, content: str, name: str, message: str) -> None:
    problems = problems_of(write(tmp_path, content, name))
    assert any(message in p for p in problems), problems


def test_duplicate_header_columns_are_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Tên doanh nghiệp,Tên công ty,Số giấy phép,Tình trạng,Nguồn,Ngày danh sách\n"
        "A,A,MAU-1/GP,active,s,01/09/2025\n",
    )
    assert any("both look like 'name'" in p for p in problems_of(path))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(f"{VI_HEADER}\nCông ty".encode("cp1258", errors="replace") + b"\xff\xfe")
    assert any("not UTF-8" in p for p in problems_of(path))


def test_error_message_lists_all_problems() -> None:
    error = RegistryError(["row 2: a", "row 3: b"])
    assert "2 registry problem(s)" in str(error) and "- row 3: b" in str(error)


@pytest.mark.parametrize(
    "typed", ["123/LĐTBXH-GP", "123 LDTBXH GP", "GP 123", "số 123", "gp so 0123", "123"]
)
def test_licence_key(typed: str) -> None:
    assert licence_key(typed) == "123"


# --- the realistic registry -------------------------------------------------------------


def test_committed_registry_is_the_generated_one(tmp_path: Path) -> None:
    """tests/data/recruiters/realistic_registry.csv is `python -m bench.recruiters --write-csv`."""
    write_csv(tmp_path / "list.csv", realistic_registry())
    assert (tmp_path / "list.csv").read_bytes() == REALISTIC.read_bytes()
    rows = parse_registry(REALISTIC)
    assert len(rows) == 500 and {r.status for r in rows} == {"active", "suspended", "revoked"}
    assert all("DỮ LIỆU THỬ" in r.source for r in rows)


def test_sector_words_are_found_in_the_registry(index: RegistryIndex) -> None:
    """Derived by frequency: the shared phrases are sector words, names are not."""
    for phrase in ("nhan luc", "xuat khau lao dong", "quoc te", "viet nam", "thuong mai"):
        assert tuple(phrase.split()) in index.stop_phrases, phrase
    for name in ("song hong", "viet", "hoang", "group"):
        assert tuple(name.split()) not in index.stop_phrases, name


@pytest.mark.parametrize(
    ("typed", "licence"),
    [
        ("cty song hong", "2001/LĐTBXH-GP"),
        ("Sông Hồng", "2001/LĐTBXH-GP"),
        ("CTY CP SONG HONG", "2001/LĐTBXH-GP"),
        ("Sông Hồng JSC", "2001/LĐTBXH-GP"),
        ("cung ung nhan luc song hong", "2001/LĐTBXH-GP"),
        ("cty xkld song hong", "2001/LĐTBXH-GP"),  # every licensee is an "XKLĐ" company
        ("Công ty Cổ phần Cung ứng Nhân lực Sông Hồng", "2001/LĐTBXH-GP"),
        ("songhong", "2001/LĐTBXH-GP"),  # typed together
        ("cty song hongg", "2001/LĐTBXH-GP"),  # a typo that is no syllable
        ("cty tan minh", "2002/LĐTBXH-GP"),
        ("cty tnhh tan minh", "2002/LĐTBXH-GP"),
        ("tan minhf", "2002/LĐTBXH-GP"),  # a Telex key left in
        ("viphuco", "2003/LĐTBXH-GP"),  # the registry's own short name
        ("viet phuc", "2003/LĐTBXH-GP"),
        ("2001/LĐTBXH-GP", "2001/LĐTBXH-GP"),
        ("gp 2001", "2001/LĐTBXH-GP"),
        ("giấy phép số 2001/LĐTBXH-GP", "2001/LĐTBXH-GP"),
    ],
)
def test_true_short_forms_are_certain(index: RegistryIndex, typed: str, licence: str) -> None:
    assert verdict(index, typed) == ("certain", [licence])


@pytest.mark.parametrize(
    ("typed", "licence"),
    [
        ("Song Hong Group", "2001/LĐTBXH-GP"),  # a brand word added
        ("Sông Hồng Land", "2001/LĐTBXH-GP"),
        ("song hong holdings", "2001/LĐTBXH-GP"),
        ("song hong viet", "2001/LĐTBXH-GP"),
        ("Sông Hồng Quốc tế Việt Nam", "2001/LĐTBXH-GP"),
        ("Công ty CP nhân lực quốc tế Sông Hồng", "2001/LĐTBXH-GP"),  # a sector word added
        ("sông hồng nhân lực", "2001/LĐTBXH-GP"),  # sector words in another place
        ("cty hong song", "2001/LĐTBXH-GP"),  # swapped
        ("cty tnhh song hong", "2001/LĐTBXH-GP"),  # another legal form
        ("cty song long", "2001/LĐTBXH-GP"),  # one letter off, but "long" is a word
        ("cong ty tan minh phat", "2002/LĐTBXH-GP"),  # an extra syllable
        ("cty cp tan minh", "2002/LĐTBXH-GP"),
        ("viet phuc land", "2003/LĐTBXH-GP"),
        ("viet phuc nhat", "2003/LĐTBXH-GP"),
        ("cty lien son", "2005/LĐTBXH-GP"),  # one word dropped
    ],
)
def test_lookalikes_are_never_certain(index: RegistryIndex, typed: str, licence: str) -> None:
    result, shown = verdict(index, typed)
    assert result == "lookalike" and licence in shown, (typed, result, shown)


def test_partial_names_of_two_companies_list_both(index: RegistryIndex) -> None:
    """ "Hoàng Liên" is one company (revoked); "Hoàng Liên Sơn" another (suspended)."""
    assert verdict(index, "cty hoang lien") == ("certain", ["2004/LĐTBXH-GP"])
    assert verdict(index, "hoang lien son") == ("certain", ["2005/LĐTBXH-GP"])
    result, shown = verdict(index, "hoang lien son xanh")
    assert result == "lookalike" and shown[0] == "2005/LĐTBXH-GP"
    statuses = {m.recruiter.licence_number: m.recruiter.status for m in index.lookup("hoang lien")}
    assert statuses["2004/LĐTBXH-GP"] == "revoked" and statuses["2005/LĐTBXH-GP"] == "suspended"


def test_same_distinctive_name_twice_is_a_choice(index: RegistryIndex) -> None:
    rows = [
        *parse_registry(REALISTIC),
        recruiter("Công ty Cổ phần Nhân lực Hoà Bình Xanh", "9001/LĐTBXH-GP"),
        recruiter("Công ty TNHH Thương mại Hòa Bình Xanh", "9002/LĐTBXH-GP"),
    ]
    both = RegistryIndex.build(rows)
    result, shown = verdict(both, "cty hoa binh xanh")
    assert result == "choose" and set(shown) == {"9001/LĐTBXH-GP", "9002/LĐTBXH-GP"}
    assert verdict(both, "nhan luc hoa binh xanh") == ("certain", ["9001/LĐTBXH-GP"])
    assert verdict(both, "cty tnhh hoa binh xanh") == ("certain", ["9002/LĐTBXH-GP"])


@pytest.mark.parametrize(
    "typed", ["123/LĐTBXH-GP", "123 LDTBXH GP", "GP 123", "gp so 123", "123", "số 0123/GP"]
)
def test_licence_number_forms(typed: str) -> None:
    index = RegistryIndex.build(
        [
            recruiter("Công ty TNHH Thử Một", "123/LĐTBXH-GP"),
            recruiter("Công ty TNHH Thử Hai", "1234/LĐTBXH-GP"),
            recruiter("Công ty TNHH Thử Ba", "23/LĐTBXH-GP"),
        ]
    )
    assert verdict(index, typed) == ("certain", ["123/LĐTBXH-GP"])


def test_same_number_from_two_authorities_is_a_choice() -> None:
    index = RegistryIndex.build(
        [recruiter("Công ty Thử Một", "123/LĐTBXH-GP"), recruiter("Công ty Thử Hai", "123/BNV-GP")]
    )
    # The ministry's letters are not part of the number (the list refuses such twins).
    assert verdict(index, "gp 123")[0] == "choose"
    assert verdict(index, "123/BNV-GP")[0] == "choose"
    assert index.lookup("cong ty 123") == []  # a number next to other words is not a licence


def test_made_up_names_are_never_certain(index: RegistryIndex) -> None:
    names = [q.text for q in read_made_up(realistic_registry())]
    assert len(names) >= 45
    results = {n: verdict(index, n)[0] for n in names}
    assert {n: v for n, v in results.items() if v in ("certain", "choose")} == {}
    assert list(results.values()).count("none") >= len(names) // 2


def test_benchmark_no_false_tick_and_recall_of_short_forms() -> None:
    """The figures of `python -m bench.recruiters`: 0 false ✅, >= 95% of short forms."""
    companies = realistic_registry()
    index = RegistryIndex.build([c.recruiter for c in companies])

    def ticks(text: str) -> list[str]:
        matches = index.lookup(text)
        if decide(matches) not in ("certain", "choose"):
            return []
        return [m.recruiter.licence_number for m in matches if m.certain]

    false = [q.text for q in adversarial_lookalikes(companies) if ticks(q.text)]
    assert false == []
    positives = true_short_forms(companies)
    right = sum(ticks(q.text) == [q.expected] for q in positives)
    assert right / len(positives) >= 0.95


def test_lookup_is_fast(index: RegistryIndex) -> None:
    queries = [q.text for q in true_short_forms(realistic_registry())[::20]]
    timings = []
    for _ in range(3):
        for q in queries:
            start = time.perf_counter()
            index.lookup(q)
            timings.append(time.perf_counter() - start)
    timings.sort()
    assert statistics.median(timings) < 0.005
    assert timings[int(0.99 * (len(timings) - 1))] < 0.03  # generous: CI machines are slow


# --- the shipped sample ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected", "licence"),
    [
        ("cty song hong", "certain", "MAU-001/GP"),
        ("Công ty CP nhân lực quốc tế Sông Hồng", "lookalike", "MAU-001/GP"),
        ("Song Hong Group", "lookalike", "MAU-001/GP"),
        ("cty tan minh", "lookalike", "MAU-004/GP"),
        ("tan minh son", "certain", "MAU-004/GP"),
        ("viet phuc land", "lookalike", "MAU-005/GP"),
        ("viphuco", "certain", "MAU-005/GP"),
        ("mau 1", "certain", "MAU-001/GP"),
        ("hoang long viet nhat", "lookalike", "MAU-032/GP"),
    ],
)
def test_sample_names(sample_index: RegistryIndex, typed: str, expected: str, licence: str) -> None:
    result, shown = verdict(sample_index, typed)
    assert result == expected and licence in shown, (typed, result, shown)


# --- decision rule -------------------------------------------------------------------


def matches(*scores: float, certain: int = 0) -> Sequence[RecruiterMatch]:
    return [
        RecruiterMatch(recruiter(f"Công ty Thử {i}", f"T-{i}/GP"), s, i < certain)
        for i, s in enumerate(scores)
    ]


def test_decide_and_choices() -> None:
    assert decide([]) == "none"
    assert decide(matches(LOOKALIKE_MIN_SCORE - 0.1)) == "none"
    assert decide(matches(LOOKALIKE_MIN_SCORE)) == "lookalike"
    assert decide(matches(100.0)) == "lookalike"  # a high score alone is never a tick
    assert decide(matches(100.0, 90.0, certain=1)) == "certain"
    assert decide(matches(100.0, 100.0, certain=2)) == "choose"
    assert [m.score for m in choices(matches(100.0, 95.0, certain=1))] == [100.0]
    assert [m.score for m in choices(matches(95.0, 85.0, 79.0, 76.0, 60.0))] == [95.0, 85.0]
    assert len(choices(matches(90.0, 89.0, 88.0, 87.0, 86.0))) == 3
    assert choices([]) == []


def test_recruiter_is_frozen() -> None:
    row = recruiter("A", "1")
    with pytest.raises(AttributeError):
        row.name = "B"  # type: ignore[misc]
