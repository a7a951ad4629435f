"""trustops: a strategic IT control center that joins system health and brand trust per customer."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
