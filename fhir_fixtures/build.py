"""Generate the fixture files from ``scenarios.py``: ``python fhir_fixtures/build.py``.

Writes, deterministically (sorted keys, 2-space indent, UTF-8, trailing newline):

- ``bundles/<id>.json``  FHIR R4 transaction Bundle of PUT entries (fixed ids);
- ``hooks/<id>.json``    CDS Hooks 2.0 ``patient-view`` request with full prefetch;
- ``index.json``         per patient: id, title, story, expect, rows, also, not_rows, shapes, files;
- ``README.md``          the human description (patient table generated from the same data).

``--check`` exits 1 if any generated file is out of date (for CI), writing nothing.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):
    sys.path.insert(0, str(HERE.parent))

from fhir_fixtures.fhir import AS_OF, hook_request, transaction  # noqa: E402
from fhir_fixtures.scenarios import build_all  # noqa: E402


def dumps(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


README_HEAD = """# fhir_fixtures: synthetic NET patients

**Provenance: synthetic, written for net-cds on 2026-11-22 from the decision table (net guideline §4);
no real patient data.** Every name is a plainly fake "Test Patient <letter>"; identifiers, dates and
values are invented. Dates are relative to an `as_of` of **{as_of}** (`fhir_fixtures.fhir.AS_OF`).

## Files

| path | what |
|---|---|
| `scenarios.py` | the hand-written scenario definitions (one function per patient) and their expectations |
| `fhir.py` | small resource builders, code tables, transaction/searchset/hook-request builders |
| `build.py` | `python fhir_fixtures/build.py` regenerates everything below (`--check` only verifies) |
| `bundles/<id>.json` | FHIR R4 `transaction` Bundle, `PUT` entries with fixed ids (`Observation/net-07-ki67`), loadable into a FHIR R4 server (tested against SEKMET with strict validation) |
| `hooks/<id>.json` | CDS Hooks 2.0 `patient-view` request with full prefetch under `patient`, `conditions`, `observations`, `medicationRequests`, `medicationStatements`, `medicationAdministrations`, `procedures`, `diagnosticReports` (each a `searchset` Bundle, empty when none; observations and reports newest first like `_sort=-date`) |
| `index.json` | per patient: `id`, `title`, `story`, `expect` (picture values), `rows` (must fire), `also` (may fire), `not_rows` (must not fire), `shapes` (messy data shapes covered), `files` |
| `synthetic.py` | `large_patient(n_resources, patient_id) -> (bundle, hook_request)`: a deterministic big NET patient for benchmarks |

Generated files are committed; edit `scenarios.py` and re-run `build.py`, never the JSON by hand.
`tests/fixtures/test_fixture_files.py` checks structure, prefetch/bundle agreement, reference hygiene and
R4 (fhir.resources R4B) parsing, and that the committed files are up to date.

## Conventions

- Resource ids are `<patient id>-<suffix>`, unique across all patients; every reference is `Patient/<own id>`
  (or, for `condition-related`, a Condition in the same bundle).
- Facts with no standard code use the service's local CodeSystems exactly as in `local-codes`
  (`https://net-cds.org/fhir/CodeSystem/observation`: `sstr-imaging`, `mitotic-count`,
  `bowel-movements-per-day`, `hepatic-tumor-burden`, `resectability`, `differentiation`, `fdg-pet`;
  value systems `sstr-uptake`, `resectability`, `differentiation`, `fdg-avidity`).
- Disease status: LOINC 97509-4 (or legacy 88040-1) with SNOMED 271299001 (worsened) / 359746009 (stable).
- `expect` uses the enum values of `service.picture.model` (`scope`: none/net/nec/minen/sclc; `site`:
  pancreas/midgut/lung_thymus/other_gi/unknown; `grade`: G1/G2/G3/NEC; `sstr`: positive_all /
  positive_heterogeneous / lower_than_liver / negative; `progression`: true = progressive within 12 months,
  false = latest status not progressive, null = unknown). `ki67` is the percent the grade is computed from
  (upper bound of a range, the bound of "<2%"). `null` means not on record.
- `rows` are the decision-table rows a NET oncologist would expect to fire (clinical judgement); NR rows are
  listed only where the patient's own data triggers them. `also` rows are defensible either way; `not_rows`
  must not fire. Lung carcinoids have no WHO G-grade here (`lung_type` instead).

## Patients

| id | title | rows (must fire) | also (may fire) | shapes covered |
|---|---|---|---|---|
"""

README_TAIL = """
## Stories

{stories}

## Coverage map (decision-table branch -> patients)

{coverage}

## Known gaps

- No standard code exists for an R0 margin: `net-29` carries it as `Procedure.outcome.text` ("R0 resection ...")
  and a note; the picture builder has to read that text (or a local code should be added to local-codes).
- `net-19` records VHL only as the legacy `Q85.8` ("Other phakomatoses") with VHL in `code.text`; Q85.8 alone
  is not specific, so reading it needs the text.
- Planned PRRT (`net-38`) is a `MedicationRequest` with `dosageInstruction.timing.event` (a future date);
  no `ServiceRequest`/`Appointment`, because those are not among the prefetch keys.
- DiagnosticReports (SSTR-PET reports, pathology) are not used: they are not among the prefetch keys, so
  their results are carried as Observations with the local codes.
- Planned surgery (`net-47`) is a `Procedure` with status `preparation` and a future `performedDateTime`;
  a declined treatment (`net-42`) is a `Procedure` with status `not-done`, `statusReason` SNOMED 105480006 and the
  date she declined as `performedDateTime`. Both are legal R4 but unusual; real EHRs often send a
  `ServiceRequest` instead (not prefetched).
