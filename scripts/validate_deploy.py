"""Checks the deployment files: deploy/kubernetes (kustomize) and compose.yaml + .env + Dockerfile.

Run by scripts/validate-deploy, which makes the venv and gathers the inputs; see its header.
Usage: validate_deploy.py REPO WORK_DIR

WORK_DIR holds what the shell side produced: permissions.json and definitions.json
(`warren topology permissions --json`, `... export --format rabbitmq-definitions`),
compose-v2.yaml (`docker-compose config` of Compose v2, with .env applied), and, when those
tools are on the machine, kubectl.yaml (`kubectl kustomize`) and compose-v1.status.
"""
import copy
import json
import os
import re
import sys

import yaml

REPO, WORK = sys.argv[1], sys.argv[2]
KUSTOMIZE_DIR = os.path.join(REPO, "deploy", "kubernetes")
KUBERNETES_VERSION = "1.31.0"

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok      {name}")
    else:
        failed += 1
        print(f"FAILED  {name}{': ' + detail if detail else ''}")


def work(name):
    return os.path.join(WORK, name)


# --- what the topology says ---------------------------------------------------------------
grants = json.load(open(work("permissions.json")))
definitions = json.load(open(work("definitions.json")))
contexts = sorted(g["context"] for g in grants if g["context"])
ingress_grants = [g for g in grants if not g["context"]]
system = ingress_grants[0]["user"].split(".")[0] if ingress_grants else "cleaning"
queues = {q["name"] for q in definitions.get("queues", [])}


def password_variable(grant):
    subject = grant["context"] or grant["user"].replace(".", "_")
    return "WARREN_" + re.sub(r"[^A-Z0-9]", "_", subject.upper()) + "_PASSWORD"


# Settings a context refuses to start without (besides the worker's own), from the cleaning
# system's `Settings`: every deployment of that context must give them.
REQUIRED_SETTINGS = {"paymethod": ["PAYMETHOD_HASH_KEY"]}

# === Kubernetes =============================================================================
# A renderer for the subset of kustomize this kustomization uses. It refuses any other field,
# so a new kustomize feature in the file cannot be silently ignored here.
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                  "PersistentVolume", "StorageClass", "PriorityClass"}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}


def render_kustomization(directory):
    kustomization = yaml.safe_load(open(os.path.join(directory, "kustomization.yaml")))
    supported = {"apiVersion", "kind", "namespace", "labels", "resources", "images"}
    unknown = set(kustomization) - supported
    if unknown:
        raise ValueError(f"the renderer does not know kustomization fields {sorted(unknown)}")
    objects = []
    for resource in kustomization.get("resources", []):
        path = os.path.join(directory, resource)
        if os.path.isdir(path):
            objects.extend(render_kustomization(path))
            continue
        with open(path) as handle:
            objects.extend(doc for doc in yaml.safe_load_all(handle) if doc)
    namespace = kustomization.get("namespace")
    for obj in objects:
        metadata = obj.setdefault("metadata", {})
        if namespace:
            if obj["kind"] == "Namespace":
                metadata["name"] = namespace  # kustomize renames a Namespace it finds
            elif obj["kind"] not in CLUSTER_SCOPED:
                metadata["namespace"] = namespace
        for entry in kustomization.get("labels", []):
            pairs = entry["pairs"]
            metadata.setdefault("labels", {}).update(pairs)
            if entry.get("includeSelectors"):
                raise ValueError("labels.includeSelectors is not supported by this renderer")
            if entry.get("includeTemplates") and obj["kind"] in POD_TEMPLATE_KINDS:
                obj["spec"]["template"].setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
        if obj["kind"] in POD_TEMPLATE_KINDS:
            pod = obj["spec"]["template"]["spec"]
            for container in pod.get("containers", []) + pod.get("initContainers", []):
                container["image"] = rewrite_image(container["image"], kustomization.get("images", []))
    return objects


def rewrite_image(image, rules):
    name, _, tag = image.partition(":")
    for rule in rules:
        if rule["name"] == name:
            name = rule.get("newName", name)
            tag = rule.get("newTag", tag)
            if "digest" in rule:
                return f"{name}@{rule['digest']}"
    return f"{name}:{tag}" if tag else name


