"""Request bodies under ``Content-Encoding``, inflated no further than a size limit.

sentry-sdk compresses every envelope: ``br`` when the ``brotli`` module is importable, else ``gzip``
(sentry_sdk/transport.py; dependencies.md §2). Inflating stops one byte past the limit, so a small
compressed bomb costs at most the limit in memory.
"""

from __future__ import annotations

import importlib
import zlib
from typing import Any

from trustops.monitor.sources import PayloadTooLarge, UnsupportedEncoding
from trustops.monitor.sources._fields import fail, show

GZIP = 16 + zlib.MAX_WBITS
ZLIB = zlib.MAX_WBITS
RAW_DEFLATE = -zlib.MAX_WBITS


def decode_body(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """The body with its content codings undone, or :class:`PayloadTooLarge` past ``max_bytes``."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    data = body
    # RFC 9110 §8.4: codings are listed in the order they were applied, so undo them from the end.
    for coding in reversed(codings):
        data = _decode(data, coding, max_bytes)
    check_size(len(data), max_bytes, "body")
    return data


def check_size(size: int, limit: int, path: str) -> None:
    if size > limit:
        raise PayloadTooLarge(f"{path}: more than {limit:,} bytes", field=path)


def _decode(data: bytes, coding: str, max_bytes: int) -> bytes:
    if coding == "identity":
        return data
    if coding in ("gzip", "x-gzip"):
        return _inflate(data, GZIP, coding, max_bytes)
    if coding == "deflate":
        # RFC 9110 says zlib-wrapped; some clients send raw deflate, which browsers accept too.
        return _inflate(data, ZLIB if _has_zlib_header(data) else RAW_DEFLATE, coding, max_bytes)
    if coding == "br":
        return _unbrotli(data, max_bytes)
    raise UnsupportedEncoding(f"Content-Encoding: {show(coding)} is not gzip, deflate or br", field="Content-Encoding")


def _has_zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _inflate(data: bytes, wbits: int, coding: str, max_bytes: int) -> bytes:
    out = bytearray()
    # A gzip body may hold several members back to back (RFC 1952 §2.2); read them all.
    while data:
        decoder = zlib.decompressobj(wbits)
        try:
            out += decoder.decompress(data, max_bytes + 1 - len(out))
        except zlib.error as exc:
            raise fail("body", f"not valid {coding} data ({exc})") from None
        check_size(len(out), max_bytes, "body")
        if not decoder.eof:
            raise fail("body", f"{coding} data ends early")
        data = decoder.unused_data
    return bytes(out)


def _unbrotli(data: bytes, max_bytes: int) -> bytes:
    brotli = _brotli()
    if brotli is None:
        raise UnsupportedEncoding(
            "Content-Encoding: 'br' needs the brotli package (>= 1.2) on this server; send gzip",
            field="Content-Encoding",
        )
    decoder = brotli.Decompressor()
    try:
        out: bytes = decoder.process(data, output_buffer_limit=max_bytes + 1)
    except brotli.error as exc:
        raise fail("body", f"not valid br data ({exc})") from None
    check_size(len(out), max_bytes, "body")
    if not decoder.is_finished():
        raise fail("body", "br data ends early")
    return out


def _brotli() -> Any | None:
    """The brotli module if it can bound its output (1.2+), else None."""
    try:
        module = importlib.import_module("brotli")
    except ImportError:
        return None
    return module if hasattr(module.Decompressor, "can_accept_more_data") else None
