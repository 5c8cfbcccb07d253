/**
 * Awaiting several concurrent inner-chunk tasks without leaving a promise unobserved.
 * @module
 */

/**
 * Waits until every task has settled, then resolves with their results in order, or rejects
 * with the first rejection (the earliest in time). Unlike `Promise.all`, it never returns while
 * a task is still running (no decode keeps writing into a buffer its caller has given up on),
 * and every task has a rejection handler from the start, so a second failure is never an
 * unhandled rejection.
 *
 * Callers must start the tasks with nothing that can throw between the first start and this
 * call (do synchronous work first, or start each task through an `async` function, which turns
 * a synchronous throw into a rejection).
 */
export async function awaitAll<T>(tasks: readonly Promise<T>[]): Promise<T[]> {
  let failure: { readonly error: unknown } | undefined;
  const results = await Promise.all(
    tasks.map((t) =>
      t.then(undefined, (error: unknown) => {
        failure ??= { error };
        return undefined;
      }),
    ),
  );
  if (failure) throw failure.error;
  return results as T[];
}
