"""The knowledge loader refuses broken knowledge and accepts the project's own."""
from __future__ import annotations

import logging
import re
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from service.errors import KnowledgeError
from service.knowledge import SUMMARY_MAX, fill, load_knowledge, worst_case_values
from service.pipeline import prepare_knowledge
from service.rules import load_rules
from tests.rules.factories import knowledge

CARDS = Path(__file__).resolve().parents[1] / "cards"

REVIEW = """
review:
  reviewed_by: "test"
  reviewed_on: "2026-01-01"
  guideline_version: "test"
  sources: ["test"]
"""
META = REVIEW + """
knowledge:
  version: "2026.1.0"
  guideline_versions: ["test guideline"]
  source: {label: "net-cds", url: "https://net-cds.org"}
override_reasons:
  - {code: patient-declined, display: "Patient declined"}
placeholders:
  site: {max_length: 20, default: "NET"}
"""
RULES = REVIEW + """
evidence:
  TRIAL: {label: "TRIAL", citation: "Someone 2020", url: "https://doi.org/10.1/x"}
routes:
  oral: {code: "26643006", display: "Oral route", code_check: {status: verified, source: "test"}}
drugs:
  pill:
    label: "Pill 2 mg by mouth daily"
    display: "Pill 2 mg"
    agent: everolimus
    rxnorm: "123"
    rxnorm_display: "pill 1 MG Oral Tablet"
    rxnorm_tty: SCD
    code_check: {status: unverified, source: "test"}
    dose: {value: 2, unit: mg}
    strength: {value: 1, unit: mg}
    timing: {frequency: 1, period: 1, period_unit: d}
    route: oral
    dosage: "2 mg by mouth once daily"
cards:
  x-card:
    rules: [X-01]
    topic: everolimus
    strength: recommend
    indicator: info
    summary: "Consider the pill — {site} NET"
    why: "Because."
    evidence: [TRIAL]
    order: {medication: pill}
rules:
  X-01: {version: 3, title: "x", when: "w", then: "t", cards: [x-card]}
"""


@pytest.fixture()
def cards_dir(tmp_path: Path) -> Path:
    shutil.copytree(CARDS / "schema", tmp_path / "schema")
    (tmp_path / "knowledge").mkdir()
    (tmp_path / "knowledge" / "meta.yaml").write_text(META)
    (tmp_path / "knowledge" / "x.yaml").write_text(RULES)
    return tmp_path


def rewrite(cards_dir: Path, old: str, new: str, name: str = "x.yaml") -> None:
    path = cards_dir / "knowledge" / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_minimal_knowledge_loads_and_logs_rule_versions(cards_dir, caplog):
    with caplog.at_level(logging.INFO, logger="service.knowledge"):
        k = load_knowledge(cards_dir, rule_ids={"X-01"})
    assert k.version == "2026.1.0"
    assert k.cards["x-card"].order.medications == ("pill",)
    # At INFO: one summary line naming every rule@version, not one line per rule.
    assert [r.getMessage() for r in caplog.records] == ["knowledge loaded version 2026.1.0: 1 rules, 1 cards"]
    assert caplog.records[0].rules == ["X-01@3"]


