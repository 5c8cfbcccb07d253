/**
 * The baseline of `npm run bench:serve`: the slice routes written the way a user writes them today
 * with zarrita.js: for each request, a new `FetchStore`, `zarr.open.v3` of the array, `zarr.get`,
 * no cache shared between requests. Routes (the subset the load test asks):
 *
 * - `GET /v1/data/<array>?select=r0:r1,c0:c1` → `.npy` of the 2-D tile;
 * - `GET /v1/data/<array>?vindex=[rows],[cols]` → `.npy` of the points (zarrita has no vectorized
 *   indexing: one `zarr.get` per touched chunk, gathered in JS, as the peer benchmark's
 *   "chunkwise" emulation).
 *
 * Only the `.npy` encoding is zarr-plan's (`writeNpy`); everything that touches the store is zarrita.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import * as zarr from "zarrita";
import { cStrides, dataType, writeNpy } from "../src/index.js";

/** `r0:r1,c0:c1` as two [start, stop) pairs. */
function parseTile(text: string): [[number, number], [number, number]] {
  const m = /^(\d+):(\d+),(\d+):(\d+)$/.exec(text.replace(/\s+/g, ""));
  if (!m) throw new Error(`select: expected r0:r1,c0:c1, got ${text}`);
  return [
    [Number(m[1]), Number(m[2])],
    [Number(m[3]), Number(m[4])],
  ];
}

/** Float32 points of a 2-D array: one `zarr.get` per touched chunk, gathered. */
async function points(
  arr: zarr.Array<zarr.DataType, zarr.Readable>,
  rows: number[],
  cols: number[],
): Promise<Float32Array> {
  const [cr, cc] = arr.chunks as [number, number];
  const [nr, nc] = arr.shape as [number, number];
  const groups = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const key = `${Math.floor(r / cr)},${Math.floor(cols[i]! / cc)}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const out = new Float32Array(rows.length);
  await Promise.all(
    [...groups].map(async ([key, idxs]) => {
      const [ci, cj] = key.split(",").map(Number) as [number, number];
      const r0 = ci * cr;
      const c0 = cj * cc;
      const chunk = await zarr.get(arr, [
        zarr.slice(r0, Math.min(r0 + cr, nr)),
        zarr.slice(c0, Math.min(c0 + cc, nc)),
      ]);
      const data = chunk.data as Float32Array;
      for (const i of idxs) {
        out[i] = data[(rows[i]! - r0) * chunk.stride[0]! + (cols[i]! - c0) * chunk.stride[1]!]!;
      }
    }),
  );
  return out;
}

/** Sends `.npy` bytes of float32 `data` with `shape`. */
function sendNpy(res: ServerResponse, data: Float32Array, shape: number[]): void {
  const bytes = writeNpy({ data, shape, strides: cStrides(shape), dtype: dataType("float32") });
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": bytes.length,
  });
  res.end(bytes);
}

/** The baseline handler over the file server at `baseUrl` (arrays are paths below it). */
export function createBaselineHandler(
  baseUrl: string,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (!url.pathname.startsWith("/v1/data/")) {
        res.writeHead(404).end();
        return;
      }
      const path = decodeURIComponent(url.pathname.slice("/v1/data/".length));
      // Open per request: a new store, the metadata fetched again.
      const store = new zarr.FetchStore(`${baseUrl}/${path}`);
      const arr = await zarr.open.v3(zarr.root(store), { kind: "array" });
      const select = url.searchParams.get("select");
      const vindex = url.searchParams.get("vindex");
      if (select !== null) {
        const [[r0, r1], [c0, c1]] = parseTile(select);
        const tile = await zarr.get(arr, [zarr.slice(r0, r1), zarr.slice(c0, c1)]);
        sendNpy(res, tile.data as Float32Array, [r1 - r0, c1 - c0]);
      } else if (vindex !== null) {
        const [rows, cols] = JSON.parse(`[${vindex}]`) as [number[], number[]];
        sendNpy(res, await points(arr, rows, cols), [rows.length]);
      } else {
        res.writeHead(400).end();
      }
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(e instanceof Error ? e.message : e));
    }
  };
}
