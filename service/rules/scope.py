"""Scope rows: who the NET pathway is not for, and records that could not be read.

G-03 — a neuroendocrine neoplasm managed on another pathway (one rule for all of them)
    When: the picture's scope is SCLC (lung primary with small-cell carcinoma morphology) or EXCLUDED
    (Merkel cell carcinoma; paraganglioma / phaeochromocytoma): a neoplasm the service recognises but does
    not advise on.
    Then: exactly one ``out-of-scope`` info card naming the pathway it belongs to (small-cell lung cancer,
    Merkel cell carcinoma, PPGL); no NET card at all (``service.rules.evaluate`` runs nothing else for these
    scopes). A patient with no neuroendocrine neoplasm at all (scope NONE, e.g. a breast cancer with a
    Ki-67) gets ``{"cards": []}``: the service says nothing rather than "not for me".
    Source: decision table G-03 and NR-22; NCCN NET (covers PPGL); ESMO lung/thymic carcinoids 2021;
    ESMO-EURACAN Merkel-cell carcinoma 2024.
NR-22 — pulmonary small-cell carcinoma: NET therapies are not recommended (merges into G-03's card).

DG-01 — record category unavailable or incomplete
    When: an optional data category (observations, medications, procedures...) could not be
    read, or paging stopped early.
    Then: NEEDS DATA card naming the categories; missing data is never a negative finding.
    Source: net-cds architecture (PatientRecord.unavailable / incomplete).

DG-02 — report text not read
    When: a pathology or imaging report's text is only in an attachment the service cannot read (PDF, RTF,
    images) or could not fetch (``NetPicture.unread_reports``).
    Then: NEEDS DATA card naming each report (reference, date, what was not read); the facts it may hold are
    not on the cards, and their absence is not a negative finding.
    Source: card contract ("Facts read from report text"); net-cds issue 13.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import NetPicture, Scope
from service.rules.outcome import FactUse, Outcome
from service.rules.registry import RuleKnowledge, rule

_CATEGORY_WORDS = {
    "observations": "observations (labs, pathology, imaging results)",
    "medicationRequests": "medication orders",
    "medicationStatements": "medication statements",
    "medicationAdministrations": "medication administrations",
    "procedures": "procedures",
    "diagnosticReports": "pathology and imaging reports",
    "conditions": "conditions",
    "patient": "patient demographics",
}


def _sclc(rule_id: str, p: NetPicture) -> Outcome:
    if p.scope is not Scope.SCLC:
        return Outcome.not_applicable(rule_id, "not a pulmonary small-cell carcinoma")
    return Outcome.applicable(rule_id, facts=_diagnosis_facts(p), reason="pulmonary small-cell carcinoma on record")


def _diagnosis_facts(p: NetPicture) -> tuple[FactUse, ...]:
    return tuple(FactUse(name="Diagnosis", display=s.display, date=s.date, reference=s.reference)
                 for s in p.scope_sources)


# The pathway each out-of-scope neoplasm belongs to -> its out-of-scope card (one card, same topic, for all).
_OUT_OF_SCOPE_CARDS = {"merkel": "merkel-out-of-scope", "ppgl": "ppgl-out-of-scope", "other": "other-out-of-scope"}


@rule("G-03", scopes=(Scope.SCLC, Scope.EXCLUDED))
def out_of_scope_neoplasm(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if p.scope is Scope.SCLC:
        return _sclc("G-03", p)
    if p.scope is not Scope.EXCLUDED:
        return Outcome.not_applicable("G-03", "a neoplasm this service advises on")
    card = _OUT_OF_SCOPE_CARDS.get(p.out_of_scope, "other-out-of-scope")
    return Outcome.applicable("G-03", card=card, facts=_diagnosis_facts(p),
                              reason=f"{p.out_of_scope or 'other'}: managed on another pathway")


@rule("NR-22", scopes=(Scope.SCLC,))
def no_net_card_for_sclc(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    return _sclc("NR-22", p)


@rule("DG-01")
def record_category_unavailable(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not p.unavailable and not p.incomplete:
        return Outcome.not_applicable("DG-01", "every record category was read in full")
    missing = tuple(f"{_CATEGORY_WORDS.get(c, c)}: could not be read" for c in p.unavailable) + tuple(
        f"{_CATEGORY_WORDS.get(c, c)}: read only in part" for c in p.incomplete
    )
    names = ", ".join(dict.fromkeys((*p.unavailable, *p.incomplete)))
    return Outcome.applicable(
        "DG-01", missing=missing, params={"categories": names},
        reason="record categories unavailable or incomplete",
    )


@rule("DG-02")
def report_not_read(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if not p.unread_reports:
        return Outcome.not_applicable("DG-02", "every report's text was read (or there is none)")
    facts = tuple(FactUse(name="Report not read", display=s.display, date=s.date, reference=s.reference)
                  for s in p.unread_reports)
    missing = tuple(f"{s.display}" + (f" ({s.reference}, {s.date.isoformat()})" if s.reference and s.date else "")
                    for s in p.unread_reports)
    n = len({s.reference for s in p.unread_reports})
    return Outcome.applicable(
        "DG-02", facts=facts, missing=missing,
        params={"categories": "a report's attachment" if n == 1 else f"{n} reports' attachments"},
        reason="report text not read",
    )
