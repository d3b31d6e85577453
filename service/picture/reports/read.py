"""Reports -> what each says -> picture candidates with provenance.

Which reports: DiagnosticReports of a known kind (pathology or imaging: category, code, or the code's words),
status final/amended/corrected/appended, dated, not after ``as_of`` and not older than ``report_max_age_days``.
Pathology reports are read for Ki-67, mitoses, differentiation/tumour type and WHO grade, only when their
findings name a neuroendocrine neoplasm; imaging reports for SSTR uptake (SSTR studies), FDG avidity (FDG
studies) and response. The text read: ``conclusion``, text attachments (``presentedForm``), and the narrative
of result Observations the picture does not read by code ("Ki-67 proliferation index: 15 %").

What a report says, per field, from its affirmed, certain, current readings:

- Ki-67 / mitoses: one value per specimen; two different values for one specimen (not told apart by "hot
  spot") -> nothing;
- differentiation: "mixed" if MiNEN is named; else one value; well and poorly both affirmed -> nothing;
- grade: one value, else nothing;
- SSTR: uptake at or above liver everywhere -> ``positive_all``; any lesion below liver or without uptake beside
  avid disease, or "heterogeneous" -> ``positive_heterogeneous``; below liver only -> ``lower_than_liver``;
  a negative study or only non-avid lesions -> ``negative``; "avid" with no comparison -> degree unknown.
  A hedged or historical statement that would rule PRRT out (a lesion below liver, non-avid, heterogeneous)
  blocks the reading: the report then says nothing rather than "all lesions above liver";
- FDG: any affirmed avid lesion -> avid; else an affirmed "not avid" -> not avid, unless an avid lesion is
  hedged;
- response (the impression when there is one): progression wins over stable; progression together with a
  response -> nothing; "new lesions" count only in a report that compares with an earlier study.

A value read this way becomes a :class:`~service.picture.facts.Candidate` whose :class:`Source` carries the
sentence (``quote``), ``origin = "report-text"`` and the coded Observation that would record it (``record``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from hashlib import blake2b

from service.data.fhir_adapter import ObservationRec, ReportRec
from service.picture.facts import Candidate
from service.picture.model import DiseaseStatus, Grade, Ki67, Source, SstrStatus
from service.picture.reports import extract
from service.picture.reports.cues import Lexicon, forget, lexicon, modifiers, site_name, tokens
from service.picture.reports.extract import Reading
from service.picture.reports.gates import fold, gate
from service.picture.reports.text import decode, quote_of, make_sentence as new_sentence, sentences
from service.picture.terminology import Terminology

READ_STATUSES = frozenset({"final", "amended", "corrected", "appended"})
UCUM = "http://unitsofmeasure.org"
_GRADE_CODES = {Grade.G1: "net-g1", Grade.G2: "net-g2", Grade.G3: "net-g3", Grade.NEC: "nec"}
_STATUS_CODES = {DiseaseStatus.PROGRESSIVE: ("271299001", "Patient's condition worsened (finding)"),
                 DiseaseStatus.STABLE: ("359746009", "Patient's condition stable (finding)"),
                 DiseaseStatus.IMPROVED: ("268910001", "Patient's condition improved (finding)")}
_SSTR_CODES = {"higher": "higher-than-liver", "equal": "equal-to-liver", "lower": "lower-than-liver",
               "heterogeneous": "heterogeneous", "negative": "negative"}


@dataclass(slots=True)
class ReportFindings:
    """Per field, the candidates read from report text; and the report parts that could not be read."""

    candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    unread: list[Source] = field(default_factory=list)      # attachments not read (PDF, RTF, unfetched URL ...)
    reports_read: int = 0

    def of(self, name: str) -> list[Candidate]:
        return self.candidates.get(name, [])


@dataclass(frozen=True, slots=True)
class Said:
    """What one report says about one field (per specimen for Ki-67 and mitoses)."""

    field: str
    value: object
    display: str
    reading: Reading
    record: dict
    specimen: str | None = None


def report_kind(term: Terminology, rec: ReportRec) -> str | None:
    """"pathology", "imaging" or None (a report of no kind the reader knows is not read)."""
    for concept in rec.categories:
        for c in concept.codings:
            e = term.lookup("report_category", c.system, c.code)
            if e is not None:
                return str(e.get("kind"))
    for c in rec.code.codings:
        e = term.lookup("report_code", c.system, c.code)
        if e is not None:
            return str(e.get("kind"))
    e = term.match_text("report_kind_text", rec.code.all_text[:200])
    return str(e.get("kind")) if e is not None else None


def readable(term: Terminology, rec: ReportRec, as_of: date) -> str | None:
    """The kind of a report the picture reads, or None (status, date, kind)."""
    if rec.status not in READ_STATUSES or rec.date is None or rec.date > as_of:
        return None
    if rec.date < as_of - timedelta(days=lexicon(term).max_age_days):
        return None
    return report_kind(term, rec)


def report_text(rec: ReportRec, results: Iterable[ObservationRec], lex: Lexicon,
                budget: int) -> tuple[str, list[str]]:
    """(the text read, why parts were not read): conclusion, text attachments, result narratives; capped."""
    cap = min(lex.text_cap, budget)
    parts: list[str] = []
    unread: list[str] = []
    if rec.conclusion:
        parts.append("CONCLUSION:\n" + rec.conclusion[:cap])
    for att in rec.forms:
        got = decode(att, cap)
        if got.text is None:
            unread.append(got.why + (f" ({att.title[:60]})" if att.title else ""))
        else:
            parts.append(got.text)
    lines = [line for line in (_result_line(o) for o in results) if line]
    if lines:
        parts.append("RESULTS:\n" + "\n".join(lines))
    text = "\n\n".join(parts)
    return text[:cap], unread


def _result_line(obs: ObservationRec) -> str:
    """"<name>: <value>" of a result Observation the picture does not read by code (its narrative)."""
    name = (obs.code.text or next((c.display for c in obs.code.codings if c.display), "")).strip()
    if not name:
        return ""
    if obs.string:
        value = obs.string
    elif obs.quantity is not None:
        q = obs.quantity
        value = f"{q.comparator}{q.value:g} {q.unit or q.code}".strip()
    elif obs.concept is not None and obs.concept.all_text:
        value = obs.concept.all_text
    else:
        return ""
    return f"{name[:80]}: {value[:300]}"


def read(reports: Iterable[ReportRec], results: dict[str, tuple[ObservationRec, ...]], term: Terminology,
         as_of: date) -> ReportFindings:
    """Every readable report's findings, as picture candidates."""
    lex = lexicon(term)
    out = ReportFindings()
    budget = lex.total_cap
    for rec in reports:
        kind = readable(term, rec, as_of)
        if kind is None or budget <= 0:
            continue
        text, unread = report_text(rec, results.get(rec.ref, ()), lex, budget)
        budget -= len(text)
        for why in unread:
            out.unread.append(Source(rec.ref or None, rec.date, f"{kind} report: {why}"))
        if not text.strip():
            continue
        out.reports_read += 1
        for said in _says_once(text, kind, lex, rec.date.year if rec.date else None):
            out.candidates.setdefault(said.field, []).append(_candidate(said, rec, kind, lex))
    return out


