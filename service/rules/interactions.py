"""Drug-interaction and pharmacogenetic safety boxes that read the whole answer (decision table section 5).

These are review rows: they run after every other row (and after PD-01), so they see both what the
patient takes or has been ordered *and* what this very answer suggests. A drug is "in question" when it
is taken or ordered (``in_play``) or a recommend/consider card of this answer suggests it (its topic).
Each adds cards of its own; none withdraws another row's outcome. Lists and numbers come from
``cards/knowledge/interactions.yaml`` (medication flags from ``cards/terminology/medications.yaml``).

SB-11 — strong CYP3A4 inhibitors and inducers with everolimus, sunitinib, cabozantinib  (labels)
    When: everolimus, sunitinib or cabozantinib is in question and a current medication carries a
          strong-inhibitor or strong-inducer flag. (Everolimus taken or ordered with a strong inhibitor
          is NR-19's critical card; SB-11 speaks for an everolimus that is only suggested.)
    Then: CAUTION (drug-safety) with the label's adjustment: everolimus + strong inducer: avoid, else
          10 -> 20 mg daily in 5-mg steps; everolimus suggested with a strong inhibitor: stop/replace the
          inhibitor first or choose another option; sunitinib + strong inhibitor: choose another drug,
          else reduce to a minimum of 25 mg daily (pNET); sunitinib + strong inducer: up to 62.5 mg
          daily (pNET); cabozantinib + strong inhibitor: reduce by 20 mg (60 -> 40 mg); + strong
          inducer: increase by 20 mg (60 -> 80 mg, R).
    Source: Afinitor, Sutent, Cabometyx labels (decision table section 5).
SB-12 — QT prolongation with sunitinib  (Sutent label)
    The card names the drug that carries the QT flag (``flag_name``): the coded drug when its code carries it,
    else the drug the record's text names; when that is not the record's own drug (its coding, else its first
    words) a fact line says so ("levofloxacin (QT-prolonging) is named in the text of the rifampicin record") --
    never "review rifampicin" for levofloxacin's QT risk (net-282, net-283). SB-11 names its drugs the same way.
    When: sunitinib in question and a QT-prolonging current medication, or a QTc >= qtc_caution_ms (470).
    Then: QTc >= qtc_stop_ms (500): NOT RECOMMENDED to start/continue until corrected (drug-safety);
          else CAUTION: baseline and on-treatment ECG, potassium and magnesium, review the other drug.
          QTc not on record with a QT drug -> listed as missing on the card. The QTc fact is critical (the card
          critical) above critical_qtc_ms (500) or at critical_qtc_with_qt_drugs_ms (480) or more with
          critical_qtc_min_qt_drugs (2) QT-prolonging drugs, sunitinib counted; potassium and magnesium on record
          are cited, those not on record are missing.
    Source: Sutent label (QT prolongation, torsades); QTc thresholds: common oncology practice (R).
SB-13 — DPD status with capecitabine / 5-FU  (capecitabine and fluorouracil labels; CPIC; EMA 2020)
    When: DPD deficiency on record (Condition: DPD deficiency, DPYD poor/intermediate metaboliser) and
          a fluoropyrimidine regimen in question: CAPTEM (capecitabine), streptozocin + 5-FU, or other
          fluoropyrimidine chemotherapy (FOLFOX/FOLFIRI/CAPOX).
    Then: complete (or unstated) deficiency: contraindicated at ANY dose (labels, EMA 2020, CPIC: avoid) --
          taken or ordered -> CRITICAL (drug-safety): stop / do not give the fluoropyrimidine; suggested -> NOT
          RECOMMENDED at any dose on the regimen's own topic (it leads that topic, so no draft is offered), the
          card naming the options without a fluoropyrimidine the table gives (temozolomide alone for CAPTEM,
          doxorubicin as the streptozocin partner, for NEC N-03's immunotherapy / biomarker-directed options,
          re-challenge or a trial); no reduced dose is offered (net-275).
          Partial deficiency (every record of it says partial / intermediate metaboliser; a deficiency of
          unstated degree is read as complete): suggested -> CAUTION on the regimen's own topic (it leads the
          topic: no standard-dose draft), start the fluoropyrimidine at 50 % (CPIC); taken/ordered -> CRITICAL.
          DPD status not on record (never read as normal) and a fluoropyrimidine suggested or ordered but not
          yet given -> NEEDS DATA (drug-safety, warning): test DPYD before starting, the test offered (EMA 2020;
          a caution card offers no order in this contract, a needs-data card offers the test).
    Source: capecitabine/fluorouracil labels (boxed in the US since 2024, R); CPIC DPYD guideline; EMA 2020.
SB-14 — UGT1A1 with irinotecan  (irinotecan label; DPWG 2022)
    When: irinotecan taken/ordered (an other-chemotherapy therapy named irinotecan/FOLFIRI...) or suggested (a
          recommend/consider card drafts a drug of the knowledge list irinotecan_drugs).
          "Suggested" means offered: a draft on a card whose topic no caution/not-recommended card of this answer
          leads (FOLFIRI blocked by a DPD deficiency on record is not offered, so SB-14 says nothing about it;
          net-275). A poor metaboliser is never offered the standard-dose FOLFIRI draft: N-03 gives its
          FOLFOX-only card nec-second-line-ugt1a1-poor (net-276).
    Then: UGT1A1 poor metaboliser on record -> CAUTION (drug-safety): reduced starting dose (DPWG 70 %), the
          dose of the order checked; the card never names another regimen (a fluoropyrimidine one may be
          contraindicated by DPD deficiency); status not on record, suggested or ordered not yet given ->
          NEEDS DATA: consider UGT1A1 genotyping (test offered).
SB-15 — baseline labs before everolimus  (Afinitor label: monitoring before and during treatment)
    When: everolimus suggested by this answer (a recommend/consider card or choice option) or ordered and not yet
          taken, and a baseline lab (``lists.everolimus_baseline_labs``: CBC, creatinine clearance, fasting glucose
          or HbA1c, lipids) is not on record or older than ``drug_labs_max_age_days`` (30).
    Then: NEEDS DATA on the everolimus topic, like PRRT's labs: each lab named "not on record" or with its last
          date and age ("repeat"); the card offers the pre-everolimus blood tests (a draft ServiceRequest). The
          everolimus suggestion itself stays (the labs are checks before the first dose, not eligibility gates).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from service.picture.model import Agent, Medication, NetPicture, TherapyStatus
from service.rules.outcome import FactUse, Outcome, Status
from service.rules.predicates import exposure_facts, fact_uses, in_play, lab_facts, labs_not_current, medication_fact
from service.rules.registry import RuleKnowledge, rule


def suggested_topics(k: RuleKnowledge, outcomes: tuple[Outcome, ...]) -> frozenset[str]:
    """Card-contract topics that this answer suggests (an applicable recommend/consider outcome)."""
    out = set()
    for o in outcomes:
        if o.status is not Status.APPLICABLE:
            continue
        spec = k.card_of(o)
        if spec is not None and spec.strength in ("recommend", "consider"):
            out.add(spec.topic)
    return frozenset(out)


def _in_question(p: NetPicture, agent: Agent, suggested: frozenset[str]) -> str | None:
    """How a drug is in question: "taken", "ordered", "suggested" (by this answer) or None."""
    if p.on(agent):
        return "taken"
    if in_play(p, agent):
        return "ordered"
    if agent.value in suggested:
        return "suggested"
    return None


def _flagged(p: NetPicture, flags: tuple[str, ...]) -> list[Medication]:
    wanted = set(flags)
    return [m for m in p.current_medications if m.flags & wanted]


def flag_name(m: Medication, flags: tuple[str, ...]) -> str:
    """The drug of ``m`` that carries one of ``flags``: the coded drug when its code carries it, else the drug the
    record's text names ("levofloxacin" for a record "rifampicin 600 mg (with levofloxacin)")."""
    carriers = m.drugs_with(flags)
    return " and ".join(carriers) if carriers else short_name(m)


