"""Other GI NET: stomach, duodenum, colon, rectum, appendix (decision table 4.5).

The appendix is a midgut site in the picture (``primary_site`` MIDGUT, ``site_detail``
"appendix"); O-05 reads the site detail. All rows need scope NET and a well-differentiated
tumour; O-01..O-04 and O-06 need grade G1/G2 (unknown grade -> insufficient), O-05 also
accepts G3 (it decides the operation). Numbers come from ``cards/knowledge/other-gi.yaml``.

O-01 — gastric type 1  (ENETS gastroduodenal 2023)
    When: stomach, gastric type 1, not metastatic. Gastric type unknown -> needs-data card.
    Then: RECOMMEND endoscopic surveillance (12-24 months) and endoscopic resection of >1 cm lesions;
          no systemic antiproliferative therapy, no PPI.
O-02 — gastric type 2  (ENETS gastroduodenal 2023)
    When: stomach, gastric type 2 (gastrinoma/MEN1).
    Then: the gastrinoma card (high-dose PPI, F-08); MEN1 rows apply.
O-03 — type 3 gastric / colonic, localized  (ENETS gastroduodenal and colorectal 2023)
    When: stomach type 3, or colon (not rectum/appendix), localized or resectable locoregional.
    Then: RECOMMEND oncologic resection with lymphadenectomy.
O-04 — rectal, localized  (ENETS colorectal 2023)
    When: rectum, localized or resectable locoregional.
    Then: <= rectal_endoscopic_max_cm (1 cm) and G1 -> RECOMMEND endoscopic resection;
          > rectal_oncologic_min_cm (2 cm), G2 or locoregional nodes -> RECOMMEND oncologic resection (TME);
          otherwise (1-2 cm G1) -> CONSIDER EUS/MRI staging and MDT. Size unknown -> insufficient.
O-05 — appendix, localized  (ENETS appendiceal 2023; Czech national guideline, WHO 2019)
    When: appendix primary, localized or resectable locoregional.
    Then: G3, >= appendix_hemicolectomy_min_cm (2 cm) or mesoappendiceal invasion >3 mm -> RECOMMEND right
          hemicolectomy, then imaging follow-up;
          < appendix_small_max_cm (1 cm), R0 -> appendectomy alone, no routine follow-up (margin unknown: needs data);
          < 2 cm with a risk feature (R1; at 1-2 cm also base, LVI, G2) -> CONSIDER right hemicolectomy in the MDT;
          1-2 cm, R0, every feature stated absent, G1 -> appendectomy suffices, no or limited follow-up;
          a feature not stated -> needs-data card listing it (never "no follow-up").
    Risk features are read from record text (service/picture/appendix.py); unstated = MISSING, never absent.
O-06 — advanced stomach/duodenum/colon/rectum  (RADIANT-4, NETTER-1/-2, CABINET; FDA PRRT label covers foregut/hindgut)
    When: other-GI primary, WD G1/G2, advanced.
    Then: the extra-pancreatic pathway of midgut.py (M-02..M-07 logic): SSA if SSTR+, PRRT first line
          (NETTER-2) or after SSA if SSTR >= liver, everolimus if non-functional, cabozantinib after
          prior non-SSA therapy. Never sunitinib (NR-01).
"""
from __future__ import annotations

from datetime import date

from service.picture.model import (
    Differentiation,
    Extent,
    Grade,
    NetPicture,
    PrimarySite,
    Resectability,
    Scope,
)
from service.rules.predicates import (
    advanced,
    card_params,
    fact_uses,
    first,
    needs_data,
    site_is,
    well_differentiated_low_grade,
)
from service.rules.pathways import (
    after_prrt_or_everolimus,
    everolimus_progressive,
    prrt_after_ssa,
    prrt_first_line,
    ssa_first_line,
    sstr_negative_progression,
)
from service.rules.outcome import FactUse, Outcome, Status, _outcome, unknown
from service.rules.registry import RuleKnowledge, rule

OTHER_GI = frozenset({PrimarySite.OTHER_GI})


def _detail(p: NetPicture) -> str:
    return str(p.site_detail.value).strip().lower() if p.site_detail.known else ""


