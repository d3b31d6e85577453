"""Prometheus metrics (service/ops/metrics.py): what /metrics exposes, and that labels stay bounded and patient-free.

The app is the real one from ``create_app`` (which applies ``Metrics(env=env).init_app(app)``;
the tests apply it themselves should the factory ever stop doing so).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from service.ops.metrics import BUCKETS, STAGES, Metrics, NullMetrics, metrics_of
from tests.plugins.app import HOOK_PATH, fixture_hook_request, hook_body

REPO = Path(__file__).resolve().parents[1]

FAMILIES = {
    "netcds_http_request_duration_seconds", "netcds_http_error_responses", "netcds_hook_stage_duration_seconds",
    "netcds_hook_calls_in_flight", "netcds_cards", "netcds_fhir_fallback_requests",
    "netcds_fhir_fallback_outcomes", "netcds_fhir_fallback_failures", "netcds_data_stage_events",
    "netcds_knowledge_info",
}
# Every label value the service may emit looks like one of these (never a path, id or free text).
BOUNDED_LABEL = re.compile(r"[A-Za-z0-9_.+-]{1,64}")


def _metrics(app: Flask) -> Metrics:
    existing = metrics_of(app)
    return existing if isinstance(existing, Metrics) else Metrics().init_app(app)


@pytest.fixture
def metered(app):
    """(app, metrics): the create_app app with metrics on."""
    return app, _metrics(app)


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}


def value(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


# ---------------------------------------------------------------------- exposition


def test_metrics_route_is_public_and_lists_every_family_after_a_hook_call(metered, auth_header):
    app, _m = metered
    client = app.test_client()
    assert client.post(HOOK_PATH, json=hook_body(), headers=auth_header(HOOK_PATH)).status_code == 200

    families = scrape(client)      # no Authorization header: unauthenticated like /healthz

    assert FAMILIES <= set(families), sorted(FAMILIES - set(families))
    hook = [s for s in families["netcds_http_request_duration_seconds"].samples
            if s.name.endswith("_count") and s.labels["endpoint"] == "hooks.call_service"]
    assert [(s.labels["method"], s.labels["status_class"], s.value) for s in hook] == [("POST", "2xx", 1.0)]


def test_request_latency_buckets_cover_half_a_millisecond_to_two_seconds():
    assert BUCKETS[0] == 0.0005 and BUCKETS[-1] == 2.0
    assert list(BUCKETS) == sorted(BUCKETS)


def test_knowledge_version_is_exported(metered):
    app, m = metered
    version = app.extensions["netcds"].knowledge.version

    assert value(m, "netcds_knowledge_info", version=str(version)) == 1.0


def test_a_changed_knowledge_version_replaces_the_old_one():
    m = Metrics()
    m.set_knowledge_version("2026.1")
    m.set_knowledge_version("2026.2")

    assert value(m, "netcds_knowledge_info", version="2026.1") == 0.0
    assert value(m, "netcds_knowledge_info", version="2026.2") == 1.0


def test_error_statuses_are_counted_by_status_and_route(metered, auth_header):
    app, m = metered
    client = app.test_client()
    client.post(HOOK_PATH, json=hook_body())                                        # 401, no JWT
    client.post(HOOK_PATH, data="{", content_type="application/json", headers=auth_header(HOOK_PATH))  # 400
    client.get("/no/such/route")                                                    # 404

    assert value(m, "netcds_http_error_responses_total", endpoint="hooks.call_service", status="401") == 1
    assert value(m, "netcds_http_error_responses_total", endpoint="hooks.call_service", status="400") == 1
    assert value(m, "netcds_http_error_responses_total", endpoint="unmatched", status="404") == 1
    assert value(m, "netcds_http_request_duration_seconds_count",
                 endpoint="hooks.call_service", method="POST", status_class="4xx") == 2


def test_two_apps_in_one_process_keep_separate_counts(app_factory):
    first, second = app_factory(), app_factory()
    m1, m2 = _metrics(first), _metrics(second)

    first.test_client().get("/healthz")

    assert value(m1, "netcds_http_request_duration_seconds_count",
                 endpoint="hooks.healthz", method="GET", status_class="2xx") == 1
    assert value(m2, "netcds_http_request_duration_seconds_count",
                 endpoint="hooks.healthz", method="GET", status_class="2xx") == 0


def test_metrics_are_set_up_once_per_app(metered):
    app, _m = metered
    with pytest.raises(RuntimeError):
        Metrics().init_app(app)


def test_an_app_without_metrics_gets_a_no_op_stand_in():
    stand_in = metrics_of(Flask("bare"))
    assert isinstance(stand_in, NullMetrics)
    stand_in.observe_stages({"rules": 0.1})
    stand_in.count_cards([{}])
    stand_in.fhir_calls({"requests": 1})
    stand_in.set_knowledge_version("x")


# ---------------------------------------------------------------------- hook stages, in-flight, cards


def test_pipeline_stage_names_are_all_known_to_the_metrics(metered, auth_header, monkeypatch):
    """A stage the pipeline times but the metrics do not know would silently go unmeasured."""
    import service.pipeline

    app, _m = metered
    seen: dict[str, float] = {}
    real_advise = service.pipeline.advise

    def spy(*args, timings=None, **kwargs):
        cards = real_advise(*args, timings=timings, **kwargs)
        seen.update(timings or {})
        return cards

    monkeypatch.setattr(service.pipeline, "advise", spy)
    response = app.test_client().post(HOOK_PATH, json=fixture_hook_request("net-32"), headers=auth_header(HOOK_PATH))

    assert response.status_code == 200
    assert seen, "the hook view passed no timings dict to the pipeline"
    assert set(seen) <= set(STAGES), f"unknown stages {sorted(set(seen) - set(STAGES))}"


def test_observe_stages_records_each_known_stage_and_ignores_the_rest():
    m = Metrics()
    m.observe_stages({"auth": 0.0004, "prefetch": 0.003, "fhir_fallback": 0.2, "picture": 0.012,
                      "rules": 0.002, "render": 0.001, "pat-123": 1.0, "rules_nan": float("nan")})
    m.observe_stages({"rules": -1.0, "render": float("inf")})

    for stage in ("auth", "prefetch", "fhir_fallback", "picture", "rules", "render"):
        assert value(m, "netcds_hook_stage_duration_seconds_count", stage=stage) == 1, stage
    assert value(m, "netcds_hook_stage_duration_seconds_bucket", stage="auth", le="0.0005") == 1
    assert value(m, "netcds_hook_stage_duration_seconds_bucket", stage="fhir_fallback", le="0.1") == 0
    assert value(m, "netcds_hook_stage_duration_seconds_count", stage="pat-123") == 0


def test_a_hook_call_feeds_the_stage_histograms_and_card_counters(metered, auth_header):
    app, m = metered
    response = app.test_client().post(HOOK_PATH, json=fixture_hook_request("net-32"), headers=auth_header(HOOK_PATH))
    assert response.status_code == 200

    assert value(m, "netcds_hook_stage_duration_seconds_count", stage="picture") == 1
    assert value(m, "netcds_hook_stage_duration_seconds_count", stage="rules") == 1
    assert value(m, "netcds_cards_total", topic="data-gap",
                 strength=response.get_json()["cards"][0]["extension"]["net-cds"]["strength"]) >= 1


def test_in_flight_gauge_counts_a_hook_call_while_it_runs(metered, auth_header, monkeypatch):
    import service.pipeline

    app, m = metered
    during: list[float] = []
    real_advise = service.pipeline.advise

    def spy(*args, **kwargs):
        during.append(value(m, "netcds_hook_calls_in_flight"))
        return real_advise(*args, **kwargs)

    monkeypatch.setattr(service.pipeline, "advise", spy)
    client = app.test_client()
    client.post(HOOK_PATH, json=hook_body(), headers=auth_header(HOOK_PATH))
    client.post(HOOK_PATH, json=hook_body())     # 401: in-flight released on the error path too

    assert during == [1.0]
    assert value(m, "netcds_hook_calls_in_flight") == 0


def test_cards_are_counted_by_topic_and_strength():
    m = Metrics()
    card = lambda topic, strength: {"extension": {"net-cds": {"topic": topic, "strength": strength}}}  # noqa: E731
    m.count_cards([card("data-gap", "strong"), card("data-gap", "strong"), card("treatment", "conditional"),
                   {"summary": "no extension"}, card("Patient/pat-123 has <b>", "strong")])

    assert value(m, "netcds_cards_total", topic="data-gap", strength="strong") == 2
    assert value(m, "netcds_cards_total", topic="treatment", strength="conditional") == 1
    assert value(m, "netcds_cards_total", topic="none", strength="none") == 1
    assert value(m, "netcds_cards_total", topic="other", strength="strong") == 1


def test_fhir_fallback_calls_and_failures_are_counted_by_outcome():
    m = Metrics()
    m.fhir_calls({"requests": 5, "ok": 3, "timeout": 1, "server_error": 1, "max_pages": 1,
                  "brand_new_kind": 1, "zero": 0})
    m.fhir_calls({"fhir_fetched": 2, "fhir_error": 1, "deadline_exceeded": 1, "dropped_other_patient": 2})

    assert value(m, "netcds_fhir_fallback_requests_total") == 5
    assert value(m, "netcds_fhir_fallback_outcomes_total", outcome="ok") == 3
    assert value(m, "netcds_fhir_fallback_outcomes_total", outcome="max_pages") == 1
    assert value(m, "netcds_fhir_fallback_failures_total", outcome="timeout") == 1
    assert value(m, "netcds_fhir_fallback_failures_total", outcome="server_error") == 1
    assert value(m, "netcds_fhir_fallback_failures_total", outcome="deadline_exceeded") == 1
    assert value(m, "netcds_fhir_fallback_failures_total", outcome="max_pages") == 0
    assert value(m, "netcds_fhir_fallback_outcomes_total", outcome="other") == 1
    assert value(m, "netcds_data_stage_events_total", event="fhir_fetched") == 2
    assert value(m, "netcds_data_stage_events_total", event="dropped_other_patient") == 2


def test_every_counted_fhir_and_data_stage_key_has_a_named_metric():
    """A key FhirClient or prefetch.gather counts but the metrics do not know would land in ``other``."""
    from service.ops.metrics import DATA_STAGE_EVENTS, FHIR_FAILURES, FHIR_INCOMPLETE, FHIR_OK, FHIR_REQUESTS

    source = "\n".join((REPO / "service" / "data" / name).read_text(encoding="utf-8") for name in ("fhir_client.py", "prefetch.py"))
    keys = {key for subscript in re.findall(r"(?:stats|counts)\[([^\]]*)\]\s*\+=", source)
            for key in re.findall(r'"([a-z_]+)"', subscript)}
    assert {"requests", "ok", "timeout", "fhir_fetched", "dropped_wrong_type"} <= keys, "has the counting moved?"
    known = FHIR_FAILURES | FHIR_INCOMPLETE | FHIR_OK | DATA_STAGE_EVENTS | {FHIR_REQUESTS}
    assert keys <= known, f"unmapped stats keys {sorted(keys - known)}"


# ---------------------------------------------------------------------- no patient data in labels


def test_no_label_value_carries_patient_ids_or_paths(metered, auth_header):
    app, m = metered
    secret = "pat-SECRET-4711"
    client = app.test_client()
    body = hook_body(context={"userId": "Practitioner/example", "patientId": secret})
    body["prefetch"]["patient"]["id"] = secret
    client.post(HOOK_PATH, json=body, headers=auth_header(HOOK_PATH))
    client.post(f"/cds-services/{secret}", json=body, headers=auth_header(f"/cds-services/{secret}"))
    client.get(f"/Patient/{secret}")
    client.open("/healthz", method="PROPFIND")
    m.count_cards([{"extension": {"net-cds": {"topic": secret + " x", "strength": "strong"}}}])
    m.set_knowledge_version(f"v1 {secret}")

    text = client.get("/metrics").get_data(as_text=True)

    assert secret not in text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for label, label_value in sample.labels.items():
                assert BOUNDED_LABEL.fullmatch(label_value), f"{sample.name}{{{label}={label_value!r}}}"
                assert "/" not in label_value


# ---------------------------------------------------------------------- several gunicorn workers


WORKER = textwrap.dedent("""
    import json, sys
    from flask import Flask
    from service.ops.metrics import Metrics
    app = Flask("worker")
    app.add_url_rule("/ping", "ping", lambda: "pong")
    m = Metrics().init_app(app)
    client = app.test_client()
    for _ in range(int(sys.argv[1])):
        client.get("/ping")
    m.count_cards([{"extension": {"net-cds": {"topic": "data-gap", "strength": "strong"}}}])
    m.in_flight.inc()                      # a call that never finishes: the worker dies with it
    print(client.get("/metrics").get_data(as_text=True))
