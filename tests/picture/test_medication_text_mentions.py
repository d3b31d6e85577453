"""A drug named in a medication record's free text raises its interaction flag only when the text names it as
current: a stopped, completed or historical mention does not (review 2026-12: "rifampicin stopped 2 weeks ago"
raised the CYP3A4-inducer caution on an everolimus patient)."""
import pytest

from service.picture.therapy import current_mentions
from tests.picture.factories import AS_OF, RXNORM, med_request, med_statement, record, ileal_net

INDUCER = "strong-cyp3a4-inducer"


def _flags(term, text):
    return {f for e, _ in current_mentions(term, text) for f in (e.get("flags") or ())}


@pytest.mark.parametrize("text", [
    "rifampicin stopped 2 weeks ago",
    "Rifampicin 600 mg daily - stopped 2 weeks ago",
    "everolimus 10 mg daily; rifampicin stopped 2 weeks ago",
    "stopped rifampicin in October",
    "previously on carbamazepine",
    "rifampicin course completed",
    "history of phenytoin use",
    "no longer taking St John's wort",
])
def test_a_stopped_or_historical_mention_raises_no_flag(terminology, text):
    # the plain word matcher finds the drug (the old behaviour raised the flag) ...
    assert terminology.match_all_words("medication_flag_text", text)
    # ... the mention reader does not call it current
    assert INDUCER not in _flags(terminology, text)


@pytest.mark.parametrize("text", [
    "rifampicin 600 mg daily",
    "No change: rifampicin 600 mg daily",               # a bare "no" elsewhere is not a stop cue
    "rifampicin stopped in May, restarted last week",    # a current cue keeps it
    "carbamazepine stopped; phenytoin 100 mg tid",       # another drug of the same class, current
    "stopped levofloxacin; rifampicin 600 mg",
])
def test_a_current_mention_keeps_its_flag(terminology, text):
    assert INDUCER in _flags(terminology, text)


def test_the_carrier_word_is_the_current_drug(terminology):
    (found,) = [w for e, w in current_mentions(terminology, "carbamazepine stopped; phenytoin 100 mg tid")
                if INDUCER in (e.get("flags") or ())]
    assert found == "phenytoin"


def test_picture_current_medications_drop_a_stopped_text_mention(picture_of):
    uncoded = med_statement("x", system="urn:none", text="Rifampicin 600 mg daily - stopped 2 weeks ago")
    p = picture_of(record(ileal_net(), uncoded), as_of=AS_OF)
    assert not any(INDUCER in m.flags for m in p.current_medications)
    current = med_statement("x", system="urn:none", text="Rifampicin 600 mg daily")
    p = picture_of(record(ileal_net(), current), as_of=AS_OF)
    assert any(INDUCER in m.flags for m in p.current_medications)


def test_a_stopped_record_is_never_current(picture_of):
    rif = med_request("9384", system=RXNORM, status="stopped", text="rifampin 600 mg")
    p = picture_of(record(ileal_net(), rif), as_of=AS_OF)
    assert not any(INDUCER in m.flags for m in p.current_medications)
