/**
 * The page of the browser check (`decode-workers.test.ts`): reads EGM96 (sharded v3 and v2) over
 * HTTP with every chunk decoded on module Web Workers, compares with the `.npy` reference and
 * writes the outcome as JSON into `<pre id="result">`.
 */
import * as zp from "zarr-plan";

const out = document.getElementById("result")!;
try {
  zp.configureDecodeWorkers({ workers: 2, minBytes: 0 });
  const base = new URL("data/", location.href).href;
  const ref = zp.readNpy(
    new Uint8Array(await (await fetch(`${base}egm96_geoid.npy`)).arrayBuffer()),
  );
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
  });
} catch (e) {
  out.textContent = JSON.stringify({ ok: false, error: String((e as Error).stack ?? e) });
}
