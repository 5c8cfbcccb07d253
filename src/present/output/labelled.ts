/**
 * Labelled output of `get --sel/--isel`: JSON `{dims, shape, dtype, coords, data}` and long CSV with a
 * header (one column per dimension holding its coordinate label, or its position when it has no
 * coordinate, one column per scalar coordinate, then `value`).
 * @module
 */
import type { CoordinateLabels, LabelledResult } from "../../index.js";
import { csvField } from "./csv.js";
import { toJsonDocument } from "./json.js";
import type { JsonValue } from "./values.js";
import { textLeaf } from "./values.js";

function jsonLabel(v: number | bigint | string): JsonValue {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return v;
}

function jsonCoords(coords: Readonly<Record<string, CoordinateLabels>>): {
  [k: string]: JsonValue;
} {
  const out: { [k: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(coords)) {
    out[k] = Array.isArray(v)
      ? (v as (number | bigint | string)[]).map(jsonLabel)
      : jsonLabel(v as number);
  }
  return out;
}

/** The JSON document of a labelled result. */
export function labelledJson(r: LabelledResult): string {
  const doc = toJsonDocument(r.array);
  return `${JSON.stringify({ dims: [...r.dims], ...doc, coords: jsonCoords(r.coords) })}\n`;
}

/** The long CSV of a labelled result (header, then one line per element in C order). */
export function labelledCsv(r: LabelledResult): string {
  const dims = r.dims.map((d, i) => d ?? `dim_${i}`);
  const scalars = Object.entries(r.coords).filter(([, v]) => !Array.isArray(v));
  const header = [...dims, ...scalars.map(([k]) => k), "value"].map(csvField).join(",");
  const leaf = textLeaf(r.array);
  const shape = r.shape;
  const n = shape.reduce((a, b) => a * b, 1);
  const columnOf = r.dims.map((d) =>
    d !== null && Array.isArray(r.coords[d])
      ? (r.coords[d] as (number | bigint | string)[])
      : undefined,
  );
  const fixed = scalars.map(([, v]) => csvField(String(v)));
  const lines: string[] = [header];
  const idx = shape.map(() => 0);
  for (let i = 0; i < n; i++) {
    const cells = idx.map((k, d) => csvField(String(columnOf[d]?.[k] ?? k)));
    lines.push([...cells, ...fixed, csvField(leaf(i))].join(","));
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return `${lines.join("\n")}\n`;
}

/** One line per coordinate: `lat: 35 … 71 (145 values)`, or its scalar. */
export function coordsText(r: LabelledResult): string {
  const lines = [`dims: ${r.dims.map((d) => d ?? "(unnamed)").join(", ") || "(none)"}`];
  for (const [k, v] of Object.entries(r.coords)) {
    if (Array.isArray(v)) {
      const a = v as (number | bigint | string)[];
      lines.push(
        `  ${k}: ${a.length === 0 ? "(none)" : a.length <= 6 ? a.join(", ") : `${a[0]}, ${a[1]}, … ${a[a.length - 1]}`} (${a.length} value${a.length === 1 ? "" : "s"})`,
      );
    } else lines.push(`  ${k}: ${String(v)}`);
  }
  return `${lines.join("\n")}\n`;
}
