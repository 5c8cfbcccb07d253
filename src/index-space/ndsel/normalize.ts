/**
 * Parsing and normalisation of ndsel documents (ndsel 1.0-draft.2): any kind (`point`, `box`,
 * `slice`, `points`, `transform`) to its canonical transform body ({@link NdselTransform}), with
 * the spec's reason codes on {@link NdselError}. Pure; every integer is an exact `bigint`.
 * @module
 */
import { NdselError, type NdselReason } from "../../core/errors.js";
import { type ExactJson, MAX_NDSEL_DEPTH, parseExactJson } from "./json.js";
import type {
  NdselBound,
  NdselBoundValue,
  NdselIndexArray,
  NdselOutputMap,
  NdselTransform,
} from "./types.js";

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
/**
 * Largest declared `input_rank` (TensorStore's limit, as zarr-indexing): normalisation allocates a
 * bound, a label and a map per dimension from that one number. Ranks given by arrays are backed by
 * their data and not capped.
 */
export const MAX_NDSEL_RANK = 32;

const MEMBERS: Readonly<Record<string, readonly string[]>> = {
  point: ["coords"],
  box: ["inclusive_min", "exclusive_max", "inclusive_max", "shape", "labels"],
  slice: ["start", "stop", "step", "labels"],
  points: ["coords"],
  transform: [
    "input_rank",
    "input_inclusive_min",
    "input_exclusive_max",
    "input_inclusive_max",
    "input_shape",
    "input_labels",
    "output",
  ],
};
const MAP_MEMBERS = ["offset", "stride", "input_dimension", "index_array", "index_array_bounds"];

type Obj = Readonly<Record<string, unknown>>;

function err(reason: NdselReason, member: string, message: string, value?: unknown): never {
  throw new NdselError(reason, message, { member, value });
}

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function checked(v: bigint, member: string): bigint {
  if (v < I64_MIN || v > I64_MAX) err("invalid_json", member, `${v} is outside int64`, v);
  return v;
}

/** An exact int64 from a JSON value (`bigint`, or an integral `number`; never a boolean). */
function int(v: unknown, member: string): bigint {
  if (typeof v === "bigint") return checked(v, member);
  if (typeof v === "number" && Number.isInteger(v)) return checked(BigInt(v), member);
  return err("invalid_json", member, `expected an integer, got ${describe(v)}`, v);
}

function describe(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return String(v);
}

function list(v: unknown, member: string): readonly unknown[] {
  if (!Array.isArray(v)) err("invalid_json", member, `expected an array, got ${describe(v)}`, v);
  return v;
}

function intList(v: unknown, member: string): bigint[] {
  return list(v, member).map((x, i) => int(x, `${member}[${i}]`));
}

/** An index value: an integer or `"-inf"`/`"+inf"` (legal in every bound position). */
function boundValue(v: unknown, member: string): NdselBoundValue {
  if (v === "-inf" || v === "+inf") return v;
  return int(v, member);
}

/** Extended-integer order `-inf < n < +inf`: true when `a > b`. */
function above(a: NdselBoundValue, b: NdselBoundValue): boolean {
  const tier = (x: NdselBoundValue) => (x === "-inf" ? 0 : x === "+inf" ? 2 : 1);
  if (tier(a) !== tier(b)) return tier(a) > tier(b);
  return typeof a === "bigint" && typeof b === "bigint" && a > b;
}

interface Bound {
  readonly v: NdselBoundValue;
  readonly implicit: boolean;
}

function bound(v: unknown, member: string): Bound {
  if (Array.isArray(v)) {
    if (v.length !== 1) err("invalid_json", member, "an implicit bound is a one-element array");
    return { v: boundValue(v[0], `${member}[0]`), implicit: true };
  }
  return { v: boundValue(v, member), implicit: false };
}

function boundJson(b: Bound): NdselBound {
  return b.implicit ? [b.v] : b.v;
}

function labelList(v: unknown, member: string): string[] {
  return list(v, member).map((x, i) => {
    if (typeof x !== "string") {
      err("invalid_json", `${member}[${i}]`, `a label is a string, got ${describe(x)}`);
    }
    return x;
  });
}

