"""A signable draft carries one dose (reviews A U3, B Wd3): over every fixture answer, no draft has a dose range
(``doseRange`` with low != high, ordered or calculated) unless the knowledge marks the drug as titrated within
it (``titration``) -- and since review D not even then, as-needed orders included: a scheduled order (octreotide SC
three times daily) is one dose with the titration in its text (specialist review, VIPoma: net-278, net-279), and
so is the as-needed rescue (review D net-02: 100-250 micrograms timed once a day beside "up to three times a day"). Cytotoxic and one-off
peri-procedural doses are never ranges (cisplatin 75 mg/m2, octreotide cover 100 micrograms); the knowledge's
``dose_choice`` says why the one dose, and the range stays in the text."""
from __future__ import annotations

import pytest

from service.errors import KnowledgeError
from tests.orders.answers import all_answers, drafts
from tests.rules.factories import knowledge


def _drug(mr: dict):
    code = mr["medicationCodeableConcept"]["coding"][0]["code"]
    text = mr["medicationCodeableConcept"].get("text")
    return next((d for d in knowledge().drugs.values() if d.rxnorm == code and d.display == text), None)


def range_problems(body: dict) -> list[str]:
    out = []
    for card in body["cards"]:
        for _, mr, _ in drafts(card):
            dosage = mr["dosageInstruction"][0]
            for entry in dosage.get("doseAndRate", []):
                r = entry.get("doseRange")
                if r is None or r["low"]["value"] == r["high"]["value"]:
                    continue
                drug = _drug(mr)
                name = mr["medicationCodeableConcept"].get("text")
                as_needed = bool(dosage.get("asNeededCodeableConcept") or dosage.get("asNeededBoolean"))
                if drug is None or not drug.titration:
                    out.append(f"{card['summary'][:60]!r}: {name!r} carries a dose range "
                               f"{r['low']['value']}-{r['high']['value']} {r['low']['code']} with no titration")
                else:
                    out.append(f"{card['summary'][:60]!r}: {name!r} is an {'as-needed' if as_needed else 'scheduled'} "
                               f"order with a dose range {r['low']['value']}-{r['high']['value']} {r['low']['code']} "
                               "(one dose, titration in the text)")
    return out


@pytest.fixture(scope="module")
def answers() -> dict[str, dict]:
    return all_answers()


def test_no_fixture_draft_carries_an_untitrated_dose_range(answers):
    found = {pid: p for pid, body in sorted(answers.items()) if (p := range_problems(body))}
    assert not found, "\n".join(f"{pid}: {line}" for pid, lines in found.items() for line in lines)


def test_cisplatin_is_one_dose_per_m2_and_one_computed_dose(answers):
    for pid in ("net-22", "net-233"):
        (card,) = [c for c in answers[pid]["cards"] if any(
            mr["medicationCodeableConcept"].get("text", "").startswith("Cisplatin") for _, mr, _ in drafts(c))]
        (mr,) = [mr for _, mr, _ in drafts(card) if mr["medicationCodeableConcept"]["text"].startswith("Cisplatin")]
        entries = {e["type"]["coding"][0]["code"]: e for e in mr["dosageInstruction"][0]["doseAndRate"]}
        assert entries["ordered"]["doseQuantity"]["value"] == 75 and entries["ordered"]["doseQuantity"]["code"] == "mg/m2"
        assert "75-80" in card["detail"], "the range stays in the card's text"
        if pid == "net-233":  # 180 cm, 81 kg: BSA 2.01 m2 -> 151 mg, one value
            assert entries["calculated"]["doseQuantity"]["value"] == 151


