/**
 * Browsers have no `node:http`: `FetchStore` always uses `fetch` there (package.json's
 * `browser` field maps `http-node.js` here, so bundles leave the Node transport out).
 * @module
 */
import type { isNodeRuntime as IsNode, nodeTransport as Transport } from "./http-node.js";

/** Never Node in a browser bundle. */
export const isNodeRuntime: typeof IsNode = () => false;

/** Not available in browsers. @throws always (`FetchStore` never calls it there). */
export const nodeTransport: typeof Transport = () =>
  Promise.reject(new Error("the node:http transport is not available in browsers"));