def key(obj):
    return (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


try:
    rendered = render_kustomization(KUSTOMIZE_DIR)
    check("kustomize: deploy/kubernetes renders (Python renderer)", True)
except Exception as error:  # noqa: BLE001 - reported as a failed check
    rendered = []
    check("kustomize: deploy/kubernetes renders (Python renderer)", False, str(error))
by_key = {key(o): o for o in rendered}
check("kustomize: no two objects share kind, namespace and name", len(by_key) == len(rendered))

if os.path.exists(work("kubectl.failed")):
    check("kustomize: `kubectl kustomize` renders deploy/kubernetes", False, open(work("kubectl.failed")).read().strip())
elif os.path.exists(work("kubectl.yaml")):
    reference = [d for d in yaml.safe_load_all(open(work("kubectl.yaml"))) if d]
    same = {key(o): o for o in reference} == by_key
    differing = sorted(str(k) for k in set(by_key) ^ {key(o) for o in reference})
    if not differing:
        differing = [str(k) for k, o in {key(o): o for o in reference}.items() if by_key.get(k) != o][:3]
    check("kustomize: the Python renderer and `kubectl kustomize` produce the same objects", same,
          ", ".join(differing))
else:
    print("note    kubectl not found: the rendering was not compared with `kubectl kustomize`")

# Every object the issue lists.
expected = {("Namespace", "", "warren"), ("ConfigMap", "warren", "warren-config"),
            ("Secret", "warren", "warren-secrets"), ("Job", "warren", "topology"),
            ("Deployment", "warren", "ingress"), ("Service", "warren", "ingress"),
            ("HorizontalPodAutoscaler", "warren", "ingress"), ("PodDisruptionBudget", "warren", "ingress")}
for context in contexts:
    for kind in ("Deployment", "PodDisruptionBudget", "ScaledObject"):
        expected.add((kind, "warren", context))
missing = sorted(expected - set(by_key))
check(f"kustomize: renders all {len(expected)} expected objects (a Deployment, PDB and KEDA "
      f"ScaledObject per context of `{system}`, the ingress Deployment, Service, HPA and PDB, "
      "ConfigMap, Secret, topology Job, Namespace)", not missing, ", ".join(map(str, missing)))
extra = sorted(set(by_key) - expected)
check("kustomize: renders nothing unexpected", not extra, ", ".join(map(str, extra)))

# --- schemas -------------------------------------------------------------------------------
import kubernetes_validate  # noqa: E402
from cloudcoil.models.keda.v1alpha1 import ScaledObject  # noqa: E402


def strict_errors(model, data):
    """The model's validation errors, plus every field it does not know (pydantic ignores them)."""
    try:
        parsed = model.model_validate(data)
    except Exception as error:  # noqa: BLE001
        return [str(error).splitlines()[0] + " " + " ".join(str(error).splitlines()[1:3])]
    dumped = parsed.model_dump(by_alias=True, exclude_unset=True, mode="json")
    unknown = []

    def walk(given, known, path):
        if isinstance(given, dict) and isinstance(known, dict):
            for field, value in given.items():
                if field not in known:
                    unknown.append(f"{path}.{field}")
                else:
                    walk(value, known[field], f"{path}.{field}")
        elif isinstance(given, list) and isinstance(known, list):
            for index, (a, b) in enumerate(zip(given, known)):
                walk(a, b, f"{path}[{index}]")

    walk(data, dumped, "")
    return [f"unknown field {u}" for u in unknown]


for k, obj in sorted(by_key.items()):
    name = f"{k[0]}/{k[2]}"
    if obj["apiVersion"].startswith("keda.sh/"):
        errors = strict_errors(ScaledObject, obj) if k[0] == "ScaledObject" else [f"no schema for {k[0]}"]
        check(f"schema: {name} is a valid KEDA {obj['apiVersion']} {k[0]}", not errors, "; ".join(errors[:3]))
        continue
    try:
        kubernetes_validate.validate(copy.deepcopy(obj), KUBERNETES_VERSION, strict=True)
        check(f"schema: {name} is a valid Kubernetes {KUBERNETES_VERSION} {obj['apiVersion']} object (strict)", True)
    except kubernetes_validate.ValidationError as error:
        check(f"schema: {name}", False, f"{'.'.join(map(str, error.path))}: {error.message}")
    except Exception as error:  # noqa: BLE001 - a schema not found is a failure too
        check(f"schema: {name}", False, getattr(error, "message", str(error)))

# --- references between the objects ------------------------------------------------------
config = by_key.get(("ConfigMap", "warren", "warren-config"), {}).get("data", {})
secret = by_key.get(("Secret", "warren", "warren-secrets"), {}).get("stringData", {})
shutdown_grace = int(config.get("SHUTDOWN_GRACE_SECONDS", "20"))
deployments = {k[2]: o for k, o in by_key.items() if k[0] == "Deployment"}


def container_env(pod, container):
    """The container's variables, in the order Kubernetes defines them; $(VAR) left as written."""
    env = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update({name: config[name] for name in config} if source["configMapRef"]["name"] == "warren-config" else {})
        if "secretRef" in source:
            env.update({name: secret[name] for name in secret} if source["secretRef"]["name"] == "warren-secrets" else {})
    problems = []
    for variable in container.get("env", []):
        if "valueFrom" in variable:
            ref = variable["valueFrom"].get("secretKeyRef") or variable["valueFrom"].get("configMapKeyRef")
            store = secret if "secretKeyRef" in variable["valueFrom"] else config
            if ref["key"] not in store:
                problems.append(f"{variable['name']}: no key {ref['key']} in {ref['name']}")
            env[variable["name"]] = store.get(ref["key"], "")
        else:
            for reference in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", variable.get("value", "")):
                if reference not in env:
                    problems.append(f"{variable['name']} uses $({reference}), defined nowhere before it")
            env[variable["name"]] = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                                           lambda m: env.get(m.group(1), m.group(0)), variable.get("value", ""))
    return env, problems


