"""Kubernetes manifests (deploy/k8s): schema-valid offline, and consistent with the app and the server.

Schema: every object validates (strict: unknown fields are errors) with kubernetes-validate's
bundled schemas, which need no network. Semantics: probes hit routes the app really has, every
NETCDS_* value is a setting the app accepts, names and selectors line up, resources fit the
workers, and shutdown fits in the grace period.
"""
from __future__ import annotations

import json

import kubernetes_validate
import pytest
import yaml

from service.config import Settings
from service.ops.serving_config import graceful_timeout, memory_budget_mb
from tests.deploy.conftest import K8S, cpu_millis, load_docs, manifest_files, memory_bytes

KUBERNETES_VERSIONS = ("1.31", "1.34")       # a supported older minor and a recent one


def _container(pod_spec: dict, name: str) -> dict:
    return next(c for c in pod_spec["containers"] if c["name"] == name)


@pytest.fixture(scope="module")
def deployment(manifests) -> dict:
    return manifests.one("Deployment", "net-cds")


@pytest.fixture(scope="module")
def pod(deployment) -> dict:
    return deployment["spec"]["template"]["spec"]


@pytest.fixture(scope="module")
def container(pod) -> dict:
    return _container(pod, "net-cds")


@pytest.fixture(scope="module")
def config(manifests) -> dict[str, str]:
    return manifests.one("ConfigMap", "net-cds-config")["data"]


# ---------------------------------------------------------------------- schema


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_manifest_is_valid_for_kubernetes(path, version):
    for doc in load_docs(path):
        kubernetes_validate.validate(doc, version, strict=True)


