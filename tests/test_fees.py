"""Tests of faq.fees: the sourced rules file, salary/length parsing and the fee caps.

The figures asserted here come from Luật 69/2020/QH14, Điều 23 khoản 4 (see
/work/shared/facts/domain-facts.md); a change in them must be a deliberate
edit of both the YAML and these tests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from faq.fees import (
    DEFAULT_FEE_RULES_PATH,
    FeeInputError,
    FeeRules,
    FeeRulesError,
    Money,
    calculate,
    format_money,
    load_fee_rules,
    parse_months,
    parse_salary,
)


@pytest.fixture(scope="module")
def rules() -> FeeRules:
    return load_fee_rules()


def usd(amount: int | str) -> Money:
    return Money(Decimal(amount), "USD")


# --------------------------------------------------------------------------- rules file


def test_every_rule_has_source_and_review_date(rules: FeeRules) -> None:
    for rule in rules.rules.values():
        assert rule.source.strip(), rule.id
        assert isinstance(rule.reviewed, dt.date), rule.id
        assert rule.reviewed <= dt.date(2026, 11, 23), rule.id


def test_required_markets_and_aliases(rules: FeeRules) -> None:
    for code in ("general", "kr_eps", "jp_im", "ship_crew", "undecided"):
        assert rules.market(code).code == code
    for code in ("jp", "tw", "de", "au", "my", "mid_east"):
        market = rules.market(code)
        assert market.code == "general"
        assert "lower_market_caps" in market.notes


def test_unknown_market_is_a_programming_error(rules: FeeRules) -> None:
    with pytest.raises(ValueError, match="unknown market"):
        rules.market("mars")


def test_key_sources_are_cited(rules: FeeRules) -> None:
    by_id = rules.rules
    assert by_id["general_cap"].source == "Luật 69/2020/QH14, Điều 23 khoản 4"
    assert by_id["brokerage_forbidden"].source == "Luật 69/2020/QH14, Điều 7 khoản 8"
    assert by_id["fee_timing"].source == "Luật 69/2020/QH14, Điều 23 khoản 2 điểm c"
    assert by_id["public_programme_no_fee"].source == "Luật 69/2020/QH14, Điều 42 khoản 3"
    assert "Điều 7 khoản 10" in by_id["no_other_collateral"].source
    assert "Điều 29–32" in by_id["deposit_rules"].source
    assert by_id["early_return_refund"].source == "Luật 69/2020/QH14, Điều 23 khoản 3"
    assert "283/2026" in by_id["penalty_wrong_fee"].source


def test_no_unverified_figure_in_rule_texts(rules: FeeRules) -> None:
    """Only figures from the facts file: month factors, 36 months, fines, TT numbers.

    Per-market caps and deposit caps are UNVERIFIED, so no money amount other
    than the fines of NĐ 283/2026 may appear.
    """
    allowed_money = {"80–100 triệu đồng", "50–70 triệu đồng"}
    for rule in rules.rules.values():
        for match in re.finditer(r"[\d.,–]+\s*(?:triệu đồng|triệu|USD|yên|đồng|won)", rule.text):
            assert match.group(0).strip() in allowed_money, (rule.id, match.group(0))


def _write_rules(tmp_path: Path, mutate: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.safe_load(DEFAULT_FEE_RULES_PATH.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "fee_caps.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_copy_of_rules_loads(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, lambda data: None)
    assert load_fee_rules(path).rules.keys() == load_fee_rules().rules.keys()


def test_rule_without_source_fails_to_load(tmp_path: Path) -> None:
    def drop_source(data: dict[str, Any]) -> None:
        del data["rules"][0]["source"]

    with pytest.raises(FeeRulesError, match=r"general_cap.*missing source"):
        load_fee_rules(_write_rules(tmp_path, drop_source))


def test_rule_with_blank_source_fails_to_load(tmp_path: Path) -> None:
    def blank_source(data: dict[str, Any]) -> None:
        data["rules"][3]["source"] = "  "

    with pytest.raises(FeeRulesError, match="missing source"):
        load_fee_rules(_write_rules(tmp_path, blank_source))


def test_rule_without_review_date_fails_to_load(tmp_path: Path) -> None:
    def drop_date(data: dict[str, Any]) -> None:
        del data["rules"][1]["reviewed"]

    with pytest.raises(FeeRulesError, match="reviewed date"):
        load_fee_rules(_write_rules(tmp_path, drop_date))


def test_bad_review_date_fails_to_load(tmp_path: Path) -> None:
    def bad_date(data: dict[str, Any]) -> None:
        data["rules"][1]["reviewed"] = "last week"

    with pytest.raises(FeeRulesError, match="reviewed date"):
        load_fee_rules(_write_rules(tmp_path, bad_date))


def test_float_figure_and_dangling_reference_are_reported_together(tmp_path: Path) -> None:
    def break_two(data: dict[str, Any]) -> None:
        data["rules"][0]["months_per_12"] = 1.0
        data["markets"]["general"]["notes"].append("no_such_rule")

    with pytest.raises(FeeRulesError) as info:
        load_fee_rules(_write_rules(tmp_path, break_two))
    text = str(info.value)
    assert "months_per_12: write the figure as a string" in text
    assert "unknown note 'no_such_rule'" in text


def test_missing_market_fails_to_load(tmp_path: Path) -> None:
    def drop_market(data: dict[str, Any]) -> None:
        del data["markets"]["kr_eps"]
        data["aliases"] = {k: v for k, v in data["aliases"].items() if v != "kr_eps"}

    with pytest.raises(FeeRulesError, match="'kr_eps' is missing"):
        load_fee_rules(_write_rules(tmp_path, drop_market))


def test_unreadable_file_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(FeeRulesError, match="cannot read"):
        load_fee_rules(tmp_path / "missing.yaml")


# --------------------------------------------------------------------------- salary


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1200 usd", "1200", "USD"),
        ("1.200 USD", "1200", "USD"),
        ("1,200 USD", "1200", "USD"),
        ("$1200", "1200", "USD"),
        ("$ 1.200", "1200", "USD"),
        ("1200 đô", "1200", "USD"),
        ("1.237,50 usd", "1237.50", "USD"),
        ("30 triệu", "30000000", "VND"),
        ("30 trieu", "30000000", "VND"),
        ("30tr", "30000000", "VND"),
        ("30 củ", "30000000", "VND"),
        ("2,5 triệu", "2500000", "VND"),
        ("25.000.000 đ", "25000000", "VND"),
        ("25.000.000 đồng", "25000000", "VND"),
        ("25000000 vnd", "25000000", "VND"),
        ("25 triệu vnđ", "25000000", "VND"),
        ("lương theo hợp đồng 30 triệu/tháng", "30000000", "VND"),
        ("500k", "500000", "VND"),
        ("180000 yen", "180000", "JPY"),
        ("180.000 yên", "180000", "JPY"),
        ("¥180,000", "180000", "JPY"),
        ("18 man", "180000", "JPY"),
        ("28.000 Đài tệ", "28000", "TWD"),
        ("28000 dai te", "28000", "TWD"),
        ("28000 twd", "28000", "TWD"),
        ("28000 NTD", "28000", "TWD"),
        ("2.000.000 won", "2000000", "KRW"),
        ("2000000 krw", "2000000", "KRW"),
        ("₩2,000,000", "2000000", "KRW"),
        ("2500 euro", "2500", "EUR"),
        ("3200 aud", "3200", "AUD"),
        ("3.200 đô Úc", "3200", "AUD"),
        ("1800 ringgit", "1800", "MYR"),
    ],
)
def test_parse_salary(text: str, amount: str, currency: str) -> None:
    assert parse_salary(text) == Money(Decimal(amount), currency)


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        "   ",
        "1200",  # no currency: yen and dong differ by a factor of ~170
        "-1200 usd",
        "0 usd",
        "0 triệu",
        "1200 usd hoặc 1500 usd",
        "1200 usd hay yên",
        "30 triệu nghìn",
        "1.2.3 usd",
        "12.34.567 usd",
        "1200,555 usd",
        "99999999999999 usd",
        "x" * 5000,
        "1200 usd " + "a" * 5000,
    ],
)
def test_parse_salary_rejects_nonsense(text: str) -> None:
    with pytest.raises(FeeInputError) as info:
        parse_salary(text)
    assert isinstance(info.value, ValueError)
    assert info.value.message and info.value.message == str(info.value)


def test_salary_errors_are_vietnamese() -> None:
    with pytest.raises(FeeInputError, match="loại tiền"):
        parse_salary("1200")
    with pytest.raises(FeeInputError, match="lớn hơn 0"):
        parse_salary("-5 usd")


def test_parse_salary_is_fast_on_long_input() -> None:
    import time

    start = time.perf_counter()
    for _ in range(100):
        with pytest.raises(FeeInputError):
            parse_salary("9" * 5000)
    assert time.perf_counter() - start < 0.5


# --------------------------------------------------------------------------- months


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("36", 36),
        ("36 tháng", 36),
        ("36 thang", 36),
        ("36th", 36),
        ("3 năm", 36),
        ("3 nam", 36),
        ("3năm", 36),
        ("1 năm rưỡi", 18),
        ("1 nam ruoi", 18),
        ("2,5 năm", 30),
        ("2.5 năm", 30),
        ("1 năm 6 tháng", 18),
        ("hợp đồng 3 năm", 36),
        ("khoảng 24 tháng", 24),
        ("1", 1),
        ("120", 120),
        ("10 năm", 120),
    ],
)
def test_parse_months(text: str, months: int) -> None:
    assert parse_months(text) == months


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "0 tháng",
        "121",
        "200",
        "200 tháng",
        "11 năm",
        "-3",
        "-36 tháng",
        "abc",
        "",
        "ba năm",
        "2 tháng rưỡi",
        "1,1 năm",
        "3 năm hoặc 5 năm",
        "36 ngày",
        "9999999",
        "x" * 5000,
    ],
)
def test_parse_months_rejects_bad_input(text: str) -> None:
    with pytest.raises(FeeInputError) as info:
        parse_months(text)
    assert info.value.message


def test_months_range_message() -> None:
    with pytest.raises(FeeInputError, match="từ 1 đến 120 tháng"):
        parse_months("200")


# --------------------------------------------------------------------------- caps


@pytest.mark.parametrize(
    ("months", "factor", "fee"),
    [
        (12, "1", "1200"),
        (18, "1.5", "1800"),
        (24, "2", "2400"),
        (30, "2.5", "3000"),
        (35, "2.91", "3500"),
        (36, "3", "3600"),
        (48, "3", "3600"),
        (60, "3", "3600"),
    ],
)
def test_general_cap_pro_rata_then_three_months(
    rules: FeeRules, months: int, factor: str, fee: str
) -> None:
    answer = calculate(rules, "general", usd(1200), months)
    assert answer.max_service_fee == usd(fee)
    assert answer.months_of_wage == Decimal(factor)


def test_thirteen_months_is_exact_not_rounded_away(rules: FeeRules) -> None:
    answer = calculate(rules, "general", usd(1200), 13)
    assert answer.max_service_fee == usd(1300)


def test_amount_is_rounded_down_never_up(rules: FeeRules) -> None:
    # 1.000 USD x 1 / 12 x 7 = 583,333... -> 583,33 USD
    answer = calculate(rules, "general", usd(1000), 7)
    assert answer.max_service_fee == usd("583.33")


def test_cap_stays_in_salary_currency(rules: FeeRules) -> None:
    answer = calculate(rules, "jp", parse_salary("180.000 yên"), 36)
    assert answer.max_service_fee == Money(Decimal(540000), "JPY")
    assert "540.000 yên" in answer.lines[0]
    vnd = calculate(rules, "tw", parse_salary("30 triệu"), 24)
    assert vnd.max_service_fee == Money(Decimal(60_000_000), "VND")
    assert "60.000.000 đồng" in vnd.lines[0]


@pytest.mark.parametrize("market", ["jp", "tw", "de", "au", "my", "mid_east", "undecided"])
def test_other_markets_use_general_caps_and_warn_of_lower_caps(
    rules: FeeRules, market: str
) -> None:
    answer = calculate(rules, market, usd(1000), 36)
    assert answer.max_service_fee == usd(3000)
    text = " ".join(answer.lines)
    assert "mức trần thấp hơn" in text
    assert "trung tâm" in text


def test_ship_crew_one_and_a_half_months_per_year(rules: FeeRules) -> None:
    answer = calculate(rules, "ship_crew", usd(1000), 12)
    assert answer.max_service_fee == usd(1500)
    assert answer.months_of_wage == Decimal("1.5")
    answer = calculate(rules, "ship_crew", usd(1000), 24)
    assert answer.max_service_fee == usd(3000)
    assert answer.months_of_wage == Decimal(3)


def test_ship_crew_long_contract_gives_no_unverified_number(rules: FeeRules) -> None:
    answer = calculate(rules, "ship_crew", usd(1000), 36)
    assert answer.max_service_fee is None
    assert answer.months_of_wage is None
    assert "hãy hỏi trung tâm" in answer.lines[0]


@pytest.mark.parametrize("market", ["kr_eps", "jp_im"])
def test_public_programmes_charge_no_service_fee(rules: FeeRules, market: str) -> None:
    answer = calculate(rules, market, parse_salary("2.000.000 won"), 36)
    assert answer.max_service_fee == Money(Decimal(0), "KRW")
    assert answer.months_of_wage == 0
    text = " ".join(answer.lines)
    assert "không được thu tiền dịch vụ" in text
    assert "Trung tâm Lao động ngoài nước" in text
    assert "Luật 69/2020/QH14, Điều 42 khoản 3" in answer.sources


def test_extension_cap_half_month_per_year(rules: FeeRules) -> None:
    answer = calculate(rules, "general", usd(1200), 36, extension_months=24)
    assert answer.max_service_fee == usd(3600)
    assert any("gia hạn 24 tháng" in line and "1.200 USD" in line for line in answer.lines)


def test_answer_states_maximum_brokerage_collateral_timing(rules: FeeRules) -> None:
    answer = calculate(rules, "general", usd(1200), 36)
    text = " ".join(answer.lines)
    assert "3.600 USD" in answer.lines[0]
    assert "TỐI ĐA" in text and "không phải giá" in text
    assert "phí môi giới" in text
    assert "hộ chiếu" in text and "sổ đỏ" in text and "bản gốc" in text
    assert "sau khi hợp đồng cung ứng lao động đã được duyệt" in text
    assert "mức trần thấp hơn" in text
    assert "Luật 69/2020/QH14, Điều 7 khoản 8" in answer.sources
    assert "Luật 69/2020/QH14, Điều 23 khoản 2 điểm c" in answer.sources
    assert len(answer.sources) == len(set(answer.sources))


def test_lines_are_short_plain_sentences(rules: FeeRules) -> None:
    for market in ("general", "kr_eps", "jp_im", "ship_crew", "undecided"):
        for line in calculate(rules, market, usd(1000), 24).lines:
            assert line.endswith((".", "!")), line
            for sentence in re.split(r"(?<=\.)\s", line):
                assert len(sentence) <= 200, sentence


@pytest.mark.parametrize(
    ("salary", "months", "extension"),
    [(usd(0), 12, 0), (usd(-5), 12, 0), (usd(1000), 0, 0), (usd(1000), 200, 0),
     (usd(1000), 12, -1), (Money(Decimal(1), "XYZ"), 12, 0)],
)  # fmt: skip
def test_calculate_rejects_bad_values(
    rules: FeeRules, salary: Money, months: int, extension: int
) -> None:
    with pytest.raises(FeeInputError):
        calculate(rules, "general", salary, months, extension_months=extension)


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(Decimal(1200), "USD"), "1.200 USD"),
        (Money(Decimal(30_000_000), "VND"), "30.000.000 đồng"),
        (Money(Decimal("1237.5"), "USD"), "1.237,50 USD"),
        (Money(Decimal(180_000), "JPY"), "180.000 yên"),
        (Money(Decimal(28_000), "TWD"), "28.000 Đài tệ"),
        (Money(Decimal(0), "KRW"), "0 won"),
        (Money(Decimal(999), "USD"), "999 USD"),
    ],
)
def test_format_money_vietnamese_style(money: Money, text: str) -> None:
    assert format_money(money) == text
