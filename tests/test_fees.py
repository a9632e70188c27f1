"""Tests of the fee check: the sourced rules and rate files (faq/fee_rules.py), what
workers type (faq/fee_input.py) and the caps and comparisons (faq/fees.py).

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

from faq.fee_input import parse_amount, read_fee_question
from faq.fee_rules import DEFAULT_RATES_PATH, load_rates
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
from faq.money import format_vnd


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
        assert rule.reviewed <= dt.date(2026, 12, 1), rule.id


def test_markets_jobs_and_aliases(rules: FeeRules) -> None:
    for code in ("general", "kr_eps", "jp_im", "undecided", "de_triple_win"):
        assert rules.market(code).code == code
    for code in ("jp", "kr", "tw", "de", "au", "my", "mid_east"):  # the registration's codes too
        market = rules.market(code)
        assert market.cap == "general_cap" and "lower_market_caps" in market.notes
    assert rules.market("eps").code == "kr_eps" and rules.market("triple_win").cap is None
    assert rules.job("ship_crew").cap == "ship_crew_cap"  # type: ignore[union-attr]
    assert "domestic" in rules.market("tw").jobs and rules.market("kr_eps").jobs == ()
    with pytest.raises(ValueError, match="unknown job"):
        rules.job("astronaut")


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
    assert "Điều 59" in by_id["guarantor_property"].source
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


def test_unknown_job_and_currency_are_reported(tmp_path: Path) -> None:
    def break_market(data: dict[str, Any]) -> None:
        data["markets"]["jp"]["jobs"].append("astronaut")
        data["markets"]["jp"]["currency"] = "XYZ"
        data["jobs"]["fishing"]["cap"] = "fee_timing"

    with pytest.raises(FeeRulesError) as info:
        load_fee_rules(_write_rules(tmp_path, break_market))
    text = str(info.value)
    assert "unknown job 'astronaut'" in text and "unknown currency 'XYZ'" in text
    assert "job 'fishing': cap 'fee_timing'" in text


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


@pytest.mark.parametrize(
    "market", ["jp", "kr", "tw", "de", "au", "my", "mid_east", "undecided", "general"]
)
def test_other_markets_use_general_caps_and_warn_of_lower_caps(
    rules: FeeRules, market: str
) -> None:
    answer = calculate(rules, market, usd(1000), 36)
    assert answer.max_service_fee == usd(3000)
    text = " ".join(answer.lines)
    assert "mức trần thấp hơn" in text
    assert "trung tâm" in text


def test_ship_crew_one_and_a_half_months_per_year(rules: FeeRules) -> None:
    answer = calculate(rules, "general", usd(1000), 12, job="ship_crew")
    assert answer.max_service_fee == usd(1500)
    assert answer.months_of_wage == Decimal("1.5")
    answer = calculate(rules, "general", usd(1000), 24, job="ship_crew")
    assert answer.max_service_fee == usd(3000)
    assert answer.months_of_wage == Decimal(3)


def test_ship_crew_long_contract_gives_no_unverified_number(rules: FeeRules) -> None:
    answer = calculate(rules, "general", usd(1000), 36, job="ship_crew")
    assert answer.max_service_fee is None
    assert answer.months_of_wage is None
    assert "hãy hỏi trung tâm" in answer.lines[0]


@pytest.mark.parametrize("market", ["kr_eps", "jp_im"])
def test_public_programmes_charge_no_service_fee(rules: FeeRules, market: str) -> None:
    assert calculate(rules, market, job="ship_crew").no_fee  # a job cap does not apply
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
    assert "hợp đồng bảo lãnh bằng văn bản" in text and "mất tài sản" in text
    assert "sau khi hợp đồng cung ứng lao động đã được duyệt" in text
    assert "mức trần thấp hơn" in text
    assert "Luật 69/2020/QH14, Điều 7 khoản 8" in answer.sources
    assert "Luật 69/2020/QH14, Điều 23 khoản 2 điểm c" in answer.sources
    assert len(answer.sources) == len(set(answer.sources))


def test_lines_are_short_plain_sentences(rules: FeeRules) -> None:
    for market in sorted(rules.markets):
        for line in calculate(rules, market, usd(1000), 24, job="ship_crew").lines:
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


# --------------------------------------------------------------------------- programmes


def test_germany_triple_win_charges_no_placement_fee(rules: FeeRules) -> None:
    answer = calculate(rules, "de_triple_win", parse_salary("2500 euro"), 36)
    assert answer.no_fee and answer.max_service_fee == Money(Decimal(0), "EUR")
    assert "Triple Win" in answer.lines[1] and "không phải trả phí tuyển dụng" in answer.lines[1]
    via_company = calculate(rules, "de", parse_salary("2500 euro"), 36, job="nurse")
    assert via_company.max_service_fee == Money(Decimal(7500), "EUR")
    assert via_company.notes[0].id == "triple_win_option"


def test_taiwan_shows_the_lawful_monthly_agency_fee(rules: FeeRules) -> None:
    answer = calculate(rules, "tw", parse_salary("20000 dai te"), 36, job="domestic")
    assert [n.id for n in answer.notes[:2]] == ["domestic_work", "taiwan_agency_fee"]
    text = answer.notes[1].text
    assert "1.800 Đài tệ" in text and "1.700 Đài tệ" in text and "1.500 Đài tệ" in text


def test_fishing_crew_is_not_ship_crew(rules: FeeRules) -> None:
    answer = calculate(rules, "tw", usd(1000), 12, job="fishing")
    assert answer.max_service_fee == usd(1000)
    assert answer.notes[0].id == "fishing_crew_general_cap"


# --------------------------------------------------------------------------- rates


def test_rates_have_a_date_and_a_source() -> None:
    table = load_rates()
    assert {"USD", "EUR", "JPY"} <= set(table.rates)
    for rate in table.rates.values():
        assert rate.vnd > 0 and rate.source and rate.date <= dt.date(2026, 12, 1)
    assert table.rates["JPY"].vnd == Decimal("173.12")  # Vietcombank, bán ra, 25/12/2025
    usd_rate = table.rates["USD"]
    assert table.is_stale(usd_rate, usd_rate.date + dt.timedelta(days=40))
    assert not table.is_stale(usd_rate, usd_rate.date + dt.timedelta(days=3))


def _write_rates(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rates.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_rate_of_its_own_date_and_source(tmp_path: Path) -> None:
    path = _write_rates(
        tmp_path,
        'date: 2026-11-30\nsource: "Ngân hàng A"\nrates:\n  USD: "26000"\n'
        '  TWD: {vnd: "820", date: 2026-11-29, source: "Ngân hàng B"}\n',
    )
    table = load_rates(path)
    assert table.rates["TWD"].source == "Ngân hàng B"
    assert table.rates["TWD"].date == dt.date(2026, 11, 29)
    assert table.rates["USD"].source == "Ngân hàng A"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('source: "A"\nrates:\n  USD: "26000"\n', "missing or invalid date"),
        ("date: 2026-11-30\nrates:\n  USD: '26000'\n", "missing source"),
        ('date: 2026-11-30\nsource: "A"\nrates:\n  USD: 26000.5\n', "as a string"),
        ('date: 2026-11-30\nsource: "A"\nrates:\n  XYZ: "1"\n', "unknown currency"),
        ('date: 2026-11-30\nsource: "A"\nrates:\n  USD: "-1"\n', "must be positive"),
        ('date: 2026-11-30\nsource: "A"\nrates: [1]\n', "mapping of currency"),
    ],
)
def test_bad_rate_files_fail_to_load(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(FeeRulesError, match=message):
        load_rates(_write_rates(tmp_path, text))


def test_the_rate_file_is_part_of_the_rules(tmp_path: Path) -> None:
    bad = _write_rates(tmp_path, "rates: 3\n")
    with pytest.raises(FeeRulesError, match="rates"):
        load_fee_rules(DEFAULT_FEE_RULES_PATH, bad)
    assert load_fee_rules().rates.rates.keys() == load_rates(DEFAULT_RATES_PATH).rates.keys()


# --------------------------------------------------------------------------- comparisons


def test_cap_in_dong_by_the_rate_and_the_amount_asked(rules: FeeRules) -> None:
    answer = calculate(
        rules, "jp", parse_salary("180.000 yên"), 36, asked=parse_amount("150 triệu")
    )
    assert answer.max_service_fee == Money(Decimal(540_000), "JPY")
    assert answer.max_fee_vnd == Decimal(93_484_800)  # 540.000 x 173,12, rounded down
    assert answer.comparison == "above" and answer.excess_vnd == Decimal(56_515_200)
    assert [r.currency for r in answer.rates] == ["JPY"]


def test_same_currency_needs_no_rate(rules: FeeRules) -> None:
    answer = calculate(rules, "tw", parse_salary("30 triệu"), 36, asked=parse_amount("90 tr"))
    assert answer.comparison == "within" and answer.rates == ()
    answer = calculate(rules, "tw", parse_salary("30 triệu"), 36, asked=parse_amount("91 tr"))
    assert answer.comparison == "above"


def test_close_to_the_cap_through_a_rate_is_near(rules: FeeRules) -> None:
    cap_vnd = 3000 * 26403  # 79.209.000
    near = calculate(rules, "jp", usd(1000), 36, asked=parse_amount("80 triệu"))
    assert near.max_fee_vnd == cap_vnd and near.comparison == "near"
    below = calculate(rules, "jp", usd(1000), 36, asked=parse_amount("70 triệu"))
    assert below.comparison == "within"


def test_no_rate_no_comparison(rules: FeeRules) -> None:
    answer = calculate(
        rules, "tw", parse_salary("20000 dai te"), 36, asked=parse_amount("100 triệu")
    )
    assert answer.comparison is None and answer.max_fee_vnd is None
    assert answer.rate_missing == ("TWD",)


def test_wage_needed_when_the_wage_is_not_known(rules: FeeRules) -> None:
    answer = calculate(rules, "jp", None, 36, asked=parse_amount("150 triệu"))
    assert answer.months_of_wage == 3 and answer.max_service_fee is None
    assert answer.wage_needed == Money(Decimal(50_000_000), "VND")
    assert answer.wage_needed_abroad == Money(Decimal(288_818), "JPY")  # rounded up
    short = calculate(rules, "jp", None, 12, asked=parse_amount("30 triệu"))
    assert short.wage_needed == Money(Decimal(30_000_000), "VND")


def test_any_amount_asked_for_a_free_programme_is_too_much(rules: FeeRules) -> None:
    answer = calculate(rules, "kr_eps", asked=parse_amount("5 triệu"))
    assert answer.no_fee and answer.comparison == "above"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal(93_484_800), "93,4 triệu đồng"),
        (Decimal(50_000_000), "50 triệu đồng"),
        (Decimal(850_000), "850.000 đồng"),
        (Decimal(1_000_000_000), "1.000 triệu đồng"),
    ],
)
def test_format_vnd(amount: Decimal, text: str) -> None:
    assert format_vnd(amount) == text


# --------------------------------------------------------------------------- questions


@pytest.mark.parametrize(
    ("text", "asked", "market", "months", "job"),
    [
        ("công ty đòi 150 triệu đi Nhật 3 năm có đúng không", "150000000 VND", "jp", 36, None),
        ("vay cty thu 150 trieu di nhat la co qua muc ko", "150000000 VND", "jp", None, None),
        ("sang han lam 3 nam cty doi 200tr", "200000000 VND", "kr", 36, None),
        ("đi đài loan giúp việc cty đòi 5000 usd", "5000 USD", "tw", None, "domestic"),
        ("cty lay 8000 do di nhat 3 nam co dung luat k", "8000 USD", "jp", 36, None),
        ("di duc dieu duong triple win mat 100 trieu", "100000000 VND", "de_triple_win", None,
         "nurse"),
        ("cty doi 150 trieu de lo cho di eps co dung khong", "150000000 VND", "kr_eps", None,
         None),
    ],
)  # fmt: skip
def test_fee_questions_are_read(
    text: str, asked: str, market: str, months: int | None, job: str | None
) -> None:
    question = read_fee_question(text)
    assert question is not None
    amount, currency = asked.split()
    assert question.asked == Money(Decimal(amount), currency)
    assert (question.market, question.months, question.job) == (market, months, job)


def test_a_salary_next_to_the_amount_asked() -> None:
    question = read_fee_question("lương 180.000 yên, cty đòi 150 triệu đi nhật 3 năm")
    assert question is not None and question.salary == Money(Decimal(180_000), "JPY")
    assert question.asked == Money(Decimal(150_000_000), "VND")


@pytest.mark.parametrize(
    "text",
    [
        "lương 30 triệu có cao không",  # a wage, not an amount asked
        "chi can dat coc 30 trieu la bay",  # a deposit: its own rules (and a red flag)
        "vay ngan hang 100 trieu di han",  # a loan
        "đi eps hết bao nhiêu tiền",  # no amount
        "dong quy 100 nghin la gi",  # the support fund
    ],
)
def test_not_fee_questions(text: str) -> None:
    assert read_fee_question(text) is None


def test_brokerage_is_noted() -> None:
    question = read_fee_question("cty bao e nop 150 trieu phi moi gioi de di nhat")
    assert question is not None and question.brokerage
