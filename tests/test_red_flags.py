"""Tests of faq.red_flags: scam warning signs in what workers type.

Positives are written the way workers type (no diacritics, chat
abbreviations). Negatives are ordinary questions that must NOT raise a
warning: a false alarm teaches people to ignore the real ones. The rule for
deposits: asking about the lawful deposit is fine; a deposit demanded before
the contract is signed, or to "hold a place", is a red flag.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from faq.red_flags import (
    CHECK_COMPANY_TEXT,
    DEFAULT_RED_FLAGS_PATH,
    WARNING_MAX_CHARS,
    RedFlag,
    RedFlagRulesError,
    default_rules,
    detect,
    load_red_flags,
    warning_text,
)


def ids(text: str) -> list[str]:
    return [flag.id for flag in detect(text)]


POSITIVES: list[tuple[str, str]] = [
    # tourist visa to work
    ("visa du lịch", "tourist_visa_to_work"),
    ("có cty làm visa du lich sang han quoc", "tourist_visa_to_work"),
    ("đi du lịch rồi ở lại làm được ko ad", "tourist_visa_to_work"),
    ("bay du lịch sang đài rồi trốn", "tourist_visa_to_work"),
    ("sang du lich roi o lai lam 3 nam", "tourist_visa_to_work"),
    ("ben do bao di lam chui cung dc", "tourist_visa_to_work"),
    # study visa used to work
    ("du học vừa học vừa làm ở nhật", "study_visa_to_work"),
    ("visa du hoc di lam dc ko", "study_visa_to_work"),
    ("đi du học rồi ở lại làm", "study_visa_to_work"),
    ("du hoc kieu xkld co on ko", "study_visa_to_work"),
    # money before the contract
    ("cty bắt đóng tiền trước", "money_before_contract"),
    ("công ty bắt đặt cọc trước khi ký hợp đồng", "money_before_contract"),
    ("cong ty bat dat coc truoc khi ky hd", "money_before_contract"),
    ("họ đòi 20tr phí giữ chỗ", "money_before_contract"),
    ("phi giu cho 15tr co dc hoan ko", "money_before_contract"),
    ("nộp tiền rồi mới ký hợp đồng", "money_before_contract"),
    ("chuyển khoản trước 10tr mới cho đi học", "money_before_contract"),
    ("ck cho a 5tr trc", "money_before_contract"),
    ("ben do bao coc 30tr giu suat", "money_before_contract"),
    ("chưa ký hđ mà bắt nộp 50 triệu", "money_before_contract"),
    ("mất 2tr tiền tuyển chọn", "money_before_contract"),
    ("co phai dong tien truoc khong", "money_before_contract"),
    # guaranteed results
    ("bao đậu 100%", "guaranteed_result"),
    ("cty bao dau visa han quoc", "guaranteed_result"),
    ("bên em bao đỗ visa", "guaranteed_result"),
    ("trung tâm bao đỗ đơn hàng", "guaranteed_result"),
    ("bên em bao visa nha anh", "guaranteed_result"),
    ("chắc chắn đi được, anh yên tâm", "guaranteed_result"),
    ("cam kết đậu 100% phỏng vấn", "guaranteed_result"),
    ("dam bao di duoc trong thang nay", "guaranteed_result"),
    # too fast / no test / no language
    ("xuất cảnh trong 10 ngày", "too_fast_no_test"),
    ("bay trong vòng 2 tuần", "too_fast_no_test"),
    ("đi nhanh trong 1 tháng", "too_fast_no_test"),
    ("ko cần thi, ko cần học tiếng", "too_fast_no_test"),
    ("khong can biet tieng van di dc", "too_fast_no_test"),
    ("miễn thi tiếng", "too_fast_no_test"),
    # collateral
    ("cty giữ hộ chiếu của em", "papers_held"),
    ("họ giữ lại bản gốc bằng cấp", "papers_held"),
    ("giu passport cua minh", "papers_held"),
    ("giữ căn cước công dân làm tin", "papers_held"),
    ("cầm sổ đỏ nhà em", "land_title_collateral"),
    ("bắt thế chấp sổ đỏ cho cty", "land_title_collateral"),
    ("nop so do de lam tin", "land_title_collateral"),
    # brokerage
    ("phí môi giới 2000 usd", "brokerage_fee"),
    ("cty đòi tiền môi giới", "brokerage_fee"),
    ("phai tra hoa hong cho ctv 5tr", "brokerage_fee"),
    # light work high pay
    ("việc nhẹ lương cao bao ăn ở", "light_work_high_pay"),
    ("viec nhe luong cao o campuchia", "light_work_high_pay"),
    ("lương cao việc nhẹ, bay ngay", "light_work_high_pay"),
    # back door into the public programmes
    ("có người chạy eps cho em", "public_programme_backdoor"),
    ("đi hàn không qua thi", "public_programme_backdoor"),
    ("đi cửa sau sang hq", "public_programme_backdoor"),
    ("eps ko can thi tieng", "public_programme_backdoor"),
    ("cong ty lo cho di eps", "public_programme_backdoor"),
    ("di im japan qua cong ty nao", "public_programme_backdoor"),
    ("mua suất đi hàn 200tr", "public_programme_backdoor"),
    # personal account, no receipt
    ("chuyển vào tài khoản cá nhân của chị ấy", "personal_account_no_receipt"),
    ("nộp tiền không có hóa đơn", "personal_account_no_receipt"),
    ("dong tien ko co bien lai", "personal_account_no_receipt"),
    # impersonation of the public centre
    (
        "nhận thông báo xuất cảnh yêu cầu chuyển 690 usd tiền vé máy bay",
        "fake_official_notice",
    ),
    # crossing into China for work (Lào Cai's main risk)
    ("sang Trung Quốc làm thuê", "border_crossing_china"),
    ("sang tq lam thue khong can ho chieu", "border_crossing_china"),
    ("vượt biên sang Trung Quốc làm", "border_crossing_china"),
    ("qua biên giới", "border_crossing_china"),
    ("qua đường mòn sang bên kia làm thuê", "border_crossing_china"),
    ("đi làm bên kia biên giới không cần giấy tờ", "border_crossing_china"),
    ("đi đường tiểu ngạch", "border_crossing_china"),
    # scam compounds in Cambodia and Myanmar
    ("làm online ở Campuchia", "scam_compound"),
    ("sang Campuchia làm chăm sóc khách hàng lương 20 triệu bao ăn ở", "scam_compound"),
    ("di myanmar lam viec van phong luong cao", "scam_compound"),
    # deposits to hold a place
    ("đặt cọc 30 triệu là bay", "money_before_contract"),
    ("chỉ cần đặt cọc 30 triệu là bay", "money_before_contract"),
    ("nộp cho anh 10 triệu để giữ suất", "money_before_contract"),
    ("nộp tiền cho anh CTV 10 triệu để giữ suất", "money_before_contract"),
    ("tiktok tuyển đi Nhật miễn phí chỉ cần đặt cọc 20 triệu", "money_before_contract"),
    ("nop truoc thi moi dc xep don", "money_before_contract"),
    # business or family visas to work
    ("đi Hàn bằng visa thương mại rồi đổi visa", "tourist_visa_to_work"),
    ("bên đó làm visa công tác sang nhật làm", "tourist_visa_to_work"),
    # marriage offers abroad
    ("lấy chồng Trung Quốc được cho tiền", "marriage_offer"),
    ("có người môi giới lấy chồng đài loan cho em", "marriage_offer"),
    ("ket hon gia de di han", "marriage_offer"),
    # a guarantor's land title: lawful with a written guarantee, and it can be lost
    ("bố mẹ phải thế chấp sổ đỏ để bảo lãnh cho em đi nhật", "guarantor_land_title"),
]


@pytest.mark.parametrize(("text", "flag_id"), POSITIVES)
def test_positive(text: str, flag_id: str) -> None:
    assert flag_id in ids(text)


NEGATIVES: list[str] = [
    "đi hàn quốc cần điều kiện gì",
    "chi phí đi nhật bao nhiêu",
    "tiền đặt cọc có được trả lại không",
    "tien dat coc co duoc tra lai ko",
    "ký quỹ bao nhiêu tiền",
    "có phải đặt cọc không",
    "đi xkld hàn quốc cần những giấy tờ gì",
    "thi eps topik khi nào",
    "lịch thi tiếng hàn năm nay",
    "làm hộ chiếu ở đâu",
    "đi nhật theo IM Japan cần điều kiện gì",
    "vay ngân hàng chính sách có phải thế chấp sổ đỏ không",
    "vay vốn đi xkld lãi suất bao nhiêu",
    "đi đài loan lương bao nhiêu",
    "bao giờ thì được ký hợp đồng",
    "khi nào phải đóng tiền dịch vụ",
    "ký hợp đồng xong mới đóng tiền đúng không",
    "tiền dịch vụ tối đa là bao nhiêu",
    "công ty có giấy phép không kiểm tra ở đâu",
    "đi úc theo visa nông nghiệp được không",
    "ở lại quá hạn bị phạt thế nào",
    "mình 40 tuổi có đi được không",
    "dân tộc thiểu số có được hỗ trợ không",
    "học tiếng hàn ở đâu",
    "học tiếng nhật mất bao lâu",
    "khám sức khỏe ở đâu",
    "hợp đồng 3 năm thì phí bao nhiêu",
    "về nước trước hạn có được trả lại tiền không",
    "bị ngược đãi ở nước ngoài thì làm sao",
    "đi đức làm điều dưỡng được không",
    "thời gian chờ xuất cảnh bao lâu",
    "đi malaysia có an toàn không",
    "đăng ký tư vấn ở trung tâm",
    "ko biết tiếng có đi được ko",
    "đi hàn quốc có cần thi không",
    "nếu thi đậu thì có chắc chắn đi được không",
    "đi IM Japan có mất phí môi giới không",
    "im japan không mất phí môi giới đúng không",
    "công ty bảo xuất cảnh tháng sau",
    "họ bảo do thiếu hồ sơ nên chưa đi được",
    "quỹ hỗ trợ việc làm ngoài nước đóng bao nhiêu",
    "trước khi ký hợp đồng cần chuẩn bị hồ sơ gì",
    "nộp hồ sơ trước ngày nào",
    "chạy 3000m trong bao nhiêu phút",
    "đóng tiền trước khi bay mấy ngày",
    "lương ở hàn quốc có cao không",
    "mất bao lâu thì có visa",
    "phí visa 100 usd phải không",
    "có mất phí phỏng vấn không",
    "giữ hộ chiếu cẩn thận khi ở nước ngoài nhé",
    "công ty giữ hộ chiếu để làm visa",
    "đi xuất khẩu lao động trung quốc có không",
    "chồng em đang làm ở hàn quốc",
    "đi campuchia du lịch có cần visa không",
    "đi nhật qua biên giới bằng hộ chiếu",
    "bố mẹ có phải bảo lãnh không",
    "vay ngân hàng chính sách để đi hàn có cần bảo lãnh bằng sổ đỏ không",
    "xin chào",
    "cảm ơn ad",
    "",
    "!!!",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_no_false_positive_on_ordinary_questions(text: str) -> None:
    assert detect(text) == []


def test_deposit_rule_question_versus_demand() -> None:
    assert detect("tiền đặt cọc có được trả lại không") == []
    assert ids("công ty bắt đặt cọc trước khi ký hợp đồng") == ["money_before_contract"]


def test_land_title_for_a_bank_loan_is_not_a_red_flag() -> None:
    assert detect("vay vốn ngân hàng có cần sổ đỏ để thế chấp không") == []
    assert ids("công ty bắt cầm sổ đỏ") == ["land_title_collateral"]


def test_a_guarantors_land_title_is_explained_not_called_unlawful() -> None:
    [flag] = detect("bố mẹ phải thế chấp sổ đỏ để bảo lãnh cho em đi nhật")
    assert flag.id == "guarantor_land_title"
    assert "được phép nếu có hợp đồng bảo lãnh bằng văn bản" in flag.warning
    assert "mất đất" in flag.warning


def test_robust_to_diacritics_case_and_abbreviations() -> None:
    forms = [
        "Công ty bắt ĐẶT CỌC trước khi ký hợp đồng",
        "cong ty bat dat coc truoc khi ky hop dong",
        "cty bắt đặt cọc trc khi kí hđ",
        "cti bat datt cocc truoc khi ki hd!!!",
    ]
    for text in forms:
        assert ids(text) == ["money_before_contract"], text


def test_each_flag_once_most_serious_first() -> None:
    text = (
        "bao đậu, bao đậu 100%, không cần thi, đặt cọc trước 20tr, "
        "việc nhẹ lương cao, visa du lịch, visa du lịch"
    )
    found = detect(text)
    found_ids = [flag.id for flag in found]
    assert len(found_ids) == len(set(found_ids))
    assert found_ids[0] == "light_work_high_pay"
    assert found_ids[1] == "tourist_visa_to_work"
    severities = [flag.severity for flag in found]
    assert severities == sorted(severities)
    assert {"guaranteed_result", "too_fast_no_test", "money_before_contract"} <= set(found_ids)


def test_every_flag_has_source_warning_and_a_positive_example() -> None:
    covered = {flag_id for _, flag_id in POSITIVES}
    for flag_id in default_rules().ids:
        assert flag_id in covered, flag_id
    for text, _ in POSITIVES:
        for flag in detect(text):
            assert flag.source.strip()
            assert flag.warning.endswith(".")
            assert len(flag.warning) <= 220


def test_sources_cite_the_law() -> None:
    by_id = {flag.flag.id: flag.flag for flag in default_rules().flags}
    assert "Điều 7 khoản 8" in by_id["brokerage_fee"].source
    assert "Điều 7 khoản 10" in by_id["papers_held"].source
    assert "Điều 7 khoản 10" in by_id["land_title_collateral"].source
    assert "Điều 59" in by_id["guarantor_land_title"].source
    assert "283/2026" not in by_id["papers_held"].source  # its Đ.15 is about employers here
    assert "49/2019/QH14, Điều 4 khoản 6" in by_id["border_crossing_china"].source
    assert "Điều 150" in by_id["marriage_offer"].source
    assert "Điều 23 khoản 2 điểm c" in by_id["money_before_contract"].source
    assert "Điều 7 khoản 1" in by_id["tourist_visa_to_work"].source


def test_detect_is_fast() -> None:
    texts = [text for text, _ in POSITIVES] + NEGATIVES
    detect("warm up")
    start = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for text in texts:
            detect(text)
    per_call = (time.perf_counter() - start) / (rounds * len(texts))
    assert per_call < 0.001


def test_long_pasted_text_is_handled() -> None:
    advert = ("Tuyển gấp lao động đi Nhật. " * 200) + "Bao đậu, xuất cảnh trong 10 ngày."
    assert len(advert) > 5000
    start = time.perf_counter()
    found = ids(advert)
    assert time.perf_counter() - start < 0.1
    assert found == ["guaranteed_result", "too_fast_no_test"]
    assert detect("x" * 5000) == []


# --------------------------------------------------------------------------- warning_text


def test_warning_text_empty_without_flags() -> None:
    assert warning_text([]) == ""


def test_warning_text_single_flag() -> None:
    text = warning_text(detect("phí môi giới 2000 usd"))
    assert "phí môi giới" in text
    assert text.endswith(CHECK_COMPANY_TEXT)
    assert CHECK_COMPANY_TEXT == "Bấm «Kiểm tra doanh nghiệp» để xem công ty có giấy phép không."


def test_warning_text_combines_and_stays_short() -> None:
    flags = list({flag.id: flag for text, _ in POSITIVES for flag in detect(text)}.values())
    order = default_rules().ids
    flags.sort(key=lambda flag: order.index(flag.id))  # as detect() returns them
    assert len(flags) == len(order)
    text = warning_text(flags)
    assert len(text) <= WARNING_MAX_CHARS
    assert text.endswith(CHECK_COMPANY_TEXT)
    # The most serious warning comes first: crossing into China, Lào Cai's main risk.
    assert text.startswith("Cảnh báo: Sang Trung Quốc làm thuê")


def test_warning_text_sorts_and_deduplicates() -> None:
    low = RedFlag(id="b", severity=9, warning="Cẩn thận B.", source="s")
    high = RedFlag(id="a", severity=1, warning="Cẩn thận A.", source="s")
    assert (
        warning_text([low, high, low]) == f"Cảnh báo: Cẩn thận A. Cẩn thận B. {CHECK_COMPANY_TEXT}"
    )


# --------------------------------------------------------------------------- rules file


def _write(tmp_path: Path, mutate: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.safe_load(DEFAULT_RED_FLAGS_PATH.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "red_flags.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_copy_of_flags_loads(tmp_path: Path) -> None:
    rules = load_red_flags(_write(tmp_path, lambda data: None))
    assert rules.ids == default_rules().ids
    assert [flag.id for flag in detect("bao đậu", rules)] == ["guaranteed_result"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["flags"][0].pop("source"), "missing source"),
        (lambda d: d["flags"][0].update(warning=""), "missing warning"),
        (lambda d: d["flags"][0].update(warning="Dài. " * 200), "warning longer"),
        (lambda d: d["flags"][0].update(patterns=["(unclosed"]), "does not compile"),
        (lambda d: d["flags"][0].update(patterns=["đặt cọc"]), "lower-case ASCII"),
        (lambda d: d["flags"][0].update(patterns=["<<nothing>>"]), "unknown macro"),
        (lambda d: d["flags"][0].update(patterns=[]), "non-empty list"),
        (lambda d: d["flags"][0].update(severity=0), "severity"),
        (lambda d: d["flags"][0].update(unlawful_route="yes"), "unlawful_route"),
        (lambda d: d["flags"][1].update(id=d["flags"][0]["id"]), "duplicate flag id"),
    ],
)
def test_bad_flags_file_fails_to_load(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(RedFlagRulesError, match=message):
        load_red_flags(_write(tmp_path, mutate))


def test_unreadable_flags_file_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(RedFlagRulesError, match="cannot read"):
        load_red_flags(tmp_path / "missing.yaml")
