"""Risk features of an appendiceal NET (decision table O-05; ENETS appendiceal 2023), read from record text.

Three features decide, for a 1-2 cm appendiceal NET, whether a right hemicolectomy is discussed (the margin is
``r0_resection``, the grade is ``grade``):

- lympho-vascular (angio-)invasion,
- mesoappendiceal invasion deeper than ``appendix_meso_deep_mm_above`` (3 mm),
- location at the appendix base.

They are read from the text of the primary's resection Procedure (code text, note, outcome), of the NEN
Conditions (text, note) and of pathology reports (finding sentences). No reviewed Observation code exists for
them in the terminology, so no coded Observation is read. The word lists are reviewed knowledge
(``cards/terminology/reports.yaml``, ``appendix_*``); negation, uncertainty and clause scope are those of report
text (``service.picture.reports.cues``):

- a feature word negated in its clause ("no LVI", "LVI not identified", "LVI: absent") is a negative (False);
- an affirmed, certain mention is a positive (True); a mesoappendiceal invasion is True only with a depth
  above 3 mm, False at 3 mm or less, and UNKNOWN (missing, with a note) when no depth is written;
- an uncertain mention, or no mention at all, leaves the feature MISSING: an unstated feature is never absent;
- a positive and a negative statement for the same feature: CONTRADICTORY.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from service.picture.context import Context
from service.picture.facts import present
from service.picture.model import Fact, FactState, Source
from service.picture.reports import cues
from service.picture.reports.read import readable, report_text
from service.picture.reports.text import quote_of, sentences

_SENTENCE_END = re.compile(r"(?<=[.!?])\s{1,64}|\n{1,64}")  # bounded (hardening lint); empty pieces are dropped
_DEPTH = re.compile(r"(?<![0-9.])(\d{1,2}(?:[.,]\d{1,2})?)\s{0,2}mm\b", re.IGNORECASE)
_VALUE_SEP = re.compile(r"^\s{0,3}[:=\-\u2013]?\s{0,3}")


@dataclass(slots=True)
class AppendixRisk:
    lvi: Fact = field(default_factory=Fact.missing)
    meso_deep: Fact = field(default_factory=Fact.missing)
    base: Fact = field(default_factory=Fact.missing)


@dataclass(frozen=True, slots=True)
class _Words:
    lvi: re.Pattern[str]
    meso: re.Pattern[str]
    base: re.Pattern[str]
    not_base: re.Pattern[str]
    absent_after: re.Pattern[str]
    present_after: re.Pattern[str]
    deep_mm: float


def _words(ctx: Context) -> _Words:
    p = ctx.term.parameter

    def after(name: str) -> re.Pattern[str]:
        core = cues.phrases(list(p(name))).pattern  # type: ignore[arg-type]
        return re.compile(r"^\s{0,3}[:=\-\u2013]?\s{0,3}" + core, re.IGNORECASE)

    deep = p("appendix_meso_deep_mm_above")
    return _Words(cues.phrases(list(p("appendix_lvi_words"))), cues.phrases(list(p("appendix_meso_words"))),  # type: ignore[arg-type]
                  cues.phrases(list(p("appendix_base_words"))), cues.phrases(list(p("appendix_not_base_words"))),  # type: ignore[arg-type]
                  after("appendix_feature_absent_after"), after("appendix_feature_present_after"),
                  float(deep["value"] if isinstance(deep, dict) else deep))  # type: ignore[index, arg-type]


def _polarity(sentence: str, m: re.Match[str], lex: cues.Lexicon, w: _Words) -> bool | None:
    """True (affirmed, certain), False (negated), None (uncertain) for the mention ``m`` of ``sentence``."""
    rest = sentence[m.end():m.end() + 24]
    if w.absent_after.match(rest):
        return False
    mods = cues.modifiers(sentence, m.start(), m.end(), lex, report_year=None)
    if mods.negated:
        return False
    if mods.uncertain:
        return None
    return True


def _scan(sentence: str, source: Callable[[str], Source], lex: cues.Lexicon, w: _Words,
          found: dict[str, list]) -> None:
    """Each mention of a feature in ``sentence``: its polarity, with a source showing the clause it stands in."""
    def said(m: re.Match[str]) -> Source:
        a, b = cues.clause(sentence, m.start(), m.end(), lex)
        return source(sentence[a:b].strip(" ,.:;-*\u2022")[:100])

    for m in w.lvi.finditer(sentence):
        pol = _polarity(sentence, m, lex, w)
        if pol is not None:
            found["lvi"].append((pol, said(m)))
    for m in w.meso.finditer(sentence):
        pol = _polarity(sentence, m, lex, w)
        if pol is None:
            continue
        if pol is False:
            found["meso"].append((False, said(m)))
            continue
        a, b = cues.clause(sentence, m.start(), m.end(), lex)
        depths = [float(x.group(1).replace(",", ".")) for x in _DEPTH.finditer(sentence[a:b])]
        if depths:
            found["meso"].append((max(depths) > w.deep_mm, said(m)))
        else:
            found["meso_no_depth"].append(said(m))
    for m in w.base.finditer(sentence):
        pol = _polarity(sentence, m, lex, w)
        if pol is not None:
            found["base"].append((pol, said(m)))
    for m in w.not_base.finditer(sentence):
        if _polarity(sentence, m, lex, w) is True:
            found["base"].append((False, said(m)))


def _fact(readings: list[tuple[bool, Source]], what: str) -> Fact:
    yes = [s for v, s in readings if v]
    no = [s for v, s in readings if not v]
    if yes and no:
        return Fact(FactState.CONTRADICTORY, None, tuple(dict.fromkeys(yes + no)), f"{what} recorded differently")
    if yes:
        return present(True, yes)
    if no:
        return present(False, no)
    return Fact.missing()


def _pieces(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def read(ctx: Context, nen_condition_refs: frozenset[str], classify_proc) -> AppendixRisk:  # type: ignore[no-untyped-def]
    """The appendix risk features on record (each MISSING unless the record states it)."""
    lex = cues.lexicon(ctx.term)
    w = _words(ctx)
    found: dict[str, list] = {"lvi": [], "meso": [], "meso_no_depth": [], "base": []}
    for proc in ctx.record.procedures:
        entry = classify_proc(ctx.term, proc)
        if entry is None or entry.get("agent") != "surgery" or proc.status in ("not-done", "entered-in-error"):
            continue
        if proc.date is not None and proc.date > ctx.as_of:
            continue
        display = (proc.code.all_text or "resection")[:80]
        text = " ".join([proc.code.all_text, proc.note, proc.outcome.all_text if proc.outcome else ""])
        for sentence in _pieces(text):
            _scan(sentence, lambda said, p=proc, d=display: Source(p.ref or None, p.date, f"{said} ({d})"),
                  lex, w, found)
    for cond in ctx.record.conditions:
        if cond.ref not in nen_condition_refs or cond.verification_status in ("entered-in-error", "refuted"):
            continue
        when = cond.onset or cond.recorded
        for sentence in _pieces(" ".join([cond.code.text, cond.note])):
            _scan(sentence, lambda said, c=cond, d=when: Source(c.ref or None, d, f"{said} (diagnosis text)"),
                  lex, w, found)
    budget = lex.total_cap
    for rec in ctx.record.reports:
        if budget <= 0 or readable(ctx.term, rec, ctx.as_of) != "pathology":
            continue
        text, _ = report_text(rec, (), lex, budget)
        budget -= len(text)
        for sent in sentences(text, non_finding=lex.non_finding, sites=lex.sites, pathology=True):
            if not sent.finding:
                continue
            quote = quote_of(sent.text, 0, len(sent.text), lex.quote_chars)
            _scan(sent.text, lambda said, r=rec, q=quote: Source(r.ref or None, r.date, f"{said} (pathology report)",
                                                                  quote=q), lex, w, found)
    cues.forget()
    risk = AppendixRisk(lvi=_fact(found["lvi"], "lympho-vascular invasion"),
                        meso_deep=_fact(found["meso"], "mesoappendiceal invasion"),
                        base=_fact(found["base"], "tumour location (base)"))
    if not risk.meso_deep.known and risk.meso_deep.state is FactState.MISSING and found["meso_no_depth"]:
        risk.meso_deep = Fact(FactState.MISSING, None, tuple(found["meso_no_depth"]),
                              "mesoappendiceal invasion on record without its depth in mm")
    return risk
