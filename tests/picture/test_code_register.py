"""Every standard code in cards/ is verified (or says why not) and means one thing.

The review records of cards/terminology (``verified`` / ``source`` / ``unverified`` / ``display``, described in
``cards/terminology/sources.yaml``) are read straight from the YAML here; the picture never reads them.
"One code, one meaning": every name a code is given anywhere in cards/ (a value-set entry's ``display``, ``drug``,
``note`` or ``meaning``; a knowledge drug's ``rxnorm_display``; a category's ``display``) must name the same thing,
and two value-set entries of one code must not give it different classes (``agent``, ``role``, ``lab``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from service.picture.model import Scope
from service.picture.terminology import load_terminology
from tests.picture.factories import AS_OF, SCT, condition, ileal_net, med_statement, record

CARDS = Path(__file__).resolve().parents[2] / "cards"
STANDARD = ("rxnorm", "loinc", "sct", "icd10cm", "icdo3", "hcpcs", "cpt", "ncit")
#: code systems named in knowledge prose ("Ki-67 index (LOINC 29593-1)")
TEXT_CODE = re.compile(r"\b(LOINC|SNOMED(?: CT)?|RxNorm)\s+(\d{3,}(?:-\d)?)\b")
TEXT_SYSTEM = {"LOINC": "loinc", "SNOMED": "sct", "SNOMED CT": "sct", "RxNorm": "rxnorm"}
#: attributes that give a code its class; two entries of one code must agree on each they both carry
CLASS_KEYS = ("agent", "role", "lab")
#: words that say nothing about what a code means (dose forms, specimen words, filler)
STOP = frozenset("""
    oral tablet tablets capsule capsules injection injectable solution prefilled syringe suspension delayed release
    serum plasma blood mass volume automated count with from only this that code read unless record
    finding disorder procedure morphologic abnormality short acting long
