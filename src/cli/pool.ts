import { createRequire } from "node:module";
import { UsageError } from "../errors.js";
import type { LoadedConfig } from "../engine/config.js";
import { RuleError } from "../engine/runner.js";
import type { FileReport } from "../formatters/index.js";
import type { SourceText } from "../read.js";
import type { LintArgs } from "./lint.js";
import type { Build } from "../builds/index.js";

/**
 * Lints many files on worker threads. The pool is opt-in: on two cores it
 * does not beat the serial loop (2,000 files: 1.83 s serial against 2.04 s
 * with one worker beside the main thread, bench/many.mjs), because a serial
 * run already keeps 1.7 cores busy with V8's compiler and garbage-collector
 * threads, and each worker compiles and warms up its own copy of the
 * linter. A default must not make a run slower.
 *
 * The main thread reads every file first (so a missing file fails the run
 * before anything is linted, as in the serial loop), then lints batches
 * itself while the workers lint others, and puts the results back in file
 * order, so the report is the same as the serial one.
 *
 * `LAYERLINT_WORKERS=N` sets the number of workers besides the main thread
 * (0 or unset: serial; any N >= 1 uses the pool even for a few files, which
 * tests rely on).
 */

export interface PoolInput {
  path: string;
  source: SourceText;
  /** The linted root the file was found under (fixes are written only inside it). */
  root: string;
  /** The builds to lint it with, discovered by the main thread (workers never read configuration files). */
  builds?: Build[];
}

export interface PooledResult {
  report: FileReport;
  warnings: string[];
}

/** What a worker needs to build the same lint options as the main thread. */
interface WorkerSetup {
  args: LintArgs;
  config: LoadedConfig | undefined;
}

type WorkerRequest = { batch: number; inputs: PoolInput[] };
type SerializedError = { kind: "usage" | "rule" | "other"; message: string; path?: string; ruleId?: string; cause?: string; stack?: string };
type WorkerReply = { batch: number; results: PooledResult[] } | { batch: number; error: SerializedError };

// node:os and node:worker_threads are loaded only when a run is big enough to need them: one file must not pay for them.
const nodeRequire = createRequire(import.meta.url);
const threads = (): typeof import("node:worker_threads") => nodeRequire("node:worker_threads") as typeof import("node:worker_threads");

/** The script a worker runs: the bundled CLI module that exports `workerMain`. Unset (no pool) when running from source. */
let workerScript: string | null = null;

export function setWorkerScript(path: string | null): void {
  workerScript = path;
}

/** How many workers to use for `files` files (0: lint serially). */
export function poolSize(files: number): number {
  if (!workerScript || files === 0) return 0;
  const setting = process.env.LAYERLINT_WORKERS;
  if (setting === undefined || !/^\d+$/.test(setting.trim())) return 0;
  return Math.min(Number(setting), files);
}

/** Lints `inputs` on `size` workers and on this thread (with `lintHere`); the results are in input order. */
export async function lintInPool(
  inputs: readonly PoolInput[],
  setup: WorkerSetup,
  size: number,
  lintHere: (inputs: PoolInput[]) => Promise<PooledResult[]>,
): Promise<PooledResult[]> {
  if (!workerScript) throw new Error("the worker pool needs the bundled CLI");
  const script = workerScript;
  const { Worker } = threads();
  // Small batches balance the load over the workers and this thread; not so small that messaging dominates.
  const batchSize = Math.max(4, Math.min(64, Math.ceil(inputs.length / ((size + 1) * 8))));
  const batches: PoolInput[][] = [];
  for (let i = 0; i < inputs.length; i += batchSize) batches.push(inputs.slice(i, i + batchSize));
  const results: PooledResult[][] = new Array(batches.length);
  const failures: { batch: number; error: SerializedError }[] = [];
  let next = 0;
  /** The next batch to lint, or null when none is left (after a failure, only the batches before it still run, as the serial loop would have linted them). */
  const take = (): number | null => {
    const limit = failures.length > 0 ? Math.min(...failures.map((f) => f.batch)) : batches.length;
    return next < limit ? next++ : null;
  };

  const runWorker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(`require(${JSON.stringify(script)}).workerMain();`, { eval: true, workerData: setup });
      let pending = 0;
      const feed = (): void => {
        const batch = take();
        if (batch === null) {
          if (pending === 0) void worker.terminate().then(() => resolve(), reject);
          return;
        }
        pending++;
        worker.postMessage({ batch, inputs: batches[batch] } satisfies WorkerRequest);
      };
      worker.on("message", (reply: WorkerReply) => {
        pending--;
        if ("error" in reply) failures.push(reply);
        else results[reply.batch] = reply.results;
        feed();
      });
      worker.on("error", reject);
      // Two batches in flight: a worker never waits for this thread, which is busy linting between messages.
      feed();
      feed();
    });

  const runHere = async (): Promise<void> => {
    for (let batch = take(); batch !== null; batch = take()) {
      try {
        results[batch] = await lintHere(batches[batch]);
      } catch (e) {
        failures.push({ batch, error: serializeError(e) });
      }
      // Let the workers' replies in, so that they are fed while this thread lints.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };

  await Promise.all([...Array.from({ length: Math.min(size, batches.length) }, runWorker), runHere()]);
  if (failures.length > 0) {
    // The serial loop stops at the first failing file: report that one.
    failures.sort((a, b) => a.batch - b.batch);
    throw deserializeError(failures[0].error);
  }
  return results.flat();
}

/**
 * The worker's side: lint each batch with the same function as the serial
 * loop and send the reports back. Runs inside the bundled CLI module.
 */
export function serveBatches(lintBatch: (inputs: PoolInput[], setup: WorkerSetup) => Promise<PooledResult[]>): void {
  const { parentPort, workerData } = threads();
  if (!parentPort) throw new Error("serveBatches runs in a worker thread");
  const port = parentPort;
  const setup = workerData as WorkerSetup;
  port.on("message", (request: WorkerRequest) => {
    lintBatch(request.inputs, setup).then(
      (results) => port.postMessage({ batch: request.batch, results } satisfies WorkerReply),
      (e: unknown) => port.postMessage({ batch: request.batch, error: serializeError(e) } satisfies WorkerReply),
    );
  });
}

function serializeError(e: unknown): SerializedError {
  if (e instanceof UsageError) return { kind: "usage", message: e.message, path: e.path, stack: e.stack };
  if (e instanceof RuleError) return { kind: "rule", message: e.message, ruleId: e.ruleId, cause: e.cause instanceof Error ? e.cause.message : String(e.cause), stack: e.stack };
  return { kind: "other", message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined };
}

function deserializeError(s: SerializedError): Error {
  const e = s.kind === "usage" ? new UsageError(s.message, s.path) : s.kind === "rule" ? new RuleError(s.ruleId ?? "?", new Error(s.cause)) : new Error(s.message);
  if (s.stack) e.stack = s.stack;
  return e;
}
