/**
 * zarr-plan demo on the bundled EGM96 geoid (Zarr v3, sharded, consolidated metadata).
 * Run: `npm run demo`.
 */
import { join } from "node:path";
import {
  CountingStore,
  FileSystemStore,
  openGroup,
  slice,
  type TreeNode,
  ZarrArray,
} from "../src/index.js";

const DATA = join(import.meta.dirname, "../data/datasets/egm96.zarr");

function describeNode(t: TreeNode, indent = ""): string[] {
  const n = t.node;
  const line =
    n instanceof ZarrArray
      ? `${indent}${t.name || "/"}  array ${n.dtype.name} [${n.shape.join("×")}] chunks [${n.chunkShape.join("×")}]`
      : `${indent}${t.name || "/"}  group`;
  return [line, ...(t.children ?? []).flatMap((c) => describeNode(c, `${indent}  `))];
}

const store = new CountingStore(new FileSystemStore(DATA));
const t0 = performance.now();
const root = await openGroup(store);
const tree = await root.tree();
console.log(`Hierarchy of egm96.zarr (opened concurrently, ${store.requests} request(s)):`);
console.log(describeNode(tree).join("\n"));

const geoid = (await root.open("geoid")) as ZarrArray;
const lat = (await root.open("lat")) as ZarrArray;
const lon = (await root.open("lon")) as ZarrArray;

// Europe: latitude 35..71 N, longitude -10..40 E; rows run from -90 to 90 in 0.25° steps.
const rows = slice(4 * (35 + 90), 4 * (71 + 90) + 1);
const cols = slice(4 * (-10 + 180), 4 * (40 + 180) + 1);
const region = geoid.lazy().get(rows, cols);
console.log(
  `\nSelection geoid[${4 * (35 + 90)}:${4 * (71 + 90) + 1}, ${4 * (-10 + 180)}:${4 * (40 + 180) + 1}] → shape [${region.shape}] ${region.dtype.name} (no IO yet)`,
);

const before = store.requests;
const [values, latValues, lonValues] = await Promise.all([
  region.read(),
  lat.lazy().get(rows).read(),
  lon.lazy().get(cols).read(),
]);
const data = values.data as Float32Array;
let min = Number.POSITIVE_INFINITY;
let max = Number.NEGATIVE_INFINITY;
let sum = 0;
for (const v of data) {
  if (v < min) min = v;
  if (v > max) max = v;
  sum += v;
}
const latData = latValues.data as Float64Array;
const lonData = lonValues.data as Float64Array;
console.log(
  `Read ${data.length} values (lat ${latData[0]}..${latData[latData.length - 1]}, lon ${lonData[0]}..${lonData[lonData.length - 1]})`,
);
console.log(
  `Geoid height over Europe: min ${min.toFixed(2)} m, max ${max.toFixed(2)} m, mean ${(sum / data.length).toFixed(2)} m`,
);
console.log(`Requests for the reads: ${store.requests - before}, bytes read: ${store.bytes}`);
console.log(`Total time: ${(performance.now() - t0).toFixed(0)} ms`);