def _is_stomach(p: NetPicture) -> bool:
    d = _detail(p)
    return "stomach" in d or "gastric" in d


def _is_rectum(p: NetPicture) -> bool:
    d = _detail(p)
    return "rect" in d and "rectosigmoid" not in d


def _is_colon(p: NetPicture) -> bool:
    d = _detail(p)
    return ("colon" in d or "sigmoid" in d) and not _is_rectum(p)


def _resectable_local(rule_id: str, p: NetPicture) -> Outcome | None:
    """None for localized disease or resectable locoregional disease."""
    if unknown(p.extent):
        return Outcome.insufficient(rule_id, ("disease extent (staging imaging)",), reason="extent not known")
    if p.extent.value is Extent.LOCALIZED:
        return None
    if p.extent.value is Extent.LOCOREGIONAL and not p.resectability.is_(Resectability.UNRESECTABLE):
        return None
    return Outcome.not_applicable(rule_id, "advanced disease (O-06 / site pathway)")


def _other_gi(rule_id: str, p: NetPicture) -> Outcome | None:
    return first(well_differentiated_low_grade(rule_id, p), site_is(rule_id, p, OTHER_GI, "other GI NET"))


def _gastric_type(rule_id: str, p: NetPicture, needs_data_card: str | None) -> Outcome | int:
    if not _is_stomach(p):
        return Outcome.not_applicable(rule_id, "not a gastric NET")
    if unknown(p.gastric_type):
        return needs_data(rule_id, p, ("gastric NET type (fasting gastrin, atrophic gastritis biopsies)",),
                          card=needs_data_card, reason="gastric type not on record")
    return int(p.gastric_type.value)  # type: ignore[arg-type]


