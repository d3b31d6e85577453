"""Report-text reader: our ConText-style cues vs medspaCy's ConText, on the labelled corpus.

Same sentences, same target spans (``service.picture.reports.extract``), same per-report decisions
(``service.picture.reports.read``); only the negation/uncertainty/history judgement of each span differs:

- ``ours``: ``service.picture.reports.cues.modifiers`` (reviewed word lists, clause scope);
- ``medspacy``: medspaCy 1.3 ``ConText`` with its default rules on a blank spaCy English pipeline (no model
  download): each sentence is a Doc, the target span an entity, ``_.is_negated`` / ``_.is_uncertain`` /
  ``_.is_historical`` its modifiers.

Prints precision/recall per field, the time per report, and (medspaCy) import time and memory. medspaCy is not
a project dependency: run this in a separate environment that has it::

    python -m venv .venv-medspacy && .venv-medspacy/bin/pip install medspacy==1.3.1 "fhir.resources==8.3.0" orjson pyyaml
    .venv-medspacy/bin/python -m bench.report_nlp --medspacy         # from the repository root
    .venv/bin/python -m bench.report_nlp                       # ours

The figures and the decision are in docs/reports.md.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _medspacy_modifiers():
    """A drop-in for ``cues.modifiers`` backed by medspaCy ConText (and the figures of loading it)."""
    t0 = time.perf_counter()
    import spacy
    from medspacy.context import ConText
    from spacy.tokens import Span

    nlp = spacy.blank("en")
    context = ConText(nlp)
    load_seconds = time.perf_counter() - t0
    from service.picture.reports.cues import Modifiers

    def doc_of(sentence: str):
        doc = nlp.make_doc(sentence)
        for i, token in enumerate(doc):           # one sentence per Doc (our splitter made it)
            token.is_sent_start = i == 0
        return doc

    def modifiers(sentence, start, end, lex, *, report_year=None, response=False):
        doc = doc_of(sentence)
        if end <= start:                       # a zero-width anchor (after a negated phrase): its last token
            start = max(0, start - 1)
        span = doc.char_span(start, max(end, start + 1), alignment_mode="expand", label="TARGET")
        if span is None or len(span) == 0:
            return Modifiers()
        doc.ents = [Span(doc, span.start, span.end, label="TARGET")]
        context(doc)
        ent = doc.ents[0]
        return Modifiers(bool(ent._.is_negated), bool(ent._.is_uncertain), bool(ent._.is_historical))

    return modifiers, load_seconds


def main(argv: list[str]) -> dict:
    use_medspacy = "--medspacy" in argv
    from service.picture.reports import cues, extract, read
    from service.picture.terminology import load_terminology
    from tests.picture.reports.corpus import load, score, table

    figures: dict = {"reader": "medspacy ConText" if use_medspacy else "ours"}
    if use_medspacy:
        modifiers, load_seconds = _medspacy_modifiers()
        for module in (cues, extract, read):
            module.modifiers = modifiers            # every caller reads the name from its module
        figures["import_and_init_seconds"] = round(load_seconds, 2)
    lex = cues.lexicon(load_terminology(ROOT / "cards" / "terminology"))
    entries = load()
    scores = score(entries, lex)
    t0 = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        for e in entries:
            read.report_says(e["text"], e["kind"], lex, 2026)
    per_report_ms = (time.perf_counter() - t0) * 1000 / (rounds * len(entries))
    figures["per_report_ms"] = round(per_report_ms, 3)
    figures["ten_reports_ms"] = round(10 * per_report_ms, 2)
    figures["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["scores"] = {name: {"precision": round(s.precision, 3), "recall": round(s.recall, 3),
                                "misread": s.fp, "missed": s.fn} for name, s in scores.items()}
    print(table(scores))
    print(json.dumps({k: v for k, v in figures.items() if k != "scores"}))
    if "-v" in argv:
        for name, s in scores.items():
            for err in s.errors:
                print(name, err)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
