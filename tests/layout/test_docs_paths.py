"""Every repository path and ``service.*`` module named in the README and the docs exists.

A moved or renamed module must take its documentation with it. Paths with placeholders
(``<group>``, ``*``, ``{...}``) are patterns, not paths, and are skipped.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = sorted({REPO / "README.md", *REPO.glob("docs/**/*.md"), REPO / "deploy" / "README.md",
               REPO / "bench" / "README.md", REPO / "fhir_fixtures" / "README.md",
               *REPO.glob("cards/**/README.md")})
ROOTS = ("service", "tests", "cards", "deploy", "bench", "fhir_fixtures", "docs", ".ci")
_PATH = re.compile(r"(?<![\w./-])((?:%s)/[A-Za-z0-9_./-]*)" % "|".join(re.escape(r) for r in ROOTS))
_MODULE = re.compile(r"(?<![\w./-])(service(?:\.[a-z_][a-z0-9_]*)+)")
_PATTERN = re.compile(r"[<>*{}]")
GENERATED = ("tests/golden/", ".netcds/")      # written by tools; may be absent on a fresh clone


def _named(pattern: re.Pattern[str], text: str) -> set[str]:
    found = set()
    for match in pattern.finditer(text):
        end = match.end()
        if end < len(text) and _PATTERN.match(text[end]):
            continue
        found.add(match.group(1).rstrip(".,:;)`'\""))
    return found


def _module_exists(dotted: str) -> bool:
    # "service.rules.outcome.Outcome" names a class in a module: accept any existing prefix module
    # whose next part is an attribute of it.
    parts = dotted.split(".")
    for cut in range(1, len(parts) + 1):
        name = ".".join(parts[:cut])
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:     # the parent is a module, not a package
            found = False
        if not found:
            if cut == 1:
                return False
            module = importlib.import_module(".".join(parts[:cut - 1]))
            return hasattr(module, parts[cut - 1])
    return True


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_named_paths_exist(doc: Path):
    text = doc.read_text(encoding="utf-8")
    missing = sorted(p for p in _named(_PATH, text)
                     if not p.startswith(GENERATED) and not (REPO / p).exists())
    assert not missing, f"{doc.relative_to(REPO)} names paths that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_named_modules_exist(doc: Path):
    text = doc.read_text(encoding="utf-8")
    missing = sorted(m for m in _named(_MODULE, text) if not _module_exists(m))
    assert not missing, f"{doc.relative_to(REPO)} names modules that do not exist: {missing}"


def test_checker_catches_a_stale_path(tmp_path):
    assert _named(_PATH, "see `service/hooks.py` and service/rules/<group>.py") == {"service/hooks.py"}
    assert not (REPO / "service/hooks.py").exists()
    assert not _module_exists("service.hooks")
    assert _module_exists("service.protocol.routes")


# --------------------------------------------------------------------------- commands named in the docs

_SERVICE_COMMAND = re.compile(r"python -m service(?: ([a-z][a-z-]*))?")
_PYTHON_MODULE = re.compile(r"python -m ((?!service\b)[a-z_][a-z0-9_.]*)")
_RUN_VERB = re.compile(r"(?<![\w/.-])\./run ([a-z][a-z-]*)")
_MAKE_TARGET = re.compile(r"(?:(?<=`)|^\s*)make ([a-z][a-z-]*)", re.M)   # in code only: "make a" is prose


def _service_commands() -> set[str]:
    import service.__main__ as cli

    return {"serve", "check", "help", *cli.DELEGATED}


def _run_verbs() -> set[str]:
    text = (REPO / "run").read_text(encoding="utf-8")
    case = text[text.index('case "$command" in'):]
    return {verb for line in re.findall(r"^\s{4}([a-z|\-]+)\)", case, re.M) for verb in line.split("|")}


def _make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return {t for line in re.findall(r"^([a-z][a-z ]*):", text, re.M) for t in line.split()}


def named_commands(text: str) -> dict[str, set[str]]:
    return {
        "service": {m.group(1) for m in _SERVICE_COMMAND.finditer(text) if m.group(1)},
        "module": {m.group(1).rstrip(".") for m in _PYTHON_MODULE.finditer(text)},
        "run": {m.group(1) for m in _RUN_VERB.finditer(text)},
        "make": {m.group(1) for m in _MAKE_TARGET.finditer(text)},
    }


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_named_commands_exist(doc: Path):
    named = named_commands(doc.read_text(encoding="utf-8"))
    problems = []
    problems += [f"python -m service {c}" for c in sorted(named["service"] - _service_commands())]
    problems += [f"python -m {m}" for m in sorted(named["module"]) if not _runnable_module(m)]
    problems += [f"./run {v}" for v in sorted(named["run"] - _run_verbs())]
    problems += [f"make {t}" for t in sorted(named["make"] - _make_targets())]
    assert not problems, f"{doc.relative_to(REPO)} names commands that do not exist: {problems}"


def _runnable_module(dotted: str) -> bool:
    for candidate in (dotted, f"{dotted}.__main__"):
        try:
            if importlib.util.find_spec(candidate) is not None:
                return True
        except ModuleNotFoundError:
            continue
    return (REPO / Path(*dotted.split("."))).with_suffix(".py").exists() or (REPO / Path(*dotted.split("."))).is_dir()


def test_command_checker_catches_stale_commands():
    named = named_commands("run `python -m service frobnicate`, `./run lint`, `make deploy` and `python -m nosuch.tool`"
                           " to make it work")
    assert named["service"] - _service_commands() == {"frobnicate"}
    assert named["run"] - _run_verbs() == {"lint"}
    assert named["make"] - _make_targets() == {"deploy"}
    assert not _runnable_module("nosuch.tool")
    assert {"setup", "demo", "tests", "check", "explain"} <= _run_verbs()
    assert _runnable_module("bench.load") and _runnable_module("service.demo.fhir_server")


# --------------------------------------------------------------------------- module tables that must stay whole


def test_architecture_table_names_every_module_of_every_stage_folder():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    problems = {}
    for folder in sorted(p for p in (REPO / "service").iterdir() if p.is_dir() and not p.name.startswith("_")):
        row = next((line for line in text.splitlines() if line.startswith(f"| `service/{folder.name}/`")), None)
        if row is None:
            problems[folder.name] = "no row"
            continue
        missing = sorted(m.stem for m in folder.glob("*.py")
                         if m.stem != "__init__" and not re.search(rf"\b{m.stem}\b", row))
        if missing:
            problems[folder.name] = missing
    assert not problems, f"docs/architecture.md's layout table misses: {problems}"


def _expand(ids: str) -> set[str]:
    out = set()
    for a, b in re.findall(r"\b([A-Z][A-Z0-9]*-\d+)(?:\.\.([A-Z][A-Z0-9]*-\d+))?", ids):
        if not b:
            out.add(a)
            continue
        prefix, lo = a.rsplit("-", 1)
        hi = b.rsplit("-", 1)[1]
        out |= {f"{prefix}-{n:0{len(lo)}d}" for n in range(int(lo), int(hi) + 1)}
    return out


@pytest.mark.parametrize("module", ["safety", "scope"])
def test_rules_doc_lists_exactly_the_rows_of_a_module(module):
    from service.rules import load_rules

    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith(f"| `{module}.py` |"))
    documented = _expand(row.split("|")[2])
    registered = {rid for rid, r in load_rules().items() if r.function.__module__ == f"service.rules.{module}"}
    assert documented == registered, (f"docs/rules.md says {module}.py has {sorted(documented)}; "
                                      f"it registers {sorted(registered)}")
