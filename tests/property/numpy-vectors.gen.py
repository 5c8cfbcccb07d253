"""Generates numpy-vectors.data.ts: random selection chains evaluated by NumPy itself.

Run:  python3 tests/property/numpy-vectors.gen.py > tests/property/numpy-vectors.data.ts
(checked with NumPy 2.4.6). `get` and `mask` are NumPy's own `a[...]`; `oindex` is emulated
with np.take per axis (np.ix_ semantics, every index bounds-checked); `vindex` is NumPy's
`a[...]` with the broadcast dimensions moved first (NEP 21).
"""

import json
import random

import numpy as np

rng = random.Random(20260921)


def enc_item(it):
    if it is Ellipsis:
        return "..."
    if it is None:
        return None
    if isinstance(it, slice):
        return {"s": [it.start, it.stop, it.step]}
    if isinstance(it, (int, np.integer)):
        return int(it)
    if it.dtype == bool:
        return {"b": list(it.shape), "v": [int(x) for x in it.ravel()]}
    return {"a": list(it.shape), "v": [int(x) for x in it.ravel()]}


def consumed(items):
    n = 0
    for it in items:
        if it is Ellipsis or it is None:
            continue
        if isinstance(it, np.ndarray) and it.dtype == bool:
            n += it.ndim
        else:
            n += 1
    return n


def check_common(a, items):
    if sum(1 for it in items if it is Ellipsis) > 1:
        raise IndexError("two ellipses")
    if consumed(items) > a.ndim:
        raise IndexError("too many indices")
    for it in items:
        if isinstance(it, np.ndarray) and it.dtype == bool and it.ndim == 0:
            raise IndexError("0-d bool")


def np_get(a, items):
    check_common(a, items)
    return a[tuple(items)]


def np_oindex(a, items):
    check_common(a, items)
    for it in items:
        if isinstance(it, np.ndarray) and it.ndim != 1:
            raise IndexError("oindex arrays must be 1-D")
    c = consumed(items)
    expanded = []
    for it in items:
        if it is Ellipsis:
            expanded += [slice(None)] * (a.ndim - c)
        else:
            expanded.append(it)
    if not any(it is Ellipsis for it in items):
        expanded += [slice(None)] * (a.ndim - c)
    # ints and masks are validated like NumPy would, in order
    r = a
    axis = 0
    for it in expanded:
        if it is None:
            r = np.expand_dims(r, axis)
            axis += 1
        elif isinstance(it, slice):
            r = r[(slice(None),) * axis + (it,)]
            axis += 1
        elif isinstance(it, (int, np.integer)):
            n = r.shape[axis]
            if not -n <= it < n:
                raise IndexError("int out of bounds")
            r = np.take(r, it, axis=axis)
        elif it.dtype == bool:
            if it.shape[0] != r.shape[axis]:
                raise IndexError("mask length")
            r = np.take(r, np.nonzero(it)[0], axis=axis)
            axis += 1
        else:
            n = r.shape[axis]
            if it.size and (it.min() < -n or it.max() >= n):
                raise IndexError("array out of bounds")
            r = np.take(r, it, axis=axis)
            axis += 1
    return r


def np_vindex(a, items):
    check_common(a, items)
    arrays = [it for it in items if isinstance(it, np.ndarray)]
    r = a[tuple(items)]
    if not arrays:
        return r
    shapes = []
    for it in arrays:
        if it.dtype == bool:
            shapes += [(int(it.sum()),)] * it.ndim
        else:
            shapes.append(it.shape)
    bnd = len(np.broadcast_shapes(*shapes))
    # NumPy placement: in place when advanced indices (arrays and ints) are adjacent
    c = consumed(items)
    flags = []
    for it in items:
        flags.append(isinstance(it, np.ndarray) or isinstance(it, (int, np.integer)))
    first = flags.index(True)
    last = len(flags) - 1 - flags[::-1].index(True)
    adjacent = all(flags[first : last + 1])
    if adjacent:
        p = 0
        for it in items[:first]:
            if it is Ellipsis:
                p += a.ndim - c
            else:
                p += 1  # slice or None (ints before `first` are impossible)
        if p:
            r = np.moveaxis(r, list(range(p, p + bnd)), list(range(bnd)))
    return r


def rand_int(n, bad=False):
    if bad or n == 0:
        return rng.choice([n, -n - 1, n + 2])
    return rng.randint(-n, n - 1)


def rand_slice(n):
    def b():
        return None if rng.random() < 0.3 else rng.randint(-n - 3, n + 3)

    step = None if rng.random() < 0.3 else rng.choice([-4, -3, -2, -1, 1, 2, 3, 4])
    return slice(b(), b(), step)


def rand_values(n, size, bad=False):
    if n == 0:
        vals = [rng.randint(-2, 2) for _ in range(size)] if bad else [0] * size
        return vals
    vals = [rng.randint(-n, n - 1) for _ in range(size)]
    if bad and size:
        vals[rng.randrange(size)] = rng.choice([n, -n - 1])
    return vals


