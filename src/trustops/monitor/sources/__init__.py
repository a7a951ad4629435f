"""Pure parsers that turn what monitoring tools send into :mod:`trustops.monitor.signals` records.

    alertmanager.py   Alertmanager webhook v4 and Grafana unified alerting → AlertSignal
    pagerduty.py      PagerDuty Events API v2 → AlertSignal
    sentry.py         sentry-sdk envelopes → ErrorEvent; Sentry integration webhooks → either
    errors_api.py     trustops' own ``POST /api/v1/ingest/errors`` body → ErrorEvent
    encoding.py       Content-Encoding (gzip, deflate, br) inflated within a size limit

None of them touches the database or the web framework; every malformed payload raises a
:class:`~trustops.errors.TrustopsError` whose message names the field path and the value.
"""

from __future__ import annotations

from trustops.errors import TrustopsError


class PayloadTooLarge(TrustopsError):
    """The body, or one item in it, is over its size limit."""

    status_code = 413


class UnsupportedEncoding(TrustopsError):
    """The body's Content-Encoding is one this server cannot decode."""

    status_code = 415