/** Every array member of `obj` named in `names` has the same length (`rank` when given). */
function sameRank(
  obj: Obj,
  names: readonly string[],
  rank: number | undefined,
  rankMember: string,
): number | undefined {
  let r = rank;
  let from = rankMember;
  for (const n of names) {
    if (obj[n] === undefined) continue;
    const len = list(obj[n], n).length;
    if (r === undefined) {
      r = len;
      from = n;
    } else if (len !== r) {
      err("rank_mismatch", n, `has ${len} elements, ${from} says rank ${r}`);
    }
  }
  return r;
}

interface Domain {
  readonly lower: Bound[];
  readonly upper: Bound[];
  readonly labels: string[];
}

/** The domain of a `box` or `transform` (member names differ by a prefix). */
function domain(obj: Obj, p: "" | "input_", rank: number): Domain {
  const mMin = `${p}inclusive_min`;
  const mExc = `${p}exclusive_max`;
  const mInc = `${p}inclusive_max`;
  const mShape = `${p}shape`;
  const lower =
    obj[mMin] === undefined
      ? Array.from({ length: rank }, () => ({ v: 0n, implicit: false }))
      : list(obj[mMin], mMin).map((x, i) => bound(x, `${mMin}[${i}]`));
  let upper: Bound[];
  if (obj[mExc] !== undefined) {
    upper = list(obj[mExc], mExc).map((x, i) => bound(x, `${mExc}[${i}]`));
  } else if (obj[mInc] !== undefined) {
    upper = list(obj[mInc], mInc).map((x, i) => {
      const b = bound(x, `${mInc}[${i}]`);
      return typeof b.v === "bigint"
        ? { v: checked(b.v + 1n, `${mInc}[${i}]`), implicit: b.implicit }
        : b;
    });
  } else if (obj[mShape] !== undefined) {
    upper = list(obj[mShape], mShape).map((x, i) => {
      const at = `${mShape}[${i}]`;
      const implicit = Array.isArray(x);
      if (implicit && x.length !== 1)
        err("invalid_json", at, "an implicit bound is a one-element array");
      const n = boundValue(implicit ? x[0] : x, at);
      if (n === "-inf") err("invalid_json", at, "a shape counts cells and cannot be -inf");
      const lo = lower[i]!.v;
      if (n === "+inf" || lo === "+inf") return { v: "+inf" as const, implicit };
      if (lo === "-inf") return { v: "-inf" as const, implicit };
      return { v: checked(lo + n, at), implicit };
    });
  } else {
    upper = Array.from({ length: rank }, () => ({ v: "+inf" as const, implicit: true }));
  }
  for (let d = 0; d < rank; d++) {
    const lo = lower[d]!.v;
    const hi = upper[d]!.v;
    if (above(lo, hi)) {
      err(
        "bounds_out_of_order",
        `${mMin}[${d}]`,
        `lower bound ${lo} is above the upper bound ${hi}`,
      );
    }
  }
  const mLabels = p === "" ? "labels" : "input_labels";
  const labels =
    obj[mLabels] === undefined
      ? Array.from({ length: rank }, () => "")
      : labelList(obj[mLabels], mLabels);
  return { lower, upper, labels };
}

function upperCount(obj: Obj, p: "" | "input_"): void {
  const given = ["exclusive_max", "inclusive_max", "shape"].filter((n) => obj[p + n] !== undefined);
  if (given.length > 1) {
    err(
      "multiple_upper_bounds",
      p + given[1]!,
      `give one of ${given.map((n) => p + n).join(", ")}`,
    );
  }
}

function identityMaps(rank: number): NdselOutputMap[] {
  return Array.from({ length: rank }, (_, d) => ({ offset: 0n, stride: 1n, input_dimension: d }));
}

function body(d: Domain, output: NdselOutputMap[]): NdselTransform {
  return {
    input_rank: d.lower.length,
    input_inclusive_min: d.lower.map(boundJson),
    input_exclusive_max: d.upper.map(boundJson),
    input_labels: d.labels,
    output,
  };
}

function point(obj: Obj): NdselTransform {
  if (obj.coords === undefined) err("invalid_json", "coords", "missing");
  const coords = intList(obj.coords, "coords");
  return body(
    { lower: [], upper: [], labels: [] },
    coords.map((offset) => ({ offset })),
  );
}

