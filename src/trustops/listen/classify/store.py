"""A safe byte format for trained models: a JSON header plus named float arrays, never pickle.

Layout: the magic line ``TRUSTOPS-MODEL\\n`` followed by an ``.npz`` archive whose ``header`` entry is the
UTF-8 JSON header (kind, version, classes, feature settings) and whose other entries are numeric arrays.
``np.load(..., allow_pickle=False)`` refuses object arrays, so loading never runs code; every failure
to parse becomes a ``ValueError`` naming what was wrong.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import numpy as np
from numpy.typing import NDArray

MAGIC = b"TRUSTOPS-MODEL\n"


def dump(header: dict[str, Any], arrays: dict[str, NDArray[Any]]) -> bytes:
    buffer = io.BytesIO()
    encoded = np.frombuffer(json.dumps(header, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(buffer, header=encoded, **arrays)  # type: ignore[arg-type]
    return MAGIC + buffer.getvalue()


def load(data: bytes, *, kind: str, version: int) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
    """Header and arrays of a model of ``kind``; ValueError for anything else."""
    if not isinstance(data, bytes | bytearray) or not data.startswith(MAGIC):
        raise ValueError("not a trustops model: the data does not start with the TRUSTOPS-MODEL marker")
    try:
        with np.load(io.BytesIO(data[len(MAGIC) :]), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        header = json.loads(arrays.pop("header").tobytes().decode("utf-8"))
    except (OSError, KeyError, EOFError, UnicodeDecodeError, zipfile.BadZipFile, json.JSONDecodeError) as error:
        raise ValueError(f"not a readable trustops model: {error}") from error
    if not isinstance(header, dict) or header.get("kind") != kind:
        raise ValueError(
            f"expected a model of kind {kind!r}, got {header.get('kind') if isinstance(header, dict) else header!r}"
        )
    if header.get("version") != version:
        raise ValueError(
            f"{kind} model version {header.get('version')!r} is not supported (this trustops reads {version})"
        )
    for name, array in arrays.items():
        if array.dtype.kind not in "fiub":
            raise ValueError(f"array {name!r} has dtype {array.dtype}, expected numbers")
    return header, arrays


def require(arrays: dict[str, NDArray[Any]], name: str, ndim: int) -> NDArray[Any]:
    if name not in arrays or arrays[name].ndim != ndim:
        raise ValueError(f"model array {name!r} is missing or not {ndim}-dimensional")
    return arrays[name]