- Some values have no verified standard code and are sent text-only: glucagon (`net-60`), VIP (`net-17`),
  metyrapone (`net-61`, a `MedicationRequest` with `medicationCodeableConcept.text` only), thymectomy (`net-52`).
  Codes used here but flagged R (recalled) in terminology.md or not listed there: SNOMED 169750002
  (breast-feeding), 105480006 (refusal of treatment), 92824003 (NF1), 34516001 (ileal structure), 60001007 (not
  pregnant); LOINC 2141-0 (ACTH), 2143-6 (cortisol); CPT 47130, 60500. ICD-10-CM codes were checked against the
  FY2026 tabular. Z39.1 is an encounter code ("care and examination of lactating mother"): EHRs use it as the
  breast-feeding problem, there is no better ICD-10-CM code.
- `net-50`'s duplicates differ only in `id` and `meta.source` (and one creatinine unit): nothing in FHIR marks them
  as the same result, so de-duplication has to compare code, date and value.
- `net-66` (NF1) carries morphology 8156/3 without a clinical syndrome: `expect.syndromes` is empty because a
  somatostatin-positive tumour is not a functioning one; the table's F-12 triggers on morphology, so F-12 and G-07
  are only `also` there.
- The table has no row for everolimus started during PRRT (`net-68`); NR-23 (everolimus + SSA) is the nearest.
- The guideline's O-02 says "manage gastrinoma (F-07)": the gastrinoma row is F-08 (F-07 is insulinoma); `net-53`
  expects F-08.
"""


def readme(index: list[dict]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|")
    rows = []
    for m in index:
        rows.append(f"| `{m['id']}` | {esc(m['title'])} | {', '.join(m['rows']) or '— (no cards)'} | "
                    f"{', '.join(m['also']) or '—'} | {esc('; '.join(m['shapes']))} |")
    stories = "\n".join(f"- **`{m['id']}` {m['title']}.** {m['story']}" for m in index)
    branch: dict[str, list[str]] = {}
    for m in index:
        for r in m["rows"]:
            branch.setdefault(r, []).append(m["id"])

    def key(r: str):
        prefix, _, num = r.rpartition("-")
        return (prefix, int(num))
    coverage = "\n".join(f"- {r}: {', '.join(f'`{i}`' for i in branch[r])}" for r in sorted(branch, key=key))
    return (README_HEAD.format(as_of=AS_OF.isoformat()) + "\n".join(rows) + "\n"
            + README_TAIL.format(stories=stories, coverage=coverage))


def generate() -> dict[Path, str]:
    files: dict[Path, str] = {}
    index = []
    for m in build_all():
        p = m.pop("_p")
        files[HERE / "bundles" / f"{p.pid}.json"] = dumps(transaction(p.resources))
        files[HERE / "hooks" / f"{p.pid}.json"] = dumps(hook_request(p.pid, p.resources))
        m["files"] = {"bundle": f"bundles/{p.pid}.json", "hook": f"hooks/{p.pid}.json"}
        m["resources"] = len(p.resources)
        index.append(m)
    files[HERE / "index.json"] = dumps({"as_of": AS_OF.isoformat(), "patients": index})
    files[HERE / "README.md"] = readme(index)
    # order-hook situations: built from the patient-view requests just generated
    from fhir_fixtures import orders
    order_index = orders.index()
    for situation in orders.SITUATIONS:
        files[HERE / "orders" / f"{situation['id']}.json"] = dumps(_order_request(orders, situation, files))
    files[HERE / "orders" / "index.json"] = dumps({"as_of": AS_OF.isoformat(), "situations": order_index})
    files[HERE / "README.md"] += orders_readme(order_index)
    return files


def _order_request(orders, situation: dict, files: dict[Path, str]) -> dict:
    """The situation's request, built from the patient-view request generated in this run (not the file on
    disk, which may be stale)."""
    base = json.loads(files[HERE / "hooks" / f"{situation['base']}.json"])
    return orders.order_request(situation, base=base)


def orders_readme(order_index: list[dict]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|")
    rows = "\n".join(f"| `{s['id']}` | `{s['base']}` | {s['hook']} | {esc(s['title'])} | "
                     f"{', '.join(s['expect']) or '— (silent)'} |" for s in order_index)
    stories = "\n".join(f"- **`{s['id']}` {s['title']}.** {s['story']}" for s in order_index)
    return (
        "\n## Order-hook situations (order-select, order-sign)\n\n"
        "`orders/<id>.json` are `order-select` / `order-sign` requests: a patient above (its prefetch) with the "
        "draft orders a clinician is about to select or sign (`context.draftOrders`; `selections` for "
        "order-select), built by `orders.py`. `expect` names the rows whose concern card must come back about a "
        "draft; an empty `expect` is a concordant draft that must get no card. Whole answers are pinned in "
        "`tests/golden/orders/`.\n\n"
        "| id | patient | hook | situation | must speak |\n|---|---|---|---|---|\n"
        + rows + "\n\n" + stories + "\n")


def main(argv: list[str]) -> int:
    files = generate()
    stale_dirs = [HERE / "bundles", HERE / "hooks", HERE / "orders"]
    extra = [f for d in stale_dirs if d.exists() for f in d.glob("*.json") if f not in files]
    if "--check" in argv:
        bad = [str(f.relative_to(HERE)) for f, text in files.items()
               if not f.exists() or f.read_text(encoding="utf-8") != text]
        bad += [str(f.relative_to(HERE)) + " (stale)" for f in extra]
        if bad:
            print("out of date: " + ", ".join(sorted(bad)))
            return 1
        print(f"{len(files)} files up to date")
        return 0
    for f in extra:
        f.unlink()
    for f, text in files.items():
        f.parent.mkdir(parents=True, exist_ok=True)
        if not f.exists() or f.read_text(encoding="utf-8") != text:
            f.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
