"""Checks the deployment files: deploy/kubernetes (kustomize) and compose.yaml + .env + Dockerfile.

Run by scripts/validate-deploy, which makes the venv and gathers the inputs; see its header.
Usage: validate_deploy.py REPO WORK_DIR

WORK_DIR holds what the shell side produced: `systems` (the system names), for each system
whose topology exists permissions-<system>.json and definitions-<system>.json (`warren
topology permissions --json`, `... export --format rabbitmq-definitions`) or
topology-<system>.failed, for each system but cleaning rendered/<system>/ (what
scripts/render-kubernetes makes now) or render-<system>.failed, compose-v2.yaml and
compose-v2-all.yaml (`docker-compose config` of Compose v2 with .env applied: its profiles, and
every system's), and, when those tools are on the machine, kubectl-<system>.yaml (`kubectl
kustomize`) and compose-v1.status / compose-v1-all.status.
"""
import copy
import json
import os
import re
import sys
from urllib.parse import unquote, urlsplit

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from deploy_facts import EXTERNAL_WORKERS, store_of  # noqa: E402

REPO, WORK = sys.argv[1], sys.argv[2]
KUBERNETES_DIR = os.path.join(REPO, "deploy", "kubernetes")
KUBERNETES_VERSION = "1.31.0"
SYSTEMS = open(os.path.join(WORK, "systems")).read().split()
# The contexts each system must have (its topology is the truth; this list only serves when a
# system's topology has not landed yet, for its compose profile).
KNOWN_CONTEXTS = {
    "cleaning": ["reservation", "payment", "paymethod", "cleaning", "message", "dashboard"],
    "hotel": ["payment", "order", "reservation", "hotel", "customer"],
    "coffee": ["product", "order", "report"],
    "library": ["payment", "kiosk", "rental", "book", "mypage"],
    "storage": ["storagemanage", "storageassign", "storagecall", "customer"],
}

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok      {name}")
    else:
        failed += 1
        print(f"FAILED  {name}{': ' + detail if detail else ''}")


def note(text):
    print(f"note    {text}")


def work(name):
    return os.path.join(WORK, name)


# --- what the topology says ---------------------------------------------------------------
class Topology:
    def __init__(self, system):
        self.system = system
        self.present = os.path.isdir(os.path.join(REPO, "topology", system))
        self.loaded = os.path.exists(work(f"permissions-{system}.json"))
        self.grants = json.load(open(work(f"permissions-{system}.json"))) if self.loaded else []
        definitions = json.load(open(work(f"definitions-{system}.json"))) if self.loaded else {}
        self.contexts = sorted(g["context"] for g in self.grants if g["context"])
        self.queues = {q["name"] for q in definitions.get("queues", [])}
        # cleaning keeps the default vhost and POSTGRES_DB's database; every other system has
        # a vhost and a database named after it.
        self.vhost = "/" if system == "cleaning" else system

    def grant(self, context):
        user = f"{self.system}.{context}" if context else f"{self.system}.ingress"
        return next((g for g in self.grants if g["user"] == user), None)

    def consumed(self, context):
        return sorted(q for q in self.queues if q.startswith(f"{context}.") and not q.startswith(f"{context}.dead")
                      and not q.startswith(f"{context}.retry."))


def upper(*parts):
    return "_".join(re.sub(r"[^A-Z0-9]", "_", p.upper()) for p in parts)


def password_variable(grant):
    """The variable `warren topology permissions --apply` reads for a user's password."""
    subject = grant["context"] or grant["user"].replace(".", "_")
    return "WARREN_" + upper(subject) + "_PASSWORD"


def qualified_password(system, grant):
    """The name a system's password has in compose's .env and in its Secret: cleaning's keep the
    names permissions --apply reads, the other systems' are qualified with the system."""
    if system == "cleaning":
        return password_variable(grant)
    return "WARREN_" + upper(system, grant["context"] or "ingress") + "_PASSWORD"


def url_parts(url):
    """(user, vhost or database) of an amqp:// or postgres:// URL; None where absent."""
    if not url:
        return None, None
    parts = urlsplit(url)
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    return (unquote(parts.username) if parts.username else None), (unquote(path) if parts.path else None)


