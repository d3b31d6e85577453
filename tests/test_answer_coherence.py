"""Every fixture answer agrees with itself (issue 11 item 7, content part; expert review 2026-12).

Runs every ``fhir_fixtures/hooks/*.json`` request through the real app (as the goldens do) and fails on the
contradictions the review found, as classes rather than per patient:

* a card asserts in its summary a fact it lists as missing (review Wrong 12: "not suited to resection" while
  the resectability assessment is missing);
* a monitoring card for a drug that another card of the same answer says not to give (net-68);
* a card suggests (recommend/consider with a draft) a targeted drug the patient already takes, or lists it
  among "options left" (net-35: everolimus offered while she takes it);
* "VTE prophylaxis" beside an active DVT/PE on record (review U3, net-60);
* octreotide cover suggested while an insulinoma has no SSTR-positive imaging (review U2; NR-12).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from service.picture.build import build_picture
from service.picture.model import Agent, NetPicture, SstrStatus, Syndrome
from service.picture.terminology import load_terminology
from tests.golden_cards_regen import golden_client, hook_files, response_for
from tests.plugins.clinical import FIXTURE_AS_OF, bundle_record

ROOT = Path(__file__).resolve().parents[1]
HOOKS = hook_files()


@lru_cache(maxsize=1)
def _answers() -> dict[str, list[dict]]:
    with golden_client() as (client, uuids):
        return {h.stem: response_for(client, uuids, h)["cards"] for h in HOOKS}


@lru_cache(maxsize=None)
def _picture(pid: str) -> NetPicture:
    term = load_terminology(ROOT / "cards" / "terminology")
    return build_picture(bundle_record(ROOT / "fhir_fixtures" / "bundles" / f"{pid}.json"), as_of=FIXTURE_AS_OF,
                         terminology=term)


def _ext(card: dict) -> dict:
    return card["extension"]["net-cds"]


# What a summary asserts when it contains the phrase, and the missing-data words that contradict it.
ASSERTIONS = (
    (re.compile(r"not suited to resection|unresectable|resection/cytoreduction feasible", re.I), ("resectab",)),
    (re.compile(r"SSTR\+|(?<!without )SSTR-positive|SSTR uptake (higher|above)", re.I), ("sstr",)),
    (re.compile(r"\bKi-67 \d", re.I), ("ki-67 index",)),
    (re.compile(r"\bprogressi(ng|ve|on)\b", re.I), ("documented progression",)),
    (re.compile(r">50 %|bulky", re.I), ("hepatic tumour burden",)),
)


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_card_asserts_a_fact_it_lists_as_missing(pid):
    for card in _answers()[pid]:
        missing = " ".join(_ext(card).get("missing", [])).lower()
        for asserts, words in ASSERTIONS:
            if asserts.search(card["summary"]) and any(w in missing for w in words):
                pytest.fail(f"{pid}: '{card['summary']}' asserts what it lists as missing: {missing}")


# monitoring rows of the section-5 boxes -> the topic of their drug
MONITORING_ROWS = {"SB-01": "everolimus", "SB-02": "sunitinib", "SB-03": "cabozantinib", "SB-05": "belzutifan",
                   "SB-08": "interferon-alpha", "SB-09": "diazoxide"}


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_monitoring_card_for_a_drug_another_card_says_not_to_give(pid):
    cards = _answers()[pid]
    refused = {_ext(c)["topic"] for c in cards if _ext(c)["strength"] == "not-recommended"}
    for card in cards:
        if _ext(card)["strength"] in ("not-recommended", "caution") or card["indicator"] == "critical":
            continue  # a safety card may name the drug it warns about
        for row in _ext(card)["rules"]:
            if MONITORING_ROWS.get(row) in refused:
                pytest.fail(f"{pid}: monitoring ({row}) for {MONITORING_ROWS[row]}, which another card refuses")


TARGETED = {Agent.EVEROLIMUS: "everolimus", Agent.SUNITINIB: "sunitinib", Agent.CABOZANTINIB: "cabozantinib",
            Agent.BELZUTIFAN: "belzutifan", Agent.CAPTEM: "captem"}


# a taken drug may be named in a suggestion's summary only as the current or failed one ("on everolimus",
# "after everolimus", "progressing on or after everolimus", "with everolimus")
_CONTEXT = re.compile(r"(\bon|\bafter|\bwith|\bavoid|\bstop|\bhold|\bmonitor)\s+(\w+\s+){0,2}$", re.I)


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_suggestion_or_option_of_a_drug_the_patient_takes(pid):
    p = _picture(pid)
    taken = {topic for agent, topic in TARGETED.items() if p.on(agent)}
    for card in _answers()[pid]:
        ext = _ext(card)
        if ext["strength"] not in ("recommend", "consider"):
            continue
        if ext["topic"] in taken and card.get("suggestions"):
            pytest.fail(f"{pid}: suggests {ext['topic']}, which the patient already takes: {card['summary']}")
        for drug in taken:
            for m in re.finditer(rf"\b{drug}\b", card["summary"], re.I):
                if not _CONTEXT.search(card["summary"][:m.start()]):
                    pytest.fail(f"{pid}: lists {drug} as an option while the patient takes it: {card['summary']}")


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_vte_prophylaxis_beside_an_active_dvt(pid):
    if not _picture(pid).venous_thromboembolism.is_(True):
        return
    for card in _answers()[pid]:
        assert "VTE prophylaxis" not in card["summary"], f"{pid}: {card['summary']}"


_NEGATED = re.compile(r"\b(no|never|not|instead|only after|only if)\b", re.I)


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_octreotide_cover_for_an_insulinoma_without_sstr_positive_imaging(pid):
    """Review U2 (net-15): the surgery card advised octreotide "crisis prophylaxis" for an insulinoma."""
    p = _picture(pid)
    if not p.has_syndrome(Syndrome.INSULINOMA) or (p.sstr.known and p.sstr.value is not SstrStatus.NEGATIVE):
        return
    for card in _answers()[pid]:
        assert _ext(card)["topic"] != "carcinoid-crisis-prophylaxis", f"{pid}: octreotide cover (NR-12)"
        for sentence in re.split(r"(?<=[.])\s+|\n", card["detail"]):
            low = sentence.lower()
            if "octreotide" in low and ("cover" in low or "prophylaxis" in low) and not _NEGATED.search(sentence):
                pytest.fail(f"{pid}: '{sentence.strip()}' advises octreotide cover for an insulinoma")


# A datum the picture holds (current) must never be listed as missing (reviews A W1/W2, B U3/M5): the missing
# words of a card -> the picture fact that answers them. "more recent than" / "newer" asks for a repeat, which
# is allowed (the fact is then cited with its date).
_REPEAT = re.compile(r"more recent than|newer than|repeat|older than", re.I)
ON_RECORD = (
    (re.compile(r"\bpotassium\b", re.I), lambda p: p.labs.potassium),
    (re.compile(r"\bmagnesium\b", re.I), lambda p: p.labs.magnesium),
    (re.compile(r"cross-sectional imaging \(RECIST", re.I),
     lambda p: p.disease_status if p.disease_status.state.value == "present" else p.labs.body_height.missing()),
    (re.compile(r"growth rate", re.I),
     lambda p: p.progression if p.progression.is_(True) else p.labs.body_height.missing()),
    (re.compile(r"hepatic tumour burden", re.I), lambda p: p.hepatic_burden_percent),
    (re.compile(r"^QTc", re.I), lambda p: p.labs.qtc),
    (re.compile(r"^INR\b"), lambda p: p.labs.inr),
)


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_fact_on_record_is_listed_as_missing(pid):
    """Over every fixture answer: what a card lists as missing is not on the picture (when it is, the card cites
    it with its date instead), and no card lists as missing a datum another fact of the same card shows."""
    p = _picture(pid)
    for card in _answers()[pid]:
        ext = _ext(card)
        names = {f["name"].lower() for f in ext.get("facts", [])}
        for item in ext.get("missing", []):
            if _REPEAT.search(item):
                continue
            for words, fact in ON_RECORD:
                if words.search(item) and fact(p).known:
                    pytest.fail(f"{pid}: '{card['summary']}' lists '{item}' as missing; the record has "
                                f"{fact(p).sources[0].display if fact(p).sources else fact(p).value}")
            lead = item.split(" (")[0].split(",")[0].strip().lower()
            if lead in names:
                pytest.fail(f"{pid}: '{card['summary']}' cites {lead} as a fact and lists '{item}' as missing")


# Antitumour therapies (card-contract topics). An SSA card that carries a symptom-control row (F-) or a dose
# change of the current SSA (M-08) answers another decision (syndrome control) and is not counted.
ANTITUMOUR = {"prrt", "everolimus", "sunitinib", "cabozantinib", "captem", "streptozocin-chemotherapy",
              "platinum-etoposide", "other-chemotherapy", "immunotherapy", "belzutifan", "somatostatin-analog",
              "active-surveillance"}


def _drafts_therapy(card: dict) -> bool:
    return any(a.get("type") == "create" and a.get("resource", {}).get("resourceType") in
               ("MedicationRequest", "RequestGroup")
               for s in card.get("suggestions", ()) for a in s.get("actions", ()))


def _antitumour_choice(card: dict) -> bool:
    ext = _ext(card)
    if ext["strength"] not in ("recommend", "consider") or ext["topic"] not in ANTITUMOUR:
        return False
    if ext["topic"] == "somatostatin-analog" and any(r.startswith("F-") or r == "M-08" for r in ext["rules"]):
        return False
    return ext["topic"] == "active-surveillance" and bool(ext.get("alternatives")) or _drafts_therapy(card)


def _baseline_tests(resource: dict) -> bool:
    """The pre-everolimus blood tests (SB-15) drafted beside a single everolimus option."""
    return resource["resourceType"] == "ServiceRequest" and any(
        c.get("code") == "everolimus-labs" for c in resource.get("code", {}).get("coding", []))


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_one_decision_one_card_across_rows(pid):
    """Card contract "One decision, one card: choices" (review A-U2, A-C1, A-W4; B-W2): the options for the next
    antiproliferative line -- whichever rows offer them (P-03..P-06, M-01..M-07, L-02..L-05, O-06, G3-01, N-03) --
    are ONE choice card with one suggestion per option, "at-most-one", and the others in ``alternatives``."""
    choices = [c for c in _answers()[pid] if _antitumour_choice(c)]
    assert len(choices) <= 1, f"{pid}: one decision split over cards: {[c['summary'] for c in choices]}"
    for card in choices:
        # therapy options only: a suggestion that records a fact read from text as coded (an Observation or a
        # Condition for the clinician to confirm) is not an option of the decision
        # nor is a test asked for before the therapy (SB-15: baseline labs before everolimus, a ServiceRequest beside
        # a single therapy option, which may be taken with it)
        options = [s for s in card.get("suggestions", ()) if any(a["type"] == "create" and a["resource"][
            "resourceType"] not in ("Observation", "Condition") and not _baseline_tests(a["resource"])
            for a in s["actions"])]
        if len(options) > 1:
            assert card["selectionBehavior"] == "at-most-one", f"{pid}: a choice must be at-most-one"
            assert sum(s["isRecommended"] for s in options) == 1, f"{pid}: exactly one preferred option"


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_uptake_equal_to_liver_leaves_prrt_at_its_rows_strength(pid):
    """Review 2026-12 A-W8 (net-09): uptake about equal to liver meets the table's positive_all (>= liver): the
    nuclear-medicine note is information beside the PRRT option, never a caution that withdraws it."""
    cards = _answers()[pid]
    notes = [c for c in cards if "NR-03" in _ext(c)["rules"] and "about equal to liver" in c["summary"]]
    if not notes:
        return
    assert all(_ext(c)["strength"] == "info" for c in notes), f"{pid}: {[c['summary'] for c in notes]}"
    offered = [c for c in cards if _ext(c)["strength"] in ("recommend", "consider")
               and "prrt" in (_ext(c)["topic"], *_ext(c).get("alternatives", ()))]
    assert offered, f"{pid}: PRRT withdrawn for uptake equal to liver"


_ADVICE = re.compile(r"^(Start|Refer|Offer|Give|Continue|Consider|Treat|Add|Switch|Escalate)\b")


def _also_lines(card: dict) -> list[str]:
    detail = card["detail"]
    if "Also on this topic:" not in detail:
        return []
    block = detail.split("Also on this topic:", 1)[1].split("\n\n", 2)
    lines = block[1] if block and block[0] == "" and len(block) > 1 else block[0]
    return [re.sub(r"\\(.)", r"\1", line[2:]) for line in lines.splitlines() if line.startswith("- ")]


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_a_caution_or_refusal_never_carries_the_advice_it_overrules(pid):
    """Review 2026-12 A-C3 (net-37, net-09): a caution card "PRRT only after MDT review" still said "Also on this
    topic: Refer for Lu-177 dotatate (PRRT)". No caution/not-recommended (or critical) card advises doing the
    thing, in its summary or in the lines merged under it."""
    for card in _answers()[pid]:
        ext = _ext(card)
        if ext["strength"] not in ("caution", "not-recommended") and card["indicator"] != "critical":
            continue
        for line in _also_lines(card):
            assert not _ADVICE.match(line), f"{pid}: '{card['summary']}' carries '{line}'"


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_therapy_started_while_another_card_says_a_review_decides_the_regimen(pid):
    """Review 2026-12 A-C2 (net-22): "Start platinum + etoposide" beside "expert pathology review ... it decides the
    regimen". While such a review is pending, no recommend card drafts antitumour therapy."""
    cards = _answers()[pid]
    if not any("decides the regimen" in c["summary"] for c in cards):
        return
    started = [c["summary"] for c in cards if _ext(c)["strength"] == "recommend" and _antitumour_choice(c)]
    assert not started, f"{pid}: {started}"


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_a_distinct_decision_is_never_buried_under_another_cards_summary(pid):
    """Review 2026-12 A-W9 (net-63): MEN1 pNET resection (H-02) showed only as an "Also on this topic" line under
    the parathyroidectomy card. A suggestion of another row with an order of its own is its own card or an option."""
    for card in _answers()[pid]:
        if _ext(card)["strength"] not in ("recommend", "consider"):
            continue
        for line in _also_lines(card):
            assert not (line.startswith("Consider resection") and "parathyroid" in card["summary"]), (
                f"{pid}: '{line}' buried under '{card['summary']}'")


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_no_pregnancy_advice_to_a_man(pid):
    """Review 2026-12 B-Wd1 (net-111: a 17-year-old boy told 'belzutifan never in pregnancy'): pregnancy advice is
    filtered by sex -- no summary, and no 'pregnancy:' caution line, for a male patient."""
    if not _picture(pid).sex.is_("male"):
        return
    for card in _answers()[pid]:
        assert "pregnan" not in card["summary"].lower(), f"{pid}: {card['summary']}"
        assert "- pregnancy:" not in card["detail"], f"{pid}: pregnancy caution for a man: {card['summary']}"


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_grades_of_one_biopsy_date_are_not_called_a_change_over_time(pid):
    """Review 2026-12 B-W9 (net-209): two specimens of the same day were described as 'grades differ over time'."""
    dates = {a.date for a in _picture(pid).grade_assessments}
    if len(dates) != 1:
        return
    for card in _answers()[pid]:
        assert "over time" not in card["summary"], f"{pid}: {card['summary']}"


