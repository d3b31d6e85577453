"""Render docs/clinical-safety/hazard-log.yaml as docs/clinical-safety/hazard-log.md.

    .venv/bin/python -m tests.safety.render_hazard_log

The YAML is the source of truth; tests/safety/test_hazard_log.py fails when the Markdown is out of date.
"""
from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
LOG = REPO / "docs" / "clinical-safety" / "hazard-log.yaml"
VIEW = REPO / "docs" / "clinical-safety" / "hazard-log.md"


def load(path: Path = LOG) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def risk(log: dict, likelihood: int, severity: int) -> int:
    return log["matrix"]["risk"][likelihood][severity - 1]


def _cell(text: object) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def render(log: dict) -> str:
    meta, matrix, hazards = log["meta"], log["matrix"], log["hazards"]
    out = [
        "# Clinical hazard log",
        "",
        "Rendered from `docs/clinical-safety/hazard-log.yaml` by `python -m tests.safety.render_hazard_log`;",
        "edit the YAML, not this page. A change that adds a hazard adds an entry there.",
        "",
        f"Product: {meta['product']}. Owner: {meta['owner']}. Reviewed: {meta['reviewed_on']}.",
        f"Basis: {meta['review_basis']}.",
        "",
        "## Risk matrix",
        "",
        "Risk = matrix[likelihood][severity]: 1-2 acceptable; 3 undesirable (further control or documented",
        "justification); 4-5 unacceptable (must be reduced before the service is used for that purpose).",
        "",
        "| likelihood \\ severity | " + " | ".join(f"{s} {matrix['severity'][s].split(' - ')[0]}" for s in range(1, 6)) + " |",
        "|---|" + "---|" * 5,
    ]
    for lk in range(5, 0, -1):
        out.append(f"| {lk} {matrix['likelihood'][lk].split(' - ')[0]} | "
                   + " | ".join(str(v) for v in matrix["risk"][lk]) + " |")
    open_n = sum(1 for h in hazards if h["status"] == "open")
    out += ["", f"## Summary: {len(hazards)} hazards, {open_n} open, {len(hazards) - open_n} closed", "",
            "| id | hazard | sev | risk before | risk after | status | findings / rows |", "|---|---|---|---|---|---|---|"]
    for h in hazards:
        before = risk(log, h["likelihood_initial"], h["severity"])
        after = risk(log, h["likelihood_residual"], h["severity"])
        tags = ", ".join(list(h.get("findings") or []) + list(h.get("rows") or []))
        out.append(f"| {h['id']} | {_cell(h['title'])} | {h['severity']} | {before} | {after} | {h['status']} | {tags} |")
    out += ["", "## Hazards", ""]
    for h in hazards:
        out += [f"### {h['id']}: {h['title']}", "",
                f"- **Cause:** {h['cause']}",
                f"- **Effect on the patient:** {h['effect']}",
                f"- **Severity:** {h['severity']}; **likelihood** {h['likelihood_initial']} before, "
                f"{h['likelihood_residual']} after controls; **risk** {risk(log, h['likelihood_initial'], h['severity'])}"
                f" -> {risk(log, h['likelihood_residual'], h['severity'])}"
                + (f" (what remains: {h['residual_note']})" if h.get("residual_note") else ""),
                "- **Controls:** " + "; ".join(f"`{c['path']}` ({c['what']})" for c in h["controls"]),
                "- **Tests:** " + ("; ".join(f"`{t}`" for t in h.get("tests") or []) or f"none yet ({h.get('no_test_yet')})"),
                f"- **Status:** {h['status']}" + (f" (control planned: {h['planned']})" if h.get("planned") else "")]
        if h.get("findings") or h.get("rows"):
            out.append("- **Covers:** " + ", ".join(list(h.get("findings") or []) + list(h.get("rows") or [])))
        out.append("")
    out += ["## Review findings", "", "| id | finding | hazards |", "|---|---|---|"]
    for fid, text in log["findings"].items():
        ids = ", ".join(h["id"] for h in hazards if fid in (h.get("findings") or []))
        out.append(f"| {fid} | {_cell(text)} | {ids} |")
    return "\n".join(out) + "\n"


def main() -> None:
    VIEW.write_text(render(load()), encoding="utf-8")
    print(f"wrote {VIEW.relative_to(REPO)}")


if __name__ == "__main__":
    main()
