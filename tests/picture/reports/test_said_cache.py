"""A report is read once per content (issue 13, item 6): the same text in a later call gives the same candidates
from the per-worker cache, and the cache keeps no patient text (positions instead of sentences)."""
from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from fhir_fixtures.synthetic import large_patient
from service.data import fhir_adapter as fa
from service.picture.reports import read as reader
from service.picture.reports.text import Sentence
from service.picture.terminology import load_terminology

REPO = Path(__file__).resolve().parents[3]
AS_OF = date(2026, 11, 22)


def _reports():
    hook = large_patient(300, "said-cache", reports=10)[1]
    return [fa.read_report(e["resource"]) for e in hook["prefetch"]["diagnosticReports"]["entry"]]


def _values(obj, depth=0):
    if depth > 12:
        return
    yield obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _values(getattr(obj, f.name), depth + 1)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _values(k, depth + 1)
            yield from _values(v, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _values(v, depth + 1)


def test_a_report_read_again_gives_the_same_candidates_without_reading_it(monkeypatch):
    term = load_terminology(REPO / "cards" / "terminology")
    reports = _reports()
    reader._SAID_CACHE.clear()
    calls = []
    real = reader.report_says
    monkeypatch.setattr(reader, "report_says", lambda *a: calls.append(1) or real(*a))
    first = reader.read(reports, {}, term, AS_OF)
    read_first = len(calls)
    second = reader.read(reports, {}, term, AS_OF)
    assert read_first == first.reports_read >= 8
    assert len(calls) == read_first                 # nothing read a second time
    assert first.candidates == second.candidates and sum(map(len, first.candidates.values())) >= 5
    for name, cands in second.candidates.items():   # the quote comes from this call's text
        for c in cands:
            assert c.source.quote


def test_the_cache_keeps_no_report_text():
    term = load_terminology(REPO / "cards" / "terminology")
    reports = _reports()
    reader._SAID_CACHE.clear()
    found = reader.read(reports, {}, term, AS_OF)
    quotes = {c.source.quote for cands in found.candidates.values() for c in cands}
    assert reader._SAID_CACHE and quotes
    kept = [v for _, said in reader._SAID_CACHE.values() for v in _values(said)]
    assert not any(isinstance(v, Sentence) for v in kept)
    strings = [v for v in kept if isinstance(v, str)]
    assert strings and not any(len(q) > 20 and q in s for q in quotes for s in strings)
    assert max(len(s) for s in strings) < 60


def test_a_changed_text_is_read_anew(monkeypatch):
    term = load_terminology(REPO / "cards" / "terminology")
    reports = _reports()
    reader._SAID_CACHE.clear()
    reader.read(reports, {}, term, AS_OF)
    changed = [dataclasses.replace(r, conclusion=r.conclusion + " Addendum: no change.") for r in reports]
    calls = []
    real = reader.report_says
    monkeypatch.setattr(reader, "report_says", lambda *a: calls.append(1) or real(*a))
    reader.read(changed, {}, term, AS_OF)
    assert calls
