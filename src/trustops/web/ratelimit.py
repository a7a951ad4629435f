"""A sliding-window limit per client address, in memory, for the public form that sends mail to strangers.

Anyone may post an address to ``/status/subscribe``, and each new address gets a confirmation e-mail; a
webhook is subscribed at once and then called on every update. Without a limit one client could make
trustops mail thousands of people who never asked, or point it at thousands of URLs. The client's address
is held only in this process's memory, for the window, and never stored. Behind a proxy, the address is
the client's only when ``trustops serve --forwarded-allow-ips`` names that proxy (default: one on the same
machine). Each server process counts on its own.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta


class SlidingWindow:
    """At most ``limit`` events per ``period`` per key; ``max_keys`` bounds the memory (oldest keys go)."""

    def __init__(self, limit: int, period: timedelta, *, max_keys: int = 100_000) -> None:
        self.limit, self.period, self.max_keys = limit, period, max_keys
        self._events: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str, now: datetime) -> int | None:
        """Count one event for ``key``; None when allowed, else the whole seconds until the next is."""
        if self.limit <= 0:
            return None
        with self._lock:
            events = self._events.pop(key, None) or deque()
            while events and events[0] <= now - self.period:
                events.popleft()
            self._events[key] = events  # most recently seen last
            if len(events) >= self.limit:
                return max(1, math.ceil((events[0] + self.period - now).total_seconds()))
            events.append(now)
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)
            return None
