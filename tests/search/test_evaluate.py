"""The evaluation harness: metrics, the split and a real (small) run on the demo catalogue."""

from samverkan.db import make_engine
from samverkan.search.evaluate import Scores, evaluate, external_cases, render, split_of, swedish_cases


def test_recall_and_mrr():
    scores = Scores()
    for rank in (1, 4, None, 11):
        scores.add(rank)
    assert scores.recall == 0.5  # ranks 1 and 4 are within the top 10
    assert scores.mrr == (1 + 1 / 4 + 1 / 11) / 4


def test_the_split_is_deterministic_and_balanced():
    ids = [str(100000 + i) for i in range(2000)]
    dev = [i for i in ids if split_of(i) == "dev"]
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]
    assert 900 < len(dev) < 1100


def test_swedish_needs_are_swedish_and_point_at_calls():
    needs = swedish_cases()
    assert len(needs) >= 50
    assert all(n.language == "sv" and n.answers for n in needs)


def test_a_small_real_run_reports_every_method(demo_db):
    engine = make_engine(demo_db.url)
    report = evaluate(engine, split="dev", max_cases=40)
    engine.dispose()
    dev_needs = [n for n in swedish_cases() if split_of(n.id) == "dev"]
    assert report["cases"] == {"projects": 40, "needs_sv": len(dev_needs), "external_sv": 15, "external_en": 15}
    assert 15 < len(dev_needs) < 43  # the needs are split too
    assert set(report["methods"]) == {"popularity", "bm25 one doc", "bm25"}
    bm25 = report["methods"]["bm25"]
    assert bm25["needs_sv"]["recall"] > report["methods"]["popularity"]["needs_sv"]["recall"]
    assert "bm25" in render(report)
    for name in ("needs_sv", "external_sv", "external_en"):  # each reported apart, with and without text
        figures = bm25[name]
        assert figures["described"]["cases"] + figures["title_only"]["cases"] == figures["cases"]
    assert bm25["external_sv"]["title_only"]["cases"] == 6  # answers known only by their title


def test_external_needs_come_in_swedish_and_english():
    cases = external_cases()
    assert len(cases["sv"]) == len(cases["en"]) == 15
    assert all(c.language == "sv" for c in cases["sv"]) and all(c.language == "en" for c in cases["en"])
    assert [c.answers for c in cases["sv"]] == [c.answers for c in cases["en"]]
    assert not any(c.held_out for c in cases["sv"] + cases["en"])
