"""Tests of faq.company_mention: reading the company out of a worker's question.

A question around the name must never become part of it (a licensed company would be
reported unknown), and amounts, countries and ordinary words are never a company.
"""

from __future__ import annotations

import pytest

from faq.company_mention import find


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("cty tan minh co giay phep ko", "tan minh"),
        ("công ty Việt Phúc Land tuyển đi Nhật có uy tín không", "Việt Phúc Land"),
        ("cong ty Rong Vang Phuong Dong hua cho em di nhat co that khong", "Rong Vang Phuong Dong"),
        (
            "cho em hỏi công ty cổ phần nhân lực quốc tế sông hồng có lừa đảo không",
            "cổ phần nhân lực quốc tế sông hồng",
        ),
        ("Công ty TNHH Sông Hồng có giấy phép không?", "TNHH Sông Hồng"),
        ("cty song hong", "song hong"),
        ("kiem tra giup em cty song da", "song da"),
        ("tan minh son co uy tin ko a", "tan minh son"),  # no «công ty»: the words before
        ("song hong group co lua dao khong", "song hong group"),
        ("Tân Minh Sơn là công ty có giấy phép không", "Tân Minh Sơn"),
        ("công ty Đông Á có uy tín không ạ", "Đông Á"),  # «Á» is a name, «ạ» is not
        ("cty dong a co uy tin ko a", "dong a"),
        ("công ty Bảo Ngọc có uy tín không", "Bảo Ngọc"),  # «bảo» is a verb only before «em»
        ("cty sao mai vang co uy tin k", "sao mai vang"),
        ("cty lam son thuy co giay phep ko", "lam son thuy"),
        ("cong ty tai loc co giay phep ko", "tai loc"),
        ("cty trung thanh co uy tin ko", "trung thanh"),
    ],
)
def test_the_name_without_the_question(text: str, name: str) -> None:
    mention = find(text)
    assert mention is not None and mention.asks
    assert mention.name == name


@pytest.mark.parametrize(
    "text",
    [
        "thu 150 trieu di nhat",
        "đi nhật có uy tín không",  # a destination
        "EPS có uy tín không",  # a programme
        "trung tam co uy tin khong",
        "hoc tieng o day co uy tin ko",
        "đi hàn quốc cần điều kiện gì",
        "bao nhiêu tuổi thì đi được",
    ],
)
def test_no_company(text: str) -> None:
    assert find(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "vay cty thu 150 trieu di nhat la co qua muc ko",
        "công ty đòi 150 triệu đi Nhật 3 năm có đúng không",
        "cty bao e nop 150 trieu phi moi gioi de di nhat, nop truoc thi moi dc xep don",
        "cty bao a nop tien truoc",
    ],
)
def test_amounts_and_verbs_are_never_a_name(text: str) -> None:
    mention = find(text)
    assert mention is not None and mention.company_word and mention.name == ""
    assert not mention.asks


@pytest.mark.parametrize(
    "text",
    ["kiem tra cong ty", "cty nay co uy tin khong", "công ty này có lừa đảo không", "check cty"],
)
def test_a_company_question_without_a_name(text: str) -> None:
    mention = find(text)
    assert mention is not None and mention.unnamed and mention.name == ""


@pytest.mark.parametrize(
    "text",
    [  # questions of the FAQ that say «công ty» or ask «có hợp pháp không»
        "Đi Hàn Quốc theo EPS có phải qua công ty không?",
        "o lai han quoc bat hop phap co sao khong",
        "Từng ở lại nước ngoài bất hợp pháp có được đi lại không?",
        "tra cuu cong ty xuat khau lao dong",
        "cong tac vien tuyen xkld co hop phap khong",
        "gia danh colab lua dao",
        "Dấu hiệu công ty lừa đảo là gì?",
        "chi nhanh cong ty xkld co giay phep khong",
        "tu chuyen cong ty o nhat duoc khong",
        "cong ty doi cam so do",
        "cong ty giu bang goc giay to",
    ],
)
def test_faq_questions_are_not_about_one_company(text: str) -> None:
    mention = find(text)
    assert (
        mention is None
        or mention.how_to
        or (not mention.name and not mention.unnamed)
        or (mention.name and not mention.asks)
    ), mention


@pytest.mark.parametrize("text", ["làm sao biết công ty có giấy phép", "cty nao uy tin di nhat"])
def test_how_to_questions_are_for_the_faq(text: str) -> None:
    mention = find(text)
    assert mention is not None and mention.how_to


@pytest.mark.parametrize(
    ("text", "licence"),
    [
        ("giấy phép số 123/LĐTBXH-GP có thật không", "123/ldtbxh-gp"),
        ("MAU-005/GP co that ko", "mau-005/gp"),
        ("gp so mau-005 co that ko", "mau-005"),
        ("2001/LĐTBXH-GP", "2001/ldtbxh-gp"),
    ],
)
def test_licence_numbers(text: str, licence: str) -> None:
    mention = find(text)
    assert mention is not None and mention.licence == licence and mention.asks


def test_a_mention_without_a_question() -> None:
    mention = find("công ty Rồng Vàng bắt em đặt cọc 30 triệu")
    assert mention is not None and mention.name == "Rồng Vàng" and not mention.asks


def test_long_text_is_cut() -> None:
    assert find("cty song hong " + "rat " * 5000) is not None
