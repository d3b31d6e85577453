"""What the benchmark sends: synthetic patients, request bodies, tokens, the floor's card.

Bodies are ``fhir_fixtures.synthetic.large_patient`` hook requests serialised the way the
repository's fixture files are (``fhir_fixtures/build.py``: indent 2, sorted keys), so the
byte sizes are those of a readable EHR request, not of a minified one.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOOK_PATH = "/cds-services/net-treatment"

# name -> number of resources (the Patient included)
SIZES: dict[str, int] = {"small": 50, "typical": 300, "typical-no-reports": 300, "large": 3000}
# name -> DiagnosticReports among them (pathology, SSTR/FDG PET and CT reports with their text): the typical
# patient has ten (issue 13: ten reports add at most 2 ms per call in-process). "typical-no-reports" is the same
# patient without them: the typical patient as it was measured before issue 13, so figures from before and
# after compare like with like, and the difference between the two columns is what the reports cost.
REPORTS: dict[str, int] = {"small": 0, "typical": 10, "typical-no-reports": 0, "large": 10}

# The fixtures' reference date (fhir_fixtures/fhir.py AS_OF); in-process calls run "as of" it.
FIXED_NOW = datetime(2026, 11, 22, 9, 30, tzinfo=timezone.utc)

# The floor's one card (shape of a real net-cds card, fixed text): floor_app.py and the
# in-process floor encode exactly this.
FLOOR_CARD: dict = {
    "uuid": "00000000-0000-4000-8000-000000000001",
    "summary": "Consider 177Lu-DOTATATE (PRRT) for progressive SSTR-positive midgut NET G2",
    "indicator": "info",
    "detail": "Progression on a somatostatin analogue; SSTR imaging uptake above liver. "
              "Check renal function and blood counts before PRRT.",
    "source": {"label": "net-cds (ENETS 2023 midgut guidance)", "url": "https://net-cds.org/knowledge"},
    "extension": {"net-cds": {"topic": "treatment", "strength": "strong", "rules": ["M-04"],
                              "knowledgeVersion": "floor", "evidence": [], "facts": [], "missing": []}},
}


@dataclass(frozen=True)
class Workload:
    name: str
    resources: int
    patient_id: str
    body: bytes            # the hook request, as sent
    path: str = HOOK_PATH  # the service it is sent to

    @property
    def kib(self) -> float:
        return len(self.body) / 1024


def build_workload(name: str, resources: int | None = None) -> Workload:
    from fhir_fixtures.synthetic import large_patient

    n = SIZES[name] if resources is None else resources
    patient_id = f"bench-{n}"
    _bundle, hook = large_patient(n, patient_id, reports=REPORTS.get(name, 0))
    body = (json.dumps(hook, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    return Workload(name=name, resources=n, patient_id=patient_id, body=body)


ORDER_SIGN_PATH = "/cds-services/net-order-sign"


def build_order_workload(name: str = "order-sign", base: str = "typical") -> Workload:
    """The ``base`` patient's request as an ``order-sign`` call with one draft to check (sunitinib for the
    benchmark patient's midgut NET: one not-recommended card about it), sent to ``net-order-sign``."""
    from fhir_fixtures.synthetic import large_patient

    n = SIZES[base]
    patient_id = f"bench-{n}"
    _bundle, hook = large_patient(n, patient_id, reports=REPORTS.get(base, 0))
    hook["hook"] = "order-sign"
    hook["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "MedicationRequest", "id": "bench-draft-1", "status": "draft", "intent": "order",
        "subject": {"reference": f"Patient/{patient_id}"},
        "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                  "code": "1541890", "display": "sunitinib 37.5 MG Oral Capsule"}]},
        "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                               "doseAndRate": [{"doseQuantity": {"value": 37.5, "unit": "mg",
                                                                 "system": "http://unitsofmeasure.org", "code": "mg"}}]}],
    }}]}
    body = (json.dumps(hook, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    return Workload(name=name, resources=n + 1, patient_id=patient_id, body=body, path=ORDER_SIGN_PATH)


# ---------------------------------------------------------------------- tokens (local demo issuer)


class TokenMinter:
    """ES384 tokens of the local demo issuer (``service.demo.issuer``), its key in ``state_dir``.

    Every token is a real one from ``service.demo.issuer.mint_token`` (fresh ``jti``): the service
    remembers a ``jti`` per worker and refuses a replay, so load runs mint one token per request.
    """

    def __init__(self, state_dir: str | os.PathLike[str]):
        from service.demo import issuer as auth_demo

        self.state_dir = Path(state_dir)
        auth_demo.ensure_demo_key(self.state_dir)

    def write_issuers(self, path: str | os.PathLike[str]) -> Path:
        from service.demo import issuer as auth_demo

        return auth_demo.write_dev_issuers(path, state_dir=self.state_dir)

    def mint(self, audience: str, lifetime: int = 900) -> str:
        from service.demo import issuer as auth_demo

        return auth_demo.mint_token(audience, state_dir=self.state_dir, lifetime=lifetime)

    def mint_many(self, audience: str, count: int, lifetime: int = 900) -> list[str]:
        return [self.mint(audience, lifetime) for _ in range(count)]
