/**
 * FetchStore follows redirects itself (RFC 9110 §15.4): same-origin hops keep every header,
 * cross-origin hops drop the user's headers (or refuse, or keep them, by option). Two loopback
 * servers on different ports are two origins; each records the headers it received.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreError } from "../../../src/core/errors.js";
import { FetchStore, type FetchStoreOptions } from "../../../src/store/fetch.js";
import { opener, TRANSPORTS } from "../../helpers/fetch-transports.js";
import {
  type RecordedRequest,
  serveFiles,
  startRawServer,
  type TestServer,
} from "./http-server.js";

const DATA = new Uint8Array(100).map((_, i) => i);
const FILES = new Map<string, Uint8Array>([
  ["zarr.json", new TextEncoder().encode('{"zarr_format":3}')],
  ["a/c/0/0", DATA],
]);
const CREDENTIALS: FetchStoreOptions = {
  headers: { "X-Api-Key": "key-123", Authorization: "Bearer secret" },
  requestInit: { headers: { "X-Base": "base" } },
};

/**
 * Redirecting routes in front of {@link serveFiles}: `/to-other/<code>/<key>` → `<other>ok/<key>`,
 * `/to-other-back/<key>` → `<other>to-other/302/<key>`, `/rel/<key>` → `../ok/<key>`,
 * `/loop/<key>` → itself, `/chain/<n>/<key>` → `/chain/<n-1>/<key>` (n hops, then served),
 * `/nolocation/<key>` → 302 without Location, `/ftp/<key>` → an ftp: URL.
 */
function router(other: () => string): (req: IncomingMessage, res: ServerResponse) => void {
  const files = serveFiles(FILES);
  return (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const [, mode = "", ...rest] = path.split("/");
    const redirect = (location: string, code = 302) => {
      res.writeHead(code, { Location: location }).end("moved");
    };
    switch (mode) {
      case "to-other": {
        const [code = "302", ...key] = rest;
        return redirect(`${other()}ok/${key.join("/")}`, Number(code));
      }
      case "to-other-back":
        return redirect(`${other()}to-other/302/${rest.join("/")}`);
      case "rel":
        return redirect(`../ok/${rest.join("/")}`);
      case "loop":
        return redirect(path);
      case "chain": {
        const [n = "0", ...key] = rest;
        return Number(n) > 0
          ? redirect(`/chain/${Number(n) - 1}/${key.join("/")}`, 307)
          : files(Object.assign(req, { url: `/ok/${key.join("/")}` }), res);
      }
      case "nolocation":
        res.writeHead(302).end();
        return;
      case "ftp":
        return redirect("ftp://127.0.0.1/x");
      default:
        return files(req, res);
    }
  };
}

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  a = await startRawServer(router(() => b.url));
  b = await startRawServer(router(() => a.url));
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error as StoreError,
  );
}

const credentialsOf = (request: RecordedRequest | undefined) => ({
  apiKey: request?.headers["x-api-key"],
  authorization: request?.headers.authorization,
  base: request?.headers["x-base"],
});
const WITH = { apiKey: "key-123", authorization: "Bearer secret", base: "base" };
const WITHOUT = { apiKey: undefined, authorization: undefined, base: undefined };

