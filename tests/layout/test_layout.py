"""The package layout shows the pipeline: one folder per stage, few top-level modules, no import cycle.

Edges are module-level imports between ``service`` modules (an import inside a function or under
``if TYPE_CHECKING:`` is not an edge: it runs after both modules are loaded). Importing a package
``__init__`` implicitly (because a submodule was named) is not an edge either.
"""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVICE = REPO / "service"
STAGES = ("protocol", "data", "picture", "rules", "feedback", "ops", "demo")
MAX_TOP_LEVEL = 8


def _modules() -> dict[str, Path]:
    found = {}
    for path in SERVICE.rglob("*.py"):
        if "migrations" in path.relative_to(SERVICE).parts:
            continue          # Alembic scripts, loaded by Alembic, never imported by the package
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _top_level_imports(tree: ast.Module):
    """Import nodes that run when the module is imported (not in functions, not TYPE_CHECKING)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node):
                stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, (ast.Try,)):
            stack.extend(node.body + node.orelse + node.finalbody + [h for x in node.handlers for h in x.body])
        elif isinstance(node, ast.ClassDef):
            stack.extend(node.body)       # a class body runs at import


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _top_level_imports(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    package = name if is_package else name.rsplit(".", 1)[0]
                    for _ in range(node.level - 1):
                        package = package.rsplit(".", 1)[0]
                    base = f"{package}.{base}" if base else package
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {n: WHITE for n in graph}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = GREY
        path.append(node)
        for nxt in sorted(graph[node]):
            if colour[nxt] == GREY:
                return path[path.index(nxt):] + [nxt]
            if colour[nxt] == WHITE:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        colour[node] = BLACK
        return None

    for node in sorted(graph):
        if colour[node] == WHITE:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_cycle_among_service_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_graph_sees_real_edges():
    graph = import_graph()
    assert "service.render" in graph["service.pipeline"]
    assert "service.knowledge" in graph["service.rules.registry"]


def test_knowledge_loader_imports_no_stage():
    stages = tuple(f"service.{s}" for s in STAGES) + ("service.render", "service.pipeline", "service.app")
    edges = import_graph()["service.knowledge"]
    assert not [e for e in edges if e.startswith(stages)], edges


def test_routes_do_not_import_the_factory():
    assert "service.app" not in import_graph()["service.protocol.routes"]
    source = (SERVICE / "protocol" / "routes.py").read_text(encoding="utf-8")
    assert "import state_of" not in source and "from service.app import" not in source


def test_one_folder_per_stage_and_few_top_level_modules():
    for stage in STAGES:
        assert (SERVICE / stage / "__init__.py").is_file(), stage
    top = sorted(p.name for p in SERVICE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert len(top) <= MAX_TOP_LEVEL, top
