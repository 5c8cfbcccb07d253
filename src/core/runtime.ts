/**
 * What runtime this is, for the few places that choose between a Node and a browser path.
 * @module
 */

/** Whether this runtime is Node (`process.versions.node` is a string). */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === "string";
}
