import { describeError } from "./describe-error.js";
import { lintBatch, runLint, type LintArgs } from "./lint.js";
import { serveBatches, setWorkerScript } from "./pool.js";

/**
 * The entry of the CommonJS bundle that start-up loads for the common
 * command line (see fast-load.ts): the lint command without yargs, and the
 * worker side of the pool. Errors end the run as in main().
 */
export async function runFast(args: LintArgs, workerScript: string): Promise<number> {
  setWorkerScript(workerScript);
  try {
    return await runLint(args);
  } catch (e) {
    process.stderr.write(describeError(e, args.debug) + "\n");
    return 2;
  }
}

/** A pool worker's entry: lint the batches the main thread sends. */
export function workerMain(): void {
  serveBatches(lintBatch);
}
