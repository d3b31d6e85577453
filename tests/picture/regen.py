"""Regenerate tests/golden/pictures/*.json: ``python -m tests.picture.regen`` (an explicit, reviewed act).

Review every diff as a clinical change before committing it.
"""
from __future__ import annotations

import json

from service.picture.build import build_picture
from service.picture.terminology import load_terminology
from tests.picture.summary import summarize
from tests.plugins.clinical import FIXTURE_AS_OF, TERMINOLOGY_DIR, bundle_record, fixture_bundles

from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden" / "pictures"


def golden_text(summary: dict) -> str:
    return json.dumps(summary, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    term = load_terminology(TERMINOLOGY_DIR)
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for path in fixture_bundles():
        picture = build_picture(bundle_record(path), as_of=FIXTURE_AS_OF, terminology=term)
        (GOLDEN_DIR / f"{path.stem}.json").write_text(golden_text(summarize(picture)), encoding="utf-8")
        print(f"wrote {path.stem}")


if __name__ == "__main__":
    main()
