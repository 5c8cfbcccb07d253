/**
 * Converts reference-model selections ({@link RefOp}) into zarr-plan API calls, in many input
 * forms (nested arrays, TypedArrays, bigint arrays, C- and F-order NDArrays), and NumPy vector
 * items into reference items.
 */
import { dataType } from "../../src/core/dtype.js";
import { cStrides, fStrides, type NDArray, shapeSize } from "../../src/core/ndarray.js";
import type { LazyArray } from "../../src/index-space/lazy.js";
import {
  ellipsis,
  formatSelection,
  type MaskLike,
  newaxis,
  type SelectionItem,
  slice,
} from "../../src/index-space/selection.js";
import type { RefItem, RefOp } from "./numpy-ref.js";
import type { VectorItem, VectorOp } from "./numpy-vectors.data.js";

function nest(shape: readonly number[], flat: readonly unknown[]): unknown {
  if (shape.length === 0) return flat[0];
  const [n, ...rest] = shape;
  const inner = shapeSize(rest);
  return Array.from({ length: n! }, (_, i) => nest(rest, flat.slice(i * inner, (i + 1) * inner)));
}

/** Can nested JS arrays express this shape unambiguously? (no zero extent before the last axis) */
function nestable(shape: readonly number[]): boolean {
  return shape.length > 0 && shape.slice(0, -1).every((s) => s > 0);
}

function ndOf(
  name: "int32" | "int16" | "bool" | "int64",
  shape: readonly number[],
  flat: readonly number[],
  fortran: boolean,
): NDArray {
  const dt = dataType(name);
  const n = shapeSize(shape);
  const strides = fortran ? fStrides(shape) : cStrides(shape);
  const data =
    name === "int64"
      ? new BigInt64Array(n)
      : name === "int16"
        ? new Int16Array(n)
        : name === "bool"
          ? new Uint8Array(n)
          : new Int32Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let a = 0; a < shape.length; a++) off += idx[a]! * strides[a]!;
    if (data instanceof BigInt64Array) data[off] = BigInt(flat[k]!);
    else data[off] = flat[k]!;
    for (let a = shape.length - 1; a >= 0; a--) {
      idx[a]!++;
      if (idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
  return { data, shape: [...shape], strides, dtype: dt };
}

/** Number of distinct forms {@link toItem} knows for an item kind. */
export const FORMS = 8;

/** One reference item as an API selection item, in representation `form` (0..FORMS-1). */
export function toItem(it: RefItem, form: number): SelectionItem {
  switch (it.kind) {
    case "int":
      if (form % 3 === 1) return BigInt(it.value);
      if (form % 3 === 2) return ndOf("int32", [], [it.value], false);
      return it.value;
    case "slice":
      return form % 2 === 0
        ? slice(it.start, it.stop, it.step)
        : slice(it.start ?? undefined, it.stop ?? undefined, it.step ?? undefined);
    case "ellipsis":
      return form % 2 === 0 ? ellipsis : "...";
    case "newaxis":
      return form % 2 === 0 ? newaxis : null;
    case "array": {
      const { shape, data } = it;
      const oneD = shape.length === 1;
      switch (form % FORMS) {
        case 1:
          if (oneD) return Int32Array.from(data);
          break;
        case 2:
          if (oneD) return BigInt64Array.from(data.map((v) => BigInt(v)));
          break;
        case 3:
          return ndOf("int32", shape, data, false);
        case 4:
          return ndOf("int16", shape, data, true);
        case 5:
          if (oneD) return Float64Array.from(data);
          break;
        case 6:
          if (nestable(shape))
            return nest(
              shape,
              data.map((v) => BigInt(v)),
            ) as SelectionItem;
          break;
        case 7:
          return ndOf("int64", shape, data, true);
      }
      if (nestable(shape)) return nest(shape, data) as SelectionItem;
      return ndOf("int32", shape, data, false);
    }
    case "bool": {
      const { shape, data } = it;
      const flat = data.map((b) => (b ? 1 : 0));
      if (form % 3 === 0 && nestable(shape) && data.length > 0) {
        return nest(shape, data) as SelectionItem;
      }
      return ndOf("bool", shape, flat, form % 3 === 2);
    }
  }
}

/** A chunk of reproducible "randomness" for form choices. */
export type FormPicker = () => number;

/** Applies a reference op to a lazy array through the public API. */
export function applyOp(view: LazyArray, op: RefOp, pick: FormPicker): LazyArray {
  const args = apiArgs(op, pick);
  if (op.op === "mask") return view.mask(args[0] as MaskLike);
  return view[op.op](...args);
}

/** The public-API arguments of a reference op. */
export function apiArgs(op: RefOp, pick: FormPicker): SelectionItem[] {
  if (op.op === "mask") {
    const { shape, data } = op.mask;
    const f = pick();
    if (shape.length === 0 && f % 2 === 0) return [data[0]! as unknown as SelectionItem];
    return [toItem({ kind: "bool", shape, data }, f)];
  }
  return op.items.map((it) => toItem(it, pick()));
}

/** NumPy-like text of a reference op, for failure messages. */
export function describeOp(op: RefOp): string {
  if (op.op === "mask")
    return `mask(shape=[${op.mask.shape}], ${op.mask.data.filter(Boolean).length} true)`;
  const items = op.items.map((it): SelectionItem => {
    switch (it.kind) {
      case "int":
        return it.value;
      case "slice":
        return slice(it.start, it.stop, it.step);
      case "ellipsis":
        return ellipsis;
      case "newaxis":
        return null;
      case "array":
        return (it.shape.length === 1 ? [...it.data] : nest(it.shape, it.data)) as SelectionItem;
      default: // bool
        return (it.shape.length === 1 ? [...it.data] : nest(it.shape, it.data)) as SelectionItem;
    }
  });
  return `${op.op}(${formatSelection(items)})`;
}

/** A NumPy vector item as a reference item. */
export function fromVectorItem(v: VectorItem): RefItem {
  if (v === null) return { kind: "newaxis" };
  if (v === "...") return { kind: "ellipsis" };
  if (typeof v === "number") return { kind: "int", value: v };
  if ("s" in v) {
    return { kind: "slice", start: v.s[0] ?? null, stop: v.s[1] ?? null, step: v.s[2] ?? null };
  }
  if ("a" in v) return { kind: "array", shape: v.a, data: v.v };
  return { kind: "bool", shape: v.b, data: v.v.map((x) => x !== 0) };
}

/** A NumPy vector op as a reference op. */
export function fromVectorOp(v: VectorOp): RefOp {
  if (v.op === "mask") return { op: "mask", mask: { shape: v.b, data: v.v.map((x) => x !== 0) } };
  return { op: v.op, items: v.items.map(fromVectorItem) };
}

/** A deterministic pseudo-random picker (mulberry32). */
export function seededPicker(seed: number): FormPicker {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % 1000;
  };
}

/** Deep snapshot of API args (to check the caller's arrays are never mutated). */
export function snapshot(args: readonly unknown[]): string {
  return JSON.stringify(args, (_k, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (ArrayBuffer.isView(v))
      return Array.from(v as unknown as ArrayLike<number | bigint>, String);
    return v;
  });
}