_OPTION_WORDS = {Agent.EVEROLIMUS: "everolimus", Agent.SUNITINIB: "sunitinib", Agent.CAPTEM: "CAPTEM",
                 Agent.CABOZANTINIB: "cabozantinib", Agent.PRRT: "PRRT"}
_AS_OPTION = r"(Consider|is the alternative|an option beside|options? (are|is) )"


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_a_therapy_that_failed_is_never_listed_as_an_option(pid):
    """Review 2026-12 B-C1, B-C2 (net-103: "Consider everolimus, cabozantinib ..." after progression on everolimus;
    net-104: "CAPTEM is the alternative" after progression on CAPTEM): static option lists in card text are not
    filtered by the patient's failed therapies, so the knowledge names no option list in prose."""
    p = _picture(pid)
    failed = [w for a, w in _OPTION_WORDS.items() if any(t.progressed_on for t in p.therapies_of(a))]
    for card in _answers()[pid]:
        why = card["detail"].split("**Patient facts used**")[0].split("**Options for this patient")[0]
        for sentence in re.split(r"(?<=[.;])\s+|\n", re.sub(r"\\(.)", r"\1", why)):
            for word in failed:
                if re.search(_AS_OPTION, sentence) and re.search(rf"\b{word}\b", sentence) \
                        and not re.search(rf"(on|after|to) (or after )?{word}\b", sentence):
                    pytest.fail(f"{pid}: '{sentence.strip()}' lists {word}, which failed")


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_cautions_fit_the_patient_and_name_their_option(pid):
    """Review 2026-12 C-2/C-9: no pregnancy, contraception or breast-feeding caution for a man; on a choice card
    every caution and monitoring line names the option it belongs to (never an everolimus dose table under a
    card whose first option is cabozantinib without saying whose it is)."""
    male = _picture(pid).sex.is_("male")
    for card in _answers()[pid]:
        detail = card["detail"]
        if "**Cautions and monitoring**" not in detail:
            continue
        block = detail.split("**Cautions and monitoring**", 1)[1].split("\n**", 1)[0]
        lines = [line[2:] for line in block.splitlines() if line.startswith("- ")]
        if male:
            assert not [l for l in lines if re.search(r"pregnan|contracept|breast-?feed", l, re.I)], (pid, lines)
        if "**Options for this patient, in order**" in detail:
            assert all(re.match(r"(Monitor: )?[A-Z][\w-]*( [\w-]+)?: ", l) for l in lines), (pid, lines)


@pytest.mark.parametrize("pid", [h.stem for h in HOOKS])
def test_prrt_in_a_nec_is_never_the_first_option(pid):
    """Review 2026-12 C-N3 (net-59): PRRT in a high-grade NEC (N-04) is for the MDT or a trial, after second-line
    chemotherapy; on a choice card it is never the preferred option when another is offered."""
    for card in _answers()[pid]:
        ext = _ext(card)
        if "N-04" in ext["rules"] and ext.get("alternatives"):
            assert ext["topic"] != "prrt", f"{pid}: {card['summary']}"