function points(obj: Obj): NdselTransform {
  if (obj.coords === undefined) err("invalid_json", "coords", "missing");
  const rows = list(obj.coords, "coords").map((r, i) => intList(r, `coords[${i}]`));
  const n = rows[0]?.length ?? 0;
  rows.forEach((r, i) => {
    if (r.length !== n)
      err("rank_mismatch", `coords[${i}]`, `has ${r.length} coordinates, coords[0] has ${n}`);
  });
  const m = BigInt(rows.length);
  return body(
    { lower: [{ v: 0n, implicit: false }], upper: [{ v: m, implicit: false }], labels: [""] },
    Array.from({ length: n }, (_, k) => ({
      offset: 0n,
      stride: 1n,
      index_array: rows.map((r) => r[k]!),
      index_array_bounds: ["-inf", "+inf"] as const,
    })),
  );
}

function box(obj: Obj): NdselTransform {
  upperCount(obj, "");
  const rank =
    sameRank(
      obj,
      ["inclusive_min", "exclusive_max", "inclusive_max", "shape", "labels"],
      undefined,
      "",
    ) ?? 0;
  const d = domain(obj, "", rank);
  return body(d, identityMaps(rank));
}

function sliceKind(obj: Obj): NdselTransform {
  for (const m of ["start", "stop"]) if (obj[m] === undefined) err("invalid_json", m, "missing");
  const rank = sameRank(obj, ["start", "stop", "step", "labels"], undefined, "")!;
  const start = intList(obj.start, "start");
  const stop = intList(obj.stop, "stop");
  const step = obj.step === undefined ? start.map(() => 1n) : intList(obj.step, "step");
  const labels = obj.labels === undefined ? start.map(() => "") : labelList(obj.labels, "labels");
  const lower: Bound[] = [];
  const upper: Bound[] = [];
  const output: NdselOutputMap[] = [];
  const zero = step.indexOf(0n);
  if (zero >= 0) err("step_zero", `step[${zero}]`, "a step must not be 0", 0n);
  for (let k = 0; k < rank; k++) {
    const a = start[k]!;
    const b = stop[k]!;
    const s = step[k]!;
    const span = s > 0n ? b - a : a - b;
    if (span < 0n) {
      err(
        "bounds_out_of_order",
        `stop[${k}]`,
        `stop ${b} is ${s > 0n ? "below" : "above"} start ${a} for step ${s}`,
      );
    }
    const abs = s < 0n ? -s : s;
    const m = (span + abs - 1n) / abs;
    const o = a / s; // BigInt division truncates toward zero, as the spec asks
    lower.push({ v: checked(o, `start[${k}]`), implicit: false });
    upper.push({ v: checked(o + m, `stop[${k}]`), implicit: false });
    output.push({ offset: checked(a - s * o, `start[${k}]`), stride: s, input_dimension: k });
  }
  return body({ lower, upper, labels }, output);
}

function indexArray(v: unknown, member: string, depth: number): NdselIndexArray[] {
  if (depth > MAX_NDSEL_DEPTH) err("invalid_json", member, `nested deeper than ${MAX_NDSEL_DEPTH}`);
  return list(v, member).map((x, i) =>
    Array.isArray(x) ? indexArray(x, `${member}[${i}]`, depth + 1) : int(x, `${member}[${i}]`),
  );
}

function outputMap(v: unknown, at: string): NdselOutputMap {
  if (!isObject(v)) err("invalid_json", at, `an output map is an object, got ${describe(v)}`);
  for (const k of Object.keys(v)) {
    if (!MAP_MEMBERS.includes(k)) err("unknown_field", `${at}.${k}`, `unknown member "${k}"`);
  }
  if (v.input_dimension !== undefined && v.index_array !== undefined) {
    err("output_map_conflict", at, "has both input_dimension and index_array");
  }
  const offset = v.offset === undefined ? 0n : int(v.offset, `${at}.offset`);
  const stride = v.stride === undefined ? 1n : int(v.stride, `${at}.stride`);
  if (v.index_array !== undefined) {
    let bounds: readonly [NdselBoundValue, NdselBoundValue] = ["-inf", "+inf"];
    if (v.index_array_bounds !== undefined) {
      const b = list(v.index_array_bounds, `${at}.index_array_bounds`);
      if (b.length !== 2)
        err("invalid_json", `${at}.index_array_bounds`, "expected [lower, upper]");
      const lo = boundValue(b[0], `${at}.index_array_bounds[0]`);
      const hi = boundValue(b[1], `${at}.index_array_bounds[1]`);
      if (above(lo, hi)) {
        err("bounds_out_of_order", `${at}.index_array_bounds`, `${lo} is above ${hi}`);
      }
      bounds = [lo, hi];
    }
    return {
      offset,
      stride,
      index_array: indexArray(v.index_array, `${at}.index_array`, 1),
      index_array_bounds: bounds,
    };
  }
  // A stray index_array_bounds (or a constant's stride) is allowed by the schema and dropped.
  if (v.input_dimension !== undefined) {
    const d = int(v.input_dimension, `${at}.input_dimension`);
    if (d < 0n) err("invalid_json", `${at}.input_dimension`, `must be >= 0, got ${d}`, d);
    if (d > 2n ** 31n) {
      err("rank_mismatch", `${at}.input_dimension`, `${d} is beyond any input rank`, d);
    }
    return { offset, stride, input_dimension: Number(d) };
  }
  return { offset };
}

