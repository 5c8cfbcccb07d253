import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, AuthorizationError, StoreError } from "../../../src/core/errors.js";
import type { FetchStoreOptions } from "../../../src/store/fetch.js";
import { isListable, isWritable } from "../../../src/store/types.js";
import { opener, TRANSPORTS } from "../../helpers/fetch-transports.js";
import { startServer, type TestServer } from "./http-server.js";

const DATA = new Uint8Array(100).map((_, i) => i);
const FILES = new Map<string, Uint8Array>([
  ["zarr.json", new TextEncoder().encode('{"zarr_format":3}')],
  ["a/c/0/0", DATA],
  ["a b/ü%#?.bin", new Uint8Array([42])],
  ["empty", new Uint8Array()],
]);

let server: TestServer;
beforeAll(async () => {
  server = await startServer(FILES);
});
afterAll(async () => {
  await server.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe.each(TRANSPORTS)("FetchStore against a correct server (%s transport)", (transport) => {
  const open = opener(transport);
  const storeFor = (mode: string, options?: FetchStoreOptions) =>
    open(`${server.url}${mode}/`, options);

  it("gets whole values and undefined for missing keys", async () => {
    const store = storeFor("ok");
    expect(await store.get("a/c/0/0")).toEqual(DATA);
    expect(new TextDecoder().decode(await store.get("zarr.json"))).toBe('{"zarr_format":3}');
    expect(await store.get("missing")).toBeUndefined();
    expect(await store.get("empty")).toEqual(new Uint8Array());
  });

  it("encodes key segments", async () => {
    const store = storeFor("ok");
    expect(store.resolve("a b/ü%#?.bin").pathname).toBe("/ok/a%20b/%C3%BC%25%23%3F.bin");
    expect(await store.get("a b/ü%#?.bin")).toEqual(new Uint8Array([42]));
  });

  it("adds the trailing slash to the base URL and keeps its query string", async () => {
    const store = open(`${server.url}ok?token=abc`);
    expect(store.url.href).toBe(`${server.url}ok/?token=abc`);
    expect(store.resolve("a/c/0/0").href).toBe(`${server.url}ok/a/c/0/0?token=abc`);
    expect(await store.get("a/c/0/0")).toEqual(DATA);
    expect(server.requests.at(-1)?.url).toBe("/ok/a/c/0/0?token=abc");
  });

  it("gets ranges with the right Range header", async () => {
    const store = storeFor("ok");
    const count = server.requests.length;
    expect(await store.getRange("a/c/0/0", { offset: 10, length: 5 })).toEqual(DATA.slice(10, 15));
    expect(server.requests.at(-1)?.headers.range).toBe("bytes=10-14");
    expect(await store.getRange("a/c/0/0", { suffixLength: 7 })).toEqual(DATA.slice(93));
    expect(server.requests.at(-1)?.headers.range).toBe("bytes=-7");
    expect(await store.getRange("a/c/0/0", { offset: 95, length: 50 })).toEqual(DATA.slice(95));
    expect(await store.getRange("a/c/0/0", { suffixLength: 500 })).toEqual(DATA);
    expect(server.requests.length).toBe(count + 4);
  });

  it("returns an empty array for ranges past the end (416)", async () => {
    const store = storeFor("ok");
    expect(await store.getRange("a/c/0/0", { offset: 100, length: 5 })).toEqual(new Uint8Array());
    expect(await store.getRange("empty", { suffixLength: 4 })).toEqual(new Uint8Array());
  });

  it("answers zero-length ranges without a request", async () => {
    const store = storeFor("ok");
    const count = server.requests.length;
    expect(await store.getRange("a/c/0/0", { offset: 3, length: 0 })).toEqual(new Uint8Array());
    expect(await store.getRange("a/c/0/0", { suffixLength: 0 })).toEqual(new Uint8Array());
    expect(server.requests.length).toBe(count);
  });

  it("getRange of a missing key is undefined", async () => {
    expect(await storeFor("ok").getRange("nope", { offset: 0, length: 3 })).toBeUndefined();
  });

  it("rejects bad keys and ranges before any request", async () => {
    const store = storeFor("ok");
    const count = server.requests.length;
    await expect(store.get("../secret")).rejects.toBeInstanceOf(StoreError);
    await expect(store.get("/abs")).rejects.toBeInstanceOf(StoreError);
    await expect(store.getRange("a/c/0/0", { offset: -1, length: 2 })).rejects.toBeInstanceOf(
      RangeError,
    );
    expect(server.requests.length).toBe(count);
  });

  it("is read-only and not listable", () => {
    const store = storeFor("ok");
    expect(isWritable(store)).toBe(false);
    expect(isListable(store)).toBe(false);
  });
});

describe.each(TRANSPORTS)("FetchStore against a misbehaving server (%s transport)", (transport) => {
  const open = opener(transport);
  const storeFor = (mode: string, options?: FetchStoreOptions) =>
    open(`${server.url}${mode}/`, options);

  it("slices a 200 answer to a range request", async () => {
    const store = storeFor("full200");
    expect(await store.getRange("a/c/0/0", { offset: 10, length: 5 })).toEqual(DATA.slice(10, 15));
    expect(await store.getRange("a/c/0/0", { suffixLength: 3 })).toEqual(DATA.slice(97));
    expect(await store.getRange("a/c/0/0", { offset: 98, length: 10 })).toEqual(DATA.slice(98));
  });

  it.each([
    ["bad206", "does not match"],
    ["short206", "the body has 4 bytes"],
    ["nocr206", "no Content-Range"],
  ])("rejects an invalid 206 answer (%s) with a StoreError naming the key", async (mode, text) => {
    const store = storeFor(mode);
    const error = await rejection(store.getRange("a/c/0/0", { offset: 10, length: 5 }));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ key: "a/c/0/0", transient: false });
    expect((error as Error).message).toContain('"a/c/0/0"');
    expect((error as Error).message).toContain(text);
  });

  it("rejects a bad 206 answer to a suffix request", async () => {
    const error = await rejection(storeFor("bad206").getRange("a/c/0/0", { suffixLength: 5 }));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain("expected bytes 95-99/100");
  });

  it.each([500, 503, 429])("status %i → transient StoreError with the status", async (code) => {
    const error = await rejection(storeFor(`status/${code}`).get("a/c/0/0"));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ key: "a/c/0/0", status: code, transient: true });
    const ranged = await rejection(
      storeFor(`status/${code}`).getRange("a/c/0/0", { suffixLength: 2 }),
    );
    expect(ranged).toMatchObject({ status: code, transient: true });
  });

  it("status 400 → non-transient StoreError", async () => {
    const error = await rejection(storeFor("status/400").get("zarr.json"));
    expect(error).toMatchObject({ name: "StoreError", status: 400, transient: false });
  });

  it.each([404, 410])("status %i → undefined", async (code) => {
    const store = storeFor(`status/${code}`);
    expect(await store.get("a/c/0/0")).toBeUndefined();
    expect(await store.getRange("a/c/0/0", { offset: 1, length: 2 })).toBeUndefined();
    expect(await store.getRange("a/c/0/0", { suffixLength: 2 })).toBeUndefined();
  });

  it.each([401, 403])(
    "status %i → AuthorizationError naming key and URL without query",
    async (code) => {
      const store = open(`${server.url}status/${code}/?token=secret`);
      for (const call of [
        () => store.get("a/c/0/0"),
        () => store.getRange("a/c/0/0", { offset: 1, length: 2 }),
        () => store.getRange("a/c/0/0", { suffixLength: 2 }),
      ]) {
        const error = await rejection(call());
        expect(error).toBeInstanceOf(AuthorizationError);
        expect(error).toBeInstanceOf(StoreError);
        expect(error).toMatchObject({
          name: "AuthorizationError",
          code: "ERR_UNAUTHORIZED",
          key: "a/c/0/0",
          status: code,
          transient: false,
        });
        const message = (error as Error).message;
        expect(message).toContain('"a/c/0/0"');
        expect(message).toContain(`${server.url}status/${code}/a/c/0/0`);
        expect(message).not.toContain("secret");
        expect(message).toContain("missingStatuses");
      }
    },
  );

  it("missingStatuses: [403, 404] makes 403 mean missing (public buckets without list permission)", async () => {
    const options = { missingStatuses: [403, 404] };
    const forbidden = storeFor("status/403", options);
    expect(await forbidden.get("a/c/0/0")).toBeUndefined();
    expect(await forbidden.getRange("a/c/0/0", { offset: 1, length: 2 })).toBeUndefined();
    expect(await storeFor("status/404", options).get("a/c/0/0")).toBeUndefined();
    expect(await rejection(storeFor("status/401", options).get("a/c/0/0"))).toBeInstanceOf(
      AuthorizationError,
    );
    // 410 is no longer listed: an ordinary non-transient StoreError
    const gone = await rejection(storeFor("status/410", options).get("a/c/0/0"));
    expect(gone).toMatchObject({ name: "StoreError", status: 410, transient: false });
    expect(await storeFor("ok", options).get("a/c/0/0")).toEqual(DATA);
  });

  it("rejects invalid missingStatuses", () => {
    for (const bad of [[200], [404.5], [600], [Number.NaN]]) {
      expect(() => storeFor("ok", { missingStatuses: bad }), String(bad)).toThrow(RangeError);
    }
  });

  it("abort while waiting for the answer → AbortError naming the key", async () => {
    const store = storeFor("hang");
    const controller = new AbortController();
    const pending = store.get("a/c/0/0", { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(pending);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).key).toBe("a/c/0/0");
  });

  it("abort while reading the body → AbortError", async () => {
    const store = storeFor("stall");
    const controller = new AbortController();
    const pending = store.get("a/c/0/0", { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });

  it("a pre-aborted signal rejects without a request", async () => {
    const store = storeFor("ok");
    const count = server.requests.length;
    const signal = AbortSignal.abort();
    await expect(store.get("a/c/0/0", { signal })).rejects.toBeInstanceOf(AbortError);
    await expect(store.getRange("a/c/0/0", { suffixLength: 1 }, { signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    await expect(
      store.getRange("a/c/0/0", { offset: 0, length: 0 }, { signal }),
    ).rejects.toBeInstanceOf(AbortError);
    expect(server.requests.length).toBe(count);
  });

  it("network failures → transient StoreError with the cause", async () => {
    const cause = new TypeError("fetch failed");
    const store = storeFor("ok", {
      fetch: async () => {
        throw cause;
      },
    });
    const error = await rejection(store.get("zarr.json"));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ key: "zarr.json", transient: true, status: undefined });
    expect((error as StoreError).cause).toBe(cause);
  });

  it("a body cut short of its Content-Length → transient StoreError naming the key", async () => {
    const error = await rejection(storeFor("cut").get("a/c/0/0"));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ key: "a/c/0/0", transient: true });
  });

  it("a body that disagrees with its Content-Length → transient StoreError", async () => {
    for (const [length, re] of [
      [3, /longer than its Content-Length 3/],
      [9, /ended after 5 of its Content-Length 9/],
    ] as const) {
      const store = storeFor("ok", {
        fetch: async () =>
          new Response(new Uint8Array([1, 2, 3, 4, 5]), {
            headers: { "content-length": String(length) },
          }),
      });
      const error = await rejection(store.get("zarr.json"));
      expect(error).toMatchObject({ name: "StoreError", key: "zarr.json", transient: true });
      expect((error as Error).message).toMatch(re);
    }
  });

  it("a closed port → transient StoreError", async () => {
    const other = await startServer(FILES);
    const url = other.url;
    await other.close();
    const error = await rejection(open(url).get("zarr.json"));
    expect(error).toMatchObject({ name: "StoreError", transient: true });
  });
});

