"""Active probes: call a component the way a customer would and judge the answer.

``run_probe(spec)`` takes a catalog check dumped as JSON and returns a :class:`ProbeOutcome`; it never
raises for a network failure. One module per check type (``http``, ``tcp``, ``dns``, ``tls``), each
with a ``run(spec)`` function, imported only when a probe of that type runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from trustops.monitor.probes.outcome import ProbeOutcome

__all__ = ["PROBE_TYPES", "ProbeOutcome", "run_probe"]

PROBE_TYPES = ("dns", "http", "tcp", "tls")


def run_probe(spec: dict[str, Any]) -> ProbeOutcome:
    """Run the check described by ``spec`` once; ``ValueError`` when the spec itself is wrong."""
    kind = spec.get("type")
    if kind == "heartbeat":
        raise ValueError("heartbeat checks are not probed: the job pings trustops")
    if kind not in PROBE_TYPES:
        raise ValueError(f"check type {kind!r} is not a probe (expected one of {', '.join(PROBE_TYPES)})")
    module = importlib.import_module(f"{__name__}.{kind}")
    run: Callable[[dict[str, Any]], ProbeOutcome] = module.run
    return run(spec)
