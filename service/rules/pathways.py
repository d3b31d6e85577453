"""The extra-pancreatic pathway (decision table 4.2 M-02..M-07), parameterised by row id.

Midgut/unknown-primary (M-rows) and other GI sites (O-06) follow the same sequence: first-line
SSA, first-line PRRT (NETTER-2), PRRT after SSA (NETTER-1), everolimus (RADIANT-4), the
SSTR-negative branch and later lines (CABINET). Each function returns the outcome(s) of the
calling row; the rows themselves live in ``midgut.py`` and ``other_gi.py``.
"""
from __future__ import annotations

from service.picture.model import Agent, NetPicture
from service.rules.outcome import FactUse, Outcome, Status, unknown
from service.rules.predicates import (
    NON_SSA_SYSTEMIC,
    SSTR_NOT_PRRT,
    SSTR_POSITIVE,
    card_params,
    exposure_facts,
    fact_uses,
    functional_carcinoid,
    had_any,
    ki67_at_least,
    ki67_at_most,
    ki67_outdated,
    newly_diagnosed,
    progressed_after,
    progressed_on,
    progression_being_treated,
    progression_known,
    received,
    prrt_gates,
    therapy_facts,
)
from service.rules.course import prrt_retreatment
from service.rules.registry import RuleKnowledge


def ssa_line(p: NetPicture, k: RuleKnowledge) -> tuple[dict[str, str], tuple[str, ...]]:
    """The ``ssa_line`` card parameter and the missing items of a long-acting SSA start: "first line", or a restart
    when an SSA was given before -- then why it was stopped is asked (review 2026-12 D, net-36: a restart after
    21 months of octreotide LAR was called first line). Words in knowledge ``ssa_line_words``."""
    words = k.pairs("ssa_line_words")
    if received(p, Agent.SSA):
        return {"ssa_line": words["restart"]}, (words["why_stopped"],)
    return {"ssa_line": words["first"]}, ()


def ssa_first_line(rule_id: str, p: NetPicture, k: RuleKnowledge) -> Outcome:
    if p.on(Agent.SSA):
        return Outcome.not_applicable(rule_id, "already on a somatostatin analogue")
    if progressed_on(p, Agent.SSA):
        return Outcome.not_applicable(rule_id, "progressed on an SSA: second-line rows apply")
    if unknown(p.sstr):
        return Outcome.insufficient(rule_id, ("SSTR imaging (G-06)",), reason="no SSTR imaging on record")
    if p.sstr.value not in SSTR_POSITIVE:
        return Outcome.not_applicable(rule_id, f"SSTR {p.sstr.value.value}: low expected SSA benefit (NR-16)")  # type: ignore[union-attr]
    line, missing = ssa_line(p, k)
    return Outcome.applicable(
        rule_id, card="ssa-first-line", params=card_params(p) | line, missing=missing,
        facts=fact_uses(p, "primary_site", "grade", "ki67", "extent", "sstr")
        + (exposure_facts(p, Agent.SSA) if missing else ()),
        reason="advanced SSTR-positive WD NET, " + ("SSA given before, none now" if missing else "no SSA yet"),
    )


def prrt_first_line(rule_id: str, p: NetPicture, k: RuleKnowledge) -> Outcome:
    new = newly_diagnosed(p)
    if new is None:
        return Outcome.insufficient(rule_id, ("prior systemic therapy history",), reason="treatment history unknown")
    if not new:
        return Outcome.not_applicable(rule_id, "prior antitumour systemic therapy: not the NETTER-2 population")
    if unknown(p.ki67):
        return Outcome.insufficient(rule_id, ("Ki-67 index",), reason="Ki-67 not on record")
    lo = ki67_at_least(p.ki67.value, k.threshold("prrt_first_line_ki67_min"))  # type: ignore[arg-type]
    hi = ki67_at_most(p.ki67.value, k.threshold("prrt_first_line_ki67_max"))  # type: ignore[arg-type]
    if lo is False or hi is False:
        return Outcome.not_applicable(rule_id, "Ki-67 outside the NETTER-2 range (10-55 %)")
    if lo is None or hi is None:
        return Outcome.insufficient(rule_id, ("exact Ki-67 index",), reason="Ki-67 reported as a range across 10 %")
    stop = prrt_gates(rule_id, p, k)
    if stop is not None:
        return stop
    return Outcome.applicable(
        rule_id, card="prrt-first-line", params=card_params(p), missing=ki67_outdated(p, k),
        facts=fact_uses(p, "primary_site", "ki67", "sstr", "extent", "newly_diagnosed"),
        reason="no prior systemic therapy, SSTR >= liver everywhere, Ki-67 in the NETTER-2 range",
    )


