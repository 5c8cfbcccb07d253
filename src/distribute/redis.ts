/**
 * Redis clients for BullMQ. BullMQ 6's ES module build cannot load `ioredis` from connection
 * options (it has no `require`), so the BullMQ objects here get a client made by us: an `ioredis`
 * client loaded through `createRequire` (ioredis is a CommonJS package and an optional peer
 * dependency of BullMQ: `npm install ioredis`).
 * @module
 */
import { createRequire } from "node:module";
import { QueueError } from "./errors.js";

/** Where Redis listens. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/** The part of an ioredis client used here (BullMQ takes the client itself). */
export interface RedisClient {
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: "error", listener: (e: Error) => void): unknown;
}

type RedisConstructor = new (options: Record<string, unknown>) => RedisClient;

/** Loads the ioredis constructor. @throws QueueError when ioredis is not installed. */
function ioredis(): RedisConstructor {
  try {
    const mod = createRequire(import.meta.url)("ioredis") as {
      default?: RedisConstructor;
      Redis?: RedisConstructor;
    };
    const ctor = mod.Redis ?? mod.default ?? (mod as unknown as RedisConstructor);
    if (typeof ctor !== "function") throw new TypeError("no Redis constructor");
    return ctor;
  } catch (e) {
    throw new QueueError(
      `the Redis client "ioredis" cannot be loaded (${e instanceof Error ? e.message : String(e)}): install it beside bullmq (npm install ioredis)`,
      { cause: e },
    );
  }
}

/** True when ioredis can be loaded (tests skip without it). */
export function hasRedisClient(): boolean {
  try {
    ioredis();
    return true;
  } catch {
    return false;
  }
}

/**
 * A new ioredis client for a BullMQ object (`maxRetriesPerRequest: null`, as BullMQ workers
 * require). Errors are left to the BullMQ object it is given to (it listens); until then a no-op
 * listener keeps a refused connection from being an unhandled `error` event.
 * @throws QueueError when ioredis is not installed.
 */
export function redisClient(address: RedisAddress): RedisClient {
  const Redis = ioredis();
  const client = new Redis({
    host: address.host,
    port: address.port,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
  });
  client.on("error", () => undefined);
  return client;
}

/** Quits clients (ignoring clients whose connection is gone). */
export async function quitAll(clients: readonly RedisClient[]): Promise<void> {
  await Promise.all(
    clients.map((c) =>
      c.quit().then(
        () => undefined,
        () => c.disconnect(),
      ),
    ),
  );
}