def gen_items(shape, op):
    ndim = len(shape)
    bad = rng.random() < 0.08
    c = rng.randint(0, ndim)
    use_ell = rng.random() < 0.35
    e = rng.randint(0, c) if use_ell else c
    dims = list(range(e)) + list(range(ndim - (c - e), ndim))
    bshape = [rng.randint(0, 3) for _ in range(rng.randint(1, 2))]
    items = []
    ell_pos = None
    i = 0
    while i < len(dims):
        if i == e and ell_pos is None:
            ell_pos = len(items)
        d = dims[i]
        n = shape[d]
        r = rng.random()
        if r < 0.15 and n > 0:
            items.append(rand_int(n))
        elif r < 0.5:
            items.append(rand_slice(n))
        elif r < 0.8:
            if op == "oindex":
                sh = [rng.randint(0, 4)]
            else:
                k = rng.randint(1, len(bshape))
                sh = [x if rng.random() < 0.7 else 1 for x in bshape[len(bshape) - k :]]
            size = int(np.prod(sh))
            if n == 0 and size > 0:
                sh = [0] * len(sh)
                size = 0
            items.append(np.array(rand_values(n, size), dtype=np.int64).reshape(sh))
        else:
            span = 1
            if (
                op != "oindex"
                and i + 1 < len(dims)
                and i + 1 != e
                and dims[i + 1] == d + 1
                and rng.random() < 0.4
            ):
                span = 2
            sh = [shape[d + k] for k in range(span)]
            vals = [rng.random() < 0.5 for _ in range(int(np.prod(sh)))]
            items.append(np.array(vals, dtype=bool).reshape(sh))
            i += span
            continue
        i += 1
    if use_ell:
        items.insert(len(items) if ell_pos is None else ell_pos, Ellipsis)
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        items.insert(rng.randint(0, len(items)), None)
    if bad:
        kind = rng.randrange(6)
        if kind == 0 and ndim > 0:
            items.append(rand_int(shape[-1], bad=True))
        elif kind == 1:
            items.append(slice(None, None, 0)) if c < ndim else None
        elif kind == 2:
            items = items + [0] * (ndim - c + 1)
        elif kind == 3:
            items = [Ellipsis] + items + [Ellipsis]
        elif kind == 4 and ndim > 0:
            items = [np.array([True] * (shape[0] + 1))] + items[1:]
        elif kind == 5 and ndim > 0:
            items = [np.array(rand_values(shape[0], 3, bad=True), dtype=np.int64)] + items[1:]
    return items


def gen_case():
    ndim = rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4])
    shape = [rng.choice([0, 1, 2, 3, 4, 5, 6]) if rng.random() < 0.15 else rng.randint(1, 5) for _ in range(ndim)]
    a = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    ops = []
    expect = None
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(["get", "get", "oindex", "vindex", "mask"])
        try:
            if op == "mask":
                sh = list(a.shape)
                if rng.random() < 0.1:
                    sh = sh + [1]
                m = np.array([rng.random() < 0.5 for _ in range(int(np.prod(sh)))], dtype=bool).reshape(sh)
                ops.append({"op": "mask", "b": sh, "v": [int(x) for x in m.ravel()]})
                if list(m.shape) != list(a.shape):
                    raise IndexError("mask shape")
                a = a[m]
            else:
                items = gen_items(list(a.shape), op)
                ops.append({"op": op, "items": [enc_item(it) for it in items]})
                a = {"get": np_get, "oindex": np_oindex, "vindex": np_vindex}[op](a, items)
                a = np.asarray(a)
        except (IndexError, ValueError) as err:
            expect = {"error": f"{type(err).__name__}: {err}"}
            break
    if expect is None:
        expect = {"shape": list(a.shape), "data": [int(x) for x in np.asarray(a).ravel()]}
    return {"shape": shape, "ops": ops, "expect": expect}


cases = []
while len(cases) < 700:
    c = gen_case()
    if "data" in c["expect"] and len(c["expect"]["data"]) > 400:
        continue
    cases.append(c)

print("// Generated by numpy-vectors.gen.py with NumPy " + np.__version__ + ". Do not edit.")
print("/* biome-ignore-all format: generated data */")
print("export const NUMPY_VERSION = " + json.dumps(np.__version__) + ";")
print("export const CASES: readonly VectorCase[] = " + json.dumps(cases, separators=(",", ":")) + ";")
print(
    """
export type VectorItem =
  | number
  | "..."
  | null
  | { s: (number | null)[] }
  | { a: number[]; v: number[] }
  | { b: number[]; v: number[] };
export type VectorOp =
  | { op: "get" | "oindex" | "vindex"; items: VectorItem[] }
  | { op: "mask"; b: number[]; v: number[] };
export interface VectorCase {
  shape: number[];
  ops: VectorOp[];
  expect: { shape: number[]; data: number[] } | { error: string };
}"""
)
