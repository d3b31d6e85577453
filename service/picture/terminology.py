"""Reviewed code lists (``cards/terminology/*.yaml``) -> one :class:`Terminology` of fast lookups.

Every value set file has a ``review`` block and any of:

``systems``   alias -> code-system URI (shared by all files)
``tables``    table name -> list of entries. An entry names ``system`` (alias or URI) and ``code``
              (a trailing ``*`` matches every code starting with the rest), or a case-insensitive
              ``pattern`` (regular expression) matched against free text; every other key is an
              attribute the picture reads (``site``, ``agent``, ``role``...).
``units``     lab name -> canonical unit and accepted units with their conversion.
``parameters`` name -> {value, unit?, source}: the few numbers the picture itself needs
              (e.g. how long on an SSA before carcinoid syndrome can be called refractory).
``code_sources`` source id -> {title, where, checked}: the public code lists the codes were checked
              against (``sources.yaml``). An entry with a standard code records ``verified: true|false``
              and ``source: <source id>`` (``unverified: <reason>`` when false) and may record the
              ``display`` the public source gives; the picture never reads these: they are review records,
              checked here for shape and by ``tests/picture/test_code_register.py`` for completeness.

Lookups are built once at load. A broken file raises :class:`service.errors.KnowledgeError`
so the service refuses to start.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

from service.errors import KnowledgeError

#: Tables whose codes are Observation.code values (the prefetch template filters on them).
OBSERVATION_TABLES = ("observation",)

_ICD_SYSTEMS = frozenset(
    {"http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10", "http://terminology.hl7.org/CodeSystem/icd-o-3"}
)


def normalize_code(system: str, code: str) -> str:
    """Canonical form of a code for comparison: ICD codes without dots, behaviour digit or case."""
    code = code.strip()
    if system in _ICD_SYSTEMS:
        code = code.split("/", 1)[0].replace(".", "").upper()
    return code


@dataclass(frozen=True, slots=True)
class Entry:
    system: str | None
    code: str | None
    attrs: Mapping[str, object]
    pattern: re.Pattern[str] | None = None

    def get(self, key: str, default: object = None) -> object:
        return self.attrs.get(key, default)


@dataclass(frozen=True, slots=True)
class UnitRule:
    canonical: str
    factors: Mapping[str, float]     # normalised unit -> multiply by this to reach canonical


@dataclass(slots=True)
class _Table:
    exact: dict[tuple[str, str], Entry] = field(default_factory=dict)
    prefix: dict[str, dict[str, Entry]] = field(default_factory=dict)   # system -> prefix -> entry
    patterns: list[Entry] = field(default_factory=list)

    def lookup(self, system: str, code: str) -> Entry | None:
        code = normalize_code(system, code)
        hit = self.exact.get((system, code))
        if hit is not None:
            return hit
        prefixes = self.prefix.get(system)
        if prefixes:
            for n in range(len(code), 0, -1):
                hit = prefixes.get(code[:n])
                if hit is not None:
                    return hit
        return None


def normalize_unit(unit: str) -> str:
    """Unit spelling for comparison: case-folded, micro signs unified, spaces dropped."""
    return (
        unit.strip().replace("\u00b5", "u").replace("\u03bc", "u").replace(" ", "")
        .replace("{", "").replace("}", "").casefold()
    )


_MISS = object()
_LOOKUP_MEMO_MAX = 8192


class Terminology:
    """Immutable lookups over the reviewed value sets. Build with :func:`load_terminology`."""

    def __init__(self, systems: Mapping[str, str], tables: Mapping[str, _Table],
                 units: Mapping[str, UnitRule], files: tuple[str, ...],
                 parameters: Mapping[str, object] | None = None,
                 code_sources: Mapping[str, Mapping[str, object]] | None = None):
        self._systems = MappingProxyType(dict(systems))
        self._code_sources = MappingProxyType(dict(code_sources or {}))
        self._parameters = MappingProxyType(dict(parameters or {}))
        self._tables = dict(tables)
        self._units = MappingProxyType(dict(units))
        self.files = files
        codes: list[str] = []
        for name in OBSERVATION_TABLES:
            table = self._tables.get(name)
            if table is not None:
                codes.extend(f"{s}|{c}" for (s, c) in table.exact)
        self._observation_codes = tuple(sorted(set(codes)))
        self._observation_code_set = frozenset(self._tables.get("observation", _Table()).exact)
        self._memo: dict[tuple, Entry | None] = {}    # lookup() answers, see there

    # -- systems
    def system(self, alias: str) -> str:
        return self._systems.get(alias, alias)

    # -- lookups
    def lookup(self, table: str, system: str | None, code: str | None) -> Entry | None:
        # The tables never change after loading, so a (table, system, code) answer is remembered
        # (bounded: codes come from requests): the same few codes are looked up on every hook
        # call, each lookup otherwise normalising the code and probing its prefixes.
        t = self._tables.get(table)
        if t is None or not system or not code:
            return None
        if type(system) is not str or type(code) is not str:
            return t.lookup(system, code)
        key = (table, system, code)         # plain strings: hashable by value, never mutated
        hit = self._memo.get(key, _MISS)
        if hit is _MISS:
            hit = t.lookup(system, code)
            if len(self._memo) >= _LOOKUP_MEMO_MAX:
                self._memo.clear()
            self._memo[key] = hit
        return hit

    def match_text(self, table: str, text: str | None) -> Entry | None:
        """First entry of ``table`` whose pattern occurs in ``text`` (file order)."""
        t = self._tables.get(table)
        if t is None or not text:
            return None
        for entry in t.patterns:
            assert entry.pattern is not None
            if entry.pattern.search(text):
                return entry
        return None

    def match_all(self, table: str, text: str | None) -> tuple[Entry, ...]:
        """Every entry of ``table`` whose pattern occurs in ``text`` (file order)."""
        t = self._tables.get(table)
        if t is None or not text:
            return ()
        return tuple(e for e in t.patterns if e.pattern is not None and e.pattern.search(text))

    def match_all_words(self, table: str, text: str | None) -> tuple[tuple[Entry, str], ...]:
        """Every entry of ``table`` whose pattern occurs in ``text``, each with the word it matched (the whole
        word around the first match, lower case: "levofloxacin" in "rifampicin 600 mg (with levofloxacin)")."""
        t = self._tables.get(table)
        if t is None or not text:
            return ()
        out = []
        for e in t.patterns:
            m = e.pattern.search(text) if e.pattern is not None else None
            if m is None:
                continue
            start, end = m.start(), m.end()
            while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "-'"):
                start -= 1
            while end < len(text) and (text[end].isalnum() or text[end] in "-'"):
                end += 1
            out.append((e, text[start:end].strip().lower() or m.group(0).lower()))
        return tuple(out)

    def match_all_spans(self, table: str, text: str | None) -> tuple[tuple[Entry, int, int], ...]:
        """Every occurrence of every pattern of ``table`` in ``text``: (entry, start, end), in text order."""
        t = self._tables.get(table)
        if t is None or not text:
            return ()
        out = [(e, m.start(), m.end()) for e in t.patterns if e.pattern is not None for m in e.pattern.finditer(text)]
        return tuple(sorted(out, key=lambda x: (x[1], x[2])))

    def has_table(self, table: str) -> bool:
        return table in self._tables

    def entries(self, table: str) -> tuple[Entry, ...]:
        t = self._tables.get(table)
        if t is None:
            return ()
        out = list(t.exact.values())
        for per_system in t.prefix.values():
            out.extend(per_system.values())
        return tuple(out) + tuple(t.patterns)

    def parameter(self, name: str) -> object:
        """A reviewed parameter value; KeyError names it when the files lack it."""
        if name not in self._parameters:
            raise KeyError(f"terminology parameter {name!r} is not defined")
        return self._parameters[name]

    @property
    def code_sources(self) -> Mapping[str, Mapping[str, object]]:
        """Public code lists the reviewed codes were checked against (id -> title, where, checked)."""
        return self._code_sources

    def unit_rule(self, lab: str) -> UnitRule | None:
        return self._units.get(lab)

    def is_observation_code(self, system: str, code: str) -> bool:
        return (system, code.strip()) in self._observation_code_set

    def observation_codes(self) -> list[str]:
        """"system|code" of every Observation code the picture reads (for the prefetch template)."""
        return list(self._observation_codes)

    def report_categories(self) -> list[str]:
        """"system|code" of every DiagnosticReport category the picture reads (for the prefetch template)."""
        table = self._tables.get("report_category")
        return sorted(f"{s}|{c}" for (s, c) in table.exact) if table is not None else []


def _fail(path: Path, message: str) -> KnowledgeError:
    return KnowledgeError(f"terminology file {path.name}: {message}")


def _read(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(path, f"cannot be read ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict):
        raise _fail(path, "top level must be a mapping")
    review = data.get("review")
    if not isinstance(review, dict) or not review.get("reviewed_by") or not review.get("sources"):
        raise _fail(path, "needs a review block with reviewed_by and sources")
    unknown = set(data) - {"review", "systems", "tables", "units", "parameters", "code_sources"}
    if unknown:
        raise _fail(path, f"unknown sections {sorted(unknown)}")
    return data


def load_terminology(directory: Path) -> Terminology:
    """Load and check every ``*.yaml`` value set under ``directory``."""
    directory = Path(directory)
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise KnowledgeError(f"no terminology files in {directory.name}")
    docs = [(p, _read(p)) for p in paths]
    systems: dict[str, str] = {}
    for path, data in docs:
        for alias, uri in (data.get("systems") or {}).items():
            if not isinstance(uri, str) or not uri.startswith(("http://", "https://", "urn:")):
                raise _fail(path, f"system {alias!r} is not a URI")
            if alias in systems and systems[alias] != uri:
                raise _fail(path, f"system alias {alias!r} defined twice")
            systems[alias] = uri
    code_sources: dict[str, Mapping[str, object]] = {}
    for path, data in docs:
        for sid, spec in (data.get("code_sources") or {}).items():
            if not isinstance(spec, dict) or not spec.get("title") or not spec.get("where"):
                raise _fail(path, f"code source {sid!r} needs title and where")
            if sid in code_sources:
                raise _fail(path, f"code source {sid!r} defined twice")
            code_sources[str(sid)] = MappingProxyType(dict(spec))
    tables: dict[str, _Table] = {}
    units: dict[str, UnitRule] = {}
    parameters: dict[str, object] = {}
    for path, data in docs:
        for name, entries in (data.get("tables") or {}).items():
            if not isinstance(entries, list):
                raise _fail(path, f"table {name!r} must be a list")
            table = tables.setdefault(name, _Table())
            for raw in entries:
                _add_entry(path, name, table, raw, systems)
                _check_verification(path, name, raw, code_sources)
        for lab, spec in (data.get("units") or {}).items():
            units[lab] = _unit_rule(path, lab, spec)
        for name, spec in (data.get("parameters") or {}).items():
            if not isinstance(spec, dict) or "value" not in spec or not spec.get("source"):
                raise _fail(path, f"parameter {name!r} needs value and source")
            if name in parameters:
                raise _fail(path, f"parameter {name!r} defined twice")
            parameters[name] = spec["value"]
    return Terminology(systems, tables, units, tuple(p.name for p in paths), parameters, code_sources)


def _check_verification(path: Path, table_name: str, raw: dict, code_sources: Mapping[str, object]) -> None:
    """Shape of an entry's review record (verified / source / unverified); never read by the picture."""
    if "verified" not in raw and "source" not in raw:
        return
    where = f"{table_name}: {raw.get('system')}|{raw.get('code') or raw.get('codes')}"
    if not isinstance(raw.get("verified"), bool):
        raise _fail(path, f"{where}: verified must be true or false")
    if raw.get("source") not in code_sources:
        raise _fail(path, f"{where}: source {raw.get('source')!r} is not a code source in sources.yaml")
    if raw["verified"] is False and not raw.get("unverified"):
        raise _fail(path, f"{where}: an unverified code says why (unverified: <reason>)")


