"""Referral links and codes: deep links, "/start ref_..." parsing, readable codes, QR images."""

from __future__ import annotations

import struct
import zlib

import pytest
import segno

from handlers.registration import referral
from handlers.registration.referral import deep_link, make_code, parse_start_payload, qr_png

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BOT = "TrungTamViecLamBot"


# --- deep links -------------------------------------------------------------------------
def test_deep_link() -> None:
    assert deep_link(BOT, "LVPAO") == f"https://t.me/{BOT}?start=ref_LVPAO"


def test_deep_link_upper_cases_the_code_and_accepts_at_sign() -> None:
    assert deep_link("@" + BOT, "lvpao_2-a") == f"https://t.me/{BOT}?start=ref_LVPAO_2-A"


@pytest.mark.parametrize("code", ["A", "a" * 32, "AB_CD-12", "0"])
def test_deep_link_payload_fits_telegram(code: str) -> None:
    payload = deep_link(BOT, code).split("?start=", 1)[1]
    assert len(payload) <= 64
    assert all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in payload)


@pytest.mark.parametrize("code", ["", "a" * 33, "LV PAO", "PÁO", "A.B", "A/B", "A?x=1", "A&B"])
def test_deep_link_rejects_bad_codes(code: str) -> None:
    with pytest.raises(ValueError, match="referral code"):
        deep_link(BOT, code)


@pytest.mark.parametrize("username", ["", "bot", "a" * 33, "my bot", "t.me/MyBot", "Bót_vn"])
def test_deep_link_rejects_bad_usernames(username: str) -> None:
    with pytest.raises(ValueError, match="username"):
        deep_link(username, "LVPAO")


# --- /start payloads --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start ref_LVPAO", "LVPAO"),
        ("/start ref_lvpao", "LVPAO"),
        (f"/start@{BOT} ref_ABC", "ABC"),
        ("  /start ref_A-b_1  ", "A-B_1"),
        ("/START REF_abc", "ABC"),
        ("/start ref_" + "x" * 32, "X" * 32),
        ("/start", None),
        ("/start ", None),
        ("/start ref_", None),
        ("/start ref_" + "x" * 33, None),
        ("/start other", None),
        ("/start xref_ABC", None),
        ("/start ref_AB C", None),
        ("/start ref_PÁO", None),
        ("/startref_ABC", None),
        ("/starting ref_ABC", None),
        ("hello /start ref_ABC", None),
        ("ref_ABC", None),
        ("", None),
    ],
)
def test_parse_start_payload(text: str, expected: str | None) -> None:
    assert parse_start_payload(text) == expected


@pytest.mark.parametrize("code", ["LVPAO", "lvpao2", "A_B-C", "z" * 32])
def test_deep_link_round_trips_through_the_start_message(code: str) -> None:
    payload = deep_link(BOT, code).split("?start=", 1)[1]
    assert parse_start_payload(f"/start {payload}") == code.upper()


# --- codes ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Lò Văn Páo", "LVPAO"),
        ("Đặng Thị Đào", "DTDAO"),
        ("NGUYỄN VĂN AN", "NVAN"),
        ("  hoàng   a  sử ", "HASU"),
        ("Páo", "PAO"),
        ("Lò Văn Páo (trưởng bản)", "LVPTBAN"),
        ("Giàng A Chiến Thắng", "GACTHANG"),
        ("Vừ Thị Nguyệtttttttttttt", "VTNGUYETTT"),
        ("", "REF"),
        ("!!!", "REF"),
    ],
)
def test_make_code_from_vietnamese_names(name: str, expected: str) -> None:
    assert make_code(name, ()) == expected


def test_make_code_is_unique_in_any_case() -> None:
    assert make_code("Lò Văn Páo", {"LVPAO"}) == "LVPAO2"
    assert make_code("Lò Văn Páo", ["lvpao", "LVPAO2"]) == "LVPAO3"
    assert make_code("Lò Văn Páo", {"LVPAO3"}) == "LVPAO"


