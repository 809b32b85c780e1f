import { fileURLToPath } from "node:url";
import { main } from "./cli/main.js";
import { setWorkerScript } from "./cli/pool.js";

/**
 * The full command line: every command, through yargs. `layerlint`
 * starts in src/cli/start.ts, which runs the common lint command line
 * without this module and imports it for everything else.
 */
export function run(argv: string[]): Promise<number> {
  // The pool's workers run the lint bundle beside this file.
  setWorkerScript(fileURLToPath(new URL("./cli-fast.cjs", import.meta.url)));
  return main(argv);
}