def flag_facts(meds: list[Medication], flags: tuple[str, ...], what: str) -> tuple[FactUse, ...]:
    """Each flagged record (``medication_fact``); when the drug carrying the flag is not the drug the record is
    for (its coding, else the first words of its text), a line saying so: the flag is never attributed to the
    record's own drug ("levofloxacin (QT-prolonging) is named in the text of the rifampicin record")."""
    out: list[FactUse] = []
    for m in meds:
        out.append(medication_fact(m))
        record = m.coded_drug or short_name(m)
        others = [c for c in m.drugs_with(flags)
                  if c.lower() not in record.lower() and record.lower() not in c.lower()]
        if others:
            out.append(FactUse(name="Flag read from the record text",
                               display=f"{' and '.join(others)} ({what}) is named in the text of the {record} record",
                               date=m.date, reference=m.reference))
    return tuple(out)


def short_name(m: Medication) -> str:
    """The drug's name without strength and directions ("rifampicin 600 mg by mouth ..." -> "rifampicin")."""
    words = []
    for word in m.name.split():
        if any(ch.isdigit() for ch in word):
            break
        words.append(word)
    return " ".join(words) or m.name


def _drug_facts(p: NetPicture, agent: Agent, how: str) -> tuple[FactUse, ...]:
    if how == "suggested":
        return (FactUse(name="Suggested on another card", display=agent.value),)
    return exposure_facts(p, agent)