def test_peri_procedural_octreotide_is_one_bolus(answers):
    for pid in ("net-47", "net-234"):
        (card,) = [c for c in answers[pid]["cards"] if c["summary"].startswith("Give octreotide cover")]
        (_, mr, _), = list(drafts(card))
        assert mr["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 100, pid


def test_the_check_catches_a_cytotoxic_range():
    from service.render import medication_create
    from tests.rules.factories import make_picture
    mr = medication_create("cisplatin-nec", make_picture(), knowledge=knowledge())["resource"]
    mr["dosageInstruction"][0]["doseAndRate"][0].pop("doseQuantity")
    mr["dosageInstruction"][0]["doseAndRate"][0]["doseRange"] = {
        "low": {"value": 75, "code": "mg/m2"}, "high": {"value": 80, "code": "mg/m2"}}
    body = {"cards": [{"summary": "x", "suggestions": [{"actions": [{"type": "create", "resource": mr}]}]}]}
    assert range_problems(body)


def test_the_loader_refuses_a_range_without_titration(tmp_path):
    import shutil
    from pathlib import Path

    from service.knowledge import load_knowledge
    from service.rules import load_rules
    cards = Path(__file__).resolve().parents[2] / "cards"
    shutil.copytree(cards, tmp_path / "cards")
    drugs = tmp_path / "cards" / "knowledge" / "drugs.yaml"
    text = drugs.read_text(encoding="utf-8")
    drugs.write_text(text.replace("dose: {value: 75, unit: mg/m2}", "dose: {low: 75, high: 80, unit: mg/m2}"),
                     encoding="utf-8")
    with pytest.raises(KnowledgeError, match="dose range needs `titration`"):
        load_knowledge(tmp_path / "cards", rule_ids=load_rules().keys())


def test_the_loader_refuses_a_titrated_range_on_a_scheduled_order(tmp_path):
    """Titration words in the text do not make a scheduled range signable: only an as-needed order has one."""
    import shutil
    from pathlib import Path

    from service.knowledge import load_knowledge
    from service.rules import load_rules
    cards = Path(__file__).resolve().parents[2] / "cards"
    shutil.copytree(cards, tmp_path / "cards")
    drugs = tmp_path / "cards" / "knowledge" / "drugs.yaml"
    text = drugs.read_text(encoding="utf-8")
    old = "    bridge: true\n    dose: {value: 100, unit: ug}"
    assert old in text
    drugs.write_text(text.replace(old, "    bridge: true\n    dose: {low: 100, high: 250, unit: ug}"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="an order carries one dose"):
        load_knowledge(tmp_path / "cards", rule_ids=load_rules().keys())


@pytest.mark.parametrize("old, new, message", [
    ("    dose: {value: 100, unit: ug}\n    timing: {frequency: 1, period: 8, period_unit: h}",
     "    dose: {low: 100, high: 250, unit: ug}\n    timing: {frequency: 1, period: 8, period_unit: h}",
     "dose range needs `titration`|an order carries one dose"),
    ("timing: {frequency: 1, period: 8, period_unit: h}", "timing: {frequency: 1, period: 1, period_unit: d}",
     "allows 1 doses a day"),
])
def test_the_loader_refuses_an_as_needed_range_or_timing_that_disagrees_with_its_maximum(tmp_path, old, new, message):
    """Review D net-02: the rescue octreotide draft was 100-250 micrograms, timed once a day, max 750 a day."""
    import shutil
    from pathlib import Path

    from service.knowledge import load_knowledge
    from service.rules import load_rules
    cards = Path(__file__).resolve().parents[2] / "cards"
    shutil.copytree(cards, tmp_path / "cards")
    drugs = tmp_path / "cards" / "knowledge" / "drugs.yaml"
    text = drugs.read_text(encoding="utf-8")
    assert text.count(old) == 1
    drugs.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge(tmp_path / "cards", rule_ids=load_rules().keys())


def test_as_needed_rescue_octreotide_structure_says_what_the_text_says(answers):
    """One dose, as needed, at most every 8 hours, at most 3 doses (300 micrograms) a day (review D net-02)."""
    seen = 0
    for pid, body in answers.items():
        for card in body["cards"]:
            for _, mr, _ in drafts(card):
                dosage = mr["dosageInstruction"][0]
                if not dosage.get("asNeededCodeableConcept"):
                    continue
                seen += 1
                (entry,) = dosage["doseAndRate"]
                assert "doseRange" not in entry, pid
                dose = entry["doseQuantity"]["value"]
                repeat = dosage["timing"]["repeat"]
                assert "frequencyMax" not in repeat, pid
                per_day = repeat["frequency"] * {"h": 24, "d": 1}[repeat["periodUnit"]] / repeat["period"]
                assert per_day * dose == dosage["maxDosePerPeriod"]["numerator"]["value"], pid
                if "three times a day" in dosage["text"]:
                    assert per_day == 3, pid
    assert seen, "no fixture drafts an as-needed order"


def test_scheduled_short_acting_octreotide_is_one_dose(answers):
    """The VIPoma / carcinoid-syndrome start (octreotide SC TID bridge) and the VIPoma add-on are one dose each."""
    seen = 0
    for pid, body in answers.items():
        for card in body["cards"]:
            for _, mr, _ in drafts(card):
                dosage = mr["dosageInstruction"][0]
                text = mr["medicationCodeableConcept"].get("text", "")
                if not (text.startswith("Octreotide") and "three times daily" in text) or \
                        dosage.get("asNeededCodeableConcept") or dosage.get("asNeededBoolean"):
                    continue
                seen += 1
                (entry,) = dosage["doseAndRate"]
                assert entry["doseQuantity"]["value"] == 100 and "doseRange" not in entry, pid
                assert "250" in dosage["text"], f"{pid}: the titration stays in the text"
    assert seen, "no fixture drafts scheduled short-acting octreotide"
    for pid in ("net-278", "net-279"):
        assert any("three times daily" in mr["medicationCodeableConcept"].get("text", "")
                   for card in answers[pid]["cards"] for _, mr, _ in drafts(card)), pid
