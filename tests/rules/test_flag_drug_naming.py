"""SB-12 / SB-11 name the drug that carries the flag (specialist review): a record whose text names two drugs
("rifampicin 600 mg (with levofloxacin)") raises the QT caution for levofloxacin, never "review rifampicin"."""
from __future__ import annotations

from service.picture.model import Medication
from service.rules.interactions import flag_facts, flag_name
from tests.orders.answers import all_answers

QT = ("qt-prolonging",)


def test_the_text_named_drug_carries_a_text_flag():
    m = Medication("rifampicin 600 mg (with levofloxacin)", (), "MedicationRequest/x",
                   frozenset({"qt-prolonging", "strong-cyp3a4-inducer"}),
                   flag_drugs=(("strong-cyp3a4-inducer", "rifampicin"), ("qt-prolonging", "levofloxacin")))
    assert flag_name(m, QT) == "levofloxacin"
    assert flag_name(m, ("strong-cyp3a4-inducer",)) == "rifampicin"
    lines = [f.display for f in flag_facts([m], QT, "QT-prolonging")]
    assert any("levofloxacin (QT-prolonging) is named in the text of the rifampicin record" in x for x in lines)
    assert not [f for f in flag_facts([m], ("strong-cyp3a4-inducer",), "inducer") if "named in the text" in f.display]


def test_fixture_cards_name_levofloxacin_for_qt():
    answers = all_answers()
    for pid in ("net-282", "net-283"):
        (qt,) = [c for c in answers[pid]["cards"] if c["summary"].startswith("Sunitinib can prolong QT")]
        assert "levofloxacin" in qt["summary"] and "rifampicin" not in qt["summary"], pid
        assert "named in the text of the rifampicin record" in qt["detail"], pid
        (cyp,) = [c for c in answers[pid]["cards"] if "CYP3A4 inducer" in c["summary"]]
        assert "rifampicin" in cyp["summary"] and "levofloxacin" not in cyp["summary"], pid
