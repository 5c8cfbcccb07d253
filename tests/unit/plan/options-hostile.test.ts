/**
 * Plan and execution options are checked, not silently accepted: `plan()` options when the plan
 * is built, `read` / `stream` / `resolve` / `LazyArray.read` options when an execution starts
 * (before any request), with an `OptionsError` naming each option and value.
 */
import { describe, expect, it } from "vitest";
import { OptionsError } from "../../../src/core/errors.js";
import { plan } from "../../../src/exec/api.js";
import { Context } from "../../../src/exec/context.js";
import { openArray, type ZarrArray } from "../../../src/hierarchy/index.js";
import { CountingStore } from "../../../src/store/counting.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iotaArray } from "../../helpers/plan-arrays.js";

async function setup(): Promise<{ c: CountingStore; a: ZarrArray }> {
  const mem = new MemoryStore();
  await iotaArray(mem, "a", { shape: [8], chunks: [2] });
  const c = new CountingStore(mem);
  const a = await openArray(c, "a");
  c.reset();
  return { c, a };
}

function optionsError(f: () => unknown): OptionsError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OptionsError);
    return e as OptionsError;
  }
  throw new Error("expected an OptionsError");
}

async function rejection(p: Promise<unknown>): Promise<OptionsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(OptionsError);
    return e as OptionsError;
  }
  throw new Error("expected an OptionsError");
}

/** [options, the option the error names, the value it reports]. */
const common: [Record<string, unknown>, string, unknown][] = [
  [{ concurrency: 0 }, "concurrency", 0],
  [{ concurrency: -1 }, "concurrency", -1],
  [{ concurrency: 0.5 }, "concurrency", 0.5],
  [{ concurrency: Number.NaN }, "concurrency", Number.NaN],
  [{ concurrency: "4" }, "concurrency", "4"],
  [{ decodeConcurrency: 0 }, "decodeConcurrency", 0],
  [{ retry: { retries: -1 } }, "retry.retries", -1],
  [{ retry: { retries: Number.NaN } }, "retry.retries", Number.NaN],
  [{ retry: { retries: 1.5 } }, "retry.retries", 1.5],
  [{ retry: { baseDelayMs: -1 } }, "retry.baseDelayMs", -1],
  [{ retry: { maxDelayMs: Number.NaN } }, "retry.maxDelayMs", Number.NaN],
  [{ retry: { maxTotalMs: -1 } }, "retry.maxTotalMs", -1],
  [{ retry: { tries: 3 } }, "retry.tries", 3],
  [{ retry: 3 }, "retry", 3],
  [{ timeoutMs: -5 }, "timeoutMs", -5],
  [{ timeoutMs: Number.NaN }, "timeoutMs", Number.NaN],
  [{ timeoutMs: Number.POSITIVE_INFINITY }, "timeoutMs", Number.POSITIVE_INFINITY],
  [{ concurency: 4 }, "concurency", 4],
];

describe("plan() options", () => {
  const plans: [Record<string, unknown>, string, unknown][] = [
    ...common,
    [{ maxGap: -1 }, "maxGap", -1],
    [{ maxSize: Number.NaN }, "maxSize", Number.NaN],
  ];

  it.each(plans)("%j → OptionsError naming %s", async (options, option, value) => {
    const { a } = await setup();
    const e = optionsError(() => plan({ a: a.lazy() }, options as never));
    expect(e.code).toBe("ERR_OPTIONS");
    expect(e.call).toBe("plan");
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]!.option).toBe(option);
    expect(e.issues[0]!.value).toEqual(value);
    expect(e.message).toContain(`${option}: `);
  });

  it("with() cannot make the options invalid", async () => {
    const { a } = await setup();
    const p = plan({ a: a.lazy() }, { concurrency: 2 });
    const e = optionsError(() =>
      p.with((d) => {
        d.options.concurrency = 0;
      }),
    );
    expect(e.issues[0]!.option).toBe("concurrency");
  });

  it("valid options are accepted (0 is a valid gap, size, timeout, retry count and delay)", async () => {
    const { a } = await setup();
    const p = plan(
      { a: a.lazy() },
      {
        concurrency: 1,
        maxGap: 0,
        maxSize: 0,
        timeoutMs: 0,
        retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
      },
    );
    expect(Array.from((await p.read()).a!.data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe("execution options", () => {
  const executions: [Record<string, unknown>, string, unknown][] = [
    ...common,
    [{ signal: {} }, "signal", {}],
    [{ signal: "stop" }, "signal", "stop"],
    [{ signal: { aborted: false, addEventListener() {} } }, "signal", undefined],
    [{ maxGap: 0 }, "maxGap", 0],
  ];

  it.each(executions)(
    "%j → OptionsError naming %s, before any request",
    async (options, option) => {
      const { c, a } = await setup();
      const p = plan({ a: a.lazy() });
      const errors = [
        await rejection(p.read(options as never)),
        optionsError(() => p.stream(options as never)),
        await rejection(p.resolve(options as never)),
        await rejection(a.lazy().read(options as never)),
        await rejection(
          a
            .lazy()
            .get(0)
            .read(options as never),
        ),
      ];
      expect(errors.map((e) => e.call)).toEqual(["read", "stream", "resolve", "read", "read"]);
      for (const e of errors) {
        expect(e.issues.map((i) => i.option)).toEqual([option]);
        expect(e.message).toContain(`${option}: `);
      }
      expect(c.requests).toBe(0);
    },
  );

  it("engine calls made directly are checked too", async () => {
    const { c, a } = await setup();
    const context = new Context();
    const p = plan({ a: a.lazy() }, { context });
    await expect(context.readPlan(p, { concurrency: 0 })).rejects.toThrow(OptionsError);
    await expect(context.resolvePlan(p, { retry: { retries: -1 } })).rejects.toThrow(
      /retry\.retries/,
    );
    expect(c.requests).toBe(0);
    context.close();
  });

  it("an AbortSignal from another realm-like object works", async () => {
    const { a } = await setup();
    const ac = new AbortController();
    const signal = {
      get aborted() {
        return ac.signal.aborted;
      },
      get reason() {
        return ac.signal.reason;
      },
      addEventListener: ac.signal.addEventListener.bind(ac.signal),
      removeEventListener: ac.signal.removeEventListener.bind(ac.signal),
    };
    const out = await plan({ a: a.lazy() }).read({ signal: signal as AbortSignal });
    expect(out.a!.shape).toEqual([8]);
  });
});
