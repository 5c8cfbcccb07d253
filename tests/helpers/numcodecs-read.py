"""Reads a small Zarr array written by zarr-plan with numcodecs only (no zarr-python), printing
its values as JSON: v2 (`.zarray`: filters then compressor, numcodecs ids) or v3 (`zarr.json`:
`numcodecs.*` array filters before `bytes`, byte codecs after it, as zarr-python 3 reads them).
Test helper of tests/conformance/numcodecs-filters.test.ts.

    python numcodecs-read.py <array dir>
"""
import json
import math
import os
import sys

import numcodecs
import numpy as np

V3_TYPES = {"bool": "|b1", "int8": "|i1", "int16": "<i2", "int32": "<i4", "int64": "<i8",
            "uint8": "|u1", "uint16": "<u2", "uint32": "<u4", "uint64": "<u8",
            "float32": "<f4", "float64": "<f8"}


def codec(name, config):
    return numcodecs.get_codec({"id": name.removeprefix("numcodecs."), **(config or {})})


def main(d):
    if os.path.exists(os.path.join(d, ".zarray")):
        meta = json.load(open(os.path.join(d, ".zarray")))
        dtype, shape, chunks = np.dtype(meta["dtype"]), meta["shape"], meta["chunks"]
        filters = [numcodecs.get_codec(f) for f in meta["filters"] or []]
        comp = numcodecs.get_codec(meta["compressor"]) if meta["compressor"] else None

        def decode(raw):
            buf = comp.decode(raw) if comp else raw
            for f in reversed(filters):
                buf = f.decode(buf)
            return np.frombuffer(bytes(np.ascontiguousarray(buf).view("u1")), dtype=dtype)

        key = lambda idx: ".".join(map(str, idx))
    else:
        meta = json.load(open(os.path.join(d, "zarr.json")))
        dtype = np.dtype(V3_TYPES[meta["data_type"]])
        shape, chunks = meta["shape"], meta["chunk_grid"]["configuration"]["chunk_shape"]
        codecs = meta["codecs"]
        i = next(k for k, c in enumerate(codecs) if c["name"] == "bytes")
        before = [codec(c["name"], c.get("configuration")) for c in codecs[:i]]
        after = [codec(c["name"], c.get("configuration")) for c in codecs[i + 1:]]

        def decode(raw):
            buf = raw
            for c in reversed(after):
                buf = c.decode(buf)
            # The encoded type of each array filter (numcodecs' astype when it has one).
            types = [dtype]
            for c in before:
                cfg = c.get_config()
                t = cfg.get("astype") or cfg.get("encode_dtype")
                types.append(np.dtype("u1") if cfg["id"] == "packbits" else np.dtype(t) if t else types[-1])
            arr = np.frombuffer(bytes(buf), dtype=types[-1])
            for c in reversed(before):
                arr = c.decode(arr)
            return np.frombuffer(bytes(np.ascontiguousarray(arr).view("u1")), dtype=dtype)

        key = lambda idx: "c/" + "/".join(map(str, idx))
    out = np.zeros(shape, dtype=dtype)
    for idx in np.ndindex(*[math.ceil(s / c) for s, c in zip(shape, chunks)]):
        path = os.path.join(d, key(idx))
        if not os.path.exists(path):
            continue
        chunk = decode(open(path, "rb").read()).reshape(chunks)
        sl = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, chunks, shape))
        out[sl] = chunk[tuple(slice(0, x.stop - x.start) for x in sl)]
    json.dump(out.astype(float).ravel().tolist(), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
