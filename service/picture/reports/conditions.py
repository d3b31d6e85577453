"""A Condition that names a neuroendocrine neoplasm only in words: ``code.text``, or the display of a code the
tables do not know ("Well-differentiated neuroendocrine tumour of the terminal ileum", "Pancreatic NET G2").

The words count only when affirmed: not negated ("no evidence of NET"), not hedged ("suspected", "rule out",
"?NET"), not another person's ("family history of carcinoid", "mother: NET"); "history of" makes it a
personal-history entry. "Carcinoid syndrome" alone names a syndrome, not a tumour. The site comes from the
reviewed ``topography_text`` patterns; differentiation from the pathology words the report reader uses.
"""
from __future__ import annotations

import re
from types import MappingProxyType

from service.picture.reports import extract
from service.picture.reports.cues import lexicon, modifiers
from service.picture.terminology import Entry, Terminology

MAX_TEXT = 300
_NEN = re.compile(r"neuro[\s\-]?endocrine\s{1,3}(?:tumou?rs?|neoplasms?|carcinomas?)|(?-i:\b(?:Pan)?NETs?\b)|"
                  r"carcinoids?\b(?!\s{1,3}(?:syndrome|heart|crisis))|(?-i:\bNEC\b)|\bMiNENs?\b|\bMANEC\b|"
                  r"small[\s\-]{1,2}cell\s{1,3}(?:neuro[\s\-]?endocrine\s{1,3})?carcinoma|large[\s\-]{1,2}cell\s{1,3}"
                  r"neuro[\s\-]?endocrine\s{1,3}carcinoma|islet[\s\-]{1,2}cell\s{1,3}(?:tumou?r|carcinoma)|"
                  r"(?-i:\bPNET\b)", re.IGNORECASE)
_OTHER_PERSON = re.compile(r"family\s{1,3}(?:history|hx)|\bFH\b|\b(?:mother|father|sister|brother|sibling|daughter|"
                           r"son|aunt|uncle|grand(?:mother|father|parent))\b", re.IGNORECASE)
_SMALL_CELL = re.compile(r"small[\s\-]{1,2}cell", re.IGNORECASE)


def nen_entry(term: Terminology, text: str) -> Entry | None:
    """The condition entry a text-only NEN diagnosis stands for, or None when the text does not affirm one."""
    text = (text or "")[:MAX_TEXT]
    if not text.strip() or _OTHER_PERSON.search(text):
        return None
    lex = lexicon(term)
    for m in _NEN.finditer(text):
        mods = modifiers(text, m.start(), m.end(), lex, report_year=None)
        if mods.negated or mods.uncertain:
            continue
        attrs: dict[str, object] = {"nen": "yes", "from_text": "yes"}
        if mods.historical:
            attrs["history"] = "yes"
        topo = term.match_text("topography_text", text)
        if topo is not None:
            attrs["site"], attrs["site_detail"] = topo.get("site"), topo.get("site_detail")
        if extract._MIXED.search(text):
            attrs["differentiation"] = "mixed"
        elif extract._POOR.search(text) and not re.search(r"well[\s\-]{1,2}differentiated", text, re.IGNORECASE):
            attrs["differentiation"] = "poor"
            if _SMALL_CELL.search(text) and attrs.get("site_detail") == "lung":
                attrs["scope"] = "sclc"
        return Entry(None, None, MappingProxyType(attrs))
    return None
