"""Only what the record says (review A W5, W6): liver dominance is never inferred from a liver-metastasis code
alone, and crisis cover needs a procedure planned or recommended, not an MDT option."""
from __future__ import annotations

from datetime import date

from service.picture.model import Agent, Syndrome, TherapyStatus
from tests.picture.factories import AS_OF, NETOBS, condition, ileal_net, observation, qty, record
from tests.rules.factories import MISSING, fact, make_picture, run, therapy


def test_liver_metastasis_code_alone_is_not_liver_dominant(picture_of):
    p = picture_of(record(ileal_net(), condition("C7B.02")), as_of=AS_OF)
    assert p.liver_metastases.is_(True)
    assert not p.liver_dominant.known and "not documented" in p.liver_dominant.note


def test_hepatic_burden_without_extrahepatic_sites_is_liver_dominant(picture_of):
    burden = observation("hepatic-tumor-burden", system=NETOBS, valueQuantity=qty(20, "%"))
    p = picture_of(record(ileal_net(), condition("C7B.02"), burden), as_of=AS_OF)
    assert p.liver_dominant.is_(True)


PROGRESSING_LIVER = dict(liver_dominant=MISSING, hepatic_burden_percent=MISSING, progression=True,
                         resectability=MISSING, newly_diagnosed=False,
                         therapies=(therapy(Agent.SSA, start=date(2025, 1, 1)),))


def test_ld02_says_if_liver_dominant_when_dominance_is_not_documented():
    (out,) = run("LD-02", **PROGRESSING_LIVER)
    assert out.card == "liver-directed-if-liver-dominant"
    assert any("outside the liver" in m for m in out.missing)
    assert not any(f.name == "Liver-dominant disease" for f in out.facts)


def test_ld02_documented_dominance_keeps_the_standard_card():
    (out,) = run("LD-02", **dict(PROGRESSING_LIVER, liver_dominant=True, hepatic_burden_percent=20.0))
    assert out.card == "liver-directed-therapy-resectability-unknown"


def test_no_crisis_cover_for_a_procedure_only_considered():
    """A 'consider liver-directed therapy' (MDT option) is no planned procedure: no F-05 card or draft."""
    cs = dict(PROGRESSING_LIVER, syndromes=frozenset({Syndrome.CARCINOID}), carcinoid_syndrome=True,
              sstr=MISSING, liver_dominant=True, hepatic_burden_percent=20.0)
    assert "liver-directed-therapy-resectability-unknown" in {o.card for o in run("LD-02", **cs) if o.fires}
    assert not [o for o in run("F-05", **cs) if o.fires]


def test_crisis_cover_for_a_planned_procedure():
    cs = dict(PROGRESSING_LIVER, syndromes=frozenset({Syndrome.CARCINOID}), carcinoid_syndrome=True,
              therapies=PROGRESSING_LIVER["therapies"] + (
                  therapy(Agent.SURGERY, status=TherapyStatus.PLANNED,
                          start=date(2026, 12, 10)),))
    assert [o.card for o in run("F-05", **cs) if o.fires] == ["crisis-prophylaxis"]
