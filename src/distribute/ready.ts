/**
 * Waiting for a BullMQ object's Redis connection, with a deadline (ioredis otherwise retries
 * forever while Redis is away).
 * @module
 */
import { QueueError } from "./errors.js";

/** How long {@link readyWithin} waits by default, in ms. */
export const READY_TIMEOUT_MS = 10_000;

/**
 * Resolves once `target.waitUntilReady()` does.
 * @throws QueueError (`ERR_QUEUE`) naming `where` when Redis has not answered within `ms`.
 */
export async function readyWithin(
  target: { waitUntilReady(): Promise<unknown> },
  ms: number,
  where: string,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new QueueError(`${where}: Redis did not answer within ${ms} ms`)),
      ms,
    );
  });
  try {
    await Promise.race([
      target.waitUntilReady().catch((e: unknown) => {
        throw new QueueError(`${where}: Redis does not answer (${String(e)})`, { cause: e });
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
