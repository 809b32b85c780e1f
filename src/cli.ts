import { main } from "./cli/main.js";

// Set the exit code and let pending output drain instead of process.exit(),
// which can cut off a large report written to a pipe.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`layerlint: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
