/**
 * Queue URLs (`redis://HOST:PORT[/NAME]`) and the code a failed job carries in its
 * `failedReason`: no Redis needed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { failureText, isPermanent, parseFailure } from "../../src/distribute/errors.js";
import {
  DEFAULT_QUEUE_NAME,
  PartitionError,
  parseQueueUrl,
  QueueError,
} from "../../src/distribute/index.js";
import {
  checkJobData,
  checkStatsSize,
  decodeArray,
  encodeArrays,
} from "../../src/distribute/job.js";
import { AbortError, dataType, StoreError, statsOf, ZarrPlanError } from "../../src/index.js";

const float64 = dataType("float64");
const int32 = dataType("int32");

describe("parseQueueUrl", () => {
  it("reads host, port and queue name; the name defaults to zarr-plan", () => {
    expect(parseQueueUrl("redis://127.0.0.1:6379")).toEqual({
      connection: { host: "127.0.0.1", port: 6379 },
      queue: DEFAULT_QUEUE_NAME,
    });
    expect(parseQueueUrl("redis://redis.internal:7000/cube-stats")).toEqual({
      connection: { host: "redis.internal", port: 7000 },
      queue: "cube-stats",
    });
    expect(parseQueueUrl("redis://[::1]:6380/q").connection).toEqual({ host: "::1", port: 6380 });
  });

  it.each([
    ["http://127.0.0.1:6379", "scheme"],
    ["redis://127.0.0.1", "no port"],
    ["redis:///q", "no host"],
    ["redis://user:pw@127.0.0.1:6379", "credentials"],
    ["redis://127.0.0.1:6379/a:b", "queue name"],
    ["redis://127.0.0.1:6379/q?db=1", "query"],
    ["redis://127.0.0.1:99999", "not a URL"],
    ["not a url", "not a URL"],
  ])("refuses %s (%s) with a QueueError naming the URL", (text, why) => {
    let error: unknown;
    try {
      parseQueueUrl(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueueError);
    expect((error as QueueError).code).toBe("ERR_QUEUE");
    expect((error as QueueError).url).toBe(text);
    expect((error as Error).message).toContain(JSON.stringify(text));
    expect((error as Error).message).toContain(why);
  });

  it("round-trips any valid host, port and name", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("127.0.0.1", "localhost", "redis-1.example"),
        fc.integer({ min: 1, max: 65535 }),
        fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/).filter((s) => s !== "." && s !== ".."),
        (host, port, name) => {
          expect(parseQueueUrl(`redis://${host}:${port}/${name}`)).toEqual({
            connection: { host, port },
            queue: name,
          });
        },
      ),
    );
  });
});

describe("failures through a job's failedReason", () => {
  it("carries the code and message of a zarr-plan error", () => {
    const e = new ZarrPlanError("ERR_CODEC", 'corrupt chunk "c/0/0" of "a"');
    expect(parseFailure(failureText(e))).toEqual({ code: "ERR_CODEC", message: e.message });
  });

  it("gives ERR_QUEUE to reasons without a known code", () => {
    expect(parseFailure("job stalled more than allowable limit")).toEqual({
      code: "ERR_QUEUE",
      message: "job stalled more than allowable limit",
    });
    expect(parseFailure("ERR_NOPE: x").code).toBe("ERR_QUEUE");
  });

  it("retries transient store failures and aborts, not corrupt data", () => {
    expect(isPermanent(new ZarrPlanError("ERR_CODEC", "x"))).toBe(true);
    expect(isPermanent(new StoreError("x", { key: "k", transient: false }))).toBe(true);
    expect(isPermanent(new StoreError("x", { key: "k", transient: true }))).toBe(false);
    expect(isPermanent(new AbortError())).toBe(false);
    expect(isPermanent(new Error("crash"))).toBe(false);
  });

  it("PartitionError keeps the partition's code", () => {
    const e = new PartitionError("ERR_CODEC", "partition 2 failed", {
      partition: 2,
      jobId: "j",
      attemptsMade: 1,
    });
    expect(e).toBeInstanceOf(ZarrPlanError);
    expect([e.code, e.partition, e.jobId, e.name]).toEqual(["ERR_CODEC", 2, "j", "PartitionError"]);
  });
});

describe("job data and results", () => {
  it("encodes outputs as base64 .npy and back", () => {
    const a = {
      dtype: float64,
      shape: [2, 3],
      strides: [3, 1],
      data: Float64Array.from([1, 2, Number.NaN, 4, 5, 6]),
    };
    const back = decodeArray(encodeArrays({ a } as never, 1 << 20, 0).a!);
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data as Float64Array)).toEqual(Array.from(a.data));
  });

  it("refuses outputs over the result limit with ERR_TOO_LARGE naming write plans", () => {
    const a = { dtype: int32, shape: [100], strides: [1], data: new Int32Array(100) };
    expect(() => encodeArrays({ a } as never, 399, 4)).toThrow(
      expect.objectContaining({
        code: "ERR_TOO_LARGE",
        message: expect.stringContaining("write plan"),
      }),
    );
  });

  it("bounds statistics results: 56 bytes per position", () => {
    const a = { dtype: int32, shape: [4, 10], strides: [10, 1], data: new Int32Array(40) };
    const stats = { a: statsOf(a as never, { axis: 0 }) };
    expect(() => checkStatsSize(stats, 560, 0)).not.toThrow();
    expect(() => checkStatsSize(stats, 559, 1)).toThrow(
      expect.objectContaining({
        code: "ERR_TOO_LARGE",
        message: expect.stringContaining("partition 1"),
      }),
    );
  });

  it("refuses job data that is not a partition job", () => {
    for (const data of [null, 3, { kind: "x" }, { kind: "partition", file: {}, partition: -1 }]) {
      expect(() => checkJobData(data, "7")).toThrow(QueueError);
    }
  });
});