def test_schema_validation_rejects_a_broken_manifest():
    """The validator really checks (offline, strict): a misspelt field is an error."""
    doc = load_docs(K8S / "deployment.yaml")[0]
    doc["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[-1], strict=True)


def test_kustomizations_list_every_manifest_but_the_placeholder_secret():
    listed = set()
    for kustomization in (K8S / "kustomization.yaml", K8S / "migrate" / "kustomization.yaml"):
        data = yaml.safe_load(kustomization.read_text(encoding="utf-8"))
        for resource in data["resources"]:
            path = (kustomization.parent / resource).resolve()
            assert path.is_file(), f"{kustomization.name}: {resource} does not exist"
            listed.add(path)
        assert data["namespace"] == "net-cds"
    unlisted = {p.resolve() for p in manifest_files()} - listed
    assert unlisted == {(K8S / "secret.yaml").resolve()}


def test_app_and_migration_use_the_same_image():
    images = [yaml.safe_load(k.read_text(encoding="utf-8"))["images"]
              for k in (K8S / "kustomization.yaml", K8S / "migrate" / "kustomization.yaml")]
    assert images[0] == images[1]


# ---------------------------------------------------------------------- the app's routes and settings


def test_probes_point_at_routes_the_app_serves(app, container):
    routes = {rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    probes = {kind: container[kind]["httpGet"]["path"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}

    assert probes["livenessProbe"] == "/healthz"
    assert probes["readinessProbe"] == "/readyz"
    assert set(probes.values()) <= routes, f"missing routes: {set(probes.values()) - routes}"


def test_probes_and_service_use_the_container_port(manifests, container):
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[kind]["httpGet"]["port"] in ports, kind
    service = manifests.one("Service", "net-cds")
    assert all(p["targetPort"] in ports for p in service["spec"]["ports"])
    assert ports["http"] == 8080


def test_metrics_route_exists_and_is_scraped_but_not_published(app, manifests, deployment):
    assert "/metrics" in {rule.rule for rule in app.url_map.iter_rules()}
    assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    ingress = manifests.one("Ingress", "net-cds")
    paths = [p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert paths == ["/cds-services"], "only the CDS Hooks routes go through the ingress"
    assert any(rule.rule.startswith("/cds-services") for rule in app.url_map.iter_rules())


def _settings_env(manifests, tmp_path) -> dict[str, str]:
    env = dict(manifests.one("ConfigMap", "net-cds-config")["data"])
    env.update(manifests.one("Secret", "net-cds-secrets")["stringData"])
    issuers = tmp_path / "trusted-issuers.json"
    issuers.write_text(manifests.one("ConfigMap", "net-cds-issuers")["data"]["trusted-issuers.json"])
    env["NETCDS_TRUSTED_ISSUERS"] = str(issuers)
    return env


def test_every_netcds_key_in_configmap_and_secret_is_an_accepted_setting(manifests, tmp_path):
    env = _settings_env(manifests, tmp_path)
    keys = [k for k in env if k.startswith("NETCDS_")]

    assert keys == list(env), "only NETCDS_* keys belong in the config and secret"
    assert Settings.unknown_variables(env) == []
    settings = Settings.from_env(env)              # raises ConfigError naming a bad value
    assert settings.public_base_url.startswith("https://")
    assert settings.auto_migrate is False
    assert "*" not in settings.cors_origins
    assert settings.allowed_fhir_servers and not settings.allow_http_fhir
    assert settings.database_url.startswith("postgresql")


def test_trusted_issuers_file_is_valid_and_mounted_where_the_setting_points(manifests, config, container, pod):
    from service.protocol.auth import TrustedIssuers

    issuers_cm = manifests.one("ConfigMap", "net-cds-issuers")
    TrustedIssuers.from_mapping(json.loads(issuers_cm["data"]["trusted-issuers.json"]))
    mount = next(m for m in container["volumeMounts"] if m["name"] == "issuers")
    volume = next(v for v in pod["volumes"] if v["name"] == "issuers")
    assert volume["configMap"]["name"] == "net-cds-issuers"
    assert config["NETCDS_TRUSTED_ISSUERS"] == mount["mountPath"] + "/trusted-issuers.json"
    assert mount.get("readOnly") is True


def test_env_comes_from_the_configmap_and_secret(container, manifests):
    refs = {next(iter(e)): e[next(iter(e))]["name"] for e in container["envFrom"]}
    assert refs == {"configMapRef": "net-cds-config", "secretRef": "net-cds-secrets"}
    job = manifests.one("Job", "net-cds-migrate")
    job_container = job["spec"]["template"]["spec"]["containers"][0]
    assert job_container["envFrom"] == [{"secretRef": {"name": "net-cds-secrets"}}]


def test_secret_values_are_marked_placeholders(manifests):
    secret = manifests.one("Secret", "net-cds-secrets")
    assert all("PLACEHOLDER" in v for v in secret["stringData"].values())
    assert "PLACEHOLDER" in (K8S / "secret.yaml").read_text(encoding="utf-8").splitlines()[0]


# ---------------------------------------------------------------------- shape of the Deployment


def test_three_replicas_and_the_autoscaler_never_goes_below(deployment, manifests):
    hpa = manifests.one("HorizontalPodAutoscaler", "net-cds")
    assert deployment["spec"]["replicas"] == 3
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "net-cds"}
    assert hpa["spec"]["minReplicas"] >= 3
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]


def test_selectors_match_the_pods(deployment, manifests):
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    selectors = [
        deployment["spec"]["selector"]["matchLabels"],
        manifests.one("Service", "net-cds")["spec"]["selector"],
        manifests.one("PodDisruptionBudget", "net-cds")["spec"]["selector"]["matchLabels"],
        manifests.one("NetworkPolicy", "net-cds")["spec"]["podSelector"]["matchLabels"],
    ]
    for selector in selectors:
        assert selector.items() <= labels.items(), selector


def test_disruption_budget_lets_a_node_drain(manifests):
    pdb = manifests.one("PodDisruptionBudget", "net-cds")["spec"]
    assert pdb.get("maxUnavailable", 0) >= 1 or pdb["minAvailable"] < 3


def test_resources_fit_the_gunicorn_workers(container, pod, config):
    resources = container["resources"]
    workers = int(config["NETCDS_WORKERS"])
    in_memory = sum(memory_bytes(v["emptyDir"]["sizeLimit"]) for v in pod["volumes"]
                    if v.get("emptyDir", {}).get("medium") == "Memory")

    assert {"cpu", "memory"} <= resources["requests"].keys()
    assert {"cpu", "memory"} <= resources["limits"].keys()
    assert memory_bytes(resources["limits"]["memory"]) >= memory_budget_mb(workers) * 2**20 + in_memory
    assert memory_bytes(resources["requests"]["memory"]) == memory_bytes(resources["limits"]["memory"]), \
        "memory request below the limit invites OOM kills under node pressure"
    assert cpu_millis(resources["requests"]["cpu"]) <= cpu_millis(resources["limits"]["cpu"])


def test_shutdown_fits_in_the_grace_period(pod, container, config):
    deadline = float(config["NETCDS_HOOK_DEADLINE_SECONDS"])
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    pre_stop = int(command[1])

    assert pod["terminationGracePeriodSeconds"] > pre_stop + graceful_timeout(deadline)
    assert graceful_timeout(deadline) > deadline


def test_pod_runs_as_non_root_on_a_read_only_root_filesystem(pod, container, manifests):
    from tests.deploy.test_dockerfile import runtime_user

    for spec in (pod, manifests.one("Job", "net-cds-migrate")["spec"]["template"]["spec"]):
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == runtime_user()[0] != 0
        assert spec["automountServiceAccountToken"] is False
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"]["drop"] == ["ALL"]
            assert "/tmp" in {m["mountPath"] for m in c["volumeMounts"]}


def test_prometheus_multiproc_dir_is_a_writable_empty_dir(pod, container):
    directory = next(e["value"] for e in container["env"] if e["name"] == "PROMETHEUS_MULTIPROC_DIR")
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == directory)
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert "emptyDir" in volume and not mount.get("readOnly")
    # Files of replaced workers (max_requests) stay until the pod goes: room for ~1000 of them.
    assert memory_bytes(volume["emptyDir"]["sizeLimit"]) >= 1000 * 256 * 2**10
    assert volume["emptyDir"].get("medium") != "Memory", "would count against the memory limit"


def test_migration_is_a_job_and_not_done_at_worker_start(manifests, config, container):
    job = manifests.one("Job", "net-cds-migrate")
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command == ["python", "-m", "service", "migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert config["NETCDS_AUTO_MIGRATE"] == "false"
    assert "command" not in container and "args" not in container, "the app runs the image's CMD"


def test_network_policy_allows_only_what_the_service_needs(manifests):
    spec = manifests.one("NetworkPolicy", "net-cds")["spec"]
    assert set(spec["policyTypes"]) == {"Ingress", "Egress"}
    assert {p["port"] for rule in spec["ingress"] for p in rule["ports"]} == {8080}
    sources = [peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
               for rule in spec["ingress"] for peer in rule["from"]]
    assert sorted(sources) == ["ingress-nginx", "monitoring"]
    egress_ports = {(p["port"], p["protocol"]) for rule in spec["egress"] for p in rule["ports"]}
    assert egress_ports == {(53, "UDP"), (53, "TCP"), (5432, "TCP"), (443, "TCP")}