""")


def _worker(n: int, directory: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETCDS_")}
    env["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-W", "error", "-c", WORKER, str(n)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=True)


def _samples(text: str) -> dict:
    return {(s.name, json.dumps(s.labels, sort_keys=True)): s.value
            for f in text_string_to_metric_families(text) for s in f.samples}


@pytest.mark.slow
def test_multiprocess_mode_adds_up_every_worker_and_forgets_dead_ones(tmp_path):
    from service.ops.serving_config import child_exit, on_starting

    directory = tmp_path / "prom"
    directory.mkdir()
    (directory / "counter_999999.db").write_bytes(b"stale")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    try:
        on_starting(server=None)                          # the gunicorn master wipes old files
        assert not list(directory.glob("*.db"))
        first = _worker(2, directory)
        pid = int(next(p.stem.rsplit("_", 1)[1] for p in directory.glob("gauge_livesum_*.db")))
        child_exit(server=None, worker=type("W", (), {"pid": pid})())
        second = _worker(3, directory)
    finally:
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]

    ping = ("netcds_http_request_duration_seconds_count",
            json.dumps({"endpoint": "ping", "method": "GET", "status_class": "2xx"}, sort_keys=True))
    cards = ("netcds_cards_total", json.dumps({"strength": "strong", "topic": "data-gap"}, sort_keys=True))
    in_flight = ("netcds_hook_calls_in_flight", "{}")
    assert _samples(first.stdout)[ping] == 2
    after = _samples(second.stdout)
    assert after[ping] == 5                 # both workers' requests, added up
    assert after[cards] == 2
    assert after[in_flight] == 1            # only the live worker's; the dead one was marked


# ---------------------------------------------------------------------- optional bearer token (issue 15, finding 12)

METRICS_TOKEN = "m3tr1cs-T0ken_for.tests~only/padding=="


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", "Bearer wrong-token", f"Basic {METRICS_TOKEN}", f"Bearer {METRICS_TOKEN}x",
    f"Bearer {METRICS_TOKEN[:-1]}", "Bearer " + "A" * 100_000, f"bearer{METRICS_TOKEN}",
])
def test_with_a_metrics_token_a_scrape_without_it_is_401_and_learns_nothing(app_factory, authorization):
    app = app_factory(NETCDS_METRICS_TOKEN=METRICS_TOKEN)
    headers = {} if authorization is None else {"Authorization": authorization}

    response = app.test_client().get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    # The same body as any refused JWT: no hint whether a token was sent, or how close it was.
    assert response.get_json() == {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "login", "diagnostics": "Unauthorized."}]}
    assert b"netcds_" not in response.get_data() and METRICS_TOKEN.encode() not in response.get_data()


def test_with_a_metrics_token_the_right_bearer_token_scrapes(app_factory):
    app = app_factory(NETCDS_METRICS_TOKEN=METRICS_TOKEN)
    client = app.test_client()

    families = {f.name for f in text_string_to_metric_families(client.get(
        "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).get_data(as_text=True))}
    lower_scheme = client.get("/metrics", headers={"Authorization": f"bearer {METRICS_TOKEN}"})

    assert "netcds_knowledge_info" in families
    assert lower_scheme.status_code == 200        # RFC 7235: the scheme is case-insensitive


def test_the_metrics_token_is_compared_as_digests_in_constant_time(monkeypatch):
    """Neither length nor prefix leaks: ``hmac.compare_digest`` over two SHA-256 digests, always called."""
    import hmac

    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr("service.ops.metrics.hmac.compare_digest", spy)
    m = Metrics(token=METRICS_TOKEN)
    outcomes = [m.authorized(h) for h in (None, "Basic x", "Bearer short", f"Bearer {METRICS_TOKEN}")]

    assert outcomes == [False, False, False, True]
    assert calls == [(32, 32)] * 4
    assert Metrics().authorized(None) is True            # no token configured: open (inside the cluster only)


@pytest.mark.parametrize("bad", ["short", "x" * 31, "has space" * 8, "ünïcode" * 8])
def test_a_guessable_or_malformed_metrics_token_stops_the_service_without_echoing_it(bad):
    from service.config import Settings
    from service.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        Settings.from_env({"NETCDS_AUTH_DISABLED": "true", "NETCDS_METRICS_TOKEN": bad})
    assert "NETCDS_METRICS_TOKEN" in info.value.message and bad not in info.value.message


def test_the_metrics_token_never_shows_in_settings_descriptions_or_repr():
    from service.config import Settings

    settings = Settings.from_env({"NETCDS_AUTH_DISABLED": "true", "NETCDS_METRICS_TOKEN": METRICS_TOKEN})
    assert settings.metrics_token == METRICS_TOKEN
    assert settings.describe()["metrics_token"] == "***"
    assert METRICS_TOKEN not in repr(settings) and METRICS_TOKEN not in json.dumps(settings.describe())
