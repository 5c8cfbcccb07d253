/**
 * `.csv` output: a 2-D selection is one line per row, a 1-D selection one value per line, a 0-d
 * selection one line; no header. Values as in `textLeaf` (`NaN`, `inf`, `-inf`, `true`/`false`,
 * complex as `1+2j`); fields with a comma, quote or line break are quoted (RFC 4180).
 * @module
 */
import { UsageError } from "../errors.js";
import { type OutputWriter, shapeText } from "./types.js";
import { textLeaf } from "./values.js";

/** A CSV field, quoted when it must be. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvWriter: OutputWriter = {
  extension: ".csv",
  description: "CSV, one row per line (2-D), one value per line (1-D)",
  check(view) {
    if (view.shape.length > 2) {
      throw new UsageError(
        `.csv output needs a 0-, 1- or 2-D selection, this one is ${view.shape.length}-D ${shapeText(view.shape)}: select fewer dimensions or write .npy / .json`,
      );
    }
  },
  encode(array) {
    const leaf = textLeaf(array);
    const [rows, cols] =
      array.shape.length === 2
        ? [array.shape[0]!, array.shape[1]!]
        : [array.shape.length === 1 ? array.shape[0]! : 1, 1];
    const lines = new Array<string>(rows);
    const row = new Array<string>(cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) row[c] = csvField(leaf(r * cols + c));
      lines[r] = row.join(",");
    }
    return rows === 0 ? "" : `${lines.join("\n")}\n`;
  },
};