# (NET drug, interaction) -> card; everolimus + strong inhibitor taken/ordered is NR-19 (critical)
_CYP3A4_CARDS = {
    (Agent.EVEROLIMUS, "inhibitor"): "cyp3a4-everolimus-inhibitor",
    (Agent.EVEROLIMUS, "inducer"): "cyp3a4-everolimus-inducer",
    (Agent.SUNITINIB, "inhibitor"): "cyp3a4-sunitinib-inhibitor",
    (Agent.SUNITINIB, "inducer"): "cyp3a4-sunitinib-inducer",
    (Agent.CABOZANTINIB, "inhibitor"): "cyp3a4-cabozantinib-inhibitor",
    (Agent.CABOZANTINIB, "inducer"): "cyp3a4-cabozantinib-inducer",
}


@rule("SB-11", review=True)
def cyp3a4_interactions(p: NetPicture, as_of: date, k: RuleKnowledge,
                        outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    inhibitors = _flagged(p, k.values("strong_cyp3a4_inhibitor_flags"))
    inducers = _flagged(p, k.values("strong_cyp3a4_inducer_flags"))
    if not inhibitors and not inducers:
        return outcomes
    suggested = suggested_topics(k, outcomes)
    added: list[Outcome] = []
    for agent in (Agent.EVEROLIMUS, Agent.SUNITINIB, Agent.CABOZANTINIB):
        how = _in_question(p, agent, suggested)
        if how is None:
            continue
        for kind, meds in (("inhibitor", inhibitors), ("inducer", inducers)):
            if not meds:
                continue
            if agent is Agent.EVEROLIMUS and kind == "inhibitor" and how != "suggested":
                continue  # NR-19: critical "avoid the combination"
            added.append(Outcome.applicable(
                "SB-11", card=_CYP3A4_CARDS[(agent, kind)],
                facts=flag_facts(meds, k.values(f"strong_cyp3a4_{kind}_flags"), f"strong CYP3A4 {kind}")
                + _drug_facts(p, agent, how),
                params={"drug": ", ".join(dict.fromkeys(flag_name(m, k.values(
                    f"strong_cyp3a4_{kind}_flags")) for m in meds))},
                reason=f"{agent.value} ({how}) with a strong CYP3A4 {kind}"))
    return outcomes + tuple(added)


@rule("SB-12", review=True)
def sunitinib_qt(p: NetPicture, as_of: date, k: RuleKnowledge,
                 outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    qt_drugs = _flagged(p, k.values("qt_prolonging_flags"))
    qtc = p.labs.qtc
    long_qtc = qtc.known and float(qtc.value) >= k.threshold("qtc_caution_ms")  # type: ignore[arg-type]
    if not qt_drugs and not long_qtc:
        return outcomes
    how = _in_question(p, Agent.SUNITINIB, suggested_topics(k, outcomes))
    if how is None:
        return outcomes
    facts = flag_facts(qt_drugs, k.values("qt_prolonging_flags"), "QT-prolonging") + _drug_facts(
        p, Agent.SUNITINIB, how)
    if qtc.known:
        facts = (_qtc_fact(p, k, len(qt_drugs) + 1),) + facts
    facts += lab_facts(p, k, "potassium", "magnesium")
    very_long = qtc.known and float(qtc.value) >= k.threshold("qtc_stop_ms")  # type: ignore[arg-type]
    card = "sunitinib-qtc-long" if very_long else "sunitinib-qt-caution"
    missing = (() if qtc.known else ("QTc on a recent ECG",)) + tuple(
        w for w, f in (("potassium", p.labs.potassium), ("magnesium", p.labs.magnesium)) if not f.known)
    return outcomes + (Outcome.applicable(
        "SB-12", card=card, facts=facts, missing=missing,
        params={"drug": ", ".join(dict.fromkeys(flag_name(m, k.values("qt_prolonging_flags")) for m in qt_drugs))
                or "no other QT drug"},
        reason=f"sunitinib ({how}) with " + ("a QTc of 500 ms or more" if very_long
                                               else "a QT-prolonging drug or a long QTc")),)


def _qtc_fact(p: NetPicture, k: RuleKnowledge, qt_drug_count: int) -> FactUse:
    """The QTc on record; critical (the card is shown critical) above ``critical_qtc_ms``, or at/above
    ``critical_qtc_with_qt_drugs_ms`` with ``critical_qtc_min_qt_drugs`` or more QT-prolonging drugs together
    (sunitinib counted)."""
    qtc = float(p.labs.qtc.value)  # type: ignore[arg-type]
    words = f"{qtc:g} ms"
    critical = False
    if qtc > k.threshold("critical_qtc_ms"):
        critical, words = True, words + f" (critical: above {k.threshold('critical_qtc_ms'):g} ms)"
    elif (qtc >= k.threshold("critical_qtc_with_qt_drugs_ms")
          and qt_drug_count >= k.threshold("critical_qtc_min_qt_drugs")):
        critical = True
        words += (f" (critical: {k.threshold('critical_qtc_with_qt_drugs_ms'):g} ms or more with "
                  f"{qt_drug_count} QT-prolonging drugs)")
    return replace(FactUse.of("QTc", p.labs.qtc, words), critical=critical)


# Fluoropyrimidine regimens by card-contract topic: (card for a known deficiency of complete or unstated degree,
# card for a partial deficiency), and the regimen's name on the "test DPYD" card.
_FLUOROPYRIMIDINE_TOPICS = {
    Agent.CAPTEM.value: ("dpd-captem", "dpd-partial-captem", "CAPTEM"),
    Agent.STREPTOZOCIN.value: ("dpd-streptozocin-5fu", "dpd-partial-streptozocin-5fu", "streptozocin + 5-FU"),
    Agent.OTHER_CHEMOTHERAPY.value: ("dpd-other-chemotherapy", "dpd-partial-other-chemotherapy", "FOLFOX/FOLFIRI"),
}


def _fluoropyrimidine_given(p: NetPicture, k: RuleKnowledge,
                            statuses: tuple[TherapyStatus, ...] = (TherapyStatus.ACTIVE, TherapyStatus.PLANNED)
                            ) -> list[FactUse]:
    """Taken or ordered capecitabine / 5-FU (by drug name: CAPTEM also holds temozolomide alone)."""
    words = k.values("fluoropyrimidine_words")
    out = []
    for agent in (Agent.CAPTEM, Agent.STREPTOZOCIN, Agent.OTHER_CHEMOTHERAPY):
        for t in p.therapies_of(agent):
            if t.status not in statuses:
                continue
            if any(w in t.drug.lower() for w in words) or agent is Agent.OTHER_CHEMOTHERAPY:
                out.append(FactUse(name="Therapy", display=f"{t.drug} ({t.status.value})", date=t.start,
                                   reference=t.references[0] if t.references else None))
    return out


@rule("SB-13", review=True)
def dpd_status_fluoropyrimidines(p: NetPicture, as_of: date, k: RuleKnowledge,
                                 outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    suggested = suggested_topics(k, outcomes)
    topics = [t for t in _FLUOROPYRIMIDINE_TOPICS if t in suggested]
    if p.dpd_deficiency.is_(True):
        partial = p.dpd_partial.is_(True)
        dpd = (FactUse.of("DPD deficiency", p.dpd_deficiency),)
        added: list[Outcome] = []
        given = _fluoropyrimidine_given(p, k)
        if given:
            added.append(Outcome.applicable("SB-13", card="dpd-partial-fluoropyrimidine-current" if partial
                                            else "dpd-fluoropyrimidine-current", facts=dpd + tuple(given),
                                            reason="fluoropyrimidine taken or ordered with DPD deficiency on record"))
        for topic in topics:
            complete_card, partial_card, _ = _FLUOROPYRIMIDINE_TOPICS[topic]
            added.append(Outcome.applicable(
                "SB-13", card=partial_card if partial else complete_card, facts=dpd + fact_uses(p, "grade"),
                reason=f"{topic} suggested with {'partial ' if partial else ''}DPD deficiency on record"
                       + ("" if partial else " (complete or of unstated degree)")))
        return outcomes + tuple(added)
    # DPD status not on record (never read as normal): test before the first dose of a suggested or ordered,
    # not yet given, fluoropyrimidine (one already being given is SB-04's monitoring card)
    planned = _fluoropyrimidine_given(p, k, (TherapyStatus.PLANNED,))
    if not topics and not planned:
        return outcomes
    names = [_FLUOROPYRIMIDINE_TOPICS[t][2] for t in topics]
    facts = tuple(planned) + tuple(FactUse(name="Suggested on another card", display=n) for n in names)
    drug = ", ".join(dict.fromkeys(names + ["the ordered fluoropyrimidine"] * bool(planned)))
    return outcomes + (Outcome.applicable(
        "SB-13", card="dpd-test-before-fluoropyrimidine", facts=facts, missing=("DPYD genotype / DPD activity",),
        params={"drug": drug}, reason="fluoropyrimidine suggested or ordered with no DPD status on record"),)


def _irinotecan_suggested(k: RuleKnowledge, outcomes: tuple[Outcome, ...]) -> bool:
    """This answer actually offers an irinotecan draft: a recommend/consider card drafts a drug of the knowledge list
    irinotecan_drugs AND no caution or not-recommended card of this answer speaks about that card's topic (such a
    card leads the topic and the draft is not offered: FOLFIRI blocked by a DPD deficiency on record, SB-13)."""
    wanted = set(k.values("irinotecan_drugs"))
    specs = [k.card_of(o) for o in outcomes if o.status is Status.APPLICABLE]
    blocked = {s.topic for s in specs if s is not None and s.strength in ("not-recommended", "caution")}
    return any(s is not None and s.strength in ("recommend", "consider") and s.order is not None
               and wanted & set(s.order.medications) and s.topic not in blocked for s in specs)


@rule("SB-14", review=True)
def ugt1a1_irinotecan(p: NetPicture, as_of: date, k: RuleKnowledge,
                      outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    words = k.values("irinotecan_words")
    given = [t for t in p.therapies_of(Agent.OTHER_CHEMOTHERAPY)
             if t.status in (TherapyStatus.ACTIVE, TherapyStatus.PLANNED) and any(w in t.drug.lower() for w in words)]
    suggested = _irinotecan_suggested(k, outcomes)
    facts = tuple(FactUse(name="Therapy", display=f"{t.drug} ({t.status.value})", date=t.start,
                          reference=t.references[0] if t.references else None) for t in given)
    if suggested:
        facts += (FactUse(name="Suggested on another card", display="FOLFIRI (irinotecan)"),)
    if p.ugt1a1_poor.is_(True):
        if not given and not suggested:
            return outcomes
        return outcomes + (Outcome.applicable(
            "SB-14", card="ugt1a1-poor-irinotecan", facts=(FactUse.of("UGT1A1 poor metaboliser", p.ugt1a1_poor),) + facts,
            reason="irinotecan in question with UGT1A1 poor metaboliser status on record"),)
    # status not on record (never read as normal): only before the first dose
    if not suggested and not any(t.status is TherapyStatus.PLANNED for t in given):
        return outcomes
    return outcomes + (Outcome.applicable(
        "SB-14", card="ugt1a1-test-before-irinotecan", facts=facts, missing=("UGT1A1 genotype",),
        reason="irinotecan suggested or ordered with no UGT1A1 status on record"),)


@rule("SB-15", review=True)
def everolimus_baseline_labs(p: NetPicture, as_of: date, k: RuleKnowledge,
                             outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    how = _in_question(p, Agent.EVEROLIMUS, suggested_topics(k, outcomes))
    if how not in ("suggested", "ordered"):
        return outcomes  # taken: SB-01 monitors; not in question: nothing to check
    if Agent.EVEROLIMUS in p.declined_therapies:
        return outcomes  # declined: PD-01 withdraws the suggestion and asks to confirm an order, so no labs for it
    for o in outcomes:  # advice against everolimus in this answer: no labs for a drug not to give
        spec = k.card_of(o) if o.status is Status.APPLICABLE else None
        if spec is not None and spec.topic == Agent.EVEROLIMUS.value and spec.strength in ("not-recommended",
                                                                                            "caution"):
            return outcomes
    limit = k.threshold("drug_labs_max_age_days")
    names = [n for n in k.values("everolimus_baseline_labs")]
    # fasting glucose or HbA1c: either one current is enough
    if "glucose" in names and p.labs.hba1c.known and p.labs.hba1c.date is not None \
            and (as_of - p.labs.hba1c.date).days <= limit:
        names.remove("glucose")
    todo, old = labs_not_current(p, names, limit)
    if not todo:
        return outcomes
    return outcomes + (Outcome.insufficient(
        "SB-15", tuple(f"before everolimus: {t}" for t in todo), card="everolimus-baseline-labs", facts=tuple(old),
        reason=f"everolimus {how}: baseline labs missing or older than {limit:g} days"),)
