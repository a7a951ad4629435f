from __future__ import annotations

from trustops.cli import main

main()