def _add_entry(path: Path, table_name: str, table: _Table, raw: object, systems: Mapping[str, str]) -> None:
    if not isinstance(raw, dict):
        raise _fail(path, f"{table_name}: every entry must be a mapping")
    attrs = {k: v for k, v in raw.items() if k not in ("system", "code", "pattern", "codes")}
    if "pattern" in raw:
        try:
            pattern = re.compile(str(raw["pattern"]), re.IGNORECASE)
        except re.error as exc:
            raise _fail(path, f"{table_name}: bad pattern {raw['pattern']!r}") from exc
        table.patterns.append(Entry(None, None, MappingProxyType(attrs), pattern))
        return
    alias = raw.get("system")
    codes = raw.get("codes") if "codes" in raw else [raw.get("code")]
    if not alias or not isinstance(codes, list) or not codes:
        raise _fail(path, f"{table_name}: entry needs system and code(s) or a pattern: {raw!r}")
    system = systems.get(str(alias))
    if system is None:
        raise _fail(path, f"{table_name}: unknown system alias {alias!r}")
    for code in codes:
        code = str(code)
        if code.endswith("*"):
            key = normalize_code(system, code[:-1])
            per_system = table.prefix.setdefault(system, {})
            if key in per_system:
                raise _fail(path, f"{table_name}: duplicate prefix {code}")
            per_system[key] = Entry(system, code, MappingProxyType(attrs))
        else:
            key = normalize_code(system, code)
            if (system, key) in table.exact:
                raise _fail(path, f"{table_name}: duplicate code {alias}|{code}")
            table.exact[(system, key)] = Entry(system, code, MappingProxyType(attrs))


def _unit_rule(path: Path, lab: str, spec: object) -> UnitRule:
    if not isinstance(spec, dict) or not isinstance(spec.get("canonical"), str):
        raise _fail(path, f"units.{lab}: needs canonical")
    factors: dict[str, float] = {}
    accepted = spec.get("accept") or {}
    if not isinstance(accepted, dict):
        raise _fail(path, f"units.{lab}.accept must be a mapping")
    for unit, conv in accepted.items():
        if isinstance(conv, (int, float)):
            factor = float(conv)
        elif isinstance(conv, dict) and isinstance(conv.get("divide"), (int, float)) and conv["divide"]:
            factor = 1.0 / float(conv["divide"])
        elif isinstance(conv, dict) and isinstance(conv.get("multiply"), (int, float)):
            factor = float(conv["multiply"])
        else:
            raise _fail(path, f"units.{lab}.{unit}: give a number, divide: or multiply:")
        factors[normalize_unit(str(unit))] = factor
    return UnitRule(spec["canonical"], MappingProxyType(factors))


def iter_codes(entries: Iterable[Entry]) -> Iterable[str]:
    for e in entries:
        if e.system and e.code:
            yield f"{e.system}|{e.code}"