function transform(obj: Obj): NdselTransform {
  upperCount(obj, "input_");
  let rank: number | undefined;
  if (obj.input_rank !== undefined) {
    const r = int(obj.input_rank, "input_rank");
    if (r < 0n || r > BigInt(MAX_NDSEL_RANK))
      err("invalid_json", "input_rank", `rank ${r} is out of range`, r);
    rank = Number(r);
  }
  const names = [
    "input_inclusive_min",
    "input_exclusive_max",
    "input_inclusive_max",
    "input_shape",
    "input_labels",
  ];
  const maps =
    obj.output === undefined
      ? undefined
      : list(obj.output, "output").map((m, j) => outputMap(m, `output[${j}]`));
  rank = sameRank(obj, names, rank, "input_rank") ?? 0;
  const d = domain(obj, "input_", rank);
  maps?.forEach((m, j) => {
    if ("input_dimension" in m && m.input_dimension >= rank) {
      err(
        "rank_mismatch",
        `output[${j}].input_dimension`,
        `${m.input_dimension} is not below the input rank ${rank}`,
      );
    }
  });
  return body(d, maps ?? identityMaps(rank));
}

const NORMALIZERS: Readonly<Record<string, (obj: Obj) => NdselTransform>> = {
  point,
  points,
  box,
  slice: sliceKind,
  transform,
};

/**
 * Normalises an ndsel document (ndsel 1.0-draft.2, as zarr-python's `zarr-indexing`
 * `normalize_ndsel`) to its canonical transform body: every member written out, the upper bound
 * as `input_exclusive_max`, defaults filled in (lower bound 0, implicit `+inf` upper bound, labels
 * `""`, identity output, map `offset` 0 and `stride` 1, `index_array_bounds` `["-inf", "+inf"]`).
 *
 * `doc` is JSON text (integers read exactly, beyond 2^53 too; `1.0` is not an integer) or a parsed value whose integers are
 * `number`s or `bigint`s.
 * @throws NdselError with `reason` `invalid_json` (not JSON, missing `kind` or required member,
 * wrong type, boolean as integer, integer outside int64), `unknown_kind`, `unknown_field`,
 * `multiple_upper_bounds`, `rank_mismatch`, `step_zero`, `bounds_out_of_order` or
 * `output_map_conflict`; `member` names the offending member.
 */
export function normalizeNdsel(doc: unknown): NdselTransform {
  const v: unknown = typeof doc === "string" ? parseExactJson(doc, true) : (doc as ExactJson);
  if (!isObject(v)) err("invalid_json", "", `an ndsel document is an object, got ${describe(v)}`);
  if (v.kind === undefined) err("invalid_json", "kind", "missing");
  if (typeof v.kind !== "string")
    err("invalid_json", "kind", `expected a string, got ${describe(v.kind)}`);
  const allowed = Object.hasOwn(MEMBERS, v.kind) ? MEMBERS[v.kind] : undefined;
  if (!allowed) err("unknown_kind", "kind", `unknown kind ${JSON.stringify(v.kind)}`, v.kind);
  for (const k of Object.keys(v)) {
    if (k !== "kind" && !allowed.includes(k))
      err("unknown_field", k, `unknown member "${k}" of a ${v.kind}`);
  }
  return NORMALIZERS[v.kind]!(v);
}