def pod_matches(selector, deployment):
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    return all(labels.get(k) == v for k, v in selector.items())


for name, deployment in sorted(deployments.items()):
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    probes_ok = all(
        container.get(probe, {}).get("httpGet", {}).get("path") == path
        and container[probe]["httpGet"]["port"] in ports
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/livez")))
    check(f"{name}: readiness on /readyz and liveness on /livez, on a declared port", probes_ok)
    requests = container.get("resources", {}).get("requests", {})
    check(f"{name}: requests cpu and memory", {"cpu", "memory"} <= set(requests))
    check(f"{name}: its selector matches its pods",
          pod_matches(deployment["spec"]["selector"]["matchLabels"], deployment))
    check(f"{name}: terminationGracePeriodSeconds ({pod.get('terminationGracePeriodSeconds', 30)}) "
          f"above SHUTDOWN_GRACE_SECONDS ({shutdown_grace})", pod.get("terminationGracePeriodSeconds", 30) > shutdown_grace)
    check(f"{name}: runs as a non-root user", pod.get("securityContext", {}).get("runAsNonRoot") is True)
    env, problems = container_env(pod, container)
    check(f"{name}: every variable it reads exists (secret and config keys, $(VAR) references)", not problems,
          "; ".join(problems))
    required = REQUIRED_SETTINGS.get(name, [])
    check(f"{name}: gets the settings it cannot start without ({', '.join(required) or 'none'})",
          all(env.get(v) for v in required), ", ".join(v for v in required if not env.get(v)))
    subject = name if name in contexts else f"{system}.ingress"
    grant = next((g for g in grants if g["user"] == (f"{system}.{name}" if name in contexts else subject)), None)
    user = re.match(r"amqp://([^:]+):", env.get("AMQP_URL", ""))
    check(f"{name}: connects to the broker as its own user ({grant['user'] if grant else '?'})",
          grant is not None and user is not None and user.group(1) == grant["user"], env.get("AMQP_URL", "no AMQP_URL"))
    expected_args = ["worker", f"{system}/{name}"] if name in contexts else ["ingress", system]
    check(f"{name}: runs `warren {' '.join(expected_args)}`", container.get("args") == expected_args, str(container.get("args")))

context_passwords = {password_variable(g) for g in grants}
check("Secret: holds a password for every broker user the topology defines",
      context_passwords <= set(secret), ", ".join(sorted(context_passwords - set(secret))))

for k, obj in sorted(by_key.items()):
    kind, name = k[0], k[2]
    if kind == "PodDisruptionBudget":
        matched = [d for d in deployments.values() if pod_matches(obj["spec"]["selector"]["matchLabels"], d)]
        check(f"PodDisruptionBudget/{name}: selects exactly one Deployment's pods", len(matched) == 1)
    elif kind == "Service":
        matched = [d for d in deployments.values() if pod_matches(obj["spec"]["selector"], d)]
        ports_ok = bool(matched) and all(
            any(p.get("name") == port["targetPort"] or p["containerPort"] == port["targetPort"]
                for p in matched[0]["spec"]["template"]["spec"]["containers"][0].get("ports", []))
            for port in obj["spec"]["ports"])
        check(f"Service/{name}: selects one Deployment and targets its ports", len(matched) == 1 and ports_ok)
    elif kind == "HorizontalPodAutoscaler":
        target = obj["spec"]["scaleTargetRef"]
        on_cpu = any(m.get("resource", {}).get("name") == "cpu" for m in obj["spec"].get("metrics", []))
        check(f"HorizontalPodAutoscaler/{name}: scales Deployment {target['name']} on CPU",
              target["kind"] == "Deployment" and target["name"] in deployments and on_cpu)
    elif kind == "ScaledObject":
        target = obj["spec"]["scaleTargetRef"]["name"]
        deployment = deployments.get(target)
        check(f"ScaledObject/{name}: scales an existing Deployment ({target})", deployment is not None)
        if deployment is None:
            continue
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        env, _ = container_env(deployment["spec"]["template"]["spec"], container)
        watched = [t["metadata"].get("queueName") for t in obj["spec"]["triggers"] if t["type"] == "rabbitmq"]
        consumed = sorted(q for q in queues if q.startswith(f"{target}.") and not q.startswith(f"{target}.dead")
                          and not q.startswith(f"{target}.retry."))
        check(f"ScaledObject/{name}: watches the length of every queue {target} consumes ({', '.join(consumed)})",
              sorted(watched) == consumed and all(t["metadata"].get("mode") == "QueueLength" for t in obj["spec"]["triggers"]),
              f"watches {sorted(watched)}")
        from_env = [t["metadata"][f] for t in obj["spec"]["triggers"] for f in t["metadata"] if f.endswith("FromEnv")]
        check(f"ScaledObject/{name}: the variables it reads from the container exist",
              all(v in env for v in from_env), ", ".join(v for v in from_env if v not in env))

job = by_key.get(("Job", "warren", "topology"))
if job:
    container = job["spec"]["template"]["spec"]["containers"][0]
    env, problems = container_env(job["spec"]["template"]["spec"], container)
    check("Job/topology: every variable it reads exists", not problems, "; ".join(problems))
    check("Job/topology: applies the topology, then the per-context users",
          "topology apply" in " ".join(container.get("args", [])) and "permissions --apply" in " ".join(container.get("args", [])))
    check("Job/topology: has every context's password", context_passwords <= set(env),
          ", ".join(sorted(context_passwords - set(env))))

# === Compose ================================================================================
compose_text = open(os.path.join(REPO, "compose.yaml")).read()
compose = yaml.safe_load(open(work("compose-v2.yaml")))
services = compose.get("services", {})
check("compose: `docker compose config` (Compose v2) accepts compose.yaml with .env", bool(services))
if os.path.exists(work("compose-v1.status")):
    status = open(work("compose-v1.status")).read().strip()
    check("compose: `docker-compose config` (Debian's docker-compose 1.29) accepts it", status == "0", status)
else:
    print("note    docker-compose 1.29 not installed: compose.yaml not checked with it (scripts/compose-smoke does)")

env_file = {}
for line in open(os.path.join(REPO, ".env")):
    line = line.strip()
    if line and not line.startswith("#") and "=" in line:
        name, value = line.split("=", 1)
        env_file[name] = value
for variable in ("RABBITMQ_IMAGE", "POSTGRES_IMAGE", "SWIFT_IMAGE", "RUNTIME_IMAGE", "WARREN_IMAGE"):
    check(f"compose: the image name {variable} is a variable with a default in .env",
          f"${{{variable}:-" in compose_text and variable in env_file)
check("compose: .env's defaults are the official images",
      env_file.get("RABBITMQ_IMAGE", "").startswith("rabbitmq:") and env_file.get("POSTGRES_IMAGE", "").startswith("postgres:")
      and env_file.get("SWIFT_IMAGE", "").startswith("swift:") and env_file.get("RUNTIME_IMAGE", "").startswith("debian:"))
check("compose: no credential is guest", "guest" not in json.dumps(compose))
passwords = {k: v for k, v in env_file.items() if k.endswith("_PASSWORD")}
check("compose: .env gives every broker user a password", context_passwords <= set(passwords),
      ", ".join(sorted(context_passwords - set(passwords))))
unsafe = [k for k, v in passwords.items() if not re.fullmatch(r"[A-Za-z0-9._~-]+", v)]
check("compose: .env's passwords are URL-safe (they go into URLs as they are)", not unsafe, ", ".join(unsafe))

for name in ("rabbitmq", "postgres"):
    service = services.get(name, {})
    volumes = service.get("volumes", [])
    named = [v for v in volumes if isinstance(v, dict) and v.get("type") == "volume" and v.get("source") in compose.get("volumes", {})]
    check(f"compose: {name} has a healthcheck and a named volume", "healthcheck" in service and bool(named))
topology_service = services.get("topology", {})
check("compose: the topology service waits for a healthy rabbitmq",
      topology_service.get("depends_on", {}).get("rabbitmq", {}).get("condition") == "service_healthy")
topology_command = " ".join(topology_service.get("command", []) or [])
check("compose: the topology service applies the topology, then the per-context users",
      "topology apply" in topology_command and "permissions --apply" in topology_command)
check("compose: the topology service has every password",
      context_passwords <= set(topology_service.get("environment", {})))


def seconds(duration):
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?", str(duration))
    return int(match.group(1) or 0) * 60 + float(match.group(2) or 0) if match else 0


for name in contexts + ["ingress"]:
    service = services.get(name)
    if service is None:
        check(f"compose: a service for {name}", False)
        continue
    expected_command = ["worker", f"{system}/{name}"] if name in contexts else ["ingress", system]
    environment = service.get("environment", {})
    grace = int(environment.get("SHUTDOWN_GRACE_SECONDS", 20))
    user = re.match(r"amqp://([^:]+):", environment.get("AMQP_URL", ""))
    want_user = f"{system}.{name}" if name in contexts else f"{system}.ingress"
    problems = []
    if service.get("command") != expected_command:
        problems.append(f"command {service.get('command')}")
    if service.get("image") != compose["services"]["topology"].get("image"):
        problems.append("another image than the topology service's")
    if "container_name" in service:
        problems.append("container_name (breaks --scale)")
    if name in contexts and service.get("ports"):
        problems.append("published ports (break --scale)")
    if service.get("restart") != "unless-stopped":
        problems.append(f"restart {service.get('restart')}")
    if service.get("init") is not True:
        problems.append("no init")
    if seconds(service.get("stop_grace_period", "10s")) <= grace:
        problems.append(f"stop_grace_period {service.get('stop_grace_period')} not above SHUTDOWN_GRACE_SECONDS {grace}")
    if not user or user.group(1) != want_user:
        problems.append(f"broker user {user.group(1) if user else None}, not {want_user}")
    for variable in REQUIRED_SETTINGS.get(name, []):
        if not environment.get(variable):
            problems.append(f"no {variable} (it cannot start without)")
    if service.get("depends_on", {}).get("topology", {}).get("condition") != "service_completed_successfully":
        problems.append("does not wait for the topology service")
    check(f"compose: {name} runs `warren {' '.join(expected_command)}` as {want_user}, scalable, "
          "restarts, init, stop grace above the drain time, after the topology", not problems, "; ".join(problems))
ingress_service = services.get("ingress", {})
check("compose: the ingress publishes its port and reads as warren_reader",
      bool(ingress_service.get("ports")) and "//warren_reader:" in ingress_service.get("environment", {}).get("DATABASE_URL", ""))
reader_script = open(os.path.join(REPO, "deploy", "compose", "initdb", "10-warren-reader.sh")).read()
check("compose: postgres's init script creates the read-only warren_reader role",
      "CREATE ROLE warren_reader" in reader_script and "default_transaction_read_only" in reader_script)

# === Dockerfile =============================================================================
dockerfile = open(os.path.join(REPO, "Dockerfile")).read()
lines = [line.strip() for line in dockerfile.splitlines()]
check("Dockerfile: no `# syntax=` line", not any(re.match(r"#\s*syntax\s*=", line, re.I) for line in lines))
froms = [line.split()[1] for line in lines if line.upper().startswith("FROM ")]
check("Dockerfile: every base image is a build argument or an earlier stage",
      all(f.startswith("${") or f in {line.split()[-1] for line in lines if line.upper().startswith("FROM ") and " AS " in line.upper()} for f in froms),
      ", ".join(froms))
check("Dockerfile: builds `warren` in release mode with the static Swift runtime",
      "swift build -c release --static-swift-stdlib --product warren" in dockerfile)
check("Dockerfile: has a prebuilt stage, placed before the Swift build stage",
      "AS prebuilt" in dockerfile and dockerfile.index("AS prebuilt") < dockerfile.index("AS build"))
check("Dockerfile: runs as a numeric non-root user with `warren` as entrypoint",
      re.search(r"^USER [1-9][0-9]*", dockerfile, re.M) is not None and 'ENTRYPOINT ["warren"]' in dockerfile)
check("Dockerfile: the runtime installs only librabbitmq4 and libpq5",
      re.search(r"install -y --no-install-recommends librabbitmq4 libpq5\s", dockerfile) is not None)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
