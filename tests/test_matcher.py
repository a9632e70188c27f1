"""Tests of faq.matcher on the small sample content in tests/data/faq_sample."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

import pytest

from faq.content import load_content
from faq.lexicon import load_lexicon
from faq.matcher import (
    ANSWER_MIN_SCORE,
    SUGGEST_MIN_SCORE,
    FaqIndex,
    Lookup,
)

SAMPLE_DIR = Path(__file__).parent / "data" / "faq_sample"
TODAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex.build(load_content(SAMPLE_DIR, today=TODAY))


def top_id(lookup: Lookup) -> str | None:
    return lookup.matches[0].entry.id if lookup.matches else None


def test_thresholds_are_ordered() -> None:
    assert 0 < SUGGEST_MIN_SCORE < ANSWER_MIN_SCORE <= 100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đi Hàn Quốc theo EPS cần điều kiện gì?", "eps_conditions"),
        ("di han quoc can dieu kien gi", "eps_conditions"),
        ("đi hàn quốc cần những điều kiện gì vậy ạ", "eps_conditions"),
        ("vay von co can the chap khong", "loan_collateral"),
        ("trung tam lam viec gio nao", "centre_hours"),
    ],
)
def test_confident_hit_without_diacritics(index: FaqIndex, text: str, expected: str) -> None:
    found = index.lookup(text)
    assert found.kind == "answer", found
    assert top_id(found) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("di hq het bn tien", "eps_cost"),
        ("cho em hoi di han mat bn tien a", "eps_cost"),
        ("ad oi dk gi de di hq", "eps_conditions"),
        ("vay nhcsxh di xkld dc bn", "loan_amount"),
        ("vay co can tai san bao dam ko", "loan_collateral"),
        ("thi tieng hq o dau", "eps_topik"),
        ("thi eps-topic o dau a", "eps_topik"),
    ],
)
def test_abbreviation_hit(index: FaqIndex, text: str, expected: str) -> None:
    found = index.lookup(text)
    assert found.kind in {"answer", "suggest"}, found
    assert top_id(found) == expected


def test_entity_word_beats_filler(index: FaqIndex) -> None:
    # "han quoc" and money words decide, not the shared "di ... bao nhieu".
    found = index.lookup("di han quoc het bn tien")
    assert top_id(found) == "eps_cost"
    assert found.kind == "answer"


def test_suggest_when_unsure(index: FaqIndex) -> None:
    found = index.lookup("han quoc")
    assert found.kind == "suggest", found
    ids = [m.entry.id for m in found.matches]
    assert 2 <= len(ids) <= 3
    assert set(ids) <= {"eps_conditions", "eps_cost", "eps_topik"}


def test_matches_are_sorted_and_distinct(index: FaqIndex) -> None:
    found = index.lookup("di han quoc", limit=3)
    scores = [m.score for m in found.matches]
    assert scores == sorted(scores, reverse=True)
    assert len({m.entry.id for m in found.matches}) == len(found.matches)
    for match in found.matches:
        assert match.question in match.entry.questions


def test_limit_is_respected(index: FaqIndex) -> None:
    assert len(index.lookup("han quoc", limit=1).matches) <= 1


def test_match_reports_the_question_that_matched(index: FaqIndex) -> None:
    found = index.lookup("chi phi di han quoc eps la bao nhieu")
    assert found.matches[0].question == "chi phi di han quoc eps la bao nhieu"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀😀",
        "🙏",
        "?!",
        "alo",
        "chao ad",
        "xin chào",
        "hi",
        "ok",
        "cảm ơn ạ",
        "ad oi cho em hoi",
        "a",
        "di",
        "thoi tiet hom nay dep qua",
        "mua ban xe may cu",
    ],
)
def test_none_for_greetings_and_unrelated(index: FaqIndex, text: str) -> None:
    assert index.lookup(text) == Lookup("none")


def test_long_input_returns_quickly(index: FaqIndex) -> None:
    text = ("cho em hỏi đi hàn quốc hết bao nhiêu tiền ạ 😀 " * 120)[:5000]
    start = time.perf_counter()
    found = index.lookup(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.05
    assert top_id(found) == "eps_cost"


def test_random_long_garbage_is_fast(index: FaqIndex) -> None:
    text = "".join(chr(0x41 + (i * 7919) % 2000) for i in range(5000))
    start = time.perf_counter()
    index.lookup(text)
    assert time.perf_counter() - start < 0.05


def test_lookup_is_fast(index: FaqIndex) -> None:
    questions = ["di hq het bn tien", "vay co can the chap ko", "thi tieng han o dau"] * 50
    start = time.perf_counter()
    for question in questions:
        index.lookup(question)
    assert (time.perf_counter() - start) / len(questions) < 0.005


def test_rebuild_picks_up_new_entries(tmp_path: Path) -> None:
    for path in SAMPLE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path)
    old = FaqIndex.build(load_content(tmp_path, today=TODAY))
    assert top_id(old.lookup("di dai loan het bao nhieu tien")) != "taiwan_cost"
    (tmp_path / "taiwan.yaml").write_text(
        """\