def test_one_line_per_rule_at_debug(cards_dir, caplog):
    with caplog.at_level(logging.DEBUG, logger="service.knowledge"):
        load_knowledge(cards_dir, rule_ids={"X-01"})
    record = next(r for r in caplog.records if getattr(r, "rule_id", None) == "X-01")
    assert record.getMessage() == "rule loaded X-01@3" and record.levelno == logging.DEBUG
    assert record.rule_version == 3


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("evidence: [TRIAL]", "evidence: [NOPE]", "unknown evidence id 'NOPE'"),
        ("order: {medication: pill}", "order: {medication: potion}", "unknown drug id 'potion'"),
        ('summary: "Consider the pill — {site} NET"', 'summary: "Consider the pill — {organ} NET"',
         "unknown placeholder {organ}"),
        ('summary: "Consider the pill — {site} NET"', 'summary: "Consider the pill — {site} ' + "x" * 110 + '"',
         "worst-case placeholders"),
        ("strength: recommend", "strength: maybe", "cards/x-card/strength"),
        ('why: "Because."', 'why: "Because <b>bold</b>."', "raw HTML"),
        ("    order: {medication: pill}\n", "", "needs an order"),
        ("cards: [x-card]", "cards: [other-card]", "unknown card 'other-card'"),
        ("summary:", "summry:", "x.yaml"),
        # draft orders (cards/knowledge/drugs.yaml): structured, executable, consistent with their own text
        ("    dose: {value: 2, unit: mg}\n", "", "'dose' is a required property"),
        ("strength: {value: 1, unit: mg}", "strength: {value: 1.5, unit: mg}", "not a whole number of 1.5 mg"),
        ('dosage: "2 mg by mouth once daily"', 'dosage: "two tablets by mouth once daily"',
         "does not state the structured dose 2 mg"),
        ("rxnorm_tty: SCD", "rxnorm_tty: IN", "'rxnorm_reason' is a required property"),
        ("route: oral", "route: intravenous", "route 'intravenous' has no code"),
        ('label: "Pill 2 mg by mouth daily"', 'label: "' + "Pill " * 13 + '"', "is too long"),
        # choice cards
        ("strength: recommend", "strength: needs-data\n    decision: pill-or-potion",
         "only recommend/consider cards take part in a choice"),
        ("    order: {medication: pill}\n", "    decision: pill-or-potion\n    choice_summary: \"" + "x" * 150 + "\"\n",
         "choice_summary"),
        ("    order: {medication: pill}\n", "    stops: {agents: [everolimus]}\n    order: {medication: pill}\n",
         "stops needs a label"),
        ("dose: {value: 2, unit: mg}", "dose: {value: 2, unit: tablets}", "drugs/pill/dose/unit"),
    ],
)
def test_broken_knowledge_is_refused_naming_file_and_problem(cards_dir, old, new, message):
    rewrite(cards_dir, old, new)
    with pytest.raises(KnowledgeError, match="x.yaml|x-card") as excinfo:
        load_knowledge(cards_dir, rule_ids={"X-01"})
    assert message in str(excinfo.value)


REGIMEN = """
regimens:
  duo:
    label: "Duo, cycle 1 of 21 days"
    display: "Pill days 1-5 with potion days 3-5, every 21 days"
    cycle_days: 21
    cycles: 1
    drugs:
      pill: {first_day: 1, last_day: 5}
      potion: {first_day: 3, last_day: 5}
"""
POTION = """
  potion:
    label: "Potion 10 mg/m2 by mouth daily"
    display: "Potion 10 mg/m2"
    agent: everolimus
    rxnorm: "456"
    rxnorm_display: "potion"
    rxnorm_tty: IN
    rxnorm_reason: "compounded per m2 by pharmacy"
    code_check: {status: unverified, source: "test"}
    dose: {value: 10, unit: mg/m2}
    timing: {frequency: 1, period: 1, period_unit: d}
    route: oral
    dosage: "10 mg/m2 by mouth once daily"
"""


def _with_regimen(cards_dir: Path, order: str) -> None:
    rewrite(cards_dir, "cards:\n", REGIMEN + "cards:\n")
    rewrite(cards_dir, '    dosage: "2 mg by mouth once daily"\n', '    dosage: "2 mg by mouth once daily"\n' + POTION)
    rewrite(cards_dir, "order: {medication: pill}", order)


def test_a_cyclic_drug_is_only_ordered_with_its_whole_regimen(cards_dir):
    _with_regimen(cards_dir, "order: {medication: potion}")
    with pytest.raises(KnowledgeError, match="cyclic drug 'potion' is ordered outside its regimen 'duo'"):
        load_knowledge(cards_dir, rule_ids={"X-01"})


def test_a_whole_regimen_order_resolves_to_the_regimen(cards_dir):
    _with_regimen(cards_dir, "order: {medications: [potion, pill]}")
    k = load_knowledge(cards_dir, rule_ids={"X-01"})
    (option,) = k.cards["x-card"].order.options
    assert option.regimen == "duo" and k.regimens["duo"].days["potion"] == (3, 5)


