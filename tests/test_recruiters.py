"""Tests of the licensed-recruiter registry: parsing the official list and matching names.

The registry decides whether the bot tells a worker that a recruiter is
licensed, so the tests insist on two things beyond "it finds things":
a bad list is rejected whole (with every problem and its row), and a
made-up name is never reported as found.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from bench.recruiters import MADE_UP, MISSPELLED, read_queries, synthetic_registry
from faq.recruiters import (
    CHOOSE_MIN_SCORE,
    FOUND_MARGIN,
    FOUND_MIN_SCORE,
    Recruiter,
    RecruiterMatch,
    RegistryError,
    RegistryIndex,
    choices,
    decide,
    licence_key,
    name_parts,
    parse_registry,
)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "faq" / "data" / "recruiters_SAMPLE.csv"
DATA = Path(__file__).parent / "data" / "recruiters"
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
def big_index() -> RegistryIndex:
    return RegistryIndex.build([*synthetic_registry(), *parse_registry(SAMPLE)])


def top(index: RegistryIndex, text: str) -> tuple[str, str, bool]:
    """(licence of the best match, decision, exact) for a query."""
    matches = index.lookup(text)
    assert matches, text
    return matches[0].recruiter.licence_number, decide(matches), matches[0].exact


# --- the shipped sample -------------------------------------------------------------


def test_sample_is_clearly_marked_and_mixed() -> None:
    rows = parse_registry(SAMPLE)
    assert len(rows) == 20
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


# --- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "core"),
    [
        ("Công ty Cổ phần Mẫu Sông Hồng Nhân Lực (DỮ LIỆU MẪU)", ("song", "hong")),
        ("cty cp song hong", ("song", "hong")),
        ("CTCP XKLĐ Tân Minh Sơn", ("tan", "minh", "son")),
        ("Công ty TNHH MTV TM & DV Bình An Phát", ("binh", "an", "phat")),
        ("Hoang Long Manpower JSC", ("hoang", "long")),
        ("ABC Co., Ltd", ("abc",)),
        # generic words are kept when they are the only distinctive part
        ("Công ty CP Đầu tư Quốc tế Việt Nam", ("dau", "tu", "quoc", "te", "viet", "nam")),
        ("Công ty TNHH Thành Công", ("thanh", "cong")),
    ],
)
def test_name_parts(text: str, core: tuple[str, ...]) -> None:
    assert name_parts(text)[0] == core


def test_query_filler_is_dropped() -> None:
    assert name_parts("cho em hỏi cty Bình An Phát có uy tín không ạ", query=True)[0] == (
        "binh",
        "an",
        "phat",
        "a",
    )  # the trailing "ạ" is optional when scoring
    assert name_parts("ct hoang long", query=True)[0] == ("hoang", "long")
    assert name_parts("T.M.S", query=True)[0] == ("tms",)


@pytest.mark.parametrize(
    "typed", ["123/LĐTBXH-GP", "123 LDTBXH GP", "GP 123", "số 123", "gp so 0123", "123"]
)
def test_licence_key(typed: str) -> None:
    assert licence_key(typed) == "123"


# --- lookups on the sample -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "cty song hong",
        "cong ty co phan mau song hong nhan luc",
        "Công ty Cổ phần Mẫu Sông Hồng Nhân Lực (DỮ LIỆU MẪU)",
        "CTY CP SONG HONG XKLD",
        "SÔNG HỒNG JSC",
        "cho em hoi cty song hong co uy tin ko a",
    ],
)
def test_sample_name_without_diacritics_is_found(sample_index: RegistryIndex, typed: str) -> None:
    assert top(sample_index, typed) == ("MAU-001/GP", "found", True)


@pytest.mark.parametrize(
    ("typed", "licence"),
    [
        ("hoang lien son", "MAU-003/GP"),  # 3 of 4 syllables
        ("hung long", "MAU-019/GP"),  # 2 of 3
        ("thai binh duong", "MAU-018/GP"),
        ("kim ngan xkld", "MAU-011/GP"),
        ("cty dau tu quoc te viet nam", "MAU-017/GP"),  # all-generic name
        ("dau tu quoc te truong giang", "MAU-007/GP"),
        ("tanminhson", "MAU-004/GP"),  # typed together
        ("dong a xanh", "MAU-008/GP"),
    ],
)
def test_partial_and_generic_names_are_found(
    sample_index: RegistryIndex, typed: str, licence: str
) -> None:
    assert top(sample_index, typed)[:2] == (licence, "found")


@pytest.mark.parametrize(
    ("typed", "licence", "decision"),
    [
        ("viphuco", "MAU-005/GP", "found"),  # official short name
        ("TGI", "MAU-007/GP", "found"),
        ("cty cp QMT", "MAU-016/GP", "found"),
        ("TMS", "MAU-004/GP", "choose"),  # initials: confirmed by a button
        ("T.M.S", "MAU-004/GP", "choose"),
    ],
)
def test_abbreviations(
    sample_index: RegistryIndex, typed: str, licence: str, decision: str
) -> None:
    assert top(sample_index, typed)[:2] == (licence, decision)


@pytest.mark.parametrize(
    "typed", ["MAU-001/GP", "mau 001", "MAU001", "gp mau-001", "số MAU-001/GP", "Mẫu 1"]
)
def test_sample_licence_forms(sample_index: RegistryIndex, typed: str) -> None:
    assert top(sample_index, typed) == ("MAU-001/GP", "found", True)


@pytest.mark.parametrize(
    "typed", ["123/LĐTBXH-GP", "123 LDTBXH GP", "GP 123", "gp so 123", "123", "số 0123/GP"]
)
def test_licence_number_forms(typed: str) -> None:
    index = RegistryIndex.build(
        [
            recruiter("Công ty TNHH Mẫu Một (DỮ LIỆU MẪU)", "123/LĐTBXH-GP"),
            recruiter("Công ty TNHH Mẫu Hai (DỮ LIỆU MẪU)", "1234/LĐTBXH-GP"),
            recruiter("Công ty TNHH Mẫu Ba (DỮ LIỆU MẪU)", "23/LĐTBXH-GP"),
        ]
    )
    assert top(index, typed) == ("123/LĐTBXH-GP", "found", True)
    assert len([m for m in index.lookup(typed) if m.exact]) == 1


def test_same_number_from_two_authorities_is_a_choice() -> None:
    index = RegistryIndex.build(
        [
            recruiter("Công ty Mẫu Một", "123/LĐTBXH-GP"),
            recruiter("Công ty Mẫu Hai", "123/BNV-GP"),
        ]
    )
    matches = index.lookup("gp 123")
    assert decide(matches) == "choose" and all(m.exact for m in matches)
    assert top(index, "123/BNV-GP")[0] == "123/BNV-GP"
    assert index.lookup("cong ty 123") == []  # a number next to other words is not a licence


@pytest.mark.parametrize(
    ("typed", "licence"),
    [
        ("tan minh sn", "MAU-004/GP"),
        ("cty xkld kim ngn", "MAU-011/GP"),
        ("cong ty cp song hongg", "MAU-001/GP"),
        ("lam son thuyr", "MAU-013/GP"),  # a Telex key left in
    ],
)
def test_typos_are_offered_as_a_choice(
    sample_index: RegistryIndex, typed: str, licence: str
) -> None:
    assert top(sample_index, typed)[:2] == (licence, "choose")


@pytest.mark.parametrize(
    ("typed", "licences"),
    [
        ("phu", {"MAU-009/GP", "MAU-010/GP"}),  # Phú Thịnh / Phú Thành
        ("cty hoang", {"MAU-002/GP", "MAU-003/GP"}),
    ],
)
def test_ambiguous_names_give_a_choice(
    typed: str, licences: set[str], sample_index: RegistryIndex
) -> None:
    matches = sample_index.lookup(typed)
    assert decide(matches) == "choose"
    assert {m.recruiter.licence_number for m in choices(matches)} == licences


def test_exact_name_beats_a_longer_one(sample_index: RegistryIndex) -> None:
    """ "Hoàng Liên" is registered as typed: found, with "Hoàng Liên Sơn Xanh" next."""
    matches = sample_index.lookup("cty hoang lien")
    assert decide(matches) == "found" and matches[0].exact
    assert [m.recruiter.licence_number for m in matches[:2]] == ["MAU-002/GP", "MAU-003/GP"]


def test_same_distinctive_name_twice_is_a_choice() -> None:
    index = RegistryIndex.build(
        [
            recruiter("Công ty CP Nhân lực Mẫu Hoà Bình", "MAU-1/GP"),
            recruiter("Công ty TNHH Thương mại Mẫu Hòa Bình", "MAU-2/GP"),
        ]
    )
    matches = index.lookup("hoa binh nhan luc")
    assert decide(matches) == "choose"
    assert matches[0].recruiter.licence_number == "MAU-1/GP"  # the typed generic word breaks ties


@pytest.mark.parametrize(
    "typed",
    [
        "Hoàng Liên Sơn Xanh Mới",  # a licensed name plus a word: another company
        "song hong xanh",
        "hoang long phat",
        "minh phat",
        "lien hoang",  # syllables swapped
        "xkld",
        "công ty cổ phần",
        "",
        "???",
    ],
)
def test_near_and_empty_names_are_not_found(sample_index: RegistryIndex, typed: str) -> None:
    assert decide(sample_index.lookup(typed)) != "found"


def made_up_names() -> list[str]:
    return [q.text for q in read_queries(MADE_UP)]


def test_made_up_names_give_none_on_the_sample(sample_index: RegistryIndex) -> None:
    names = [*made_up_names(), "cty tnhh mtv quang huy", "xkld nhat han", "cty cp an khang"]
    assert len(names) >= 50
    wrong = {n: decide(sample_index.lookup(n)) for n in names}
    assert {n: d for n, d in wrong.items() if d != "none"} == {}


def test_made_up_names_on_a_thousand_companies(big_index: RegistryIndex) -> None:
    """Never "found"; "choose" only for the few that nearly collide with a synthetic name."""
    decisions = [decide(big_index.lookup(n)) for n in made_up_names()]
    assert "found" not in decisions
    assert decisions.count("none") / len(decisions) >= 0.85


def test_bench_queries_rank_the_right_company_first(big_index: RegistryIndex) -> None:
    queries = read_queries(MISSPELLED)
    assert len(queries) == 50
    top3 = [
        q
        for q in queries
        if q.expected in [m.recruiter.licence_number for m in big_index.lookup(q.text)[:3]]
    ]
    assert len(top3) >= 48


def test_lookup_is_fast_on_a_thousand_companies(big_index: RegistryIndex) -> None:
    queries = [q.text for q in read_queries(MISSPELLED)] + made_up_names()
    timings = []
    for _ in range(5):
        for q in queries:
            start = time.perf_counter()
            big_index.lookup(q)
            timings.append(time.perf_counter() - start)
    timings.sort()
    assert statistics.median(timings) < 0.005
    assert timings[int(0.99 * (len(timings) - 1))] < 0.015  # generous: CI machines are slow


def test_limit_and_order(big_index: RegistryIndex) -> None:
    matches = big_index.lookup("minh", limit=3)
    assert len(matches) == 3
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


# --- decision rule -------------------------------------------------------------------


def matches(*scores: float) -> Sequence[RecruiterMatch]:
    return [
        RecruiterMatch(recruiter(f"Công ty Mẫu {i}", f"MAU-{i}/GP"), s, s == 100.0)
        for i, s in enumerate(scores)
    ]


def test_decide_thresholds() -> None:
    assert decide([]) == "none"
    assert decide(matches(CHOOSE_MIN_SCORE - 0.1)) == "none"
    assert decide(matches(CHOOSE_MIN_SCORE)) == "choose"
    assert decide(matches(FOUND_MIN_SCORE)) == "found"
    assert decide(matches(100.0, 100.0 - FOUND_MARGIN)) == "found"
    assert decide(matches(100.0, 100.0 - FOUND_MARGIN + 0.1)) == "choose"
    assert decide(matches(100.0, 100.0)) == "choose"


def test_choices_keep_only_close_candidates() -> None:
    """Buttons: at least CHOOSE_MIN_SCORE and within CHOOSE_WINDOW (15) of the best."""
    assert [m.score for m in choices(matches(95.0, 90.0, 79.0, 60.0))] == [95.0, 90.0]
    assert [m.score for m in choices(matches(85.0, 79.0, 77.0))] == [85.0, 79.0]
    assert choices([]) == []


def test_recruiter_is_frozen() -> None:
    row = recruiter("A", "1")
    with pytest.raises(AttributeError):
        row.name = "B"  # type: ignore[misc]
