import { fileURLToPath } from "node:url";
import { parseFastArgs } from "./cli/fast-args.js";
import { loadFastBundle } from "./cli/fast-load.js";
import { COMMANDS, main } from "./cli/main.js";

// Set by scripts/build.mjs: the content hash of the lint command's bundle (its code cache key).
declare const __LAYERLINT_FAST_BUILD__: string | undefined;

const argv = process.argv.slice(2);
const fastBundle = typeof __LAYERLINT_FAST_BUILD__ === "string" ? fileURLToPath(new URL("./cli-fast.cjs", import.meta.url)) : null;

/**
 * The common command line (`layerlint [files] [--format F] [--fix]`) runs
 * from one pre-compiled bundle without yargs; every other one goes through
 * the command table. Both end in the same lint code.
 */
async function start(): Promise<number> {
  const command = argv[0] !== undefined && Object.prototype.hasOwnProperty.call(COMMANDS, argv[0]) ? argv[0] : null;
  const fastArgs = fastBundle && (command === null || command === "lint") ? parseFastArgs(command ? argv.slice(1) : argv) : null;
  if (fastBundle && fastArgs) return loadFastBundle(fastBundle, String(__LAYERLINT_FAST_BUILD__)).runFast(fastArgs, fastBundle);
  return import("./cli/pool.js").then((pool) => {
    pool.setWorkerScript(fastBundle);
    return main(argv);
  });
}

// Set the exit code and let pending output drain instead of process.exit(),
// which can cut off a large report written to a pipe.
start().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`layerlint: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