def test_regimen_days_must_fall_inside_the_cycle(cards_dir):
    _with_regimen(cards_dir, "order: {medications: [potion, pill]}")
    rewrite(cards_dir, "potion: {first_day: 3, last_day: 5}", "potion: {first_day: 3, last_day: 25}")
    with pytest.raises(KnowledgeError, match="days 3-25 of potion fall outside the 21-day cycle"):
        load_knowledge(cards_dir, rule_ids={"X-01"})


def test_a_regimen_drug_with_its_own_bound_is_refused(cards_dir):
    """A regimen member's timing is doses per day; its days come from the regimen (never a second bound)."""
    _with_regimen(cards_dir, "order: {medications: [potion, pill]}")
    rewrite(cards_dir, "    timing: {frequency: 1, period: 1, period_unit: d}\n    route: oral\n    dosage: \"10",
            "    timing: {frequency: 1, period: 1, period_unit: d, count: 5}\n    route: oral\n    dosage: \"10")
    with pytest.raises(KnowledgeError, match="drugs/potion: a regimen drug's timing is doses per day"):
        load_knowledge(cards_dir, rule_ids={"X-01"})


def test_an_option_of_several_drugs_needs_a_label(cards_dir):
    rewrite(cards_dir, '    dosage: "2 mg by mouth once daily"\n', '    dosage: "2 mg by mouth once daily"\n' + POTION)
    rewrite(cards_dir, "order: {medication: pill}", "order: {options: [{medication: pill}, {medications: [pill, potion]}]}")
    with pytest.raises(KnowledgeError, match="an option of several items needs a suggestion_label"):
        load_knowledge(cards_dir, rule_ids={"X-01"})


def test_broken_yaml_names_the_file(cards_dir):
    (cards_dir / "knowledge" / "x.yaml").write_text("cards: [unclosed\n")
    with pytest.raises(KnowledgeError, match=r"x\.yaml: invalid YAML"):
        load_knowledge(cards_dir, rule_ids={"X-01"})


def test_implemented_rule_without_knowledge_is_refused(cards_dir):
    with pytest.raises(KnowledgeError, match="rule X-02 is implemented but has no entry"):
        load_knowledge(cards_dir, rule_ids={"X-01", "X-02"})


def test_knowledge_without_implementation_is_refused(cards_dir):
    with pytest.raises(KnowledgeError, match="X-01 has knowledge but no implementation"):
        load_knowledge(cards_dir, rule_ids=set())


def test_duplicate_ids_across_files_are_refused(cards_dir):
    (cards_dir / "knowledge" / "y.yaml").write_text(REVIEW + """
evidence:
  TRIAL: {label: "TRIAL", citation: "again", url: "https://doi.org/10.1/y"}
""")
    with pytest.raises(KnowledgeError, match="duplicate evidence id 'TRIAL' .*x.yaml"):
        load_knowledge(cards_dir, rule_ids={"X-01"})


def test_file_without_review_metadata_is_refused(cards_dir):
    (cards_dir / "knowledge" / "y.yaml").write_text(textwrap.dedent("""
        evidence:
          OTHER: {label: "O", citation: "c", url: "https://doi.org/10.1/o"}
    """))
    with pytest.raises(KnowledgeError, match="y.yaml: .*'review' is a required property"):
        load_knowledge(cards_dir, rule_ids={"X-01"})


def test_non_https_evidence_url_is_refused(cards_dir):
    rewrite(cards_dir, "https://doi.org/10.1/x", "javascript:alert(1)")
    with pytest.raises(KnowledgeError, match="evidence/TRIAL/url"):
        load_knowledge(cards_dir, rule_ids={"X-01"})


# --------------------------------------------------------------------------- the real knowledge


@pytest.fixture(scope="module")
def real():
    return prepare_knowledge(CARDS)


def test_real_knowledge_loads_with_its_version(real):
    meta = yaml.safe_load((CARDS / "knowledge" / "meta.yaml").read_text(encoding="utf-8"))
    assert real.version == meta["knowledge"]["version"]
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", real.version)
    assert set(real.rules) == set(load_rules())


def test_every_real_summary_fits_with_worst_case_placeholders(real):
    worst = worst_case_values(real)
    too_long = {cid: len(fill(c.summary, worst)) for cid, c in real.cards.items()
                if len(fill(c.summary, worst)) > SUMMARY_MAX}
    assert too_long == {}


