"""How much of one resource the readers look at (issue 15, findings 1 and 2): every limit in one place.

A request of at most ``NETCDS_MAX_BODY_BYTES`` can still hold one 9 MB string, an Observation with 80,000
components or a Condition with 600,000 notes. The readers (``service.data.fhir_adapter``, the dict-level triage
in ``service.picture``) look at a bounded prefix of each array and each string, so the cost of one resource is
bounded whatever it holds; what lies past a limit is not read (as if not sent), never an error:

- ``MAX_TEXT``: characters of any one string a reader keeps (``code.text``, a coding's ``display``, a note,
  ``valueString``, a dose text, a report's ``conclusion`` ...). Longer strings are cut to this prefix.
- ``MAX_NOTES_TEXT``: characters of all of a resource's notes joined.
- ``MAX_REPORT_TEXT``: characters of a DiagnosticReport's ``conclusion`` and of one ``presentedForm``'s base64
  ``data``: more than the report reader itself reads (``report_text_cap_chars``, 20,000 characters of text, in
  ``cards/terminology/reports.yaml``; HTML markup and base64 take more characters than the text they hold).
- ``MAX_PARSE_TEXT``: characters a number parser (Ki-67 and tumour-size text) looks at. Real values ("Ki-67:
  approximately 12 % in hot spots") are far shorter.
- ``MAX_CODINGS``: codings of one CodeableConcept.
- ``MAX_ITEMS``: items of any other array a reader looks at (components, notes, ``hasMember``, ``result``,
  ``contained``, categories, body sites, interpretations, reference ranges, extensions, attachments,
  dosages, reason and status-reason codes, ``usedCode``, timing events, profiles). A synoptic pathology panel
  has a few dozen components.

Element validation (``fhir_adapter.ElementValidator``) checks what the readers read: the same prefixes of arrays
(:func:`clip`), so a long array costs neither validation nor reading past its limit; a long string is validated
whole (one linear scan; cutting it could make a valid narrative or base64 value invalid) and read as its prefix.

Every pattern that sees patient text is linear besides: bounded number and whitespace repeats
(``\\d{1,6}``, ``\\s{0,3}``), no nested quantifiers, no alternations over the same characters
(``tests/hardening/test_patterns.py`` compares 10k- and 100k-character runs).
"""
from __future__ import annotations

MAX_TEXT = 4_096
MAX_NOTES_TEXT = 4_096
MAX_REPORT_TEXT = 200_000
MAX_PARSE_TEXT = 200
MAX_CODINGS = 20
MAX_ITEMS = 100
#: keys of one JSON object the element validator accepts (no FHIR element of the read types has more)
MAX_KEYS = 64
#: nesting the element validator follows (a CodeableConcept in a component in a list is 4 deep)
MAX_DEPTH = 12

_TOO_BIG = object()


def text(value: object) -> str:
    """``value`` if it is a string (its first ``MAX_TEXT`` characters), else ""."""
    if type(value) is str:
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT]
    return ""


def items(value: object, limit: int = MAX_ITEMS) -> list | tuple:
    """The first ``limit`` items of a list (anything else: none)."""
    if type(value) is list:
        return value if len(value) <= limit else value[:limit]
    return ()


def clip(value: object) -> object:
    """``value`` with every list cut to ``MAX_ITEMS``, as the readers see it; ``None`` when it cannot be an element
    the readers read (an object with more than ``MAX_KEYS`` keys, or nested deeper than ``MAX_DEPTH``). Bounded
    work: at most MAX_ITEMS x MAX_KEYS per level. Strings are kept whole: cutting one could make a valid value
    invalid (an XHTML narrative, base64), and validating a string is one linear scan."""
    out = _clip(value, 0)
    return None if out is _TOO_BIG else out


def _clip(value: object, depth: int) -> object:
    if type(value) is list:
        if depth >= MAX_DEPTH:
            return _TOO_BIG
        out = []
        for v in value[:MAX_ITEMS]:
            c = _clip(v, depth + 1)
            if c is _TOO_BIG:
                return _TOO_BIG
            out.append(c)
        return out
    if type(value) is dict:
        if depth >= MAX_DEPTH or len(value) > MAX_KEYS:
            return _TOO_BIG
        out_d = {}
        for k, v in value.items():
            c = _clip(v, depth + 1)
            if c is _TOO_BIG:
                return _TOO_BIG
            out_d[k] = c
        return out_d
    return value