topologies = {system: Topology(system) for system in SYSTEMS}
for system, topology in topologies.items():
    if os.path.exists(work(f"topology-{system}.failed")):
        check(f"topology/{system}: `warren topology permissions` and `export` read it", False,
              open(work(f"topology-{system}.failed")).read().strip())
    elif not topology.present:
        if system == "cleaning":
            check("topology/cleaning exists", False)
        else:
            note(f"topology/{system} does not exist yet: its Kubernetes manifests cannot be rendered or checked "
                 f"(the compose profile is checked against the contexts {', '.join(KNOWN_CONTEXTS[system])})")

# Settings a context refuses to start without (besides the worker's own), from each system's
# `Settings`: every deployment of that context must give them.
REQUIRED_SETTINGS = {"cleaning": {"paymethod": ["PAYMETHOD_HASH_KEY"]}}

# === Kubernetes =============================================================================
# A renderer for the subset of kustomize these kustomizations use. It refuses any other field,
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


def container_env(config, secret, container):
    """The container's variables, in the order Kubernetes defines them; $(VAR) left as written.
    Also where each came from: ("secret", key), ("config", key) or ("value", None)."""
    env, origin = {}, {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source and source["configMapRef"]["name"] == "warren-config":
            env.update(config)
            origin.update({name: ("config", name) for name in config})
        if "secretRef" in source and source["secretRef"]["name"] == "warren-secrets":
            env.update(secret)
            origin.update({name: ("secret", name) for name in secret})
    problems = []
    for variable in container.get("env", []):
        if "valueFrom" in variable:
            ref = variable["valueFrom"].get("secretKeyRef") or variable["valueFrom"].get("configMapKeyRef")
            is_secret = "secretKeyRef" in variable["valueFrom"]
            store = secret if is_secret else config
            expected_name = "warren-secrets" if is_secret else "warren-config"
            if ref["name"] != expected_name:
                problems.append(f"{variable['name']}: reads {ref['name']}, which is not part of this kustomization")
            elif ref["key"] not in store:
                problems.append(f"{variable['name']}: no key {ref['key']} in {ref['name']}")
            env[variable["name"]] = store.get(ref["key"], "")
            origin[variable["name"]] = ("secret" if is_secret else "config", ref["key"])
        else:
            for reference in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", variable.get("value", "")):
                if reference not in env:
                    problems.append(f"{variable['name']} uses $({reference}), defined nowhere before it")
            env[variable["name"]] = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                                           lambda m: env.get(m.group(1), m.group(0)), variable.get("value", ""))
            origin[variable["name"]] = ("value", None)
    return env, origin, problems


def pod_matches(selector, deployment):
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    return all(labels.get(k) == v for k, v in selector.items())


def shell_words(args, env):
    """A shell command with $VAR and "$VAR" ($$VAR as compose writes it) replaced by values."""
    text = " ".join(args)
    return re.sub(r'"?\$\$?\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?', lambda m: env.get(m.group(1), m.group(0)), text)