def test_every_not_recommended_card_says_so(real):
    silent = [cid for cid, c in real.cards.items() if c.strength == "not-recommended"
              and "not recommended" not in f"{c.summary} {c.why}".lower()]
    assert silent == []


@pytest.mark.parametrize("card_id", sorted(cid for cid, c in knowledge().cards.items()
                                           if c.topic == "somatostatin-analog" and c.strength in ("recommend", "consider")))
def test_every_ssa_suggestion_carries_the_class_safety_box(card_id):
    """Section 5: octreotide/lanreotide -- gallstones, glucose change, bradycardia -- on the SSA card itself."""
    card = knowledge().cards[card_id]
    text = " ".join(card.cautions + card.monitoring).lower()
    for term in ("gallstone", "glucose", "bradycardia"):
        assert term in text, f"{card_id} misses the SSA safety item {term!r}"


def test_every_decision_table_row_is_implemented_with_knowledge():
    """Every row id of decision-table sections 4 and 6 exists (NR-22 with G-03 in the SCLC scope)."""
    rows = {f"G-0{i}" for i in range(1, 10)} | {f"M-{i:02d}" for i in range(1, 12)} \
        | {f"P-0{i}" for i in range(1, 9)} | {f"L-0{i}" for i in range(1, 7)} | {f"O-0{i}" for i in range(1, 7)} \
        | {"G3-01", "G3-02", "G3-03", "LD-01", "LD-02", "LD-03"} | {f"N-0{i}" for i in range(1, 5)} \
        | {f"F-{i:02d}" for i in range(1, 13)} | {f"H-0{i}" for i in range(1, 7)} | {f"NR-{i:02d}" for i in range(1, 24)}
    assert rows - set(knowledge().rules) == set()


# The card contract (README "The card contract", contract version 2026.11; a public interface): the ONLY
# codes `source.topic.code` / `extension["net-cds"].topic` may take. This list is the spec: change it only
# together with a contract version note in the README.
CARD_CONTRACT_TOPICS = frozenset({
    "active-surveillance", "surgery", "liver-directed-therapy", "somatostatin-analog", "telotristat",
    "everolimus", "sunitinib", "cabozantinib", "prrt", "captem", "streptozocin-chemotherapy",
    "platinum-etoposide", "other-chemotherapy", "immunotherapy", "interferon-alpha", "belzutifan", "diazoxide",
    "proton-pump-inhibitor", "germline-testing", "cardiology-referral", "carcinoid-crisis-prophylaxis",
    "monitoring", "clinical-trial", "mdt-review", "drug-safety", "data-gap", "out-of-scope",
})


def _topic_enums(node) -> list[list[str]]:
    if isinstance(node, dict):
        found = [node["topic"]["enum"]] if isinstance(node.get("topic"), dict) and "enum" in node["topic"] else []
        return found + [e for value in node.values() for e in _topic_enums(value)]
    if isinstance(node, list):
        return [e for value in node for e in _topic_enums(value)]
    return []


def test_every_topic_the_knowledge_can_emit_is_a_card_contract_topic(real):
    """Every card of the knowledge (every card any row can render) has a topic of the contract."""
    outside = {cid: c.topic for cid, c in real.cards.items() if c.topic not in CARD_CONTRACT_TOPICS}
    assert outside == {}


@pytest.mark.parametrize("schema", ["knowledge.schema.json", "cds-card.schema.json"])
def test_the_schemas_allow_exactly_the_card_contract_topics(schema):
    import json

    enums = _topic_enums(json.loads((CARDS / "schema" / schema).read_text(encoding="utf-8")))
    assert enums, f"{schema} has no topic enum"
    for enum in enums:
        assert sorted(enum) == sorted(CARD_CONTRACT_TOPICS) and len(enum) == len(set(enum))


def test_a_card_with_a_topic_outside_the_contract_is_refused(cards_dir):
    path = cards_dir / "knowledge" / "x.yaml"
    path.write_text(path.read_text().replace("topic: everolimus", "topic: declined-therapy"))
    with pytest.raises(KnowledgeError, match="topic"):
        load_knowledge(cards_dir, rule_ids={"X-01"})
