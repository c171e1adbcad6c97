"""What scripts/render-kubernetes writes and scripts/validate_deploy.py checks about contexts that
are not plain `warren worker` processes on PostgreSQL, kept in one place for both."""
import os

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Contexts run by a program in another language (a system's ExternalWorkers in Swift): their
# image instead of warren's, and no `worker` arguments (the image's entrypoint is the worker).
EXTERNAL_WORKERS = {
    ("storage", "customer"): {"image": "warren-customer", "program": "the Python worker (Sources/StorageSystem/Python)"},
}


def store_of(system, context):
    """The context's `store:` (topology/<system>/<context>.yaml), postgres when unset."""
    path = os.path.join(REPO, "topology", system, f"{context}.yaml")
    if not os.path.exists(path):
        return "postgres"
    with open(path) as handle:
        documents = [d for d in yaml.safe_load_all(handle) if d]
    return (documents[0] if documents else {}).get("store", "postgres")
