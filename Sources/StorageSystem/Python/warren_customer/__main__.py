"""`python -m warren_customer`: the storage system's customer worker."""

from __future__ import annotations

import asyncio
import sys

from .config import Settings
from .logs import ConfigurationProblem, Logger


def main() -> int:
    try:
        logger = Logger.from_environment("warren.worker")
        settings = Settings.from_environment()
    except ConfigurationProblem as problem:
        print(f"warren customer worker: {problem}", file=sys.stderr)
        return 2
    from .worker import Worker  # after the settings: a bad variable is reported before any import cost
    try:
        worker = Worker(settings, logger)
    except (OSError, ValueError) as problem:
        logger.error("cannot start", context="customer", error=str(problem))
        return 2
    asyncio.run(worker.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