def prrt_after_ssa(rule_id: str, p: NetPicture, k: RuleKnowledge) -> Outcome:
    stop = progression_known(rule_id, p)
    if stop is not None:
        return stop
    if not progressed_on(p, Agent.SSA):
        return Outcome.not_applicable(rule_id, "no documented progression on an SSA")
    if received(p, Agent.PRRT):
        return Outcome.not_applicable(rule_id, "PRRT already given (re-treatment: M-07 / MDT)")
    answered = progression_being_treated(p)
    if answered:  # e.g. everolimus started since the progression and working: not another line now
        return Outcome.not_applicable(rule_id, f"the progression is being treated: {answered[0].display}")
    stop = prrt_gates(rule_id, p, k)
    if stop is not None:
        return stop
    return Outcome.applicable(
        rule_id, card="prrt-second-line", params=card_params(p),
        facts=fact_uses(p, "primary_site", "grade", "sstr", "progression") + therapy_facts(p, (Agent.SSA,)),
        reason="progressive on SSA with SSTR uptake >= liver in all target lesions",
    )


def prrt_not_possible(p: NetPicture, k: RuleKnowledge) -> tuple[str, tuple[FactUse, ...]] | None:
    """Why PRRT is not possible now, from the record, in a few words with the facts that say so; None when nothing
    on record rules it out. The same facts the PRRT cards use: declined (PD-01), CrCl below the label's limit
    (NR-04), pregnancy (NR-04), breast-feeding (NR-04: stop it first, PRRT deferred). Labs only below the NETTER-1
    thresholds are no bar (the PRRT card asks for MDT review)."""
    if p.declined(Agent.PRRT):
        return "declined by the patient", ()
    crcl = p.labs.creatinine_clearance
    if crcl.known and float(crcl.value) < k.threshold("prrt_crcl_not_studied_below"):  # type: ignore[arg-type]
        return f"CrCl {crcl.value:g} mL/min", (FactUse.of("CrCl", crcl, f"{crcl.value:g} mL/min"),)
    if p.pregnant.is_(True):
        return "pregnancy", (FactUse.of("Pregnant", p.pregnant, "yes"),)
    if p.breastfeeding.is_(True):
        return "breast-feeding", (FactUse.of("Breast-feeding", p.breastfeeding, "yes"),)
    return None


def everolimus_progressive(rule_id: str, p: NetPicture, k: RuleKnowledge) -> Outcome:
    stop = progression_known(rule_id, p)
    if stop is not None:
        return stop
    if functional_carcinoid(p):
        return Outcome.not_applicable(rule_id, "functional carcinoid: everolimus not standard (NR-02; F-06)")
    if not progressed_on(p, Agent.SSA):
        return Outcome.not_applicable(rule_id, "no documented progression on an SSA")
    if received(p, Agent.EVEROLIMUS):
        return Outcome.not_applicable(rule_id, "everolimus already given")
    if received(p, Agent.PRRT):
        return Outcome.not_applicable(rule_id, "after PRRT: later-line sequence (M-07)")
    facts = fact_uses(p, "primary_site", "grade", "progression", "sstr") + therapy_facts(p, (Agent.SSA,))
    barrier = prrt_not_possible(p, k)
    if barrier is not None:
        # the table's condition "when PRRT not possible/declined" is met: the next line, not a conditional option
        words, used = barrier
        return Outcome.applicable(rule_id, card="everolimus-prrt-not-possible",
                                  params={**card_params(p), "prrt_barrier": words}, facts=facts + used,
                                  reason=f"non-functional NET progressive on SSA; PRRT not possible now: {words}")
    return Outcome.applicable(rule_id, card="everolimus-nonfunctional", params=card_params(p), facts=facts,
                              reason="non-functional NET progressive on SSA")