describe.each(TRANSPORTS)("FetchStore redirects (%s transport)", (transport) => {
  const open = opener(transport);

  it("the two servers are different origins", () => {
    expect(new URL(a.url).origin).not.toBe(new URL(b.url).origin);
  });

  it("same-origin redirects keep every header; relative Locations are resolved", async () => {
    const store = open(`${a.url}rel/`, CREDENTIALS);
    const count = a.requests.length;
    expect(await store.get("zarr.json")).toEqual(FILES.get("zarr.json"));
    expect(a.requests.slice(count).map((r) => r.url)).toEqual(["/rel/zarr.json", "/ok/zarr.json"]);
    expect(credentialsOf(a.requests.at(-1))).toEqual(WITH);
  });

  it.each([301, 302, 303, 307, 308])(
    "a cross-origin %i drops the user's headers and keeps Range",
    async (code) => {
      const store = open(`${a.url}to-other/${code}/`, CREDENTIALS);
      const countB = b.requests.length;
      expect(await store.get("a/c/0/0")).toEqual(DATA);
      expect(credentialsOf(a.requests.at(-1))).toEqual(WITH);
      expect(b.requests.length).toBe(countB + 1);
      expect(credentialsOf(b.requests.at(-1))).toEqual(WITHOUT);

      expect(await store.getRange("a/c/0/0", { offset: 10, length: 5 })).toEqual(
        DATA.slice(10, 15),
      );
      expect(a.requests.at(-1)?.headers.range).toBe("bytes=10-14");
      expect(b.requests.at(-1)?.headers.range).toBe("bytes=10-14");
      expect(credentialsOf(b.requests.at(-1))).toEqual(WITHOUT);
    },
  );

  it("headers stay dropped when the chain comes back to the first origin", async () => {
    const store = open(`${a.url}to-other-back/`, CREDENTIALS);
    const countA = a.requests.length;
    expect(await store.get("a/c/0/0")).toEqual(DATA);
    const seenByA = a.requests.slice(countA);
    expect(seenByA.map((r) => r.url)).toEqual(["/to-other-back/a/c/0/0", "/ok/a/c/0/0"]);
    expect(credentialsOf(seenByA[0])).toEqual(WITH);
    expect(credentialsOf(seenByA[1])).toEqual(WITHOUT);
  });

  it('crossOriginRedirects: "refuse" → StoreError naming both origins, nothing sent', async () => {
    const store = open(`${a.url}to-other/302/`, {
      ...CREDENTIALS,
      crossOriginRedirects: "refuse",
    });
    const countB = b.requests.length;
    const error = await rejection(store.get("a/c/0/0"));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ key: "a/c/0/0", status: 302, transient: false });
    expect(error.message).toContain(new URL(a.url).origin);
    expect(error.message).toContain(new URL(b.url).origin);
    expect(error.message).toContain("refuse");
    expect(b.requests.length).toBe(countB);
    // same-origin redirects are still followed
    const same = open(`${a.url}rel/`, { crossOriginRedirects: "refuse" });
    expect(await same.get("zarr.json")).toEqual(FILES.get("zarr.json"));
  });

  it('crossOriginRedirects: "keep-headers" sends every header to the other origin', async () => {
    const store = open(`${a.url}to-other/307/`, {
      ...CREDENTIALS,
      crossOriginRedirects: "keep-headers",
    });
    expect(await store.get("a/c/0/0")).toEqual(DATA);
    expect(credentialsOf(b.requests.at(-1))).toEqual(WITH);
  });

  it("follows 20 redirects; 21 or a loop → non-transient StoreError", async () => {
    const store = open(a.url);
    expect(await store.get("chain/20/a/c/0/0")).toEqual(DATA);
    const count = a.requests.length;
    const tooMany = await rejection(store.get("chain/21/a/c/0/0"));
    expect(tooMany).toMatchObject({
      name: "StoreError",
      key: "chain/21/a/c/0/0",
      transient: false,
    });
    expect(tooMany.message).toContain("at most 20");
    expect(a.requests.length - count).toBe(21);

    const loop = await rejection(store.get("loop/x"));
    expect(loop).toMatchObject({ name: "StoreError", key: "loop/x", transient: false });
    expect(loop.message).toContain("loops back");
  });

  it("a redirect without Location, to a non-HTTP URL, or with redirect: 'error' → StoreError", async () => {
    const noLocation = await rejection(open(`${a.url}nolocation/`).get("k"));
    expect(noLocation).toMatchObject({ name: "StoreError", status: 302, transient: false });
    const ftp = await rejection(open(`${a.url}ftp/`).get("k"));
    expect(ftp).toMatchObject({ name: "StoreError", status: 302, transient: false });
    expect(ftp.message).toContain("ftp:");
    const refused = await rejection(
      open(`${a.url}rel/`, { requestInit: { redirect: "error" } }).get("zarr.json"),
    );
    expect(refused).toMatchObject({ name: "StoreError", transient: false });
    expect(refused.message).toContain('redirect is "error"');
  });

  it("rejects an unknown crossOriginRedirects value", () => {
    expect(() =>
      open(a.url, {
        crossOriginRedirects: "follow" as FetchStoreOptions["crossOriginRedirects"],
      }),
    ).toThrow(RangeError);
  });
});

describe("FetchStore redirects in browsers (opaque redirects)", () => {
  /** A stand-in for a browser fetch: `redirect: "manual"` gives an opaque answer. */
  function browserFetch(log: RequestRedirect[]): typeof fetch {
    return async (_input, init) => {
      log.push(init?.redirect ?? "follow");
      if (init?.redirect === "manual") {
        return {
          type: "opaqueredirect",
          status: 0,
          ok: false,
          headers: new Headers(),
          body: null,
        } as unknown as Response;
      }
      if (init?.redirect === "error") throw new TypeError("Failed to fetch");
      return new Response(DATA, { headers: { "Content-Length": String(DATA.length) } });
    };
  }

  it("lets the browser follow (and apply CORS), and keeps doing so for later requests", async () => {
    const log: RequestRedirect[] = [];
    const store = new FetchStore("https://data.example/", { fetch: browserFetch(log) });
    expect(await store.get("a/c/0/0")).toEqual(DATA);
    expect(log).toEqual(["manual", "follow"]);
    expect(await store.getRange("a/c/0/0", { offset: 1, length: 2 })).toEqual(DATA.slice(1, 3));
    expect(log).toEqual(["manual", "follow", "follow"]);
  });

  it('"refuse" refuses a redirect whose target the browser hides', async () => {
    const log: RequestRedirect[] = [];
    const store = new FetchStore("https://data.example/", {
      fetch: browserFetch(log),
      crossOriginRedirects: "refuse",
    });
    const error = await rejection(store.get("a/c/0/0"));
    expect(error).toMatchObject({ name: "StoreError", key: "a/c/0/0", transient: false });
    expect(error.message).toContain("cannot be checked");
    expect(log).toEqual(["manual"]);
  });
});
