"""Hereditary syndromes with pancreatic NET (decision table 4.10).

Scope NET, not poorly differentiated; the syndrome comes from ``picture.hereditary``.
H-01..H-05 need a pancreatic primary. Numbers come from ``cards/knowledge/hereditary.yaml``.

H-01 — MEN1, small NF-pNET  (MEN1 guideline 2012; ENETS NF-pNET 2023)
    When: MEN1, pNET < men1_pnet_surgery_cm (2 cm), not metastatic, no functional syndrome,
          not progressing (progression not recorded -> fires, listing it as missing).
    Then: RECOMMEND MRI/EUS surveillance every 6-12 months, treat hyperparathyroidism, screen
          thymus/pituitary, family screening. Size unknown -> needs-data card (pnet-size-needs-data).
H-02 — MEN1, pNET >= 2 cm or rapid growth
    When: MEN1, pNET >= 2 cm or progressive, not metastatic.
    Then: CONSIDER resection.
H-03 — MEN1, advanced pNET
    When: MEN1, pNET advanced (metastatic / unresectable locoregional).
    Then: info card: treat as sporadic pNET (the P-rows fire on their own).
H-04 — VHL pNET not needing immediate surgery  (Welireg label; LITESPARK-004 pNET ORR ~83 %)
    When: VHL, pNET < vhl_pnet_surgery_cm (3 cm), not metastatic.
    Then: progressive and not pregnant -> RECOMMEND belzutifan 120 mg daily;
          otherwise -> RECOMMEND continued surveillance (belzutifan in pregnancy: NR-11).
          Size unknown -> needs-data card (pnet-size-needs-data).
H-05 — VHL pNET >= 3 cm or symptomatic
    When: VHL, pNET >= 3 cm, or abdominal pain; not metastatic. Growth below 3 cm is H-04
          (rapid growth by doubling time < 500 days needs serial sizes the picture lacks).
    Then: CONSIDER surgery (MDT).
H-06 — NF1 / TSC / MEN4
    When: NF1, TSC or MEN4 with a NET.
    Then: info card: manage as sporadic disease by site and grade.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import (
    Differentiation,
    Extent,
    Grade,
    Hereditary,
    NetPicture,
    PrimarySite,
    Scope,
)
from service.rules.predicates import (
    needs_data,
    any_functional,
    card_params,
    fact_uses,
    is_advanced,
)
from service.rules.outcome import FactUse, Outcome, unknown
from service.rules.registry import RuleKnowledge, rule


def _hereditary_pnet(rule_id: str, p: NetPicture, syndrome: Hereditary) -> Outcome | None:
    if p.scope is not Scope.NET or p.differentiation.is_(Differentiation.POOR) or p.grade.is_(Grade.NEC):
        return Outcome.not_applicable(rule_id, "not a well-differentiated NET")
    if syndrome not in p.hereditary:
        return Outcome.not_applicable(rule_id, f"no {syndrome.value} on record")
    if unknown(p.primary_site):
        return Outcome.insufficient(rule_id, ("primary tumour site",), reason="site not known")
    if not p.primary_site.is_(PrimarySite.PANCREAS):
        return Outcome.not_applicable(rule_id, "not a pancreatic NET")
    return None


def _facts(p: NetPicture) -> tuple[FactUse, ...]:
    hereditary = tuple(FactUse(name="Hereditary syndrome", display=s.display, date=s.date, reference=s.reference)
                       for s in p.hereditary_sources)
    return hereditary + fact_uses(p, "tumor_size_cm", "grade", "extent", "progression")


def _localized(rule_id: str, p: NetPicture) -> Outcome | None:
    state = is_advanced(p)
    if state is None:
        return Outcome.insufficient(rule_id, ("disease extent (staging imaging)",), reason="extent not known")
    if state or p.extent.is_(Extent.METASTATIC):
        return Outcome.not_applicable(rule_id, "advanced disease: sporadic pNET rows (H-03)")
    return None


def _staging_unknown(p: NetPicture) -> bool:
    """Extent not recorded and no metastasis on record (H-01/H-04 still speak, asking for staging)."""
    return unknown(p.extent) and not p.metastatic_sites and not p.liver_metastases.is_(True)


def _size(p: NetPicture) -> float | None:
    return float(p.tumor_size_cm.value) if p.tumor_size_cm.known else None  # type: ignore[arg-type]


@rule("H-01")
def men1_small_pnet(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _hereditary_pnet("H-01", p, Hereditary.MEN1)
    if stop is not None:
        return stop
    # Extent not recorded: surveillance imaging of a small MEN1 pNET also stages it, so H-01 still
    # speaks (listing staging as missing); a known advanced pNET goes to H-03.
    staging_unknown = _staging_unknown(p)
    stop = None if staging_unknown else _localized("H-01", p)
    if stop is not None:
        return stop
    if any_functional(p):
        return Outcome.not_applicable("H-01", "functioning pNET: F-rows")
    if p.progression.is_(True):
        return Outcome.not_applicable("H-01", "growing pNET: H-02")
    size = _size(p)
    if size is None:
        return needs_data("H-01", p, ("size of the largest pNET (cm) on MRI or EUS",), card="pnet-size-needs-data",
                          facts=_facts(p), reason="MEN1 pNET of unknown size (<2 cm: surveillance; >=2 cm: resection)")
    if size >= k.threshold("men1_pnet_surgery_cm"):
        return Outcome.not_applicable("H-01", "pNET >= 2 cm: H-02")
    missing = ("interval imaging confirming stability",) if unknown(p.progression) else ()
    if staging_unknown:
        missing += ("staging (no metastases on cross-sectional imaging)",)
    return Outcome.applicable("H-01", params=card_params(p), facts=_facts(p), missing=missing,
                              reason="MEN1 with NF-pNET <2 cm")


@rule("H-02")
def men1_large_pnet(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _hereditary_pnet("H-02", p, Hereditary.MEN1) or _localized("H-02", p)
    if stop is not None:
        return stop
    size = _size(p)
    if p.progression.is_(True) or (size is not None and size >= k.threshold("men1_pnet_surgery_cm")):
        return Outcome.applicable("H-02", params=card_params(p), facts=_facts(p),
                                  reason="MEN1 pNET >=2 cm or growing")
    if size is None:
        return Outcome.insufficient("H-02", ("size of the largest pNET (cm)",), reason="size not on record")
    return Outcome.not_applicable("H-02", "pNET <2 cm and not growing")


@rule("H-03")
def men1_advanced_pnet(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _hereditary_pnet("H-03", p, Hereditary.MEN1)
    if stop is not None:
        return stop
    state = is_advanced(p)
    if state is None:
        return Outcome.insufficient("H-03", ("disease extent (staging imaging)",), reason="extent not known")
    if not state:
        return Outcome.not_applicable("H-03", "not advanced")
    return Outcome.applicable("H-03", params=card_params(p), facts=_facts(p), reason="MEN1 with advanced pNET")


@rule("H-04")
def vhl_pnet_medical(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _hereditary_pnet("H-04", p, Hereditary.VHL)
    if stop is not None:
        return stop
    staging_unknown = _staging_unknown(p)
    stop = None if staging_unknown else _localized("H-04", p)
    if stop is not None:
        return stop
    staging = ("staging (no metastases on cross-sectional imaging)",) if staging_unknown else ()
    size = _size(p)
    if size is None:
        return needs_data("H-04", p, ("size of the pNET (cm) on MRI or EUS",), card="pnet-size-needs-data",
                          facts=_facts(p), reason="VHL pNET of unknown size (<3 cm: surveillance or belzutifan; >=3 cm: surgery)")
    if size >= k.threshold("vhl_pnet_surgery_cm"):
        return Outcome.not_applicable("H-04", "pNET >= 3 cm: surgical evaluation (H-05)")
    facts, params = _facts(p), card_params(p)
    if p.progression.is_(True) and not p.pregnant.is_(True):
        missing = ("pregnancy status (test before start)",) if unknown(p.pregnant) and p.sex.is_("female") else ()
        return Outcome.applicable("H-04", card="belzutifan-vhl", params=params, facts=facts, missing=missing + staging,
                                  reason="growing VHL pNET <3 cm, surgery not yet needed")
    return Outcome.applicable("H-04", card="vhl-pnet-surveillance", params=params, missing=staging,
                              facts=facts + fact_uses(p, "pregnant"),
                              reason="VHL pNET <3 cm, not growing (or pregnant)")


@rule("H-05")
def vhl_pnet_surgery(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _hereditary_pnet("H-05", p, Hereditary.VHL) or _localized("H-05", p)
    if stop is not None:
        return stop
    size = _size(p)
    # Growth alone below 3 cm is H-04 (belzutifan or surveillance). "Rapid growth" in the VHL
    # sense (doubling time < 500 days) needs serial sizes, which the picture does not carry yet.
    if (size is not None and size >= k.threshold("vhl_pnet_surgery_cm")) or p.abdominal_pain.is_(True):
        return Outcome.applicable("H-05", params=card_params(p), facts=_facts(p) + fact_uses(p, "abdominal_pain"),
                                  reason="VHL pNET >=3 cm or symptomatic")
    if size is None:
        return Outcome.insufficient("H-05", ("size of the pNET (cm)",), reason="size not on record")
    return Outcome.not_applicable("H-05", "VHL pNET <3 cm and asymptomatic (growth below 3 cm: H-04)")


@rule("H-06")
def other_hereditary(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if p.scope is not Scope.NET:
        return Outcome.not_applicable("H-06", "not a NET")
    found = p.hereditary & {Hereditary.NF1, Hereditary.TSC, Hereditary.MEN4}
    if not found:
        return Outcome.not_applicable("H-06", "no NF1, TSC or MEN4 on record")
    return Outcome.applicable("H-06", params=card_params(p), facts=_facts(p),
                              reason=", ".join(sorted(h.value for h in found)) + " with NET")
