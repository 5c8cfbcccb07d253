/**
 * The page of the browser check (`decode-workers.test.ts`): reads EGM96 (sharded v3 and v2) over
 * HTTP with every chunk decoded on module Web Workers, compares with the `.npy` reference, encodes
 * part of it on the same workers, reads large bodies through `FetchStore` (taken whole) and writes
 * the outcome as JSON into `<pre id="result">`.
 */
import * as zp from "zarr-plan";

const out = document.getElementById("result")!;
try {
  zp.configureDecodeWorkers({ workers: 2, minBytes: 0 });
  const base = new URL("data/", location.href).href;
  const npyBytes = new Uint8Array(await (await fetch(`${base}egm96_geoid.npy`)).arrayBuffer());
  const ref = zp.readNpy(npyBytes);
  const results: Record<string, unknown> = {};
  for (const name of ["egm96.zarr", "egm96_v2.zarr"]) {
    const arr = await zp.openArray(new zp.FetchStore(`${base}${name}/`), "geoid");
    const got = await arr.lazy().read();
    let mismatches = 0;
    for (let i = 0; i < ref.data.length; i++) {
      const a = got.data[i] as number;
      const b = ref.data[i] as number;
      if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) mismatches++;
    }
    results[name] = { shape: got.shape, mismatches };
  }
  // Encoding on the same Web Workers: the first 180 rows of the geoid, plain (zstd + crc32c) and
  // sharded (inner chunks through the workers), byte-identical to encoding on this thread.
  const rows = ref.data.slice(0, 180 * 1440) as Float32Array;
  const block: zp.NDArray = {
    data: rows,
    shape: [180, 1440],
    strides: [1440, 1],
    dtype: zp.dataType("float32"),
  };
  const chunkSpec = { shape: [180, 1440], dataType: zp.dataType("float32"), fillValue: 0 };
  const compress = [{ name: "zstd", configuration: { level: 3 } }, { name: "crc32c" }];
  const pipelines = [
    zp.createCodecPipeline([{ name: "bytes" }, ...compress], chunkSpec, "zarr.json"),
    zp.createCodecPipeline(
      [
        {
          name: "sharding_indexed",
          configuration: {
            chunk_shape: [90, 360],
            codecs: [{ name: "bytes" }, ...compress],
            index_codecs: [{ name: "bytes" }, { name: "crc32c" }],
          },
        },
      ],
      chunkSpec,
      "zarr.json",
    ),
  ];
  const encoded: boolean[] = [];
  for (const p of pipelines) {
    const onWorkers = await zp.defaultContext().encode(p, block, "c/0/0");
    const here = await p.encode(block, { key: "c/0/0" });
    encoded.push(onWorkers.length === here.length && onWorkers.every((b, i) => b === here[i]));
  }
  const encode = { identical: encoded, offloaded: zp.defaultContext().decodePool.encodesOffloaded };
  // Bodies of 2 MiB or more through FetchStore are taken whole (Response.blob) in browsers: the
  // same bytes as the page's own fetch, for a whole object and a 3 MiB range; a 1,000-byte range
  // is read chunk by chunk.
  const realBlob = Response.prototype.blob;
  let blobs = 0;
  Response.prototype.blob = function (this: Response) {
    blobs++;
    return realBlob.call(this);
  };
  let wholeBodies: Record<string, unknown>;
  try {
    const store = new zp.FetchStore(base);
    const same = (a: Uint8Array | undefined, b: Uint8Array) =>
      a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
    const MiB3 = 3 * 1024 * 1024;
    const whole = await store.get("egm96_geoid.npy");
    const range = await store.getRange("egm96_geoid.npy", { offset: 1000, length: MiB3 });
    const small = await store.getRange("egm96_geoid.npy", { offset: 5, length: 1000 });
    wholeBodies = {
      whole: same(whole, npyBytes),
      range: same(range, npyBytes.subarray(1000, 1000 + MiB3)),
      small: same(small, npyBytes.subarray(5, 1005)),
      blobs,
    };
  } finally {
    Response.prototype.blob = realBlob;
  }
  // Workers that cannot start (a stand-in for a worker script that 404s): one console.warn per
  // Context, and the values are still read (on this thread).
  const warnings: string[] = [];
  const realWarn = console.warn;
  const RealWorker = globalThis.Worker;
  class FailingWorker {
    onmessage: unknown = null;
    onerror: ((e: Event) => void) | null = null;
    constructor() {
      setTimeout(() => this.onerror?.(new Event("error")), 0);
    }
    postMessage(): void {}
    terminate(): void {}
  }
  let fallback: { warnings: string[]; mismatches: number; offloaded: number };
  try {
    console.warn = (...a: unknown[]) => warnings.push(a.map(String).join(" "));
    (globalThis as { Worker: unknown }).Worker = FailingWorker;
    const ctx = new zp.Context({ decodeWorkers: { workers: 2, minBytes: 0 } });
    const arr = await zp.openArray(new zp.FetchStore(`${base}egm96.zarr/`), "geoid", {
      context: ctx,
    });
    const got = await arr.lazy().get(zp.slice(0, 360)).read();
    const again = await arr.lazy().get(zp.slice(360, null)).read();
    let mismatches = 0;
    const both = [...(got.data as Float32Array), ...(again.data as Float32Array)];
    for (let i = 0; i < ref.data.length; i++) {
      const a = both[i]!;
      const b = ref.data[i] as number;
      if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) mismatches++;
    }
    fallback = { warnings, mismatches, offloaded: ctx.decodePool.offloaded };
    ctx.close();
  } finally {
    console.warn = realWarn;
    (globalThis as { Worker: unknown }).Worker = RealWorker;
  }
  let fsError = "";
  try {
    new zp.FileSystemStore("/tmp");
  } catch (e) {
    fsError = (e as Error).message;
  }
  out.textContent = JSON.stringify({
    ok: true,
    results,
    offloaded: zp.defaultContext().decodePool.offloaded,
    workers: zp.defaultContext().decodePool.workers,
    fsError,
    fallback,
    encode,
    wholeBodies,
  });
} catch (e) {
  out.textContent = JSON.stringify({ ok: false, error: String((e as Error).stack ?? e) });
}