describe.each(TRANSPORTS)("FetchStore options (%s transport)", (transport) => {
  const open = opener(transport);
  const storeFor = (mode: string, options?: FetchStoreOptions) =>
    open(`${server.url}${mode}/`, options);

  it("uses the custom fetch for every request and passes the signal", async () => {
    const seen: Array<{ url: string; signal: AbortSignal | null | undefined }> = [];
    const store = storeFor("ok", {
      fetch: (input, init) => {
        seen.push({ url: String(input), signal: init?.signal });
        return fetch(input, init);
      },
    });
    const controller = new AbortController();
    await store.get("zarr.json", { signal: controller.signal });
    await store.getRange("a/c/0/0", { suffixLength: 1 });
    await store.get("missing");
    expect(seen.map((s) => s.url)).toEqual([
      `${server.url}ok/zarr.json`,
      `${server.url}ok/a/c/0/0`,
      `${server.url}ok/missing`,
    ]);
    expect(seen[0]?.signal).toBe(controller.signal);
  });

  it("sends static headers, per-request header functions and requestInit headers", async () => {
    let calls = 0;
    const store = storeFor("ok", {
      headers: () => ({ Authorization: `Bearer token-${++calls}` }),
      requestInit: { headers: { "X-Base": "base", Authorization: "overridden" } },
    });
    await store.get("zarr.json");
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer token-1");
    expect(server.requests.at(-1)?.headers["x-base"]).toBe("base");
    await store.getRange("a/c/0/0", { offset: 0, length: 2 });
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer token-2");
    expect(server.requests.at(-1)?.headers.range).toBe("bytes=0-1");

    const fixed = storeFor("ok", { headers: { "X-Fixed": "1" } });
    await fixed.get("zarr.json");
    expect(server.requests.at(-1)?.headers["x-fixed"]).toBe("1");
    expect(server.requests.at(-1)?.method).toBe("GET");
  });
});