def sstr_negative_progression(rule_id: str, p: NetPicture) -> tuple[Outcome, ...] | Outcome:
    stop = progression_known(rule_id, p)
    if stop is not None:
        return stop
    if not progressed_on(p, Agent.SSA):
        return Outcome.not_applicable(rule_id, "no documented progression on an SSA")
    if unknown(p.sstr):
        return Outcome.insufficient(rule_id, ("SSTR imaging",), reason="no SSTR imaging on record")
    if p.sstr.value not in SSTR_NOT_PRRT:
        return Outcome.not_applicable(rule_id, "SSTR uptake not negative/heterogeneous")
    params = card_params(p)
    facts = fact_uses(p, "primary_site", "grade", "ki67", "sstr", "progression") + therapy_facts(p, (Agent.SSA,))
    out = [Outcome.applicable(rule_id, card="rebiopsy-sstr-discordant", params=params, facts=facts,
                              reason="progression with SSTR-negative/heterogeneous disease")]
    if not functional_carcinoid(p) and not received(p, Agent.EVEROLIMUS):
        out.append(Outcome.applicable(rule_id, card="everolimus-sstr-negative", params=params, facts=facts,
                                      reason="non-functional, PRRT not possible (SSTR)"))
    if had_any(p, NON_SSA_SYSTEMIC - {Agent.INTERFERON}) and not received(p, Agent.CABOZANTINIB):
        out.append(Outcome.applicable(rule_id, card="cabozantinib-epnet", params=params,
                                      facts=facts + therapy_facts(p, NON_SSA_SYSTEMIC),
                                      reason="progressed after a non-SSA systemic therapy"))
    return tuple(out)


def after_prrt_or_everolimus(rule_id: str, p: NetPicture, k: RuleKnowledge) -> tuple[Outcome, ...] | Outcome:
    stop = progression_known(rule_id, p)
    if stop is not None:
        return stop
    if not p.progression.is_(True):
        return Outcome.not_applicable(rule_id, "no documented progression within 12 months")
    had_prrt, had_evero = received(p, Agent.PRRT), received(p, Agent.EVEROLIMUS)
    if not (had_prrt or had_evero):
        return Outcome.not_applicable(rule_id, "no prior PRRT or everolimus")
    if not (progressed_after(p, Agent.PRRT) or progressed_after(p, Agent.EVEROLIMUS)):
        return Outcome.not_applicable(rule_id, "progression predates PRRT/everolimus")
    params = card_params(p)
    facts = fact_uses(p, "primary_site", "grade", "progression", "sstr") + therapy_facts(
        p, (Agent.PRRT, Agent.EVEROLIMUS))
    out: list[Outcome] = []
    if not received(p, Agent.CABOZANTINIB):
        out.append(Outcome.applicable(rule_id, card="cabozantinib-epnet", params=params, facts=facts,
                                      reason="progressed after PRRT and/or everolimus"))
    if had_prrt and not had_evero and not functional_carcinoid(p):
        out.append(Outcome.applicable(rule_id, card="everolimus-after-prrt", params=params, facts=facts,
                                      reason="everolimus not yet given"))
    if had_evero and not had_prrt:
        stop = prrt_gates(rule_id, p, k)
        if stop is None:
            out.append(Outcome.applicable(rule_id, card="prrt-after-everolimus", params=params, facts=facts,
                                          reason="PRRT not yet given, SSTR >= liver everywhere"))
        elif stop.status is not Status.NOT_APPLICABLE:
            out.append(stop)
    if had_prrt:
        again = prrt_retreatment(rule_id, p, k)
        if again is not None and again.status is not Status.NOT_APPLICABLE:
            out.append(again)
    out.append(Outcome.applicable(rule_id, card="clinical-trial-later-line", params=params, facts=facts,
                                  reason="later-line progressive NET"))
    return tuple(out)


