"""The gates before report patterns (``service.picture.reports.gates``) never stop a pattern that would match:
for every pattern of the reader, every text of the labelled corpus (and of the benchmark's reports), whole and cut
into sentences, changed in case and with the characters ``IGNORECASE`` folds ("İ", "ı", "ſ", Kelvin sign): when
the pattern finds a match, its gate lets the text through. And a gate does filter (it is not "always true")."""
from __future__ import annotations

import re

import pytest

from fhir_fixtures.synthetic import _REPORTS
from service.picture.reports import conditions, cues, extract, read, text as text_module
from service.picture.reports.gates import fold, gate
from tests.picture.reports.corpus import load

MODULES = (extract, cues, text_module, read, conditions)
PATTERNS = sorted({(m.__name__.rsplit(".", 1)[1] + "." + name, p) for m in MODULES for name, p in vars(m).items()
                   if isinstance(p, re.Pattern)}, key=lambda item: item[0])


def _texts() -> list[str]:
    texts = [e["text"] for e in load()] + [r[5] for r in _REPORTS]
    pieces = [piece for t in texts for line in t.splitlines() for piece in re.split(r"(?<=[.;])\s", line) if piece]
    odd = []
    for t in texts[:40]:
        odd += [t.upper(), t.swapcase(), t.replace("i", "\u0130").replace("s", "\u017f").replace("k", "\u212a"),
                t.replace("I", "\u0131").replace("S", "\u017f"), t.replace("i", "\u0131")]
    return texts + pieces + odd


TEXTS = _texts()


@pytest.mark.parametrize("name,pattern", PATTERNS, ids=[n for n, _ in PATTERNS])
def test_a_gate_lets_through_every_text_its_pattern_matches(name, pattern):
    needs = gate(pattern)
    missed = [t[:80] for t in TEXTS if pattern.search(t) is not None and not needs(fold(t))]
    assert not missed, f"{name}: gate {needs.clauses} stops texts the pattern matches: {missed[:3]}"


def test_gates_are_derived_from_the_pattern_and_filter():
    g = gate(re.compile(r"(?:greater|higher)\s{0,3}than\s{1,3}(?:liver|hepatic)|>\s{0,2}liver", re.IGNORECASE))
    assert g(fold("uptake higher than LIVER")) and g(fold("> liver"))
    assert not g(fold("uptake in the liver")) and not g(fold("higher uptake in the spleen"))
    # an optional part gives nothing; an alternation with an empty branch gives nothing
    assert gate(re.compile(r"(?:no\s)?x?")).clauses == ()
    assert gate(re.compile(r"ab(?:c|)")).clauses == (("ab",),)
    # IGNORECASE folds: the Kelvin sign matches "k", dotted capital I matches "i", long s matches "s"
    p = re.compile(r"krenning|mitosis", re.IGNORECASE)
    for t in ("\u212arenning 3", "M\u0130TOS\u0130S", "mito\u017fis"):
        assert p.search(t) and gate(p)(fold(t))


def test_the_reader_s_gated_patterns_skip_most_sentences():
    """The point of the gates: most sentences of a report are not scanned by most patterns."""
    sentences = [piece for t in TEXTS[:60] for piece in t.split(". ")]
    skipped = sum(not gate(extract._PHYSIOLOGIC)(fold(s)) for s in sentences)
    assert skipped > 0.5 * len(sentences)


def test_the_hand_written_gates_let_through_every_text_their_pattern_matches():
    """Case-sensitive patterns gated on the text itself (not lower-cased), and the clause-mark / year gates."""
    checks = [(extract._NET_WORD, extract._may_name_net),
              (extract._GRADE_BARE, lambda t: "G1" in t or "G2" in t or "G3" in t),
              (cues._CLAUSE_MARKS, lambda t: ";" in t or "-" in t or "\u2013" in t or "\u2014" in t),
              (cues._YEAR, lambda t: "19" in t or "20" in t)]
    for pattern, needs in checks:
        missed = [t[:80] for t in TEXTS + ["WD NET", "PD-NEC", "a \u2013 b", "G2", "in 1998"]
                  if pattern.search(t) is not None and not needs(t)]
        assert not missed, (pattern.pattern, missed[:3])


def test_a_phrase_list_s_substring_test_before_tokens_changes_no_answer():
    """``Phrases.found_in`` tests the phrases' longest words as substrings before cutting the text into tokens:
    the answer is the token test's, for every phrase list of the lexicon and every text."""
    from pathlib import Path

    from service.picture.terminology import load_terminology
    lex = cues.lexicon(load_terminology(Path(__file__).resolve().parents[3] / "cards" / "terminology"))
    lists = dict(lex.cue_lists, sstr=lex.sstr_tracers, fdg=lex.fdg_tracers, other=lex.other_tumour)
    found = 0
    for name, phrases in lists.items():
        for t in TEXTS:
            expected = phrases.found_in_tokens(cues.tokens(t))
            assert phrases.found_in(t) == expected, (name, t[:80])
            found += expected
    assert found > 100
    texts = [t for t in TEXTS[:50]]
    assert lex.other_tumour.found_in_any(texts) == any(lex.other_tumour.found_in(t) for t in texts)
    assert lex.other_tumour.found_in_any(["ductal", "carcinoma of the ileum"]) is False   # not across texts
    assert lex.other_tumour.found_in_any(["a ductal carcinoma"]) is True


def test_a_case_sensitive_twin_finds_the_same_spans_on_lower_cased_ascii_text():
    """``gates.lowered``: the twin of an IGNORECASE pattern, run on the lower-cased text, finds what the pattern
    finds on the text (spans and lower-cased matches), for every ASCII text; the reader uses one for each
    imaging pattern it has (``extract._TWINS``), and none is made where it would not be the same pattern."""
    from service.picture.reports.gates import lowered
    assert len(extract._TWINS) >= 20
    ascii_texts = [t for t in TEXTS if t.isascii()]
    ascii_texts += [t.swapcase() for t in ascii_texts[:100]]
    for pattern, twin in extract._TWINS.items():
        for t in ascii_texts:
            want = [(m.span(), [g and g.lower() for g in m.groups()], m.group(0).lower()) for m in pattern.finditer(t)]
            got = [(m.span(), list(m.groups()), m.group(0)) for m in twin.finditer(t.lower())]
            assert got == want, (pattern.pattern[:60], t[:80])
    assert lowered(re.compile(r"(?-i:NET)|carcinoid", re.IGNORECASE)) is None       # a case-sensitive part
    assert lowered(re.compile(r"(?P<Area>MM)", re.IGNORECASE)) is None              # a group name would change
    assert lowered(re.compile(r"(?P<area>MM)", re.IGNORECASE)).pattern == r"(?P<area>mm)"
    assert lowered(re.compile(r"[A-z]x", re.IGNORECASE)) is None                    # a range mixing letters
    assert lowered(re.compile(r"PD\b", re.IGNORECASE)).pattern == r"pd\b"
    assert lowered(re.compile(r"pd")) is None                                       # not IGNORECASE