""".split())


@dataclass
class Usage:
    system: str
    code: str
    where: str
    names: list[str] = field(default_factory=list)
    classes: dict[str, str] = field(default_factory=dict)


def _words(name: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", name.lower()) if len(w) >= 4 and w not in STOP}


def compatible(a: str, b: str) -> bool:
    """Two names of one code name the same thing when they share a meaningful word."""
    wa, wb = _words(a), _words(b)
    return not wa or not wb or bool(wa & wb)


def _systems() -> dict[str, str]:
    return yaml.safe_load((CARDS / "terminology" / "systems.yaml").read_text(encoding="utf-8"))["systems"]


def terminology_usages(directory: Path = CARDS / "terminology") -> list[Usage]:
    aliases = _systems()
    out: list[Usage] = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for table, entries in (data.get("tables") or {}).items():
            for raw in entries or ():
                if "pattern" in raw or raw.get("system") not in STANDARD:
                    continue
                codes = raw["codes"] if "codes" in raw else [raw["code"]]
                names = [str(raw[k]) for k in ("display", "drug", "note", "meaning") if raw.get(k)]
                classes = {k: str(raw[k]) for k in CLASS_KEYS if k in raw}
                for code in codes:
                    out.append(Usage(aliases[raw["system"]], str(code), f"{path.name}:{table}", names, classes))
    return out


#: subtrees that describe where a code was checked (sources, release names), not a use of a code
_PROVENANCE_KEYS = frozenset({"review", "code_check", "sources"})


def _walk(node, trail: str, out: list[Usage], uri: dict[str, str]) -> None:
    if isinstance(node, dict):
        if "rxnorm" in node:
            names = [str(node["rxnorm_display"])] if node.get("rxnorm_display") else []
            out.append(Usage(uri["rxnorm"], str(node["rxnorm"]), trail, names))
        if isinstance(node.get("system"), str) and node.get("code") and node["system"].startswith("http"):
            names = [str(node["display"])] if node.get("display") else []
            out.append(Usage(node["system"], str(node["code"]), trail, names))
        for key, value in node.items():
            if key in _PROVENANCE_KEYS:
                continue
            _walk(value, f"{trail}.{key}", out, uri)
            if key.endswith("_rxnorm") and isinstance(value, dict):
                for code in value.get("values") or ():
                    out.append(Usage(uri["rxnorm"], str(code), f"{trail}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk(value, f"{trail}[{i}]", out, uri)
    elif isinstance(node, str):
        for system, code in TEXT_CODE.findall(node):
            out.append(Usage(uri[TEXT_SYSTEM[system]], code, trail))


def knowledge_usages(directory: Path = CARDS / "knowledge") -> list[Usage]:
    aliases = _systems()
    out: list[Usage] = []
    for path in sorted(directory.glob("*.yaml")):
        _walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name, out, aliases)
    return out


def meaning_conflicts(usages: list[Usage]) -> list[str]:
    """Every code given two meanings: names that share no word, or entries of different classes."""
    by_code: dict[tuple[str, str], list[Usage]] = {}
    for u in usages:
        by_code.setdefault((u.system, u.code), []).append(u)
    problems: list[str] = []
    for (system, code), uses in sorted(by_code.items()):
        named = [(u.where, n) for u in uses for n in u.names]
        for i, (wa, a) in enumerate(named):
            for wb, b in named[i + 1:]:
                if not compatible(a, b):
                    problems.append(f"{system}|{code}: {a!r} ({wa}) vs {b!r} ({wb})")
        for key in CLASS_KEYS:
            values = {u.classes[key] for u in uses if key in u.classes}
            if len(values) > 1:
                problems.append(f"{system}|{code}: {key} {sorted(values)} ({', '.join(u.where for u in uses)})")
    return problems


# --- the records -----------------------------------------------------------------------------------------------

def test_every_standard_code_in_the_value_sets_has_a_verification_record():
    sources = yaml.safe_load((CARDS / "terminology" / "sources.yaml").read_text(encoding="utf-8"))["code_sources"]
    missing: list[str] = []
    for path in sorted((CARDS / "terminology").glob("*.yaml")):
        for table, entries in (yaml.safe_load(path.read_text(encoding="utf-8")).get("tables") or {}).items():
            for raw in entries or ():
                if "pattern" in raw or raw.get("system") not in STANDARD:
                    continue
                tag = f"{path.name}:{table}:{raw.get('system')}|{raw.get('code') or raw.get('codes')}"
                if "flag" in raw:
                    missing.append(f"{tag}: old V/R flag (give verified/source instead)")
                if not isinstance(raw.get("verified"), bool) or raw.get("source") not in sources:
                    missing.append(f"{tag}: needs verified: true|false and a source from sources.yaml")
                elif raw["verified"] is False and not raw.get("unverified"):
                    missing.append(f"{tag}: unverified code without the reason")
                elif raw["verified"] is True and raw["source"] == "none":
                    missing.append(f"{tag}: verified with no source")
    assert not missing, "\n".join(missing)


def test_every_code_named_in_the_knowledge_is_registered_in_the_value_sets():
    registered = {(u.system, u.code) for u in terminology_usages()}
    unregistered = sorted({f"{u.system}|{u.code} ({u.where})" for u in knowledge_usages()
                           if (u.system, u.code) not in registered})
    assert not unregistered, ("codes in cards/knowledge with no verification record in cards/terminology "
                              "(add them to a value set or to knowledge_code in sources.yaml):\n" + "\n".join(unregistered))


def test_the_knowledge_walk_finds_the_codes_it_must_check():
    found = {(u.system.rsplit("/", 1)[-1], u.code) for u in knowledge_usages()}
    # a drug's RxNorm code, a category code, a code list and a code in prose are all collected
    assert ("rxnorm", "845507") in found and ("sct", "3457005") in found
    assert ("rxnorm", "1363281") in found and ("loinc.org", "29593-1") in found


def test_no_code_is_given_two_meanings_anywhere_in_cards():
    problems = meaning_conflicts(terminology_usages() + knowledge_usages())
    assert not problems, "\n".join(problems)


# --- the checker itself catches the class of the errors the review found --------------------------------------

def test_a_code_recorded_with_another_drugs_display_is_a_conflict():
    rx = "http://www.nlm.nih.gov/research/umls/rxnorm"
    # the review's U6: 1433868 listed as cobicistat; the public RxNorm list says dolutegravir
    wrong = [Usage(rx, "1433868", "medications.yaml:medication_flag", ["dolutegravir", "cobicistat"])]
    assert meaning_conflicts(wrong)
    split = [Usage(rx, "1433868", "a", ["cobicistat"]), Usage(rx, "1433868", "b", ["dolutegravir"])]
    assert meaning_conflicts(split)
    same = [Usage(rx, "898601", "a", ["octreotide LAR"]), Usage(rx, "898601", "b", ["octreotide 30 MG Injection"])]
    assert not meaning_conflicts(same)


def test_one_code_in_two_value_sets_with_different_classes_is_a_conflict():
    rx = "http://www.nlm.nih.gov/research/umls/rxnorm"
    uses = [Usage(rx, "7646", "a", ["omeprazole"], {"agent": "proton-pump-inhibitor"}),
            Usage(rx, "7646", "b", ["omeprazole"], {"agent": "captem"})]
    assert meaning_conflicts(uses)


def test_the_knowledge_walk_sees_a_drug_display_that_contradicts_the_value_set(tmp_path):
    (tmp_path / "drugs.yaml").write_text(
        "drugs:\n  x:\n    rxnorm: '1306284'\n    rxnorm_display: 'dolutegravir 50 MG Oral Tablet'\n", encoding="utf-8")
    problems = meaning_conflicts(terminology_usages() + knowledge_usages(tmp_path))
    assert any("1306284" in p for p in problems)


# --- the two wrong codes of the review, fixed --------------------------------------------------------------------

def test_cobicistat_is_1306284_and_dolutegravir_is_not_an_interaction_flag(picture_of):
    on_cobicistat = picture_of(record(ileal_net(), med_statement("1306284")), as_of=AS_OF)
    assert on_cobicistat.medication_flagged("strong-cyp3a4-inhibitor")
    on_dolutegravir = picture_of(record(ileal_net(), med_statement("1433868")), as_of=AS_OF)
    assert not on_dolutegravir.medication_flagged("strong-cyp3a4-inhibitor")
    uses = [u for u in terminology_usages() if u.code == "1433868"]
    assert not uses, "1433868 is dolutegravir: it has no place in the NET value sets"


@pytest.mark.parametrize("code, scope", [("5052009", Scope.EXCLUDED), ("4963009", Scope.NONE)])
def test_merkel_cell_carcinoma_is_snomed_5052009(picture_of, code, scope):
    assert picture_of(record(condition(code, system=SCT)), as_of=AS_OF).scope == scope


def test_every_unverified_code_is_listed_with_its_reason():
    term = load_terminology(CARDS / "terminology")
    assert "none" in term.code_sources
    unverified = [u for u in terminology_usages() if u.code and _record(u)["verified"] is False]
    # the codes no public list confirmed stay visible (and few): a verified code never hides among them
    assert unverified and all(_record(u).get("unverified") for u in unverified)


def _record(u: Usage) -> dict:
    path, table = u.where.split(":")
    for raw in yaml.safe_load((CARDS / "terminology" / path).read_text(encoding="utf-8"))["tables"][table]:
        codes = raw.get("codes") or [raw.get("code")]
        if str(u.code) in [str(c) for c in codes] and _systems().get(raw.get("system")) == u.system:
            return raw
    raise AssertionError(u)


@pytest.mark.parametrize("bad, message", [
    ('verified: "true"', "verified must be true or false"),
    ('verified: true, source: nowhere', "is not a code source"),
    ('verified: false, source: none', "says why"),
])
def test_the_loader_refuses_a_malformed_verification_record(tmp_path, bad, message):
    from service.errors import KnowledgeError
    for path in (CARDS / "terminology").glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    extra = f'    - {{system: sct, code: "999999999", symptom: test, {bad}}}\n'
    target = tmp_path / "sources.yaml"
    target.write_text(target.read_text(encoding="utf-8") + extra, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        load_terminology(tmp_path)