@rule("O-01")
def gastric_type_1(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _other_gi("O-01", p)
    if stop is not None:
        return stop
    gtype = _gastric_type("O-01", p, "gastric-type-needs-data")
    if isinstance(gtype, Outcome):
        return gtype
    if gtype != 1:
        return Outcome.not_applicable("O-01", f"gastric type {gtype}")
    if p.extent.is_(Extent.METASTATIC):
        return Outcome.not_applicable("O-01", "metastatic type 1 gastric NET: O-06")
    return Outcome.applicable("O-01", card="gastric-type1-surveillance", params=card_params(p),
                              facts=fact_uses(p, "site_detail", "gastric_type", "grade", "tumor_size_cm"),
                              reason="type 1 gastric NET")


@rule("O-02")
def gastric_type_2(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _other_gi("O-02", p)
    if stop is not None:
        return stop
    gtype = _gastric_type("O-02", p, None)
    if isinstance(gtype, Outcome):
        return gtype
    if gtype != 2:
        return Outcome.not_applicable("O-02", f"gastric type {gtype}")
    from service.picture.model import Agent

    card = "ppi-gastrinoma-continue" if p.on(Agent.PPI) else "ppi-gastrinoma"
    return Outcome.applicable("O-02", card=card, params=card_params(p),
                              facts=fact_uses(p, "site_detail", "gastric_type", "grade"),
                              reason="type 2 gastric NET (gastrinoma-driven)")


@rule("O-03")
def gastric_type_3_or_colon(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _other_gi("O-03", p)
    if stop is not None:
        return stop
    if _is_stomach(p):
        gtype = _gastric_type("O-03", p, None)
        if isinstance(gtype, Outcome):
            return gtype
        if gtype != 3:
            return Outcome.not_applicable("O-03", f"gastric type {gtype}")
    elif not _is_colon(p):
        return Outcome.not_applicable("O-03", "not a gastric type 3 or colonic NET")
    stop = _resectable_local("O-03", p)
    if stop is not None:
        return stop
    return Outcome.applicable("O-03", card="oncologic-resection-gi", params=card_params(p),
                              facts=fact_uses(p, "site_detail", "gastric_type", "grade", "extent", "tumor_size_cm"),
                              reason="localized type 3 gastric / colonic NET")


@rule("O-04")
def rectal_localized(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    stop = _other_gi("O-04", p)
    if stop is not None:
        return stop
    if not _is_rectum(p):
        return Outcome.not_applicable("O-04", "not a rectal NET")
    stop = _resectable_local("O-04", p)
    if stop is not None:
        return stop
    facts = fact_uses(p, "site_detail", "tumor_size_cm", "grade", "extent")
    params = card_params(p)
    size = float(p.tumor_size_cm.value) if p.tumor_size_cm.known else None  # type: ignore[arg-type]
    nodes = p.extent.is_(Extent.LOCOREGIONAL)
    if nodes or p.grade.is_(Grade.G2) or (size is not None and size > k.threshold("rectal_oncologic_min_cm")):
        return Outcome.applicable("O-04", card="rectal-oncologic-resection", params=params, facts=facts,
                                  reason="rectal NET >2 cm, G2 or nodal disease")
    if size is None:
        return Outcome.insufficient("O-04", ("tumour size (cm)",), reason="size not on record")
    if size <= k.threshold("rectal_endoscopic_max_cm"):
        return Outcome.applicable("O-04", card="rectal-endoscopic-resection", params=params, facts=facts,
                                  missing=("depth of invasion, margin, lympho-vascular invasion",),
                                  reason="rectal NET <=1 cm G1")
    return Outcome.applicable("O-04", card="rectal-staging-mdt", params=params, facts=facts,
                              reason="rectal NET 1-2 cm G1")


def _feature_use(name: str, fact, yes: str, no: str) -> FactUse:  # type: ignore[no-untyped-def]
    """A risk feature as a fact of the card: its value in words and the record clause that says it."""
    if fact.known:
        said = fact.sources[0].display if fact.sources else ""
        return FactUse.of(name, fact, f"{yes if fact.value else no}" + (f" — {said}" if said else ""))
    return FactUse.of(name, fact)


def appendix_risk(p: NetPicture) -> tuple[tuple[str, ...], tuple[str, ...], tuple[FactUse, ...]]:
    """(risk features present, risk features not on record, the facts that say them) of an appendiceal NET.

    The features of decision table O-05 / ENETS appendiceal 2023 for a 1-2 cm tumour: involved margin (R1),
    location at the base, mesoappendiceal invasion > 3 mm, lympho-vascular invasion, grade G2. A feature the
    record does not state is missing, never absent."""
    present: list[str] = []
    missing: list[str] = []
    facts: list[FactUse] = []
    for name, short, fact, risk, label, yes, no in (
            ("Resection margin", "R1 margin", p.r0_resection, False, "resection margin (R0 / R1)", "R0 (clear)",
             "R1 (involved)"),
            ("Location at the appendix base", "base location", p.appendix_base, True,
             "tumour location (base of the appendix or not)", "at the base", "not at the base"),
            ("Mesoappendiceal invasion >3 mm", "mesoappendix >3 mm", p.appendix_meso_deep, True,
             "mesoappendiceal invasion and its depth (mm)", "yes", "no"),
            ("Lympho-vascular invasion", "LVI", p.appendix_lvi, True, "lympho-vascular (angio-)invasion", "present",
             "not present")):
        if fact.known:
            facts.append(_feature_use(name, fact, yes, no))
            if fact.value is risk:
                present.append(short)
        else:
            if fact.sources:
                facts.append(FactUse.of(name, fact))
            missing.append(label + (f" ({fact.note})" if fact.note else ""))
    if p.grade.is_(Grade.G2):
        present.append("G2")
    return tuple(present), tuple(missing), tuple(facts)


def _appendix_needs_data(missing: tuple[str, ...], params: dict[str, str], facts: tuple[FactUse, ...],
                         reason: str) -> Outcome:
    """O-05 cannot decide: the appendix needs-data card, the facts on record and what is missing listed."""
    return _outcome("O-05", Status.INSUFFICIENT, "appendix-risk-review", facts, missing, reason, params)


@rule("O-05")
def appendix_localized(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome:
    if p.scope is not Scope.NET or p.differentiation.is_(Differentiation.POOR) or p.grade.is_(Grade.NEC):
        return Outcome.not_applicable("O-05", "not a well-differentiated NET")
    if "appendi" not in _detail(p):
        return Outcome.not_applicable("O-05", "not an appendiceal NET")
    stop = _resectable_local("O-05", p)
    if stop is not None:
        return stop
    facts = fact_uses(p, "site_detail", "tumor_size_cm", "grade", "ki67", "extent")
    params = card_params(p)
    size = float(p.tumor_size_cm.value) if p.tumor_size_cm.known else None  # type: ignore[arg-type]
    if size is not None:
        params["size"] = f"{size:g}"
    risks, unknown_features, feature_facts = appendix_risk(p)
    if p.grade.is_(Grade.G3) or (size is not None and size >= k.threshold("appendix_hemicolectomy_min_cm")):
        return Outcome.applicable("O-05", card="appendix-hemicolectomy", params=params, facts=facts,
                                  reason="appendiceal NET >=2 cm or G3")
    facts += feature_facts
    if p.appendix_meso_deep.is_(True):
        # decision table O-05: mesoappendiceal invasion >3 mm -> right hemicolectomy, like >= 2 cm or G3
        return Outcome.applicable("O-05", card="appendix-hemicolectomy", params=params, facts=facts,
                                  reason="appendiceal NET with mesoappendiceal invasion >3 mm")
    gaps = tuple(m for m, gap in (("tumour size (cm)", size is None),
                                  ("WHO grade (Ki-67 and mitotic count)", not p.grade.known)) if gap)
    if gaps:
        return _appendix_needs_data(gaps + unknown_features, params, facts, "size or grade not on record")
    assert size is not None
    params["risks"] = ", ".join(risks)
    if size < k.threshold("appendix_small_max_cm"):
        if p.r0_resection.is_(True):
            return Outcome.applicable("O-05", card="appendix-appendectomy-only", params=params, facts=facts,
                                      reason="appendiceal NET <1 cm, R0")
        if p.r0_resection.is_(False):
            return Outcome.applicable("O-05", card="appendix-hemicolectomy-discuss", params=params, facts=facts,
                                      missing=unknown_features, reason="appendiceal NET <1 cm with an involved margin")
        return _appendix_needs_data(("resection margin (R0 / R1)",), params, facts,
                                        "appendiceal NET <1 cm, margin not on record")
    if risks:
        return Outcome.applicable("O-05", card="appendix-hemicolectomy-discuss", params=params, facts=facts,
                                  missing=unknown_features, reason="appendiceal NET 1-2 cm with risk features")
    if unknown_features:
        return _appendix_needs_data(unknown_features, params, facts,
                                    "appendiceal NET 1-2 cm, risk features not all on record")
    return Outcome.applicable("O-05", card="appendix-no-risk-features", params=params, facts=facts,
                              reason="appendiceal NET 1-2 cm, R0, no risk features")


@rule("O-06")
def advanced_other_gi(p: NetPicture, as_of: date, k: RuleKnowledge) -> Outcome | tuple[Outcome, ...]:
    stop = first(_other_gi("O-06", p), advanced("O-06", p))
    if stop is not None:
        return stop
    results: list[Outcome] = []
    for step in (ssa_first_line("O-06", p, k), prrt_first_line("O-06", p, k), prrt_after_ssa("O-06", p, k),
                 everolimus_progressive("O-06", p, k), sstr_negative_progression("O-06", p),
                 after_prrt_or_everolimus("O-06", p, k)):
        results.extend(step if isinstance(step, tuple) else (step,))
    shown = [o for o in results if o.status is Status.APPLICABLE or (o.status is Status.INSUFFICIENT and o.card)]
    if shown:
        # one needs-data card per topic is enough: drop duplicates of the same card
        seen: set[str | None] = set()
        unique = []
        for o in shown:
            if o.card in seen:
                continue
            seen.add(o.card)
            unique.append(o)
        return tuple(unique)
    insufficient = [o for o in results if o.status is Status.INSUFFICIENT]
    if insufficient:
        missing = tuple(dict.fromkeys(m for o in insufficient for m in o.missing))
        return Outcome.insufficient("O-06", missing, reason="; ".join(o.reason for o in insufficient if o.reason))
    return Outcome.not_applicable("O-06", "; ".join(dict.fromkeys(o.reason for o in results)))
