"""Registration export: the workbook and CSV staff open in Excel, built from rows in memory."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from db.models import Registration
from handlers.registration import export
from handlers.registration.export import (
    EXPORT_COLUMNS,
    PERSONAL_HEADERS,
    SHEET_NAME,
    export_rows,
    to_csv,
    to_xlsx,
    vietnam_time,
)
from handlers.registration.submit import STATUS_LABELS

HEADERS = [
    "Mã hồ sơ",
    "Ngày đăng ký",
    "Trạng thái",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số điện thoại",
    "Tỉnh/thành phố",
    "Xã/phường",
    "Địa chỉ cũ (căn cước)",
    "Thôn/bản, tổ",
    "Dân tộc",
    "Học vấn",
    "Nước muốn đi",
    "Ngoại ngữ",
    "Đã đi nước ngoài",
    "Muốn vay vốn",
    "Ghi chú",
    "Người giới thiệu",
    "Cần kiểm tra",
]
COL = {header: index for index, header in enumerate(HEADERS)}
REFERRERS = {1: "Lò Văn Páo (trưởng bản)", 2: "Hoàng Thị Mai"}


def make_registration(**overrides: Any) -> Registration:
    values: dict[str, Any] = {
        "code": "LC-2026-00001",
        "status": "moi",
        "full_name": "Lò Thị Hoa",
        "birth_date": date(2000, 3, 9),
        "birth_year": 2000,
        "gender": "Nữ",
        "phone": "0912345678",
        "province_name": "Lào Cai",
        "commune_name": "Xã Bản Xèo",
        "village": "Bản Pho",
        "ethnicity": "Mông",
        "schooling": "Lớp 9",
        "market": "Hàn Quốc",
        "language_level": "Chưa biết",
        "worked_abroad": "Chưa",
        "loan_wish": "Có",
        "note": "Gọi sau 17 giờ",
        # 18:30 UTC is 01:30 the next day in Vietnam: the date changes too.
        "created_at": datetime(2026, 5, 31, 18, 30),
        "updated_at": datetime(2026, 5, 31, 18, 30),
        "referrer_id": 1,
        "anonymised_at": None,
    }
    values.update(overrides)
    return Registration(**values)


def open_sheet(data: bytes) -> Worksheet:
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [SHEET_NAME]
    return workbook[SHEET_NAME]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --- columns ----------------------------------------------------------------------------
def test_columns_are_the_vietnamese_headers_in_order() -> None:
    assert [header for header, _ in EXPORT_COLUMNS] == HEADERS
    assert all(callable(getter) for _, getter in EXPORT_COLUMNS)
    assert PERSONAL_HEADERS <= set(HEADERS)


def test_row_values_are_typed_and_labelled() -> None:
    [row] = export_rows([make_registration()], REFERRERS)
    assert row[COL["Mã hồ sơ"]] == "LC-2026-00001"
    assert row[COL["Ngày đăng ký"]] == datetime(2026, 6, 1, 1, 30)
    assert row[COL["Trạng thái"]] == STATUS_LABELS["moi"] == "mới"
    assert row[COL["Ngày sinh"]] == date(2000, 3, 9)
    assert row[COL["Số điện thoại"]] == "0912345678"
    assert row[COL["Người giới thiệu"]] == "Lò Văn Páo (trưởng bản)"


def test_birth_year_is_shown_when_the_date_is_unknown() -> None:
    [row] = export_rows([make_registration(birth_date=None, birth_year=1995)], REFERRERS)
    assert row[COL["Ngày sinh"]] == 1995


def test_missing_referrer_status_and_empty_text_give_empty_cells() -> None:
    registrations = [
        make_registration(referrer_id=None, status=None, note=""),
        make_registration(referrer_id=99, status="ma_moi"),  # unknown referrer, new status
    ]
    first, second = export_rows(registrations, REFERRERS)
    assert first[COL["Người giới thiệu"]] is None
    assert first[COL["Trạng thái"]] is None
    assert first[COL["Ghi chú"]] is None
    assert second[COL["Người giới thiệu"]] is None
    assert second[COL["Trạng thái"]] == "ma_moi"  # shown, so staff notice it


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 1, 1, 0, 0), datetime(2026, 1, 1, 7, 0)),
        (datetime(2025, 12, 31, 17, 0), datetime(2026, 1, 1, 0, 0)),
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), datetime(2026, 7, 1, 19, 0)),
        (
            datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=9))),
            datetime(2026, 7, 1, 10, 0),
        ),
        (None, None),
    ],
)
def test_vietnam_time(moment: datetime | None, expected: datetime | None) -> None:
    assert vietnam_time(moment) == expected


def test_anonymised_registration_keeps_only_statistical_columns() -> None:
    gone = make_registration(anonymised_at=datetime(2026, 6, 2), note="Số nhà 5")
    [row] = export_rows([gone], REFERRERS)
    for header in PERSONAL_HEADERS:
        assert row[COL[header]] is None, header
    for header in ("Mã hồ sơ", "Trạng thái", "Xã/phường", "Nước muốn đi", "Ngày đăng ký"):
        assert row[COL[header]] is not None, header
    assert {"Họ và tên", "Số điện thoại", "Ngày sinh", "Thôn/bản, tổ"} <= PERSONAL_HEADERS


def test_anonymised_registration_leaks_nothing_into_either_file() -> None:
    gone = make_registration(
        anonymised_at=datetime(2026, 6, 2), full_name="Giàng A Sử", phone="0987654321"
    )
    for data in (to_csv([gone], REFERRERS), to_xlsx([gone], REFERRERS, "Danh sách")):
        raw = data if data.startswith(b"\xef\xbb\xbf") else _xlsx_xml(data)
        assert "Giàng A Sử".encode() not in raw
        assert b"0987654321" not in raw


def _xlsx_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


# --- XLSX -------------------------------------------------------------------------------
def test_xlsx_opens_with_headers_rows_and_layout() -> None:
    registrations = [
        make_registration(),
        make_registration(code="LC-2026-00002", phone="0398765432"),
    ]
    sheet = open_sheet(to_xlsx(registrations, REFERRERS, "Danh sách đăng ký tháng 5/2026"))
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert len(rows) == 3
    assert rows[1][COL["Họ và tên"]] == "Lò Thị Hoa"
    assert rows[2][COL["Mã hồ sơ"]] == "LC-2026-00002"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:T3"
    assert all(cell.font.bold for cell in sheet[1])


def test_xlsx_phone_and_code_are_text_with_leading_zero() -> None:
    sheet = open_sheet(to_xlsx([make_registration()], REFERRERS, "t"))
    phone = sheet.cell(row=2, column=COL["Số điện thoại"] + 1)
    code = sheet.cell(row=2, column=COL["Mã hồ sơ"] + 1)
    assert phone.value == "0912345678"
    assert phone.data_type == "s"
    assert phone.number_format == "@"
    assert code.data_type == "s"
    assert code.number_format == "@"


def test_xlsx_dates_are_real_dates_in_vietnamese_format() -> None:
    registrations = [make_registration(), make_registration(birth_date=None, birth_year=1998)]
    sheet = open_sheet(to_xlsx(registrations, REFERRERS, "t"))
    created = sheet.cell(row=2, column=COL["Ngày đăng ký"] + 1)
    born = sheet.cell(row=2, column=COL["Ngày sinh"] + 1)
    year_only = sheet.cell(row=3, column=COL["Ngày sinh"] + 1)
    assert created.is_date and created.value == datetime(2026, 6, 1, 1, 30)
    assert created.number_format == "dd/mm/yyyy hh:mm"
    assert born.is_date and born.value == datetime(2000, 3, 9)
    assert born.number_format == "dd/mm/yyyy"
    assert year_only.value == 1998


def test_xlsx_column_widths_fit_headers_and_are_bounded() -> None:
    long_note = "rất dài " * 100
    sheet = open_sheet(to_xlsx([make_registration(note=long_note)], REFERRERS, "t"))
    for index, header in enumerate(HEADERS, start=1):
        width = sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width
        assert len(header) <= width <= 52, header


def test_xlsx_title_goes_to_properties_and_print_header() -> None:
    title = "Danh sách đăng ký tháng 5/2026 – Lào Cai & Yên Bái"
    data = to_xlsx([make_registration()], REFERRERS, title)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.properties.title == title
    sheet = workbook[SHEET_NAME]
    assert sheet.oddHeader.center.text == title.replace("&", "&&")
    assert sheet.print_title_rows == "$1:$1"


def test_xlsx_never_writes_worker_text_as_a_formula() -> None:
    note = '=HYPERLINK("http://evil.example","bấm vào")'
    sheet = open_sheet(to_xlsx([make_registration(note=note, full_name="+Lò A")], REFERRERS, "t"))
    cell = sheet.cell(row=2, column=COL["Ghi chú"] + 1)
    assert cell.value == note
    assert cell.data_type == "s"
    assert "<f>" not in _xlsx_xml(to_xlsx([make_registration(note=note)], REFERRERS, "t")).decode()


def test_xlsx_drops_control_characters_instead_of_failing() -> None:
    sheet = open_sheet(to_xlsx([make_registration(note="a\x00b\x1fc\nd")], REFERRERS, "t\x07"))
    assert sheet.cell(row=2, column=COL["Ghi chú"] + 1).value == "abc\nd"


def test_xlsx_without_registrations_has_headers_only() -> None:
    sheet = open_sheet(to_xlsx([], REFERRERS, "Trống"))
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [HEADERS]
    assert sheet.auto_filter.ref == "A1:T1"


# --- CSV --------------------------------------------------------------------------------
def test_csv_starts_with_bom_uses_crlf_and_round_trips() -> None:
    registrations = [make_registration(), make_registration(note='Nhà "gần chợ",\nbên trái')]
    data = to_csv(registrations, REFERRERS)
    assert data.startswith(b"\xef\xbb\xbf")
    header_line = ",".join(f'"{h}"' if "," in h else h for h in HEADERS)  # "Thôn/bản, tổ"
    assert data.split(b"\r\n")[0] == ("\ufeff" + header_line).encode()
    rows = read_csv(data)
    assert rows[0] == HEADERS
    assert len(rows) == 3
    first = dict(zip(HEADERS, rows[1], strict=True))
    assert first["Số điện thoại"] == "0912345678"
    assert first["Ngày đăng ký"] == "01/06/2026 01:30"
    assert first["Ngày sinh"] == "09/03/2000"
    assert first["Trạng thái"] == "mới"
    assert first["Người giới thiệu"] == "Lò Văn Páo (trưởng bản)"
    assert rows[2][COL["Ghi chú"]] == 'Nhà "gần chợ",\nbên trái'


def test_csv_year_only_birth_and_empty_cells() -> None:
    data = to_csv([make_registration(birth_date=None, birth_year=1990, note=None)], {})
    row = read_csv(data)[1]
    assert row[COL["Ngày sinh"]] == "1990"
    assert row[COL["Ghi chú"]] == ""
    assert row[COL["Người giới thiệu"]] == ""


@pytest.mark.parametrize("typed", ["=1+1", "+84 912", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_defuses_formulas(typed: str) -> None:
    row = read_csv(to_csv([make_registration(note=typed, full_name=typed)], REFERRERS))[1]
    assert row[COL["Ghi chú"]] == "'" + typed
    assert row[COL["Họ và tên"]] == "'" + typed


def test_csv_leaves_ordinary_text_and_phones_alone() -> None:
    row = read_csv(to_csv([make_registration(note="Số 5 - bản Pho")], REFERRERS))[1]
    assert row[COL["Ghi chú"]] == "Số 5 - bản Pho"
    assert row[COL["Số điện thoại"]] == "0912345678"


# --- volume -----------------------------------------------------------------------------
def test_five_thousand_rows_export_quickly() -> None:
    registrations = [
        make_registration(code=f"LC-2026-{i:05d}", phone=f"09{i:08d}", note="=x" if i % 7 else None)
        for i in range(5000)
    ]
    started = time.perf_counter()
    data = to_xlsx(registrations, REFERRERS, "Năm 2026")
    xlsx_seconds = time.perf_counter() - started
    started = time.perf_counter()
    text = to_csv(registrations, REFERRERS)
    csv_seconds = time.perf_counter() - started
    # About 2 s and 0.2 s on a busy 2-core runner (openpyxl's XML writing dominates);
    # the bounds catch a blow-up (say, quadratic work) without failing on a slow machine.
    assert xlsx_seconds < 10
    assert csv_seconds < 3
    assert len(read_csv(text)) == 5001
    sheet = load_workbook(io.BytesIO(data), read_only=True)[SHEET_NAME]
    [last] = sheet.iter_rows(min_row=5001, max_row=5001, values_only=True)
    assert last[COL["Số điện thoại"]] == "0900004999"


def test_module_exports_are_declared() -> None:
    assert set(export.__all__) <= set(dir(export))
