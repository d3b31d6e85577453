"""The process-wide terminology verdict cache keeps no patient text (it outlives the request)."""
from service.data import fhir_adapter as fa


def _condition(text: str) -> dict:
    return {
        "resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
        # an extension on the coding: a shape the fast check leaves to fhir.resources, so the
        # verdict goes through the shared cache
        "code": {"text": text, "coding": [{"system": "http://snomed.info/sct", "code": "1651000119109",
                                           "extension": [{"url": "http://example.org/x", "valueString": "y"}]}]},
    }


def test_shared_verdicts_are_keyed_by_digest_not_content():
    fa._SHARED_VERDICTS.clear()
    secret = "Mrs Example-Patient's biopsy, room 12"
    assert fa.ElementValidator().valid(_condition(secret)) is True
    assert fa._SHARED_VERDICTS, "the coding went through the shared cache"
    for key in fa._SHARED_VERDICTS:
        assert len(key) == 16 and b"Example-Patient" not in key


def test_the_digest_key_still_tells_contents_apart():
    fa._SHARED_VERDICTS.clear()
    good = _condition("a")
    bad = _condition("a")
    bad["code"]["coding"][0]["extension"][0]["url"] = 42           # not a uri: R4B rejects it
    assert fa.ElementValidator().valid(good) is True
    assert fa.ElementValidator().valid(bad) is False
    assert fa.ElementValidator().valid(good) is True                # a cached verdict, still right
