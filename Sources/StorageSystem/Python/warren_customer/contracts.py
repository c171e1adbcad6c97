"""The messages this worker reads and the fields it expects in each: the one place the
contract check (Tests/StorageSystemTests/Python/test_contract.py) compares with the AsyncAPI
export of the topology. Types are spelled as in topology files (`int`, `string`,
`optional(string)`), and every field a message declares is listed, so a payload is validated
exactly as the Swift runtime's PayloadValidator would validate it.
"""

from __future__ import annotations

from dataclasses import dataclass

CONSUMES: dict[str, dict[str, str]] = {
    "storagecall.StorageCalled": {
        "storagecallId": "int", "tel": "string", "location": "string", "cost": "int", "status": "string",
    },
    "storagecall.StorageCallCancelled": {
        "storagecallId": "int", "tel": "string", "location": "string", "status": "string", "reason": "string",
    },
    "storagemanage.AssignmentRequested": {
        "manageId": "int", "storagecallId": "int", "location": "string", "status": "string",
    },
    "storageassign.StorageAssigned": {
        "assignmentId": "int", "storagecallId": "int", "location": "string", "unit": "string", "status": "string",
    },
    "storageassign.StorageAssignFailed": {
        "storagecallId": "int", "location": "string", "reason": "string",
    },
    "storageassign.StorageReleased": {
        "assignmentId": "int", "storagecallId": "int", "location": "string", "unit": "string",
    },
}

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Violation:
    path: str
    problem: str

    def __str__(self) -> str:
        return f"`{self.path}` {self.problem}"


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _check(value: object, spelled: str, path: str, out: list[Violation]) -> None:
    if spelled.startswith("optional(") and spelled.endswith(")"):
        if value is None:
            return
        _check(value, spelled[len("optional("):-1], path, out)
        return
    if value is None:
        out.append(Violation(path, f"is missing: it is a required {spelled}"))
        return
    if spelled == "string":
        ok = isinstance(value, str)
    elif spelled == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX
    elif spelled == "bool":
        ok = isinstance(value, bool)
    elif spelled == "decimal":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:  # a type this worker does not read; the contract check keeps CONSUMES to the ones above
        raise ValueError(f"contracts.py spells a type it cannot check: {spelled}")
    if not ok:
        article = "an" if spelled[0] in "aeiou" else "a"
        out.append(Violation(path, f"must be {article} {spelled}, got {_kind(value)}"))


def validate(message_type: str, payload: object) -> list[Violation]:
    """Every way `payload` breaks the declaration of `message_type`; empty when it fits.
    Unknown fields are accepted (a tolerant reader), as in the Swift runtime."""
    if not isinstance(payload, dict):
        return [Violation("$", f"must be a JSON object, got {_kind(payload)}")]
    out: list[Violation] = []
    for name, spelled in CONSUMES[message_type].items():
        _check(payload.get(name), spelled, name, out)
    return out