def validate_kubernetes(system, directory, namespace, topology, label):
    """Every check of one system's kustomization. `label` prefixes the check names (empty for
    cleaning, whose checks keep the names they always had)."""
    where = os.path.relpath(directory, REPO)
    try:
        rendered = render_kustomization(directory)
        check(f"{label}kustomize: {where} renders (Python renderer)", True)
    except Exception as error:  # noqa: BLE001 - reported as a failed check
        rendered = []
        check(f"{label}kustomize: {where} renders (Python renderer)", False, str(error))
    by_key = {key(o): o for o in rendered}
    check(f"{label}kustomize: no two objects share kind, namespace and name", len(by_key) == len(rendered))

    if os.path.exists(work(f"kubectl-{system}.failed")):
        check(f"{label}kustomize: `kubectl kustomize` renders {where}", False,
              open(work(f"kubectl-{system}.failed")).read().strip())
    elif os.path.exists(work(f"kubectl-{system}.yaml")):
        reference = [d for d in yaml.safe_load_all(open(work(f"kubectl-{system}.yaml"))) if d]
        same = {key(o): o for o in reference} == by_key
        differing = sorted(str(k) for k in set(by_key) ^ {key(o) for o in reference})
        if not differing:
            differing = [str(k) for k, o in {key(o): o for o in reference}.items() if by_key.get(k) != o][:3]
        check(f"{label}kustomize: the Python renderer and `kubectl kustomize` produce the same objects", same,
              ", ".join(differing))
    else:
        note(f"kubectl not found: {where} was not compared with `kubectl kustomize`")

    contexts, grants = topology.contexts, topology.grants
    # Every object the issue lists.
    expected = {("Namespace", "", namespace), ("ConfigMap", namespace, "warren-config"),
                ("Secret", namespace, "warren-secrets"), ("Job", namespace, "topology"),
                ("Deployment", namespace, "ingress"), ("Service", namespace, "ingress"),
                ("HorizontalPodAutoscaler", namespace, "ingress"), ("PodDisruptionBudget", namespace, "ingress")}
    embedded = {c for c in contexts if store_of(system, c) == "sqlite"}
    for context in contexts:
        for kind in ("Deployment", "PodDisruptionBudget", "ScaledObject"):
            expected.add((kind, namespace, context))
        if context in embedded:
            # One replica on its file's volume: a claim instead of autoscaling.
            expected.discard(("ScaledObject", namespace, context))
            expected.add(("PersistentVolumeClaim", namespace, f"{context}-data"))
    missing = sorted(expected - set(by_key))
    check(f"{label}kustomize: renders all {len(expected)} expected objects (a Deployment, PDB and KEDA "
          f"ScaledObject per context of `{system}`, the ingress Deployment, Service, HPA and PDB, "
          f"ConfigMap, Secret, topology Job, Namespace {namespace})", not missing, ", ".join(map(str, missing)))
    extra = sorted(set(by_key) - expected)
    check(f"{label}kustomize: renders nothing unexpected", not extra, ", ".join(map(str, extra)))

    # --- schemas ---------------------------------------------------------------------------
    for k, obj in sorted(by_key.items()):
        name = f"{k[0]}/{k[2]}"
        if obj["apiVersion"].startswith("keda.sh/"):
            errors = strict_errors(ScaledObject, obj) if k[0] == "ScaledObject" else [f"no schema for {k[0]}"]
            check(f"{label}schema: {name} is a valid KEDA {obj['apiVersion']} {k[0]}", not errors, "; ".join(errors[:3]))
            continue
        try:
            kubernetes_validate.validate(copy.deepcopy(obj), KUBERNETES_VERSION, strict=True)
            check(f"{label}schema: {name} is a valid Kubernetes {KUBERNETES_VERSION} {obj['apiVersion']} object (strict)", True)
        except kubernetes_validate.ValidationError as error:
            check(f"{label}schema: {name}", False, f"{'.'.join(map(str, error.path))}: {error.message}")
        except Exception as error:  # noqa: BLE001 - a schema not found is a failure too
            check(f"{label}schema: {name}", False, getattr(error, "message", str(error)))

    # --- references between the objects --------------------------------------------------
    config = by_key.get(("ConfigMap", namespace, "warren-config"), {}).get("data", {})
    secret = by_key.get(("Secret", namespace, "warren-secrets"), {}).get("stringData", {})
    shutdown_grace = int(config.get("SHUTDOWN_GRACE_SECONDS", "20"))
    deployments = {k[2]: o for k, o in by_key.items() if k[0] == "Deployment"}
    database = config.get("POSTGRES_DB") if system == "cleaning" else system
    job = by_key.get(("Job", namespace, "topology"))
    job_env, job_origin = {}, {}
    if job:
        job_env, job_origin, job_problems = container_env(config, secret, job["spec"]["template"]["spec"]["containers"][0])

    for name, deployment in sorted(deployments.items()):
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        probes_ok = all(
            container.get(probe, {}).get("httpGet", {}).get("path") == path
            and container[probe]["httpGet"]["port"] in ports
            for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/livez")))
        check(f"{label}{name}: readiness on /readyz and liveness on /livez, on a declared port", probes_ok)
        requests = container.get("resources", {}).get("requests", {})
        check(f"{label}{name}: requests cpu and memory", {"cpu", "memory"} <= set(requests))
        check(f"{label}{name}: its selector matches its pods",
              pod_matches(deployment["spec"]["selector"]["matchLabels"], deployment))
        check(f"{label}{name}: terminationGracePeriodSeconds ({pod.get('terminationGracePeriodSeconds', 30)}) "
              f"above SHUTDOWN_GRACE_SECONDS ({shutdown_grace})", pod.get("terminationGracePeriodSeconds", 30) > shutdown_grace)
        check(f"{label}{name}: runs as a non-root user", pod.get("securityContext", {}).get("runAsNonRoot") is True)
        env, origin, problems = container_env(config, secret, container)
        check(f"{label}{name}: every variable it reads exists (secret and config keys, $(VAR) references)", not problems,
              "; ".join(problems))
        required = REQUIRED_SETTINGS.get(system, {}).get(name, [])
        check(f"{label}{name}: gets the settings it cannot start without ({', '.join(required) or 'none'})",
              all(env.get(v) for v in required), ", ".join(v for v in required if not env.get(v)))
        is_context = name in contexts
        grant = topology.grant(name if is_context else None)
        user, vhost = url_parts(env.get("AMQP_URL"))
        check(f"{label}{name}: connects to the broker as its own user ({grant['user'] if grant else '?'})",
              grant is not None and user == grant["user"], env.get("AMQP_URL", "no AMQP_URL"))
        external = EXTERNAL_WORKERS.get((system, name), {}).get("image")
        if external:
            check(f"{label}{name}: runs its own image {external} (its entrypoint is the worker)",
                  str(container.get("image")).split(":")[0] == external and not container.get("args"),
                  f"{container.get('image')} {container.get('args')}")
        else:
            expected_args = ["worker", f"{system}/{name}"] if is_context else ["ingress", system]
            check(f"{label}{name}: runs `warren {' '.join(expected_args)}`", container.get("args") == expected_args, str(container.get("args")))
        db_user, db_name = url_parts(env.get("DATABASE_URL"))
        if name in embedded:
            mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
            claims = {v["name"]: v.get("persistentVolumeClaim", {}).get("claimName") for v in pod.get("volumes", [])}
            path = env.get("WARREN_SQLITE_PATH", "")
            on_claim = any(claims.get(v) == f"{name}-data" and path.startswith(m.rstrip("/") + "/") for v, m in mounts.items())
            check(f"{label}{name}: its SQLite file (WARREN_SQLITE_PATH) on the claim {name}-data, one replica, Recreate, "
                  f"no DATABASE_URL, on the vhost {topology.vhost}",
                  on_claim and deployment["spec"].get("replicas") == 1 and deployment["spec"].get("strategy", {}).get("type") == "Recreate"
                  and "DATABASE_URL" not in env and vhost == topology.vhost,
                  f"path {path!r}, mounts {mounts}, claims {claims}, replicas {deployment['spec'].get('replicas')}")
        else:
            want_db_user = config.get("POSTGRES_USER") if is_context else "warren_reader"
            check(f"{label}{name}: on the vhost {topology.vhost} and the database {database} (as {want_db_user})",
                  vhost == topology.vhost and db_name == database and db_user == want_db_user,
                  f"AMQP_URL vhost {vhost!r}, DATABASE_URL {db_user}@{db_name}")
        if grant and job:
            mine = origin.get("BROKER_PASSWORD") if "BROKER_PASSWORD" in origin else None
            theirs = job_origin.get(password_variable(grant))
            check(f"{label}{name}: logs in with the password the topology Job gives {grant['user']} "
                  f"({qualified_password(system, grant)})",
                  mine is not None and mine == theirs and mine == ("secret", qualified_password(system, grant)),
                  f"the worker's {mine}, the Job's {password_variable(grant)} from {theirs}")

    if system != "cleaning":
        order = [k[2] for k, o in ((key(o), o) for o in rendered) if k[0] == "Deployment" and k[2] in contexts]
        start_order = [c for c in KNOWN_CONTEXTS[system] if c in contexts] + sorted(set(contexts) - set(KNOWN_CONTEXTS[system]))
        check(f"{label}kustomize: the workers in start order, RPC servers first ({', '.join(start_order)})",
              order == start_order, ", ".join(order))

    context_passwords = {qualified_password(system, g) for g in grants}
    check(f"{label}Secret: holds a password for every broker user the topology defines",
          context_passwords <= set(secret), ", ".join(sorted(context_passwords - set(secret))))

    for k, obj in sorted(by_key.items()):
        kind, name = k[0], k[2]
        if kind == "PodDisruptionBudget":
            matched = [d for d in deployments.values() if pod_matches(obj["spec"]["selector"]["matchLabels"], d)]
            check(f"{label}PodDisruptionBudget/{name}: selects exactly one Deployment's pods", len(matched) == 1)
        elif kind == "Service":
            matched = [d for d in deployments.values() if pod_matches(obj["spec"]["selector"], d)]
            ports_ok = bool(matched) and all(
                any(p.get("name") == port["targetPort"] or p["containerPort"] == port["targetPort"]
                    for p in matched[0]["spec"]["template"]["spec"]["containers"][0].get("ports", []))
                for port in obj["spec"]["ports"])
            check(f"{label}Service/{name}: selects one Deployment and targets its ports", len(matched) == 1 and ports_ok)
        elif kind == "HorizontalPodAutoscaler":
            target = obj["spec"]["scaleTargetRef"]
            on_cpu = any(m.get("resource", {}).get("name") == "cpu" for m in obj["spec"].get("metrics", []))
            check(f"{label}HorizontalPodAutoscaler/{name}: scales Deployment {target['name']} on CPU",
                  target["kind"] == "Deployment" and target["name"] in deployments and on_cpu)
        elif kind == "ScaledObject":
            target = obj["spec"]["scaleTargetRef"]["name"]
            deployment = deployments.get(target)
            check(f"{label}ScaledObject/{name}: scales an existing Deployment ({target})", deployment is not None)
            if deployment is None:
                continue
            container = deployment["spec"]["template"]["spec"]["containers"][0]
            env, _, _ = container_env(config, secret, container)
            watched = [t["metadata"].get("queueName") for t in obj["spec"]["triggers"] if t["type"] == "rabbitmq"]
            consumed = topology.consumed(target)
            check(f"{label}ScaledObject/{name}: watches the length of every queue {target} consumes ({', '.join(consumed)})",
                  sorted(watched) == consumed and all(t["metadata"].get("mode") == "QueueLength" for t in obj["spec"]["triggers"]),
                  f"watches {sorted(watched)}")
            from_env = [t["metadata"][f] for t in obj["spec"]["triggers"] for f in t["metadata"] if f.endswith("FromEnv")]
            check(f"{label}ScaledObject/{name}: the variables it reads from the container exist",
                  all(v in env for v in from_env), ", ".join(v for v in from_env if v not in env))
            hosts = {url_parts(env.get(t["metadata"].get("hostFromEnv", ""), t["metadata"].get("host")))[1]
                     for t in obj["spec"]["triggers"]}
            check(f"{label}ScaledObject/{name}: reads the queues on the vhost {topology.vhost}",
                  hosts == {topology.vhost} and all("vhostName" not in t["metadata"] or t["metadata"]["vhostName"] == topology.vhost
                                                    for t in obj["spec"]["triggers"]), f"vhosts {sorted(map(str, hosts))}")

    if job:
        container = job["spec"]["template"]["spec"]["containers"][0]
        check(f"{label}Job/topology: every variable it reads exists", not job_problems, "; ".join(job_problems))
        args = " ".join(container.get("args", []))
        check(f"{label}Job/topology: applies the topology, then the per-context users",
              "topology apply" in args and "permissions --apply" in args)
        command = shell_words(container.get("args", []), job_env)
        wants = [f"topology apply --system {system}", f"topology permissions --apply --system {system}"]
        if system != "cleaning":
            wants.append(f"--vhost {system}")
        check(f"{label}Job/topology: `{' ... '.join(wants)}`",
              all(w in command for w in wants), command)
        _, job_vhost = url_parts(job_env.get("AMQP_URL"))
        check(f"{label}Job/topology: declares on the vhost {topology.vhost}", job_vhost == topology.vhost,
              f"AMQP_URL vhost {job_vhost!r}")
        names = {password_variable(g) for g in grants}
        check(f"{label}Job/topology: has every context's password", names <= set(job_env),
              ", ".join(sorted(names - set(job_env))))
    return by_key


def compare_trees(expected_dir, actual_dir):
    """Files that differ between two directories (relative paths)."""
    def files(root):
        found = {}
        if os.path.isdir(root):
            for base, _, names in os.walk(root):
                for name in names:
                    path = os.path.join(base, name)
                    found[os.path.relpath(path, root)] = open(path, "rb").read()
        return found
    expected, actual = files(expected_dir), files(actual_dir)
    return sorted(p for p in set(expected) | set(actual) if expected.get(p) != actual.get(p))


namespaces = {}
for system in SYSTEMS:
    topology = topologies[system]
    if system == "cleaning":
        if topology.loaded:
            validate_kubernetes(system, KUBERNETES_DIR, "warren", topology, "")
        namespaces[system] = "warren"
        continue
    directory = os.path.join(KUBERNETES_DIR, "systems", system)
    label = f"{system}: "
    if not topology.present:
        check(f"{label}no manifests without a topology (deploy/kubernetes/systems/{system} absent)",
              not os.path.exists(directory))
        continue
    if not topology.loaded:
        continue
    if os.path.exists(work(f"render-{system}.failed")):
        check(f"{label}scripts/render-kubernetes renders it", False, open(work(f"render-{system}.failed")).read().strip())
    else:
        stale = compare_trees(os.path.join(WORK, "rendered", system), directory)
        if not os.path.isdir(directory):
            stale = [f"deploy/kubernetes/systems/{system} does not exist"]
        check(f"{label}deploy/kubernetes/systems/{system} is what scripts/render-kubernetes makes of cleaning's files "
              f"and topology/{system} (not stale)", not stale,
              "differ: " + ", ".join(stale[:5]) + " (run scripts/render-kubernetes and commit)")
    if os.path.exists(os.path.join(directory, "kustomization.yaml")):
        validate_kubernetes(system, directory, f"warren-{system}", topology, label)
        namespaces[system] = f"warren-{system}"
check("kustomize: each system in a namespace of its own (" + ", ".join(f"{s} {n}" for s, n in namespaces.items()) + ")",
      len(set(namespaces.values())) == len(namespaces))

# === Compose ================================================================================
compose_text = open(os.path.join(REPO, "compose.yaml")).read()
compose = yaml.safe_load(open(work("compose-v2.yaml")))
services = compose.get("services", {})
check("compose: `docker compose config` (Compose v2) accepts compose.yaml with .env", bool(services))
compose_all = yaml.safe_load(open(work("compose-v2-all.yaml")))
all_services = compose_all.get("services", {})
check(f"compose: `docker compose config` (Compose v2) accepts it with every profile ({', '.join(SYSTEMS)})",
      bool(all_services))
for status_file, what in (("compose-v1.status", "it"), ("compose-v1-all.status", "it with every profile")):
    if os.path.exists(work(status_file)):
        status = open(work(status_file)).read().strip()
        check(f"compose: `docker-compose config` (Debian's docker-compose 1.29) accepts {what}", status == "0", status)
    else:
        note(f"docker-compose 1.29 not installed: compose.yaml ({what}) not checked with it (scripts/compose-smoke does)")

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
check("compose: no credential is guest", "guest" not in json.dumps(compose) + json.dumps(compose_all))
passwords = {k: v for k, v in env_file.items() if k.endswith("_PASSWORD")}
unsafe = [k for k, v in passwords.items() if not re.fullmatch(r"[A-Za-z0-9._~-]+", v)]
check("compose: .env's passwords are URL-safe (they go into URLs as they are)", not unsafe, ", ".join(unsafe))

for name in ("rabbitmq", "postgres"):
    service = services.get(name, {})
    volumes = service.get("volumes", [])
    named = [v for v in volumes if isinstance(v, dict) and v.get("type") == "volume" and v.get("source") in compose.get("volumes", {})]
    check(f"compose: {name} has a healthcheck and a named volume", "healthcheck" in service and bool(named))


def seconds(duration):
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?", str(duration))
    return int(match.group(1) or 0) * 60 + float(match.group(2) or 0) if match else 0


def validate_compose(system, services, env_defaults):
    """A system's compose profile: cleaning's services have bare names (topology, ingress,
    <context>); every other system's are <system>-topology, <system>-<context>, <system>-ingress."""
    topology = topologies[system]
    contexts = topology.contexts if topology.loaded else KNOWN_CONTEXTS[system]
    grants = topology.grants if topology.loaded else (
        [{"user": f"{system}.{c}", "context": c} for c in contexts] + [{"user": f"{system}.ingress", "context": None}])
    cleaning = system == "cleaning"
    prefix = "" if cleaning else f"{system}-"
    label = "the" if cleaning else f"{system}'s"
    database = env_defaults.get("POSTGRES_DB", "warren") if cleaning else system
    wanted = {qualified_password(system, g) for g in grants}
    check(f"compose: .env gives every broker user {'' if cleaning else 'of ' + system + ' '}a password",
          wanted <= set(passwords), ", ".join(sorted(wanted - set(passwords))))

    topology_name = f"{prefix}topology"
    topology_service = services.get(topology_name, {})
    environment = topology_service.get("environment", {}) or {}
    check(f"compose: {label} topology service waits for a healthy rabbitmq",
          topology_service.get("depends_on", {}).get("rabbitmq", {}).get("condition") == "service_healthy")
    command = " ".join(topology_service.get("command", []) or [])
    check(f"compose: {label} topology service applies the topology, then the per-context users",
          "topology apply" in command and "permissions --apply" in command)
    resolved = shell_words(topology_service.get("command", []) or [], {k: str(v) for k, v in environment.items()})
    wants = [f"topology apply --system {system}", f"topology permissions --apply --system {system}"]
    if not cleaning:
        wants.append(f"--vhost {system}")
    _, vhost = url_parts(environment.get("AMQP_URL"))
    check(f"compose: {label} topology service runs `{' ... '.join(wants)}` on the vhost {topology.vhost}",
          all(w in resolved for w in wants) and vhost == topology.vhost, f"{resolved}; AMQP_URL vhost {vhost!r}")
    names = {password_variable(g) for g in grants}
    check(f"compose: {label} topology service has every password", names <= set(environment),
          ", ".join(sorted(names - set(environment))))

    for name in contexts + ["ingress"]:
        service_name = f"{prefix}{name}"
        service = services.get(service_name)
        if service is None:
            check(f"compose: a service for {service_name}", False)
            continue
        is_context = name in contexts
        expected_command = ["worker", f"{system}/{name}"] if is_context else ["ingress", system]
        environment = service.get("environment", {})
        grace = int(environment.get("SHUTDOWN_GRACE_SECONDS", 20))
        user, vhost = url_parts(environment.get("AMQP_URL", ""))
        db_user, db_name = url_parts(environment.get("DATABASE_URL", ""))
        want_user = f"{system}.{name}" if is_context else f"{system}.ingress"
        want_db_user = env_defaults.get("POSTGRES_USER", "warren") if is_context else "warren_reader"
        grant = next((g for g in grants if g["user"] == want_user), None)
        problems = []
        external = EXTERNAL_WORKERS.get((system, name), {}).get("image")
        embedded = is_context and store_of(system, name) == "sqlite"
        if external:
            # Its own image, built from its own Dockerfile; the image's entrypoint is the worker.
            if service.get("command"):
                problems.append(f"command {service.get('command')} (the image's entrypoint is the worker)")
            if external not in str(service.get("image")) or "Dockerfile" not in str((service.get("build") or {}).get("dockerfile")):
                problems.append(f"image {service.get('image')}, not {external} built from its Dockerfile")
        else:
            if service.get("command") != expected_command:
                problems.append(f"command {service.get('command')}")
            if service.get("image") != services.get(topology_name, {}).get("image"):
                problems.append("another image than the topology service's")
        if embedded:
            path = str(environment.get("WARREN_SQLITE_PATH", ""))
            # `source:target[:mode]`, or the long form compose's config prints.
            targets = [v.get("target", "") if isinstance(v, dict) else (str(v).split(":") + [""])[1] for v in service.get("volumes", [])]
            if not any(t and path.startswith(t.rstrip("/") + "/") for t in targets):
                problems.append(f"WARREN_SQLITE_PATH {path!r} is on no volume ({targets})")
            db_user, db_name = want_db_user, database  # no database: its state is the SQLite file
        if "container_name" in service:
            problems.append("container_name (breaks --scale)")
        if is_context and service.get("ports"):
            problems.append("published ports (break --scale)")
        if service.get("restart") != "unless-stopped":
            problems.append(f"restart {service.get('restart')}")
        if service.get("init") is not True:
            problems.append("no init")
        if seconds(service.get("stop_grace_period", "10s")) <= grace:
            problems.append(f"stop_grace_period {service.get('stop_grace_period')} not above SHUTDOWN_GRACE_SECONDS {grace}")
        if user != want_user:
            problems.append(f"broker user {user}, not {want_user}")
        if vhost != topology.vhost:
            problems.append(f"vhost {vhost!r}, not {topology.vhost!r}")
        if db_name != database or db_user != want_db_user:
            problems.append(f"database {db_user}@{db_name}, not {want_db_user}@{database}")
        if grant is not None:
            password = urlsplit(environment.get("AMQP_URL", "")).password
            given = (topology_service.get("environment", {}) or {}).get(password_variable(grant))
            if password is None or unquote(password) != given:
                problems.append(f"its password is not the one {topology_name} gives {want_user} ({password_variable(grant)})")
        for variable in REQUIRED_SETTINGS.get(system, {}).get(name, []):
            if not environment.get(variable):
                problems.append(f"no {variable} (it cannot start without)")
        if service.get("depends_on", {}).get(topology_name, {}).get("condition") != "service_completed_successfully":
            problems.append(f"does not wait for the {topology_name} service")
        if not cleaning and service.get("profiles") not in (None, [system]):
            problems.append(f"profiles {service.get('profiles')}, not [{system}]")
        check(f"compose: {service_name} runs `warren {' '.join(expected_command)}` as {want_user} on the vhost "
              f"{topology.vhost} and the database {database}, scalable, restarts, init, stop grace above the drain "
              f"time, after {topology_name}", not problems, "; ".join(problems))
    ingress_service = services.get(f"{prefix}ingress", {})
    check(f"compose: {label} ingress publishes its port and reads as warren_reader",
          bool(ingress_service.get("ports")) and "//warren_reader:" in ingress_service.get("environment", {}).get("DATABASE_URL", ""))


for system in SYSTEMS:
    validate_compose(system, services if system == "cleaning" else all_services, env_file)
check("compose: `docker compose up` (.env's profiles) runs the cleaning system only",
      "topology" in services and not any(n.startswith(tuple(f"{s}-" for s in SYSTEMS if s != "cleaning")) for n in services),
      ", ".join(sorted(services)))
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
release_build = open(os.path.join(REPO, "scripts", "release-build")).read()
check("Dockerfile: builds `warren` with scripts/release-build (release mode, static Swift runtime)",
      "scripts/release-build warren" in dockerfile and "-c release --static-swift-stdlib" in release_build)
check("Dockerfile: has a prebuilt stage, placed before the Swift build stage",
      "AS prebuilt" in dockerfile and dockerfile.index("AS prebuilt") < dockerfile.index("AS build"))
check("Dockerfile: runs as a numeric non-root user with `warren` as entrypoint",
      re.search(r"^USER [1-9][0-9]*", dockerfile, re.M) is not None and 'ENTRYPOINT ["warren"]' in dockerfile)
check("Dockerfile: the runtime installs only librabbitmq4, libpq5 and libsqlite3-0",
      re.search(r"install -y --no-install-recommends librabbitmq4 libpq5 libsqlite3-0\s", dockerfile) is not None)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
