"""deploy/Dockerfile, checked by parsing it (no Docker engine here).

Multi-stage: wheels are built in a builder stage; the final stage has no compilers, runs as a
numeric non-root user (so Kubernetes ``runAsNonRoot`` can verify it), answers a HEALTHCHECK
with Python (no curl), exposes 8080, binds 0.0.0.0 only inside the container, and starts with
``python -m service``. Base images are pinned to a patch release or a digest.
"""
from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field

from tests.deploy.conftest import DEPLOY, REPO

DOCKERFILE = DEPLOY / "Dockerfile"
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|build-essential|make|clang|libc6-dev|python3-dev|curl|wget)\b")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [a for k, a in self.instructions if k == keyword]


def parse(text: str) -> list[Stage]:
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            m = re.fullmatch(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", rest.strip(), re.I)
            assert m, f"cannot parse FROM {rest!r}"
            stages.append(Stage(base=m.group(1), name=m.group(2)))
        elif keyword in ("ARG",) and not stages:
            continue
        else:
            assert stages, f"{keyword} before FROM"
            stages[-1].instructions.append((keyword, rest.strip()))
    return stages


def stages() -> list[Stage]:
    return parse(DOCKERFILE.read_text(encoding="utf-8"))


def runtime_user() -> tuple[int, int]:
    user = stages()[-1].args("USER")[-1]
    uid, _, gid = user.partition(":")
    return int(uid), int(gid or uid)


def _exec_form(value: str) -> list[str]:
    parsed = json.loads(value)
    assert isinstance(parsed, list), f"not exec form: {value}"
    return parsed


# ---------------------------------------------------------------------- tests


def test_parser_sees_a_build_tool_in_a_run_line():
    fake = parse("FROM python:3.11.9-slim AS a\nRUN apt-get install -y \\\n    gcc\nUSER 1:1\n")
    assert BUILD_TOOLS.search(fake[-1].args("RUN")[0])


def test_multi_stage_with_wheels_built_in_the_builder():
    all_stages = stages()
    assert len(all_stages) >= 2
    builder, final = all_stages[0], all_stages[-1]
    assert any("pip wheel" in run for run in builder.args("RUN"))
    assert any(f"from={builder.name}" in run and "--no-index" in run for run in final.args("RUN")), \
        "the final stage installs the builder's wheels without reaching an index"


def test_base_images_are_pinned_slim_python_311():
    for stage in stages():
        base = stage.base
        assert base.startswith("python:3.11"), base
        assert "slim" in base, base
        assert re.search(r":3\.11\.\d+-", base) or "@sha256:" in base, f"{base} is not pinned"
        assert not base.endswith(":latest")


def test_final_stage_has_no_build_tools():
    final = stages()[-1]
    for keyword, args in final.instructions:
        if keyword in ("RUN", "ENV", "COPY", "ADD"):
            assert not BUILD_TOOLS.search(args), f"{keyword} {args}"
    assert not any("apt-get install" in run for run in final.args("RUN"))


def test_final_stage_runs_as_a_numeric_non_root_user():
    uid, gid = runtime_user()
    assert uid != 0 and gid != 0
    final = stages()[-1]
    user_index = max(i for i, (k, _) in enumerate(final.instructions) if k == "USER")
    assert all(k not in ("RUN",) for k, _ in final.instructions[user_index + 1:]), \
        "nothing runs as root after USER"


def test_healthcheck_uses_python_against_healthz():
    checks = stages()[-1].args("HEALTHCHECK")
    assert len(checks) == 1
    options, _, command = checks[0].partition("CMD ")
    argv = _exec_form(command)
    assert argv[0] == "python"
    assert "/healthz" in " ".join(argv)
    assert "curl" not in checks[0] and "wget" not in checks[0]
    assert "--timeout=" in options and "--interval=" in options


def test_exposes_8080_and_starts_the_service_module():
    final = stages()[-1]
    assert final.args("EXPOSE") == ["8080"]
    assert _exec_form(final.args("CMD")[-1]) == ["python", "-m", "service"]
    assert not final.args("ENTRYPOINT"), "Kubernetes Jobs override the command; keep it a plain CMD"


def test_host_0_0_0_0_only_in_the_container():
    env = " ".join(stages()[-1].args("ENV"))
    assert "NETCDS_HOST=0.0.0.0" in env
    from service.config import Settings
    assert Settings().host == "127.0.0.1", "outside the container the default stays loopback"


def test_image_holds_the_code_and_the_knowledge():
    copies = [shlex.split(c) for c in stages()[-1].args("COPY") if "--from" not in c]
    sources = {part.rstrip("/") for c in copies for part in c[:-1] if not part.startswith("--")}
    assert {"service", "cards"} <= sources


def test_dockerignore_is_an_allowlist_that_keeps_the_copied_paths():
    lines = [l.strip() for l in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
             if l.strip() and not l.startswith("#")]
    assert lines[0] == "*", "start from nothing: .git, tests, keys and local databases stay out"
    allowed = {l[1:].rstrip("/") for l in lines if l.startswith("!")}
    copied = set()
    for stage in stages():
        for c in stage.args("COPY"):
            if "--from" not in c:
                copied |= {p.rstrip("/").lstrip("./") for p in shlex.split(c)[:-1] if not p.startswith("--")}
    assert copied <= allowed, f"COPY sources excluded by .dockerignore: {copied - allowed}"
    assert not any(a.startswith(("deploy/dev", ".netcds", "tests")) for a in allowed)


def test_every_runtime_dependency_is_pinned_in_the_lock_file():
    deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = {}
    for line in (DEPLOY / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[name] = version
    normalise = lambda n: re.sub(r"[-_.]+", "-", n).lower()  # noqa: E731
    for dep in deps:
        name = normalise(re.match(r"[A-Za-z0-9_.-]+", dep).group(0))
        assert name in pins, f"{dep} is not pinned in deploy/requirements.lock"