def test_make_code_keeps_finding_free_codes() -> None:
    existing: set[str] = set()
    for _ in range(50):
        existing.add(make_code("Lò Văn Páo", existing))
    assert len(existing) == 50
    assert "LVPAO50" in existing


def test_made_codes_are_valid_in_links() -> None:
    for name in ("Lò Văn Páo", "Đặng Thị Đào", "", "Vừ Thị Nguyệtttttttttttt"):
        code = make_code(name, {"LVPAO", "DTDAO"})
        assert parse_start_payload("/start " + deep_link(BOT, code).split("=")[1]) == code


# --- QR codes ---------------------------------------------------------------------------
def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == PNG_MAGIC
    chunks = []
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks.append((kind, body))
        offset += 12 + length
    return chunks


def _png_pixels(data: bytes) -> list[list[int]]:
    """Decode a greyscale or palette PNG of bit depth 1-8 to rows of sample values.

    Just enough of PNG to check the image against the QR matrix without Pillow.
    """
    chunks = _png_chunks(data)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert colour in (0, 3) and interlace == 0
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = (width * depth + 7) // 8
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - 1] if i else 0
            up, up_left = previous[i], previous[i - 1] if i else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + pred) & 0xFF
        previous = line
        bits = "".join(f"{byte:08b}" for byte in line)
        rows.append([int(bits[x * depth : (x + 1) * depth], 2) for x in range(width)])
    return rows


def _dark_sample(data: bytes) -> int:
    """The sample value of dark modules: black in greyscale, or the palette's black."""
    chunks = dict(_png_chunks(data))
    header = chunks[b"IHDR"]
    if header[9] == 0:  # greyscale: 0 is black
        return 0
    palette = chunks[b"PLTE"]
    colours = [palette[i : i + 3] for i in range(0, len(palette), 3)]
    return colours.index(b"\x00\x00\x00")


def test_qr_png_is_a_printable_png() -> None:
    url = deep_link(BOT, "LVPAO")
    data = qr_png(url)
    assert data.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", _png_chunks(data)[0][1][:8])
    qr = segno.make(url, error="m", micro=False)
    side = (qr.symbol_size(scale=1, border=0)[0] + 2 * 4) * 10
    assert (width, height) == (side, side)
    assert width >= 250  # several centimetres when printed


def test_qr_png_is_a_regular_qr_code_even_for_short_urls() -> None:
    url = "https://t.me/a"
    qr = segno.make(url, error="m", micro=False)
    assert not qr.is_micro
    assert qr.designator.endswith("-M") or qr.designator.endswith("-Q")
    data = qr_png(url)
    width = struct.unpack(">I", _png_chunks(data)[0][1][:4])[0]
    assert width == (qr.symbol_size(scale=1, border=0)[0] + 8) * 10


def test_qr_png_pixels_match_the_qr_matrix() -> None:
    url = deep_link(BOT, "DTDAO")
    data = qr_png(url)
    pixels = _png_pixels(data)
    dark = _dark_sample(data)
    qr = segno.make(url, error="m", micro=False)
    scale, border = 10, 4
    size = len(qr.matrix)
    assert len(pixels) == (size + 2 * border) * scale
    for y in range(size + 2 * border):
        for x in range(size + 2 * border):
            inside = border <= x < size + border and border <= y < size + border
            expected = bool(qr.matrix[y - border][x - border]) if inside else False
            sample = pixels[y * scale + scale // 2][x * scale + scale // 2]
            assert (sample == dark) == expected, (x, y)


def test_qr_png_accepts_and_ignores_a_caption() -> None:
    url = deep_link(BOT, "LVPAO")
    assert qr_png(url, caption="Lò Văn Páo – bản Pho") == qr_png(url)


def test_module_exports_are_declared() -> None:
    assert set(referral.__all__) <= set(dir(referral))
