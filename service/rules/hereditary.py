"""Hereditary syndromes with pancreatic NET (decision table 4.10).

Scope NET, not poorly differentiated; the syndrome comes from ``picture.hereditary``.
H-01..H-05 need a pancreatic primary. Numbers come from ``cards/knowledge/hereditary.yaml``.
"Rapid growth" is read from the picture's size history (``tumor_growth_cm_per_year``,
``tumor_doubling_time_days``, two sizes >= 90 days apart); only a current (not stale) growth rate
counts, and a missing one is never read as "not growing".

H-01 — MEN1  (MEN1 guideline 2012; ENETS NF-pNET 2023; ENETS-fpNET 2023)
    When (surveillance): MEN1, pNET < men1_pnet_surgery_cm (2 cm), not metastatic, no functional syndrome,
          not progressing and not growing rapidly (>= men1_pnet_rapid_growth_cm_per_year, 0.5 cm/year)
          (progression and growth both unknown -> fires, listing interval imaging as missing).
    Then: RECOMMEND MRI/EUS surveillance every 6-12 months. Size unknown -> needs-data card (pnet-size-needs-data).
    When (the rest of the row, every MEN1 NET of any site -- a gastrinoma, a gastric type 2 or thymic NET
          too, not only the small NF-pNET): MEN1 on record with a well-differentiated NET.
    Then: primary hyperparathyroidism on record and no parathyroidectomy -> RECOMMEND parathyroidectomy
          (men1-hyperparathyroidism-first, its own card -- decision men1-parathyroid -- never merged over H-02's
          pNET resection: review 2026-12 A-W9, net-63; first before pancreatic/duodenal surgery only in ZES);
          otherwise RECOMMEND the MEN1 programme (men1-syndrome-care): calcium/PTH (listed as missing when
          hyperparathyroidism is neither recorded nor treated), thymic NET screening (chest CT/MRI), pituitary
          screening (prolactin, IGF-1, MRI), upper-GI endoscopy for gastric type 2 NETs with ZES, and
          genetic screening of first-degree relatives.
H-02 — MEN1, pNET >= 2 cm or rapid growth
    When: MEN1, not metastatic, and pNET >= 2 cm, progressive, or growing >= 0.5 cm/year.
    Then: CONSIDER resection.
H-03 — MEN1, advanced pNET
    When: MEN1, pNET advanced (metastatic / unresectable locoregional).
    Then: info card: treat as sporadic pNET (the P-rows fire on their own).
H-04 — VHL pNET not needing immediate surgery  (Welireg label; LITESPARK-004 pNET ORR ~83 %)
    When: VHL, pNET < vhl_pnet_surgery_cm (3 cm), not metastatic.
    Then: needs therapy (progressive, or volume doubling time < vhl_pnet_doubling_days_max, 500 days),
          not pregnant, belzutifan not declined and the patient an adult (adult_age_years, 18: Welireg is
          approved for adults) -> RECOMMEND belzutifan 120 mg daily (with rapid
          growth H-05 also offers surgery: the MDT chooses);
          needs therapy but belzutifan not possible (pregnant, under 18, declined) -> RECOMMEND an MDT plan for
          the growing pNET (vhl-pnet-growing-no-belzutifan: imaging interval, surgical criteria, obstetrics);
          otherwise -> RECOMMEND continued surveillance (belzutifan in pregnancy: NR-11). Growth coded as
          progression is never asked for again (only the doubling time, a surgical criterion).
          Size unknown -> needs-data card (pnet-size-needs-data).
H-05 — VHL pNET >= 3 cm, rapid growth or symptomatic
    When: VHL, not metastatic, and pNET >= 3 cm (>= vhl_pnet_head_surgery_cm, 2 cm, in the pancreatic head --
          recalled, flagged R: verify), volume doubling time < 500 days, or abdominal pain. The head is read from
          the site's code/text (``lists.pancreatic_head_words``; body/tail words say it is not the head); a 2-3 cm
          tumour whose location is not recorded -> H-04's card lists the location as missing.
    Then: CONSIDER surgery (MDT). Doubling time not computable below 3 cm -> insufficient (no card;
          H-04 lists the serial sizes as missing).
H-06 — NF1 / TSC / MEN4
    When: NF1, TSC or MEN4 with a NET.
    Then: info card: manage as sporadic disease by site and grade.
"""
from __future__ import annotations

