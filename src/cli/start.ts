import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isCommandName } from "./commands.js";
import { parseFastArgs } from "./fast-args.js";
import { loadFastBundle } from "./fast-load.js";

/**
 * Where `layerlint` starts: built to dist/start.cjs, a small CommonJS file,
 * because Node starts a CommonJS main without its ES module loader (a few
 * milliseconds of every run). The common command lines (those
 * parseFastArgs accepts: files or standard input, a format, --fix, --quiet)
 * run from the code-cached lint bundle without yargs; every other one
 * imports the full CLI (dist/cli.js). Both end in the same lint code.
 */

// Set by scripts/build.mjs: the content hash of the lint bundle (its code cache key).
declare const __LAYERLINT_FAST_BUILD__: string;

async function start(argv: string[]): Promise<number> {
  const dist = dirname(fileURLToPath(import.meta.url));
  const command = isCommandName(argv[0]) ? argv[0] : null;
  const fastArgs = command === null || command === "lint" ? parseFastArgs(command ? argv.slice(1) : argv) : null;
  if (fastArgs) {
    const bundle = join(dist, "cli-fast.cjs");
    return loadFastBundle(bundle, __LAYERLINT_FAST_BUILD__).runFast(fastArgs, bundle);
  }
  const cli = (await import(pathToFileURL(join(dist, "cli.js")).href)) as typeof import("../cli.js");
  return cli.run(argv);
}

// Set the exit code and let pending output drain instead of process.exit(),
// which can cut off a large report written to a pipe.
start(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`layerlint: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
