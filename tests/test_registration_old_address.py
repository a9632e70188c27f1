"""Old (pre-1 July 2025) addresses from ID cards, mapped to today's communes, offline.

Every test here runs with the network blocked (any connection beyond 127.0.0.1 raises),
and the package's geocoder is made to fail if it is ever called: the mapping must come
from the vietnamadminunits package's data alone.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from db.models import Registration
from faq.service import FaqService
from handlers.registration import old_address
from tests.conftest import FIXTURE_FAQ, make_settings
from tests.test_registration_flow import HAPPY_PATH, fill
from tests.transcript import Transcript

LAO_CAI, TUYEN_QUANG = 15, 8
LOOPBACK = ("127.", "::1", "localhost")


class NetworkBlocked(AssertionError):
    pass


def _guard(connect: Any) -> Any:
    def guarded(self: socket.socket, address: Any, *args: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(LOOPBACK):
            raise NetworkBlocked(f"connection to {address} attempted")
        return connect(self, address, *args)

    return guarded


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only loopback (the test database, fakes): a lookup reaching out would fail loudly."""
    monkeypatch.setattr(socket.socket, "connect", _guard(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guard(socket.socket.connect_ex))

    def no_geocoder(*args: Any, **kwargs: Any) -> Any:
        raise NetworkBlocked("the package's geocoder was called")

    from vietnamadminunits.converter import converter_2025
    from vietnamadminunits.parser import utils

    monkeypatch.setattr(utils, "get_geo_location", no_geocoder)
    monkeypatch.setattr(converter_2025, "get_geo_location", no_geocoder)
    monkeypatch.setattr(utils.geolocator, "geocode", no_geocoder)
    yield


def test_the_guard_really_blocks_the_network() -> None:
    with pytest.raises(NetworkBlocked), socket.create_connection(("192.0.2.1", 80), timeout=1):
        pass


def test_a_fresh_process_converts_with_the_network_blocked_from_the_start() -> None:
    """Importing the package and loading its data need no network either."""
    script = f"""
import socket
real = socket.socket.connect
def connect(self, address, *args):
    inet = self.family in (socket.AF_INET, socket.AF_INET6)
    if inet and not str(address[0]).startswith({LOOPBACK!r}):
        raise SystemExit("network used: " + str(address))
    return real(self, address, *args)
socket.socket.connect = connect
socket.socket.connect_ex = connect
from handlers.registration import old_address
found = old_address.lookup("Thôn Phìn Hồ, xã Y Tý, huyện Bát Xát, tỉnh Lào Cai", 15)
print(found.current[0].name, "|", found.village)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Xã Y Tý | Thôn Phìn Hồ"


@pytest.mark.parametrize(
    ("typed", "province", "now"),
    [
        ("Thôn Phìn Hồ, xã Y Tý, huyện Bát Xát, tỉnh Lào Cai", LAO_CAI, ["Xã Y Tý"]),
        ("xã Y Tý huyện Bát Xát", LAO_CAI, ["Xã Y Tý"]),
        ("Y Tý, Bát Xát, Lào Cai", LAO_CAI, ["Xã Y Tý"]),
        ("thị trấn Phố Lu huyện Bảo Thắng", LAO_CAI, ["Xã Bảo Thắng"]),
        ("Phố Lu", LAO_CAI, ["Xã Bảo Thắng"]),
        ("tt pho lu", LAO_CAI, ["Xã Bảo Thắng"]),
        ("phường Cốc Lếu", LAO_CAI, ["Phường Lào Cai"]),
        ("phuong coc leu", LAO_CAI, ["Phường Lào Cai"]),
        ("xã Bản Qua", LAO_CAI, ["Xã Bát Xát"]),
        ("xã Nậm Có huyện Mù Cang Chải tỉnh Yên Bái", LAO_CAI, ["Xã Nậm Có"]),
        ("phường Nguyễn Thái Học thành phố Yên Bái", LAO_CAI, ["Phường Yên Bái"]),
        ("xã Nghĩa Lộ", LAO_CAI, ["Phường Trung Tâm"]),
        ("xa suoi giang", LAO_CAI, ["Xã Văn Chấn"]),
        ("thi tran dong van", TUYEN_QUANG, ["Xã Đồng Văn"]),
        # Split between two new communes: both, for the worker to choose.
        ("xã Yên Định, huyện Bắc Mê, tỉnh Hà Giang", TUYEN_QUANG,
         ["Xã Minh Ngọc", "Xã Ngọc Đường"]),
        ("Thôn Nà Sài, xã Yên Định, huyện Bắc Mê, tỉnh Hà Giang", TUYEN_QUANG,
         ["Xã Minh Ngọc", "Xã Ngọc Đường"]),
    ],
)  # fmt: skip
def test_old_communes_map_to_todays(typed: str, province: int, now: list[str]) -> None:
    found = old_address.lookup(typed, province)
    assert found is not None and not found.district_only
    assert sorted(m.name for m in found.current) == now
    assert all(m.code != m.province_code for m in found.current)  # communes, not provinces


def test_the_village_of_an_id_card_line_is_kept() -> None:
    found = old_address.lookup("Thôn Phìn Hồ, xã Y Tý, huyện Bát Xát, tỉnh Lào Cai", LAO_CAI)
    assert found is not None and found.village == "Thôn Phìn Hồ"
    assert found.label == "Xã Y Tý, huyện Bát Xát, tỉnh Lào Cai"


def test_an_old_district_alone_offers_its_communes() -> None:
    found = old_address.lookup("huyện Bảo Thắng", LAO_CAI)
    assert found is not None and found.district_only
    names = {m.name for m in found.current}
    assert {"Xã Bảo Thắng", "Xã Xuân Quang", "Xã Gia Phú"} <= names


@pytest.mark.parametrize(
    "typed", ["Bản Lếch", "thoi e ko dang ky nua", "di han co can bang cap 3 khong", "tổ 5", ""]
)
def test_what_is_not_an_old_place_gives_none(typed: str) -> None:
    assert old_address.lookup(typed, LAO_CAI) is None


# --- through the form -------------------------------------------------------------------
@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Transcript]:
    transcript = await Transcript.open(make_settings(database_url), FaqService(FIXTURE_FAQ))
    yield transcript
    await transcript.close()


COMMUNE_AT = next(i for i, (_, value) in enumerate(HAPPY_PATH) if value == "bat xat")


async def stored(chat: Transcript) -> Registration:
    async with chat.runtime.sessions() as session:
        [row] = (await session.scalars(select(Registration))).all()
        return row


async def test_an_id_card_line_fills_commune_and_village(chat: Transcript) -> None:
    await fill(chat, HAPPY_PATH[:COMMUNE_AT])
    told, ethnicity = await chat.say("Thôn Phìn Hồ, xã Y Tý, huyện Bát Xát, tỉnh Lào Cai")
    assert "Xã Y Tý (huyện Bát Xát) nay thuộc Xã Y Tý" in told.text
    assert "dân tộc" in ethnicity.text  # the village came with the line: not asked again
    summary = await fill(chat, HAPPY_PATH[COMMUNE_AT + 2 :])
    assert "• Xã/phường: Xã Y Tý (căn cước ghi: Xã Y Tý, huyện Bát Xát, tỉnh Lào Cai)" in summary
    assert "• Thôn/bản, tổ: Thôn Phìn Hồ" in summary
    await chat.press("reg:submit")
    row = await stored(chat)
    assert (row.commune_name, row.village) == ("Xã Y Tý", "Thôn Phìn Hồ")
    assert row.old_address == "Xã Y Tý, huyện Bát Xát, tỉnh Lào Cai" and row.commune_code
    [(card, _)] = chat.staff_messages()
    assert "Xã/phường: Xã Y Tý (căn cước ghi: Xã Y Tý, huyện Bát Xát, tỉnh Lào Cai)" in card.text


@pytest.mark.parametrize(
    ("typed", "commune"),
    [
        ("Phố Lu", "Xã Bảo Thắng"),
        ("phường Cốc Lếu", "Phường Lào Cai"),
        ("xã Y Tý huyện Bát Xát", "Xã Y Tý"),
        ("Y Tý, Bát Xát, Lào Cai", "Xã Y Tý"),
    ],
)
async def test_old_names_as_workers_type_them(chat: Transcript, typed: str, commune: str) -> None:
    steps = [(("say", typed) if value == "bat xat" else (k, value)) for k, value in HAPPY_PATH]
    summary = await fill(chat, steps)
    assert f"• Xã/phường: {commune}" in summary
    await chat.press("reg:submit")
    assert (await stored(chat)).commune_name == commune


async def test_a_split_commune_asks_which_new_one(chat: Transcript) -> None:
    await fill(chat, HAPPY_PATH[:COMMUNE_AT])
    await chat.press("reg:com:other")
    await chat.say("Tuyên Quang")
    [choose] = await chat.say("xã Yên Định, huyện Bắc Mê, tỉnh Hà Giang")
    assert "đã được chia" in choose.text
    labels = {b.label: b.action for b in choose.buttons}
    assert {"Xã Minh Ngọc", "Xã Ngọc Đường", "🤷 Tôi không biết xã mới"} <= set(labels)
    [village] = await chat.press(labels["Xã Ngọc Đường"])
    assert "thôn" in village.text
    await fill(chat, HAPPY_PATH[COMMUNE_AT + 1 :])
    await chat.press("reg:submit")
    row = await stored(chat)
    assert (row.province_name, row.commune_name) == ("Tỉnh Tuyên Quang", "Xã Ngọc Đường")
    assert row.old_address == "Xã Yên Định, huyện Bắc Mê, tỉnh Hà Giang"


@pytest.mark.parametrize("how", ["press", "say"])
async def test_not_knowing_the_new_commune_keeps_the_old_name_for_staff(
    chat: Transcript, how: str
) -> None:
    await fill(chat, HAPPY_PATH[:COMMUNE_AT])
    [unsure] = await chat.say("Nà Lùng Phìn")  # close to Xã Lùng Phình, but not it
    assert "Xã Lùng Phình" in [b.label for b in unsure.buttons]
    assert any(b.action == "reg:com:unknown" for b in unsure.buttons)
    if how == "press":
        [village] = await chat.press("reg:com:unknown")
    else:
        [village] = await chat.say("toi khong biet xa moi ten gi")
    assert "thôn" in village.text
    summary = await fill(chat, HAPPY_PATH[COMMUNE_AT + 1 :])
    assert "• Xã/phường: Nà Lùng Phìn (xã cũ; chưa rõ xã mới, cán bộ sẽ kiểm tra)" in summary
    await chat.press("reg:submit")
    row = await stored(chat)
    assert (row.commune_code, row.commune_name, row.old_address) == (
        None,
        "Nà Lùng Phìn",
        "Nà Lùng Phìn",
    )
    [(card, _)] = chat.staff_messages()
    assert "Cần kiểm tra: chưa rõ xã mới" in card.text


async def test_not_knowing_before_typing_asks_for_the_old_name(chat: Transcript) -> None:
    await fill(chat, HAPPY_PATH[:COMMUNE_AT])
    [hint] = await chat.press("reg:com:unknown")
    assert "như trên căn cước" in hint.text and "xã/phường nào" in hint.text
    [told, _] = await chat.say("phuong coc leu")
    assert "nay thuộc Phường Lào Cai" in told.text
