from __future__ import annotations

import trustops
import trustops.models


def test_dunder_all_is_sorted_and_complete() -> None:
    for module in (trustops, trustops.models):
        assert module.__all__ == sorted(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)
