"""DG-02: a report whose text is only in an attachment the service cannot read is named on a data-gap card."""
from __future__ import annotations

from datetime import date

from service.picture.model import Source
from service.rules import Status, evaluate
from tests.rules.factories import AS_OF, knowledge, make_picture


def outcome(picture, rule_id):
    return next(o for o in evaluate(picture, as_of=AS_OF, knowledge=knowledge()) if o.rule_id == rule_id)


def test_an_unread_report_is_named_with_its_reference_and_date():
    unread = Source("DiagnosticReport/path-9", date(2026, 9, 1), "pathology report: application/pdf attachment (not text)")
    o = outcome(make_picture(unread_reports=(unread,)), "DG-02")
    assert o.status is Status.APPLICABLE
    assert o.facts[0].reference == "DiagnosticReport/path-9" and o.facts[0].date == date(2026, 9, 1)
    assert "application/pdf" in o.missing[0] and "DiagnosticReport/path-9" in o.missing[0]
    assert o.params["categories"] == "a report's attachment"


def test_every_report_read_makes_no_card():
    assert outcome(make_picture(), "DG-02").status is Status.NOT_APPLICABLE