# --------------------------------------------------------------------------- one reading per report content
#
# A patient's reports come with every hook call of that patient (each chart opening), and reading them is nearly
# all that ten reports add to a call. So what a report text says is kept, per worker, keyed by a 16-byte digest
# of (kind, report year, text) - like the element validator's shared verdicts, it holds no patient text: the
# sentence a value was read from is kept as its position in the report (offset and length), and rebuilt from the
# text of the call that asks again (same digest, same text). What is kept: values (Ki-67 %, grade, statuses),
# displays and records built from them and from the reviewed lexicon, positions. Bounded (cleared when full).

_SAID_CACHE: dict[bytes, tuple[Lexicon, tuple[tuple, ...]]] = {}
_SAID_CACHE_MAX = 1024


def _says_once(text: str, kind: str, lex: Lexicon, year: int | None) -> list[Said]:
    """:func:`report_says`, computed once per report content (see above)."""
    key = blake2b(f"{kind}\x00{year}\x00".encode() + text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    hit = _SAID_CACHE.get(key)
    if hit is not None and hit[0] is lex:
        return [_thaw(s, text) for s in hit[1]]
    said = report_says(text, kind, lex, year)
    frozen = []
    find = text.find
    for s in said:
        r = s.reading
        sentence = r.sentence
        offset = find(sentence.text)
        if offset < 0:
            return said              # not a slice of the text (never expected): not kept
        # the Said and its Reading as plain values, the sentence as where it is (offset, length, section, finding,
        # specimen word): a tuple each, cheaper to build than the frozen classes (rebuilt by _thaw)
        frozen.append((s.field, s.value, s.display, s.record, s.specimen, r.field, r.value, r.display, r.start, r.end,
                       r.mods, r.specimen, r.tag,
                       (offset, len(sentence.text), sentence.section, sentence.finding, sentence.specimen)))
    if len(_SAID_CACHE) >= _SAID_CACHE_MAX:
        _SAID_CACHE.clear()
    _SAID_CACHE[key] = (lex, tuple(frozen))
    return said


def _thaw(kept: tuple, text: str) -> Said:
    field_, value, display, record, specimen, r_field, r_value, r_display, start, end, mods, r_specimen, tag, at = kept
    offset, length, section, finding, s_specimen = at
    sentence = new_sentence(text[offset:offset + length], section, finding, s_specimen)
    # the record is shared with the cache: it is only read (serialised to JSON by _candidate), never changed
    reading = Reading(r_field, r_value, r_display, sentence, start, end, mods, r_specimen, tag)
    return Said(field_, value, display, reading, record, specimen)


def report_says(text: str, kind: str, lex: Lexicon, year: int | None) -> list[Said]:
    """What one report's text says, field by field (see the module docstring)."""
    try:
        sents = sentences(text, non_finding=lex.non_finding, sites=lex.sites, pathology=kind == "pathology")
        if kind == "pathology":
            return _pathology(sents, lex, year)
        return _imaging(text, sents, lex, year)
    finally:
        forget()


# --------------------------------------------------------------------------- pathology


def _pathology(sents, lex: Lexicon, year: int | None) -> list[Said]:
    findings = [s for s in sents if s.finding]
    if not _names_nen(findings, lex, year):
        return []            # no neuroendocrine neoplasm affirmed in the findings: not the NEN's report
    other = lex.other_tumour.found_in_any([s.text for s in findings])
    readings = [r for r in extract.pathology_readings(sents, lex, year, other_tumour=other) if r.mods.plain
                and (not other or r.field == "differentiation" or extract.NE_WORDS.search(r.sentence.text))]
    said: list[Said] = []
    said += _per_specimen(readings, "ki67", _ki67_record, lex)
    said += _per_specimen(readings, "mitoses", _mitoses_record, lex)
    diff = [r for r in readings if r.field == "differentiation"]
    values = {r.value for r in diff}
    if "mixed" in values:
        pick = next(r for r in diff if r.value == "mixed")
        said.append(Said("differentiation", "mixed", pick.display, pick, _coded("differentiation", lex, None, "mixed")))
    elif len(values) == 1:
        pick = diff[0]
        said.append(Said("differentiation", pick.value, pick.display, pick,
                         _coded("differentiation", lex, None, pick.value)))
    grades = [r for r in readings if r.field == "grade"]
    if len({r.value for r in grades}) == 1:
        g = grades[0]
        said.append(Said("grade", g.value, g.display, g, _coded("grade", lex, None, _GRADE_CODES[g.value])))
    return said


_OTHER_CARCINOMA = re.compile(r"adenocarcinoma|squamous|urothelial|lymphoma|melanoma|sarcoma|ductal\s{1,3}carcinoma|"
                              r"lobular\s{1,3}carcinoma|hepatocellular|cholangiocarcinoma", re.IGNORECASE)


def _names_nen(findings, lex: Lexicon, year: int | None) -> bool:
    """Do the findings name a neuroendocrine neoplasm? Affirmed; or hedged (a grade or type in question,
    "NET G1 ?G2") when no other carcinoma is named ("favour adenocarcinoma; NEC not excluded" is not the
    NEN's report). Negated and historical mentions never count."""
    hedged = False
    for s in findings:
        if not _G_NEN_DIAGNOSIS(fold(s.text)):
            continue             # none of the words a diagnosis needs
        for m in extract.NEN_DIAGNOSIS.finditer(s.text):
            mods = modifiers(s.text, m.start(), m.end(), lex, report_year=year)
            if mods.plain:
                return True
            if not mods.negated and not mods.historical:
                hedged = True
    return hedged and not any(_G_OTHER_CARCINOMA(fold(s.text)) and _OTHER_CARCINOMA.search(s.text)
                              for s in findings)


_G_NEN_DIAGNOSIS, _G_OTHER_CARCINOMA = gate(extract.NEN_DIAGNOSIS), gate(_OTHER_CARCINOMA)


def _per_specimen(readings: list[Reading], name: str, record, lex: Lexicon) -> list[Said]:
    groups: dict[str | None, list[Reading]] = {}
    for r in readings:
        if r.field == name and r.tag != "average":     # an average Ki-67 is not the hot-spot index WHO grades on
            groups.setdefault(site_name(r.specimen, lex), []).append(r)
    out = []
    for specimen, rs in groups.items():
        values = {_key(r.value) for r in rs}
        pick: Reading | None = rs[0] if len(values) == 1 else None
        if pick is None:
            hot = [r for r in rs if r.tag == "hot spot"]
            if hot and len({_key(r.value) for r in hot}) == 1:
                pick = hot[0]
            elif name == "mitoses":
                per_area = [r for r in rs if r.tag == ""]
                if per_area and len({_key(r.value) for r in per_area}) == 1:
                    pick = per_area[0]    # "2/2 mm2 (= 1/10 HPF)": the count per 2 mm2
        if pick is None:
            continue
        value = pick.value
        if name == "ki67" and specimen:
            value = Ki67(value.percent, value.comparator, value.low, specimen)
        out.append(Said(name, value, pick.display + (f" ({specimen})" if specimen else ""), pick, record(pick),
                        specimen))
    return out


def _key(value: object) -> object:
    if isinstance(value, Ki67):
        return (value.percent, value.comparator, value.low)
    return value


_SHARED: dict[tuple, dict] = {}


def _shared(key: tuple, build: Callable[[], dict]) -> dict:
    """One record dict per value (records are only read: see _pieces), so its JSON pieces are built once."""
    got = _SHARED.get(key)
    if got is None:
        if len(_SHARED) >= 512:
            _SHARED.clear()
        got = _SHARED[key] = build()
    return got


def _ki67_record(r: Reading) -> dict:
    k: Ki67 = r.value
    return _shared(("ki67", type(k.percent), k.percent, k.comparator, type(k.low), k.low), lambda: _ki67_new(k))


def _ki67_new(k: Ki67) -> dict:
    if k.low is not None:
        value = {"valueRange": {"low": {"value": k.low, "unit": "%", "system": UCUM, "code": "%"},
                                "high": {"value": k.percent, "unit": "%", "system": UCUM, "code": "%"}}}
    else:
        q = {"value": k.percent, "unit": "%", "system": UCUM, "code": "%"}
        if k.comparator != "=":
            q["comparator"] = k.comparator
        value = {"valueQuantity": q}
    return {"field": "ki67", **value}


def _mitoses_record(r: Reading) -> dict:
    return _shared(("mitoses", r.display, type(r.value), r.value, r.tag), lambda: _mitoses_new(r))


def _mitoses_new(r: Reading) -> dict:
    text = r.display
    shown = text.split(" ", 1)[1] if " " in text else text
    if shown.startswith(("<", ">")):
        q = {"value": float(shown[1:].split("/", 1)[0]), "comparator": shown[0], "unit": "/2mm2"}
    else:
        q = {"value": r.value, "unit": "/10 HPF" if r.tag == "10hpf" else "/2mm2"}
    return {"field": "mitoses", "valueQuantity": q}


def _coded(name: str, lex: Lexicon, codes: dict | None, code: str) -> dict:
    return _shared(("coded", name, code), lambda: _coded_new(name, code))


def _coded_new(name: str, code: str) -> dict:
    systems = {"differentiation": "https://net-cds.org/fhir/CodeSystem/differentiation",
               "grade": "https://net-cds.org/fhir/CodeSystem/grade",
               "sstr": "https://net-cds.org/fhir/CodeSystem/sstr-uptake",
               "fdg": "https://net-cds.org/fhir/CodeSystem/fdg-avidity"}
    return {"field": name, "valueCodeableConcept": {"coding": [{"system": systems[name], "code": code}]}}


# --------------------------------------------------------------------------- imaging


def study_tracers(text: str, sents, lex: Lexicon) -> tuple[bool, bool]:
    """(SSTR study, FDG study): from the title line and the technique/indication sections when they name a tracer
    (an SSTR PET that mentions "the recent FDG PET" is not an FDG study), else from the whole text."""
    head = [text.strip().split("\n", 1)[0]] + [s.text for s in sents if not s.finding or s.section in (
        "examination", "exam", "study", "procedure")]
    sstr, fdg = _tracers("\n".join(head).lower(), lex)
    if sstr or fdg:
        return sstr, fdg
    return _tracers(text.lower(), lex)


def _tracers(low: str, lex: Lexicon) -> tuple[bool, bool]:
    """(an SSTR tracer named, an FDG tracer named) in lower-cased text; cut into tokens only when one may be."""
    may_sstr, may_fdg = lex.sstr_tracers.may_be_in(low), lex.fdg_tracers.may_be_in(low)
    if not (may_sstr or may_fdg):
        return False, False
    toks = tokens(low)
    return (may_sstr and lex.sstr_tracers.found_in_tokens(toks)), (may_fdg and lex.fdg_tracers.found_in_tokens(toks))


def _imaging(text: str, sents, lex: Lexicon, year: int | None) -> list[Said]:
    sstr_study, fdg_study = study_tracers(text, sents, lex)
    dual = sstr_study and fdg_study
    findings = [s for s in sents if s.finding]
    lows = {id(s): s.text.lower() for s in findings}     # each finding sentence lower-cased once
    said: list[Said] = []
    if sstr_study:
        readings = [r for s in findings if extract._has(lows[id(s)], extract.SSTR_GATE)
                    for r in extract.sstr_readings(s, lex, year, dual=dual, low=lows[id(s)])]
        got = _sstr(readings)
        if got is not None:
            value, display, pick, code = got
            rec = (_shared(("sstr-pos",), lambda: {"field": "sstr", "interpretation": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "POS"}]}]})
                   if code is None else _coded("sstr", lex, None, code))
            said.append(Said("sstr", value, display, pick, rec))
    if fdg_study:
        readings = [r for s in findings if extract._has(lows[id(s)], extract.FDG_GATE)
                    for r in extract.fdg_readings(s, lex, year, dual=dual, low=lows[id(s)])]
        got_fdg = _fdg(readings)
        if got_fdg is not None:
            avid, pick = got_fdg
            said.append(Said("fdg", avid, "FDG-avid" if avid else "not FDG-avid", pick,
                             _coded("fdg", lex, None, "avid" if avid else "not-avid")))
    impression = [s for s in findings if s.section in ("impression", "impressions", "conclusion", "conclusions",
                                                        "summary", "opinion", "interpretation")]
    scope = impression or findings
    readings = [r for s in scope if extract._has(lows[id(s)], extract.RESPONSE_GATE)
                for r in extract.response_readings(s, lex, year, low=lows[id(s)])]
    got_status = _status(readings, lambda: extract.report_compares(sents))
    if got_status is not None:
        status, pick = got_status
        code, display = _STATUS_CODES[status]
        said.append(Said("status", status, f"disease status: {status.value}", pick,
                         _shared(("status", code, display), lambda: {"field": "status", "valueCodeableConcept": {
                             "coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]}})))
    return said


_EXCLUDING = ("lower", "nonavid", "heterogeneous", "negative-study")


def _sstr(readings: list[Reading]) -> tuple[SstrStatus, str, Reading, str | None] | None:
    if any(r.tag in _EXCLUDING and not r.mods.plain and not (r.mods.negated and r.tag != "negative-study")
           for r in readings):
        return None      # a hedged/historical finding that would rule PRRT out: the report decides nothing
    if any(r.tag in ("higher", "equal") and r.mods.negated for r in readings):
        return None      # "uptake not above liver": not read either way
    plain = [r for r in readings if r.mods.plain]
    tags = {r.tag for r in plain}
    first = {t: next(r for r in plain if r.tag == t) for t in tags}
    positive = tags & {"higher", "equal", "positive"}
    if "negative-study" in tags:
        if positive - {"positive"} or "heterogeneous" in tags:
            return None  # a negative study that also names uptake: contradictory
        if "positive" in tags:
            return None
        return SstrStatus.NEGATIVE, "SSTR imaging negative", first["negative-study"], "negative"
    if "heterogeneous" in tags or (positive and tags & {"lower", "nonavid"}):
        pick = first.get("heterogeneous") or first.get("lower") or first["nonavid"]
        return (SstrStatus.POSITIVE_HETEROGENEOUS, "SSTR uptake heterogeneous (some lesions below liver or "
                "without uptake)", pick, "heterogeneous")
    if "lower" in tags:
        return SstrStatus.LOWER_THAN_LIVER, "SSTR uptake lower than liver", first["lower"], "lower-than-liver"
    if "nonavid" in tags:
        return SstrStatus.NEGATIVE, "SSTR imaging negative (lesions without uptake)", first["nonavid"], "negative"
    if "higher" in tags:
        return SstrStatus.POSITIVE_ALL, "SSTR uptake higher than liver", first["higher"], "higher-than-liver"
    if "equal" in tags:
        return SstrStatus.POSITIVE_ALL, "SSTR uptake equal to liver", first["equal"], "equal-to-liver"
    if "positive" in tags:
        return (SstrStatus.POSITIVE_DEGREE_UNKNOWN, "SSTR imaging positive (uptake vs liver not stated)",
                first["positive"], None)
    return None


def _fdg(readings: list[Reading]) -> tuple[bool, Reading] | None:
    avid = [r for r in readings if r.value is True and r.mods.plain]
    if avid:
        return True, avid[0]
    hedged = [r for r in readings if r.value is True and r.mods.uncertain and not r.mods.negated]
    not_avid = [r for r in readings if r.value is False and r.mods.plain]
    negated_avid = [r for r in readings if r.value is True and r.mods.negated and not r.mods.uncertain
                    and not r.mods.historical]
    if hedged:
        return None
    if not_avid:
        return False, not_avid[0]
    if negated_avid:
        return False, negated_avid[0]
    return None


def _status(readings: list[Reading], compares: Callable[[], bool]) -> tuple[DiseaseStatus, Reading] | None:
    """``compares()``: does the report compare with an earlier study (asked only when a "new lesion" needs it)."""
    plain = []
    compared: bool | None = None
    for r in readings:
        if not r.mods.plain:
            continue
        if r.value is DiseaseStatus.PROGRESSIVE and r.tag.startswith(("new", "additional")):
            if compared is None:
                compared = compares()
            if not compared:
                continue         # "new lesion" in a report that compares with nothing: not a response
        plain.append(r)
    hedged_progression = any(r.value is DiseaseStatus.PROGRESSIVE and r.mods.uncertain and not r.mods.negated
                             for r in readings)
    values = {r.value for r in plain}
    if hedged_progression:
        return None              # "possible progression": neither progressive nor stable
    if DiseaseStatus.PROGRESSIVE in values:
        if DiseaseStatus.IMPROVED in values:
            return None          # mixed response: not read
        return DiseaseStatus.PROGRESSIVE, next(r for r in plain if r.value is DiseaseStatus.PROGRESSIVE)
    if DiseaseStatus.IMPROVED in values:
        return DiseaseStatus.IMPROVED, next(r for r in plain if r.value is DiseaseStatus.IMPROVED)
    if DiseaseStatus.STABLE in values:
        return DiseaseStatus.STABLE, next(r for r in plain if r.value is DiseaseStatus.STABLE)
    return None


# --------------------------------------------------------------------------- candidates


#: ``json.dumps(record, sort_keys=True, separators=(",", ":"))`` without building an encoder per call
_RECORD_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
_TEXT_JSON = json.encoder.encode_basestring_ascii      # what that encoder does with a string (ensure_ascii)

# The JSON of a candidate's record is the same for every reading of one value but for three strings that hold the
# quote and the date (label, detail, note): it is built once per (record, kind) as the pieces between those three
# strings (the encoder's own output for each key, in its sorted order) and joined with them per candidate. Keyed
# by the record object (records of one value are one shared dict, see _shared) and kept with it, so an id is never
# read for another record; no patient text is kept (the quote and date are never in the pieces). Bounded.
_LABEL, _DETAIL, _NOTE = object(), object(), object()
_PIECES: dict[tuple[int, str, int], tuple[dict, Lexicon, tuple[str, ...]]] = {}
_PIECES_MAX = 256


def _pieces(said: Said, kind: str, lex: Lexicon) -> tuple[str, ...]:
    """(before, slot, between, slot, between, slot, after): the record's JSON with the three text slots named by
    "label" / "detail" / "note" in the order the encoder writes them."""
    key = (id(said.record), kind, id(lex))
    hit = _PIECES.get(key)
    if hit is not None and hit[0] is said.record and hit[1] is lex:
        return hit[2]
    code = lex.record_codes[said.field]
    record = {"code": {"coding": [{"system": code["system"], "code": code["code"], "display": code["display"]}]},
              **{k: v for k, v in said.record.items() if k != "field"},
              "label": _LABEL, "detail": _DETAIL, "note": _NOTE}
    category = lex.record_texts["categories"].get(said.field)
    if category:
        record["category"] = category
    out: list[str] = []
    run = "{"
    for n, (k, v) in enumerate(sorted(record.items())):
        run += ("," if n else "") + _TEXT_JSON(k) + ":"
        if v is _LABEL or v is _DETAIL or v is _NOTE:
            out += [run, "label" if v is _LABEL else "detail" if v is _DETAIL else "note"]
            run = ""
        else:
            run += _RECORD_JSON(v)
    out.append(run + "}")
    pieces = tuple(out)
    if len(_PIECES) >= _PIECES_MAX:
        _PIECES.clear()
    _PIECES[key] = (said.record, lex, pieces)
    return pieces


def _candidate(said: Said, rec: ReportRec, kind: str, lex: Lexicon) -> Candidate:
    r = said.reading
    quote = quote_of(r.sentence.text, r.start, r.end, lex.quote_chars)
    words = lex.record_texts
    fill = {"what": words["names"][said.field], "kind": kind, "value": said.display.split(" (", 1)[0],
            "quote": quote, "date": rec.date.isoformat() if rec.date else "unknown date"}
    p = _pieces(said, kind, lex)
    texts = {"label": words["label"], "detail": words["detail"], "note": words["note"]}
    record = (p[0] + _TEXT_JSON(texts[p[1]].format(**fill)) + p[2] + _TEXT_JSON(texts[p[3]].format(**fill)) + p[4]
              + _TEXT_JSON(texts[p[5]].format(**fill)) + p[6])
    display = f"{said.display} (read from the {kind} report text)"
    source = Source(rec.ref or None, rec.date, display, quote=quote, record=record)
    return Candidate(said.value, source)
