"""The labelled report corpus (``corpus/*.yaml``) and its scoring: precision and recall per field.

Each entry: ``id``, ``kind`` (pathology | imaging), ``style`` (synoptic, narrative, dictated, terse), ``text`` and
``expect``: what a careful reader takes from the report as the tumour's current findings. Canonical values:

- ``ki67``: list of ``[specimen:]value`` - ``12``, ``<2``, ``10-15``, ``liver:8``;
- ``mitoses``: list of ``[specimen:]value`` - ``3``, ``<2``, ``>20``, ``2-5``, ``4/10hpf``;
- ``differentiation``: well | poor | mixed; ``grade``: G1 | G2 | G3;
- ``sstr``: positive_all | positive_heterogeneous | lower_than_liver | negative | positive_degree_unknown;
- ``fdg``: avid | not-avid; ``status``: progressive | stable | improved.

A field left out means the report does not state it: any value read for it is a false positive.
``python -m tests.picture.reports.corpus`` prints the table that ``docs/reports.md`` shows.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from service.picture.model import Ki67
from service.picture.reports.cues import Lexicon
from service.picture.reports.read import Said, report_says

HERE = Path(__file__).resolve().parent
FIELDS = ("ki67", "mitoses", "differentiation", "grade", "sstr", "fdg", "status")


def load() -> list[dict]:
    entries: list[dict] = []
    for path in sorted((HERE / "corpus").glob("*.yaml")):
        entries.extend(yaml.safe_load(path.read_text(encoding="utf-8")))
    return entries


def canonical(said: Said) -> str:
    v = said.value
    if said.field == "ki67":
        assert isinstance(v, Ki67)
        cmp = "" if v.comparator == "=" else {"<=": "<=", ">=": ">="}.get(v.comparator, v.comparator)
        body = f"{v.low:g}-{v.percent:g}" if v.low is not None else f"{cmp}{v.percent:g}"
        return f"{v.specimen}:{body}" if v.specimen else body
    if said.field == "mitoses":
        if said.reading.tag == "none":
            body = "0"
        else:
            shown = said.display.split(" ", 1)[1].split(" (", 1)[0]      # "3/2 mm2", "<2/2 mm2", "4/10 HPF"
            number, _, area = shown.partition("/")
            body = number + ("/10hpf" if area.startswith("10") else "")
        return f"{said.specimen}:{body}" if said.specimen else body
    if said.field == "grade":
        return v.value
    if said.field == "status":
        return v.value
    if said.field == "fdg":
        return "avid" if v else "not-avid"
    if said.field == "sstr":
        return v.value
    return str(v)


def expected(entry: dict, name: str) -> set[str]:
    value = (entry.get("expect") or {}).get(name)
    if value is None:
        return set()
    return {str(x) for x in value} if isinstance(value, list) else {str(value)}


def _bare(value: str) -> str:
    """A value without its specimen (compared only when a report gives several values)."""
    return value.split(":", 1)[1] if ":" in value else value


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score(entries: list[dict], lex: Lexicon, reader=None) -> dict[str, Score]:
    """Precision and recall per field; ``reader(text, kind) -> {field: set(canonical)}`` (default: ours)."""
    out = {name: Score() for name in FIELDS}
    for entry in entries:
        if reader is None:
            got: dict[str, set[str]] = {}
            for said in report_says(entry["text"], entry["kind"], lex, 2026):
                got.setdefault(said.field, set()).add(canonical(said))
        else:
            got = reader(entry["text"], entry["kind"])
        for name in FIELDS:
            want, have = expected(entry, name), got.get(name, set())
            if name in ("ki67", "mitoses") and len(want) <= 1 and len(have) <= 1:
                want, have = {_bare(x) for x in want}, {_bare(x) for x in have}
            s = out[name]
            s.tp += len(want & have)
            s.fp += len(have - want)
            s.fn += len(want - have)
            if have - want:
                s.errors.append(f"{entry['id']}: read {sorted(have - want)}, expected {sorted(want)}")
            if want - have:
                s.errors.append(f"{entry['id']}: missed {sorted(want - have)}")
    return out


def table(scores: dict[str, Score]) -> str:
    lines = ["| field | values expected | read right | misread | missed | precision | recall |",
             "|---|---|---|---|---|---|---|"]
    for name, s in scores.items():
        lines.append(f"| {name} | {s.tp + s.fn} | {s.tp} | {s.fp} | {s.fn} | {s.precision:.3f} | {s.recall:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":      # pragma: no cover - a developer's tool
    from service.picture.reports.cues import lexicon
    from service.picture.terminology import load_terminology

    lex = lexicon(load_terminology(HERE.parents[2] / "cards" / "terminology"))
    entries = load()
    scores = score(entries, lex)
    print(f"{len(entries)} reports")
    print(table(scores))
    if "-v" in sys.argv:
        for name, s in scores.items():
            for e in s.errors:
                print(name, e)
