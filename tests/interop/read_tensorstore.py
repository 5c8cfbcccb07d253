"""Reads Zarr arrays with tensorstore and prints their contents for the interop test.

Usage: read_tensorstore.py ROOT PATH [PATH ...]
Prints one JSON object: {path: {"dtype": str, "shape": [...], "data": base64 of the
little-endian C-order bytes}} or {path: {"error": message}} when tensorstore refuses it.
Driver: zarr3 when PATH/zarr.json exists, else zarr (v2).
"""

import base64
import json
import os
import sys

import numpy as np
import tensorstore as ts


def read(root: str, path: str) -> dict:
    full = os.path.join(root, path)
    driver = "zarr3" if os.path.exists(os.path.join(full, "zarr.json")) else "zarr"
    try:
        arr = ts.open(
            {"driver": driver, "kvstore": {"driver": "file", "path": full}}, open=True
        ).result()
        data = np.asarray(arr.read().result())
    except Exception as e:  # reported to the test, which names the array
        return {"error": f"{type(e).__name__}: {str(e)[:400]}"}
    le = data.astype(data.dtype.newbyteorder("<"), copy=False)
    return {
        "dtype": str(data.dtype),
        "shape": list(data.shape),
        "data": base64.b64encode(np.ascontiguousarray(le).tobytes()).decode(),
    }


def main() -> None:
    root = sys.argv[1]
    print(json.dumps({p: read(root, p) for p in sys.argv[2:]}))


if __name__ == "__main__":
    main()
