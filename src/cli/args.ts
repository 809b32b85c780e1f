import type { Argv } from "yargs";
import { UsageError } from "../errors.js";

/**
 * The command-line conventions every command shares: `-h/--help`, unknown
 * options refused, a repeatable option takes one value per flag (so
 * `--changed a.ts Dockerfile` never swallows the Dockerfile), and a
 * mistake becomes a one-line UsageError (exit 2) instead of yargs exiting.
 */
export function strictCommandLine<T>(y: Argv<T>): Argv<T> {
  return y
    .help()
    .alias("h", "help")
    .strictOptions()
    .parserConfiguration({ "greedy-arrays": false })
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(msg || err?.message || "invalid arguments");
    });
}