from datetime import date

from service.picture.model import (
    Agent,
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
    pregnancy_possible,
    any_functional,
    card_params,
    fact_uses,
    growth_facts,
    is_advanced,
    rapid_growth,
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
    hereditary = tuple(FactUse.of_source("Hereditary syndrome", s)
                       for s in p.hereditary_sources)
    return hereditary + fact_uses(p, "tumor_size_cm") + growth_facts(p) + fact_uses(p, "grade", "extent", "progression")


def _men1_rapid(p: NetPicture, k: RuleKnowledge) -> bool | None:
    return rapid_growth(p, cm_per_year_at_least=k.threshold("men1_pnet_rapid_growth_cm_per_year"))


def _vhl_rapid(p: NetPicture, k: RuleKnowledge) -> bool | None:
    return rapid_growth(p, doubling_days_below=k.threshold("vhl_pnet_doubling_days_max"))


_SERIAL_SIZES = "pNET size on two scans >= 3 months apart (growth rate)"
_DOUBLING = "volume doubling time (pNET size on two dated scans; surgery if under 500 days)"


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


def _localized_hereditary_pnet(rule_id: str, p: NetPicture, syndrome: Hereditary) -> tuple[Outcome | None, bool]:
    """H-01/H-04 entry: (the outcome that stops the row, or None; is staging still unknown?).

    Extent not recorded: surveillance imaging of a small hereditary pNET also stages it, so the
    row still speaks (listing staging as missing); a known advanced pNET goes to H-03.
    """
    stop = _hereditary_pnet(rule_id, p, syndrome)
    if stop is not None:
        return stop, False
    staging_unknown = _staging_unknown(p)
    return (None if staging_unknown else _localized(rule_id, p)), staging_unknown


def _size(p: NetPicture) -> float | None:
    return float(p.tumor_size_cm.value) if p.tumor_size_cm.known else None  # type: ignore[arg-type]


@rule("H-01")
def men1(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    surveillance = _men1_small_pnet(p, as_of, k)
    care = _men1_care(p)
    return surveillance if care is None else (surveillance, care)


def _men1_care(p: NetPicture) -> Outcome | None:
    """The MEN1 programme beside the tumour-specific rows: hyperparathyroidism first, thymus, pituitary,
    relatives. Any well-differentiated NET in a patient with MEN1 (not only a small NF-pNET)."""
    if Hereditary.MEN1 not in p.hereditary:
        return None
    if p.scope is not Scope.NET or p.differentiation.is_(Differentiation.POOR) or p.grade.is_(Grade.NEC):
        return None
    ptx = [FactUse(name="Procedure", display=pr.display, date=pr.date, reference=pr.reference)
           for pr in p.procedures if pr.kind == "parathyroidectomy"]
    facts = tuple(FactUse.of_source("Hereditary syndrome", s)
                  for s in p.hereditary_sources) + fact_uses(p, "hyperparathyroidism") + tuple(ptx) + tuple(
        FactUse.of_source("Functional syndrome", s)
        for s in p.syndrome_sources)
    params = card_params(p)
    if p.hyperparathyroidism.is_(True) and not ptx:
        return Outcome.applicable("H-01", card="men1-hyperparathyroidism-first", params=params, facts=facts,
                                  reason="MEN1 with untreated primary hyperparathyroidism")
    missing = () if (p.hyperparathyroidism.known or ptx) else ("serum calcium and PTH (primary hyperparathyroidism)",)
    return Outcome.applicable("H-01", card="men1-syndrome-care", params=params, facts=facts, missing=missing,
                              reason="MEN1: syndrome surveillance and family screening")


def _men1_small_pnet(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop, staging_unknown = _localized_hereditary_pnet("H-01", p, Hereditary.MEN1)
    if stop is not None:
        return stop
    if any_functional(p):
        return Outcome.not_applicable("H-01", "functioning pNET: F-rows")
    if p.progression.is_(True):
        return Outcome.not_applicable("H-01", "growing pNET: H-02")
    rapid = _men1_rapid(p, k)
    if rapid:
        return Outcome.not_applicable("H-01", "rapidly growing pNET (>= 0.5 cm/year): H-02")
    size = _size(p)
    if size is None:
        return needs_data("H-01", p, ("size of the largest pNET (cm) on MRI or EUS",), card="pnet-size-needs-data",
                          facts=_facts(p), reason="MEN1 pNET of unknown size (<2 cm: surveillance; >=2 cm: resection)")
    if size >= k.threshold("men1_pnet_surgery_cm"):
        return Outcome.not_applicable("H-01", "pNET >= 2 cm: H-02")
    missing = ("interval imaging confirming stability",) if unknown(p.progression) and rapid is None else ()
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
    rapid = _men1_rapid(p, k)
    large = size is not None and size >= k.threshold("men1_pnet_surgery_cm")
    if large or p.progression.is_(True) or rapid:
        why = "MEN1 pNET >=2 cm" if large else ("MEN1 pNET growing >= 0.5 cm/year" if rapid else "MEN1 pNET progressing")
        return Outcome.applicable("H-02", params=card_params(p), facts=_facts(p), reason=why)
    if size is None:
        return Outcome.insufficient("H-02", ("size of the largest pNET (cm)",), reason="size not on record")
    if rapid is None and unknown(p.progression):
        return Outcome.insufficient("H-02", (_SERIAL_SIZES,), reason="pNET <2 cm, growth not known")
    return Outcome.not_applicable("H-02", "pNET <2 cm and not growing rapidly")


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
    stop, staging_unknown = _localized_hereditary_pnet("H-04", p, Hereditary.VHL)
    if stop is not None:
        return stop
    staging = ("staging (no metastases on cross-sectional imaging)",) if staging_unknown else ()
    size = _size(p)
    if size is None:
        return needs_data("H-04", p, ("size of the pNET (cm) on MRI or EUS",), card="pnet-size-needs-data",
                          facts=_facts(p), reason="VHL pNET of unknown size (<3 cm: surveillance or belzutifan; >=3 cm: surgery)")
    if size >= k.threshold("vhl_pnet_surgery_cm"):
        return Outcome.not_applicable("H-04", "pNET >= 3 cm: surgical evaluation (H-05)")
    head = pancreatic_head(p, k)
    head_size = size >= k.threshold("vhl_pnet_head_surgery_cm")
    # a head pNET >= 2 cm also gets H-05's surgery card (the 2 cm figure is recalled): belzutifan/surveillance stand
    if head_size and head is None:
        staging += ("location of the pNET in the pancreas (head: surgery is considered from about 2 cm; "
                    "threshold recalled, verify)",)
    facts, params = _facts(p), card_params(p)
    rapid = _vhl_rapid(p, k)
    # A doubling time < 500 days is a surgical criterion (H-05): without one, say it is missing. Growth coded on
    # record (progression) is never asked for again: only the doubling time it does not give.
    growth_gap = ((_DOUBLING if p.progression.is_(True) else _SERIAL_SIZES),) \
        if rapid is None and not p.progression.is_(False) else ()
    needs_therapy = p.progression.is_(True) or bool(rapid)
    # belzutifan's label is for adults (FT-01 withholds it below the label age; the alternative is surveillance)
    minor = p.age_years.known and int(p.age_years.value) < k.threshold("adult_age_years")  # type: ignore[arg-type]
    if needs_therapy and not p.pregnant.is_(True) and not p.declined(Agent.BELZUTIFAN) and not minor:
        missing = ("pregnancy status (test before start)",) if unknown(p.pregnant) and p.sex.is_("female") \
            and pregnancy_possible(p, k.threshold("childbearing_age_min"), k.threshold("childbearing_age_max")) else ()
        reason = ("VHL pNET <3 cm with volume doubling time < 500 days: belzutifan or surgery (see the surgery card), MDT"
                  if rapid else "growing VHL pNET <3 cm, surgery not yet needed")
        return Outcome.applicable("H-04", card="belzutifan-vhl", params=params, facts=facts,
                                  missing=missing + staging + growth_gap, reason=reason)
    why = ("pregnant" if p.pregnant.is_(True) else "belzutifan declined" if p.declined(Agent.BELZUTIFAN)
           else f"aged {p.age_years.value}: belzutifan is approved for adults") if needs_therapy else "not growing"
    # the label limit this patient meets: adults only under 18; pregnancy only where it is possible (never
    # pregnancy advice to a boy: review 2026-12 B-Wd1, net-111)
    possible = pregnancy_possible(p, k.threshold("childbearing_age_min"), k.threshold("childbearing_age_max"))
    limit = "adults only" if minor else "adults; not in pregnancy" if possible else "adults"
    params = {**params, "belzutifan_limit": limit}
    if needs_therapy:
        # growing on record: never "belzutifan if it grows"; the MDT plans imaging and the surgical criteria
        return Outcome.applicable("H-04", card="vhl-pnet-growing-no-belzutifan", params=params,
                                  missing=staging + growth_gap,
                                  facts=facts + growth_facts(p) + fact_uses(p, "progression", "pregnant")
                                  + (fact_uses(p, "age_years") if minor else ()),
                                  reason=f"VHL pNET <3 cm growing on record; belzutifan not possible now: {why}")
    return Outcome.applicable("H-04", card="vhl-pnet-surveillance", params=params, missing=staging + growth_gap,
                              facts=facts + fact_uses(p, "pregnant") + (fact_uses(p, "age_years") if minor else ()),
                              reason=f"VHL pNET <3 cm, {why}")


@rule("H-05")
def vhl_pnet_surgery(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _hereditary_pnet("H-05", p, Hereditary.VHL) or _localized("H-05", p)
    if stop is not None:
        return stop
    size = _size(p)
    rapid = _vhl_rapid(p, k)
    head_large = (size is not None and size >= k.threshold("vhl_pnet_head_surgery_cm")
                  and pancreatic_head(p, k) is True)
    large = size is not None and size >= k.threshold("vhl_pnet_surgery_cm")
    if head_large and not large and not rapid and not p.abdominal_pain.is_(True):
        return Outcome.applicable("H-05", card="vhl-pnet-head-surgery", params=card_params(p),
                                  facts=_facts(p) + fact_uses(p, "site_detail"),
                                  reason="VHL pNET >= 2 cm in the pancreatic head (threshold recalled)")
    if large or rapid or p.abdominal_pain.is_(True):
        why = ("VHL pNET >=3 cm" if large else
               "VHL pNET with volume doubling time < 500 days" if rapid else "symptomatic VHL pNET")
        return Outcome.applicable("H-05", params=card_params(p), facts=_facts(p) + fact_uses(p, "abdominal_pain"),
                                  reason=why)
    if size is None:
        return Outcome.insufficient("H-05", ("size of the pNET (cm)",), reason="size not on record")
    if rapid is None and not p.progression.is_(False):
        return Outcome.insufficient("H-05", (_SERIAL_SIZES,), reason="VHL pNET <3 cm, doubling time not known")
    return Outcome.not_applicable("H-05", "VHL pNET <3 cm, not growing rapidly (doubling time >= 500 days or stable), asymptomatic")


def pancreatic_head(p: NetPicture, k: RuleKnowledge) -> bool | None:
    """Is the pNET in the pancreatic head (code C25.0, text "head of pancreas")? False when the record names the
    body or tail; None when it does not say (never read as "not the head")."""
    texts = [s.display.lower() for s in (*p.site_detail.sources, *p.primary_site.sources, *p.scope_sources)
             if s.display]
    if any(w in t for t in texts for w in k.values("pancreatic_head_words")):
        return True
    if any(w in t for t in texts for w in k.values("pancreatic_body_tail_words")):
        return False
    return None


@rule("H-06")
def other_hereditary(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if p.scope is not Scope.NET:
        return Outcome.not_applicable("H-06", "not a NET")
    found = p.hereditary & {Hereditary.NF1, Hereditary.TSC, Hereditary.MEN4}
    if not found:
        return Outcome.not_applicable("H-06", "no NF1, TSC or MEN4 on record")
    return Outcome.applicable("H-06", params=card_params(p), facts=_facts(p),
                              reason=", ".join(sorted(h.value for h in found)) + " with NET")
