/**
 * Checking the values given to a store's `set`: bytes, as a `Uint8Array` or any other
 * `ArrayBufferView` (a TypedArray or a `DataView`).
 * @module
 */

import { ZarrPlanError } from "../core/errors.js";

/**
 * The bytes of `value`, a value given to `set(key, value)`: a `Uint8Array` as it is, any other
 * TypedArray (`Float32Array`, `BigInt64Array`, ...) or a `DataView` as a `Uint8Array` view of its
 * `byteLength` bytes (no copy: a store that keeps the value copies it).
 * @throws ZarrPlanError `ERR_STORE_VALUE` naming `key` and the value's type for anything else
 * (a string, an `ArrayBuffer`, an array of numbers, `undefined`, ...).
 */
export function valueBytes(key: string, value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  const hint = value instanceof ArrayBuffer ? " (wrap an ArrayBuffer: new Uint8Array(buffer))" : "";
  throw new ZarrPlanError(
    "ERR_STORE_VALUE",
    `Cannot store ${describeValue(value)} at "${key}": a store value must be bytes, a Uint8Array, another TypedArray or a DataView${hint}`,
  );
}

/** `a string`, `undefined`, `an ArrayBuffer`, `an Array`, `an object` ... for messages. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const type =
    typeof value === "object" || typeof value === "function"
      ? (Object.getPrototypeOf(value)?.constructor?.name ?? "object")
      : typeof value;
  return `${/^[aeiou]/i.test(type) ? "an" : "a"} ${type}`;
}