topic: taiwan
title: "Đài Loan"
order: 30
entries:
  - id: taiwan_cost
    questions: ["Đi Đài Loan hết bao nhiêu tiền?", "chi phi di dai loan"]
    answer: "Chi phí đi Đài Loan khoảng 4.000 USD."
    sources: ["Thông báo của Cục"]
    reviewed: 2025-11-23
""",
        encoding="utf-8",
    )
    new = FaqIndex.build(load_content(tmp_path, today=TODAY))
    found = new.lookup("di dai loan het bn tien")
    assert found.kind == "answer"
    assert top_id(found) == "taiwan_cost"
    # the old index is untouched and still serves
    assert "taiwan_cost" not in {m.entry.id for m in old.lookup("di dai loan").matches}


def test_empty_knowledge_base() -> None:
    from faq.content import KnowledgeBase

    index = FaqIndex.build(KnowledgeBase(()))
    assert index.lookup("di han quoc het bao nhieu tien") == Lookup("none")


# --- reading messages the way a person does (tests/data/faq_matcher + the shipped lexicon) ---

MATCHER_DIR = Path(__file__).parent / "data" / "faq_matcher"


@pytest.fixture(scope="module")
def reader() -> FaqIndex:
    return FaqIndex.build(load_content(MATCHER_DIR, today=TODAY), load_lexicon())


def _score_of(lookup: Lookup, entry_id: str) -> float:
    return next((m.score for m in lookup.matches if m.entry.id == entry_id), 0.0)


STORY = (
    "Chào anh chị, em là người Mông ở xã Y Tý, năm nay 24 tuổi. "
    "Nhà em làm nương, anh trai em cũng đang đi làm xa. "
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Tiền ký quỹ để làm gì, có phải nộp không?", "dep_what"),
        ("đi hàn quốc theo eps hết bao nhiêu tiền?", "kr_cost"),
        ("làm hộ chiếu ở đâu vậy ạ", "passport"),
        ("cty đòi thế chấp sổ đỏ nhà em có đúng không", "fee_collateral"),
        ("vay ngân hàng chính sách được bao nhiêu", "loan_amount"),
    ],
)
def test_story_around_a_question_does_not_change_the_answer(
    reader: FaqIndex, question: str, expected: str
) -> None:
    alone = reader.lookup(question)
    told = reader.lookup(STORY + question)
    assert top_id(alone) == top_id(told) == expected
    assert told.kind == alone.kind == "answer"
    # extra words never lower the right entry's score
    assert _score_of(told, expected) >= _score_of(alone, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # cọc / đặt cọc / tiền đảm bảo → ký quỹ
        ("coc bao nhieu tien", "dep_what"),
        ("cty bat dat coc truoc, tien dat coc de lam gi", "dep_what"),
        ("tien dam bao hop dong la gi", "dep_what"),
        # không đi nữa / đổi ý → rút hồ sơ
        ("e doi y khong di nua thi cty tru bao nhieu tien", "withdraw_refund"),
        # trốn / ở lại → bỏ trốn
        ("tron ra ngoai lam thi bi phat the nao", "runaway"),
        ("het hd o lai lam tiep bi phat the nao", "runaway"),
        # bay → xuất cảnh
        ("cho bay lau qua, 8 thang roi chua bay", "wait_long"),
        # sổ đỏ → tài sản bảo đảm
        ("cong ty giu so do nha em", "fee_collateral"),
        # osin → giúp việc gia đình
        ("di dai loan lam osin co nen ko", "helper_taiwan"),
    ],
)
def test_the_lexicon_makes_synonyms_meet(reader: FaqIndex, text: str, expected: str) -> None:
    found = reader.lookup(text)
    assert top_id(found) == expected, found
    assert found.kind in ("answer", "suggest")


def test_synonyms_only_match_through_the_lexicon(reader: FaqIndex) -> None:
    """Without the lexicon "sổ đỏ" meets nothing and "osin" is a guess."""
    plain = FaqIndex.build(load_content(MATCHER_DIR, today=TODAY))
    assert top_id(plain.lookup("cong ty giu so do nha em")) != "fee_collateral"
    osin = "di dai loan lam osin co nen ko"
    assert plain.lookup(osin).kind != "answer"
    assert reader.lookup(osin).kind == "answer"


def test_two_questions_get_two_answers_in_order(reader: FaqIndex) -> None:
    lookups = reader.read("ky quy la gi, ve nuoc dung han co lay lai duoc khong")
    assert [lk.kind for lk in lookups] == ["answer", "answer"]
    assert [top_id(lk) for lk in lookups] == ["dep_what", "dep_refund"]
    assert "ky quy" in lookups[0].clause and "dung han" in lookups[1].clause
    # lookup() gives the main question of the two
    assert top_id(reader.lookup("ky quy la gi, ve nuoc dung han co lay lai duoc khong")) in {
        "dep_what",
        "dep_refund",
    }


def test_one_question_told_twice_is_one_answer(reader: FaqIndex) -> None:
    lookups = reader.read("lam ho chieu o dau. cho em hoi ho chieu xin o dau a")
    assert len(lookups) == 1
    assert top_id(lookups[0]) == "passport"


@pytest.mark.parametrize(
    "text",
    [
        "hôm nay trời mưa to quá",
        "mua xe máy cũ ở đâu rẻ",
        "giá lúa năm nay bao nhiêu một cân",
        "con gà tây nuôi bao lâu thì bán được",
        "đội tuyển bóng đá tối nay đá mấy giờ",
        "cảm ơn nhé",
        "😭😭🙏",
    ],
)
def test_off_topic_text_gets_no_answer(reader: FaqIndex, text: str) -> None:
    assert reader.lookup(text).kind != "answer"


def test_the_market_in_the_story_picks_the_country(reader: FaqIndex) -> None:
    assert top_id(reader.lookup("em muon sang nhat. het bao nhieu tien?")) == "jp_cost"
    assert top_id(reader.lookup("em muon sang han quoc. het bao nhieu tien?")) == "kr_cost"


def test_the_stage_in_the_story_changes_the_answer(reader: FaqIndex) -> None:
    """The deposit comes back to a worker who came home on time, not to one who ran away."""
    question = "gio muon ve nuoc thi co lay lai duoc tien ky quy khong"
    on_time = reader.lookup("em lam het hop dong roi. " + question)
    assert on_time.kind == "answer" and top_id(on_time) == "dep_refund"
    ran_away = reader.lookup("em tron ra ngoai lam 2 nam roi. " + question)
    assert not (ran_away.kind == "answer" and top_id(ran_away) == "dep_refund"), ran_away


def test_typos_of_known_words_are_tolerated(reader: FaqIndex) -> None:
    assert top_id(reader.lookup("lam ho chiue o dau")) == "passport"


def test_alternatives_follow_the_answer(reader: FaqIndex) -> None:
    found = reader.lookup("tien ky quy de lam gi")
    assert found.kind == "answer" and top_id(found) == "dep_what"
    assert [m.score for m in found.matches] == sorted(
        (m.score for m in found.matches), reverse=True
    )
    assert all(m.score >= SUGGEST_MIN_SCORE for m in found.matches)


def test_a_long_story_is_read_fast(reader: FaqIndex) -> None:
    story = (STORY * 20 + "em da nop tien coc, gio khong di nua co lay lai duoc khong?")[:3000]
    start = time.perf_counter()
    reader.read(story)
    assert time.perf_counter() - start < 0.1


# --- the shipped content (faq/content + faq/data/lexicon.yaml) ---------------------


@pytest.fixture(scope="module")
def shipped() -> FaqIndex:
    return FaqIndex.build(load_content(), load_lexicon())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a market named in the question prefers that market's entry
        ("di han quoc het bn tien", "eps_cost"),
        ("di nhat can bao nhieu tien", "jp_cost"),
        # "thủ tục" is the steps; "báo ở đâu" is reporting; "bị lừa đảo" is read whole
        ("thu tuc di han quoc eps the nao", "eps_how_to_go"),
        ("bị lừa đảo thì báo ở đâu", "sc_report"),
        # "vay tối đa" is the loan, not the particle "vậy"
        ("vay tối đa bao nhiêu tiền", "loan_amount"),
        # the general "how to go abroad" is no rival of the Korea entry for a Korea question
        ("em muốn đi hàn quốc thì làm thế nào", "eps_how_to_go"),
    ],
)
def test_short_questions_get_their_entry(shipped: FaqIndex, text: str, expected: str) -> None:
    lookup = shipped.lookup(text)
    assert lookup.kind == "answer" and top_id(lookup) == expected, lookup


def test_an_entry_about_a_scheme_the_message_does_not_name_ranks_lower(
    shipped: FaqIndex,
) -> None:
    """The seasonal scheme's costs only when the worker says "thời vụ"."""
    plain = shipped.lookup("đi hàn quốc hết bao nhiêu tiền")
    assert plain.kind == "answer" and top_id(plain) == "eps_cost"
    seasonal = shipped.lookup("đi thời vụ hàn quốc hết bao nhiêu tiền")
    assert top_id(seasonal) == "eps_seasonal_cost"


def test_a_question_that_refers_back_is_read_with_its_story(shipped: FaqIndex) -> None:
    """«…, như vậy có đúng luật không» asks about the sentence before it."""
    text = "bố mẹ em phải cầm sổ đỏ cho công ty thì mới được đi, như vậy có đúng luật không"
    [lookup] = shipped.read(text)
    assert lookup.kind == "answer" and top_id(lookup) == "fee_collateral"


def test_a_phone_number_is_contact_details_not_a_topic(shipped: FaqIndex) -> None:
    [lookup] = shipped.read("làm hộ chiếu ở đâu ạ, sđt em 0388 111 222")
    assert lookup.kind == "answer" and top_id(lookup) == "prc_passport"
    assert shipped.lookup("0388111222").kind == "none"
