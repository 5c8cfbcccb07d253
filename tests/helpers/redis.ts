/**
 * A throwaway Redis server for tests: `redis-server` on a free loopback port, no persistence,
 * stopped by `stop()`. `startRedis()` resolves `undefined` (with the reason in `redisProblem`)
 * when there is no `redis-server` or it does not answer, so tests can skip and say why.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer, Socket } from "node:net";

/** A running test Redis. */
export interface TestRedis {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:PORT/NAME` */
  url(queue: string): string;
  stop(): Promise<void>;
}

/** Why the last {@link startRedis} gave `undefined`. */
export let redisProblem = "";

/** The path of `redis-server`, or undefined. */
export function redisServerPath(): string | undefined {
  for (const p of [process.env.REDIS_SERVER, "redis-server", "/usr/bin/redis-server"]) {
    if (!p) continue;
    const r = spawnSync(p, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return p;
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (bound and released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** One PING over a raw socket: true on `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    let text = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once("error", () => done(false));
    sock.on("data", (d) => {
      text += d.toString();
      if (text.includes("\r\n")) done(text.startsWith("+PONG"));
    });
    sock.connect(port, "127.0.0.1", () => sock.write("PING\r\n"));
  });
}

/** Starts `redis-server` on a free port; `undefined` (see {@link redisProblem}) when it cannot. */
export async function startRedis(): Promise<TestRedis | undefined> {
  const bin = redisServerPath();
  if (!bin) {
    redisProblem = "no redis-server on PATH";
    return undefined;
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  for (let i = 0; i < 100 && !exited; i++) {
    if (await ping(port)) {
      return {
        host: "127.0.0.1",
        port,
        url: (queue) => `redis://127.0.0.1:${port}/${queue}`,
        stop: () =>
          new Promise<void>((resolve) => {
            if (exited) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  redisProblem = exited ? "redis-server exited at start" : "redis-server did not answer PING";
  return undefined;
}
