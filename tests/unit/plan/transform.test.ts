/** Index transforms: representation, freezing, and the composition laws. */
import { describe, expect, it } from "vitest";
import { IndexError } from "../../../src/core/errors.js";
import {
  ellipsis,
  newaxis,
  type SelectionItem,
  slice,
} from "../../../src/index-space/selection.js";
import {
  type ArrayMap,
  applyTransform,
  arrayMap,
  compose,
  composeTransforms,
  constantMap,
  type IndexTransform,
  identity,
  isBox,
  makeTransform,
  singleMap,
} from "../../../src/index-space/transform.js";
import { sliceList } from "../../property/numpy-ref.js";

const get = (t: IndexTransform, ...items: SelectionItem[]) => compose(t, { kind: "get", items });
const oindex = (t: IndexTransform, ...items: SelectionItem[]) =>
  compose(t, { kind: "oindex", items });
const vindex = (t: IndexTransform, ...items: SelectionItem[]) =>
  compose(t, { kind: "vindex", items });
const mask = (t: IndexTransform, m: SelectionItem) => compose(t, { kind: "mask", items: [m] });

/** Every point of the view → source coordinates, in C order. */
function points(t: IndexTransform): number[][] {
  const out: number[][] = [];
  const n = t.inputShape.reduce((p, s) => p * s, 1);
  const idx = new Array<number>(t.inputShape.length).fill(0);
  for (let k = 0; k < n; k++) {
    out.push(applyTransform(t, idx));
    for (let a = idx.length - 1; a >= 0; a--) {
      idx[a]!++;
      if (idx[a]! < t.inputShape[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

function deepFrozen(t: IndexTransform): boolean {
  return (
    Object.isFrozen(t) &&
    Object.isFrozen(t.inputShape) &&
    Object.isFrozen(t.outputShape) &&
    Object.isFrozen(t.maps) &&
    t.maps.every((m) => Object.isFrozen(m) && (m.kind !== "array" || Object.isFrozen(m.inputDims)))
  );
}

describe("representation", () => {
  it("identity maps every dimension to itself", () => {
    const t = identity([4, 5]);
    expect(t).toEqual({
      inputShape: [4, 5],
      outputShape: [4, 5],
      maps: [singleMap(0, 1, 0), singleMap(0, 1, 1)],
    });
    expect(deepFrozen(t)).toBe(true);
    expect(isBox(t)).toBe(true);
    expect(identity([])).toEqual({ inputShape: [], outputShape: [], maps: [] });
  });

  it("is deeply frozen after any selection", () => {
    const t = vindex(get(identity([6, 7, 8]), slice(1, null, 2), newaxis), [0, 2], slice(), [1, 1]);
    expect(deepFrozen(t)).toBe(true);
    expect(() => {
      (t.maps as unknown as unknown[]).push(constantMap(0));
    }).toThrow(TypeError);
    expect(() => {
      (t.inputShape as number[])[0] = 3;
    }).toThrow(TypeError);
  });

  it("integers become constant maps, slices single maps, arrays array maps", () => {
    const t = get(identity([10, 10, 10]), 3, slice(2, 9, 3));
    expect(t.maps).toEqual([constantMap(3), singleMap(2, 3, 0), singleMap(0, 1, 1)]);
    expect(t.inputShape).toEqual([3, 10]);
    const o = oindex(identity([10, 10]), [4, 1, 1], slice(null, null, -1));
    expect(o.maps[0]).toEqual({
      kind: "array",
      offset: 0,
      stride: 1,
      index: Int32Array.from([4, 1, 1]),
      inputDims: [0],
    });
    expect(o.maps[1]).toEqual(singleMap(9, -1, 1));
  });

  it("vindex arrays share their broadcast input dims; oindex arrays get private ones", () => {
    const v = vindex(identity([5, 6]), [[0], [1]], [2, 3, 4]);
    expect(v.inputShape).toEqual([2, 3]);
    expect((v.maps[0] as ArrayMap).inputDims).toEqual([0]); // broadcasts along dim 1
    expect((v.maps[1] as ArrayMap).inputDims).toEqual([1]); // broadcasts along dim 0
    const o = oindex(identity([5, 6]), [0, 1], [2, 3, 4]);
    expect(o.inputShape).toEqual([2, 3]);
    expect((o.maps[0] as ArrayMap).inputDims).toEqual([0]);
    expect((o.maps[1] as ArrayMap).inputDims).toEqual([1]);
  });

  it("arrayMap drops extent-1 dims and turns a single element into a constant", () => {
    expect(arrayMap(1, 2, Int32Array.from([3]), [0, 1], [1, 1])).toEqual(constantMap(7));
    const m = arrayMap(0, 1, Int32Array.from([1, 2]), [0, 1], [1, 2]) as ArrayMap;
    expect(m.inputDims).toEqual([1]);
    expect(() => arrayMap(0, 1, Int32Array.from([1, 2]), [], [])).toThrow(RangeError);
  });

  it("applyTransform evaluates one point and checks it", () => {
    const t = get(identity([10]), slice(8, 1, -2));
    expect(applyTransform(t, [2])).toEqual([4]);
    expect(() => applyTransform(t, [4])).toThrow(RangeError);
    expect(() => applyTransform(t, [])).toThrow(RangeError);
  });

  it("makeTransform checks the number of maps; composeTransforms the shapes", () => {
    expect(() => makeTransform([2], [2, 2], [singleMap(0, 1, 0)])).toThrow(RangeError);
    expect(() => composeTransforms(identity([3]), identity([4]))).toThrow(RangeError);
  });
});

describe("composition laws", () => {
  const base = () =>
    vindex(oindex(identity([9, 8, 7]), [8, 0, 3], slice(1, 7, 2)), slice(), [1, 0, 2]);

  it("identity selections return an equal transform (arrays shared, not copied)", () => {
    for (const t of [
      identity([3, 4]),
      get(identity([10, 4]), slice(8, 1, -3)),
      base(),
      identity([]),
    ]) {
      const full = t.inputShape.map(() => slice());
      for (const u of [
        get(t),
        get(t, ellipsis),
        get(t, "..."),
        oindex(t, ...full),
        vindex(t, ellipsis),
        get(t, ...full),
      ]) {
        expect(u).toEqual(t);
        u.maps.forEach((m, j) => {
          if (m.kind === "array") expect(m.index).toBe((t.maps[j] as ArrayMap).index);
        });
      }
    }
  });

  it("identity ∘ t = t ∘ identity = t", () => {
    const t = base();
    expect(composeTransforms(identity(t.inputShape), t)).toEqual(t);
    expect(composeTransforms(t, identity(t.outputShape))).toEqual(t);
  });

  it("reversing twice is the identity, in closed form", () => {
    const t = get(identity([10]), slice(2, 9, 3));
    expect(get(get(t, slice(null, null, -1)), slice(null, null, -1))).toEqual(t);
  });

  it("slice ∘ slice is closed form: x[::-2][::-3] (n=10) is [1, 7]", () => {
    const t = get(get(identity([10]), slice(null, null, -2)), slice(null, null, -3));
    expect(t.maps).toEqual([singleMap(1, 6, 0)]);
    expect(t.inputShape).toEqual([2]);
    expect(points(t)).toEqual([[1], [7]]);
  });

  it("slice ∘ slice matches sequential Python slicing for many triples, empties included", () => {
    const bounds = [null, -12, -7, -3, -1, 0, 1, 2, 4, 6, 9, 11, 15];
    const steps = [null, 1, 2, 3, -1, -2, -4];
    let checked = 0;
    for (const n of [0, 1, 5, 10]) {
      for (let k = 0; k < 600; k++) {
        const r = (arr: readonly (number | null)[]) =>
          arr[(k * 7919 + arr.length * 31 + n) % arr.length]!;
        const s1 = slice(r(bounds), bounds[(k * 13) % bounds.length], steps[k % steps.length]);
        const s2 = slice(
          bounds[(k * 5 + 3) % bounds.length],
          bounds[(k * 11 + 1) % bounds.length],
          steps[(k * 3) % steps.length],
        );
        const t = get(get(identity([n]), s1), s2);
        const first = sliceList(
          n,
          s1.start as number | null,
          s1.stop as number | null,
          s1.step as number | null,
        );
        const second = sliceList(
          first.length,
          s2.start as number | null,
          s2.stop as number | null,
          s2.step as number | null,
        );
        expect(isBox(t)).toBe(true);
        expect(points(t).map((p) => p[0])).toEqual(second.map((i) => first[i]));
        checked++;
      }
    }
    expect(checked).toBe(2400);
  });

  it("a chain of 1000 slices stays one single map per dimension", () => {
    let t = identity([1_000_000, 50]);
    for (let i = 0; i < 1000; i++)
      t = get(t, i % 2 === 0 ? slice(1) : slice(null, null, -1), slice());
    expect(isBox(t)).toBe(true);
    expect(t.maps[0]!.kind).toBe("single");
    expect(t.inputShape).toEqual([999_500, 50]);
    expect(t.maps[0]).toEqual(singleMap(250, 1, 0)); // 250 dropped at each end, reversed 500 times
  });

  it("slice ∘ integer is a constant; slice ∘ array re-scales the array without copying it", () => {
    const s = get(identity([20]), slice(2, 18, 3)); // 2, 5, 8, 11, 14, 17
    expect(get(s, -2).maps).toEqual([constantMap(14)]);
    const a = oindex(s, [0, 5, 5]);
    expect(a.maps[0]).toMatchObject({ kind: "array", offset: 2, stride: 3 });
    expect(points(a)).toEqual([[2], [17], [17]]);
    const arr = oindex(identity([6]), [0, 5, 5]);
    const scaled = composeTransforms(arr, s);
    expect((scaled.maps[0] as ArrayMap).index).toBe((arr.maps[0] as ArrayMap).index);
  });

  it("an index in bounds for the source but not for the view raises (slice ∘ array)", () => {
    const view = get(identity([12]), slice(2, 10));
    expect(() => oindex(view, [9])).toThrow(IndexError);
    expect(() => get(view, 8)).toThrow(IndexError);
    expect(points(oindex(view, [7, -8]))).toEqual([[9], [2]]);
  });

  it("array ∘ slice, array ∘ array and array ∘ integer gather", () => {
    const a = oindex(identity([10]), [5, 1, 3, 3, 9]);
    const sliced = get(a, slice(1, 4));
    expect((sliced.maps[0] as ArrayMap).index).toEqual(Int32Array.from([1, 3, 3]));
    const gathered = vindex(a, [4, 0, 0]);
    expect((gathered.maps[0] as ArrayMap).index).toEqual(Int32Array.from([9, 5, 5]));
    expect(get(a, -1).maps).toEqual([constantMap(9)]);
    const one = get(a, slice(2, 3)); // one element left: the map becomes a constant
    expect(one.maps).toEqual([constantMap(3)]);
    expect(one.inputShape).toEqual([1]);
  });

  it("oindex ∘ oindex: different axes stay independent, the same axis gathers", () => {
    const t = oindex(oindex(identity([6, 6]), [2, 0], slice()), slice(), [1, 3]);
    expect(points(t)).toEqual([
      [2, 1],
      [2, 3],
      [0, 1],
      [0, 3],
    ]);
    expect((t.maps[0] as ArrayMap).inputDims).toEqual([0]);
    expect((t.maps[1] as ArrayMap).inputDims).toEqual([1]);
  });

  it("vindex after oindex gathers only the touched arrays, keeping them small", () => {
    const big = Array.from({ length: 300 }, (_, i) => 299 - i);
    const o = oindex(identity([300, 300]), big, big);
    const v = vindex(o, [0, 1, 299], [5, 5, 0]);
    expect(v.inputShape).toEqual([3]);
    for (const m of v.maps) expect((m as ArrayMap).index.length).toBe(3);
    expect(points(v)).toEqual([
      [299, 294],
      [298, 294],
      [0, 299],
    ]);
  });

  it("basic indexing after vindex slices every array along the broadcast axis", () => {
    const v = vindex(identity([5, 5]), [0, 1, 2, 3], [4, 3, 2, 1]);
    expect(points(get(v, slice(null, null, -2)))).toEqual([
      [3, 1],
      [1, 3],
    ]);
  });

  it("newaxis adds an input dimension that no map reads", () => {
    const t = get(identity([3, 4]), newaxis, slice(), newaxis);
    expect(t.inputShape).toEqual([1, 3, 1, 4]);
    expect(t.maps).toEqual([singleMap(0, 1, 1), singleMap(0, 1, 3)]);
  });

  it("chaining equals composing the selections first (associativity)", () => {
    const t0 = get(identity([7, 9, 5]), slice(6, null, -1), newaxis);
    const s1 = { kind: "vindex" as const, items: [slice(), slice(), [0, 3, 3, 1], [2, 0, 1, 1]] };
    const chained1 = compose(t0, s1);
    const s2 = { kind: "get" as const, items: [slice(null, null, -1), 2, newaxis] };
    const chained = compose(chained1, s2);
    const o1 = compose(identity(t0.inputShape), s1);
    const o2 = compose(identity(o1.inputShape), s2);
    const assoc = composeTransforms(composeTransforms(o2, o1), t0);
    expect(points(assoc)).toEqual(points(chained));
    expect(assoc.inputShape).toEqual(chained.inputShape);
    expect(chained.inputShape).toEqual([4, 1, 1]);
  });

  it("mask after slices maps the true positions of the view", () => {
    const t = get(identity([4, 4]), slice(null, null, -1), slice(1, 3));
    const m = mask(t, [
      [true, false],
      [false, false],
      [false, true],
      [true, true],
    ]);
    expect(points(m)).toEqual([
      [3, 1],
      [1, 2],
      [0, 1],
      [0, 2],
    ]);
  });
});

describe("the caller's arrays", () => {
  it("are copied: mutating them afterwards changes nothing", () => {
    const idx = Int32Array.from([3, -1, 0]);
    const list = [1, 2];
    const m = [true, false, true, true];
    const t = vindex(identity([4]), idx);
    const u = oindex(identity([4]), list);
    const w = mask(identity([4]), m);
    const before = [points(t), points(u), points(w)];
    idx[0] = 0;
    list[0] = 0;
    m[0] = false;
    expect([points(t), points(u), points(w)]).toEqual(before);
  });

  it("are never written to (negative values are wrapped into a copy)", () => {
    const idx = Int32Array.from([-1, -4]);
    vindex(identity([4]), idx);
    expect(Array.from(idx)).toEqual([-1, -4]);
  });
});
