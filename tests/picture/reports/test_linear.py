"""Reading report text is linear in its length: text is capped before any pattern runs, sentences are bounded,
and no pattern backtracks super-linearly. Checked by counting work and by comparing the time of 10k and 100k
characters of the same text (ratios of best-of-three runs, not wall-clock limits): linear is about 10x,
quadratic about 100x; the bar is 25x."""
from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from service.data.fhir_adapter import AttachmentRec, ReportRec
from service.data.fhir_adapter import Concept
from service.picture.reports import text as text_module
from service.picture.reports.cues import lexicon
from service.picture.reports.read import report_says, report_text
from service.picture.reports.text import sentences, strip_html
from service.picture.terminology import load_terminology

LEX = lexicon(load_terminology(Path(__file__).resolve().parents[3] / "cards" / "terminology"))
RATIO_BAR = 25.0

REALISTIC = ("FINAL DIAGNOSIS: A. Liver, core biopsy: metastatic well-differentiated neuroendocrine tumour, WHO grade 2. "
             "Ki-67 proliferation index: 12 % (hot spot). Mitotic count: 3 per 2 mm2. No necrosis.\n"
             "IMPRESSION: uptake higher than normal liver in all lesions; no new lesions; stable disease.\n")
ADVERSARIAL = {
    "realistic": REALISTIC,
    "labels": "Ki-67 MIB-1 proliferation index ",
    "numbers": "1 % 2.5 % <3 % 10-15 % ",
    "uptake": "uptake higher than liver lower than liver not avid ",
    "cues": "no not possibly previously but however ",
    "one-token": "a",
    "spaces": "Ki-67      ",
    "dotted": "Ki-67. 12. %. mitoses. /2. mm2. ",
}


def _fill(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _best(fn, *args, repeats: int = 5, loops: int = 1) -> float:
    """The best of ``repeats`` timings of ``loops`` calls, per call (noise on a shared machine only adds time)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn(*args)
        best = min(best, (time.perf_counter() - t0) / loops)
    return best


def _ratio(fn, small: str, large: str, *args) -> float:
    fn(small, *args)                                      # warm caches (compiled patterns, lexicon)
    return _best(fn, large, *args, loops=1) / max(_best(fn, small, *args, loops=10), 1e-7)


def _run(text: str, kind: str) -> None:
    report_says(text, kind, LEX, 2026)


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
@pytest.mark.parametrize("kind", ["pathology", "imaging"])
def test_reading_grows_linearly_from_10k_to_100k_characters(name, kind):
    small, large = _fill(ADVERSARIAL[name], 10_000), _fill(ADVERSARIAL[name], 100_000)
    ratio = _ratio(_run, small, large, kind)
    assert ratio < RATIO_BAR, f"{name}/{kind}: 100k takes {ratio:.1f}x the time of 10k"


def test_the_work_done_is_proportional_to_the_text():
    def pieces(n: int) -> int:
        return sum(len(s.text) for s in sentences(_fill(REALISTIC, n), non_finding=LEX.non_finding,
                                                 sites=LEX.sites, pathology=True))
    small, large = pieces(10_000), pieces(100_000)
    assert 9.0 <= large / small <= 11.0
    long_line = sentences("x" * 50_000, non_finding=LEX.non_finding, sites=LEX.sites, pathology=True)
    assert max(len(s.text) for s in long_line) <= text_module.MAX_SENTENCE


@pytest.mark.parametrize("unit", ["<", "<p>", "<script>", "<!--", "a<b>c", "&amp;"])
def test_markup_stripping_is_linear(unit):
    ratio = _ratio(strip_html, _fill(unit, 10_000), _fill(unit, 100_000))
    assert ratio < RATIO_BAR


def test_text_is_capped_before_any_pattern_runs():
    huge = ("Ki-67 index 12 %. " * 200_000)
    rec = ReportRec("DiagnosticReport/r", "final", (), Concept(), None,
                    forms=(AttachmentRec("text/plain", base64.b64encode(huge.encode()).decode()),))
    text, unread = report_text(rec, (), LEX, LEX.total_cap)
    assert not unread and len(text) <= LEX.text_cap
    text, _ = report_text(rec, (), LEX, 500)               # what is left of the call's total budget
    assert len(text) <= 500
