import { UsageError } from "../errors.js";
import { RuleError } from "../engine/runner.js";

/**
 * The command table. Each command is its own module, imported only when
 * it runs, so `layerlint Dockerfile` never loads the language server.
 * A command module exports `run(argv): Promise<number>` (the exit code).
 */
export const COMMANDS: Readonly<Record<string, { describe: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }>> = {
  lint: { describe: "lint Dockerfiles (the default command)", load: () => import("./lint.js") },
};

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  try {
    const name = argv[0] && Object.prototype.hasOwnProperty.call(COMMANDS, argv[0]) ? argv[0] : "lint";
    const rest = name === argv[0] ? argv.slice(1) : argv;
    const command = await COMMANDS[name].load();
    return await command.run(rest);
  } catch (e) {
    process.stderr.write(describeError(e, debug) + "\n");
    return 2;
  }
}

export function describeError(e: unknown, debug: boolean): string {
  if (debug && e instanceof Error && e.stack) return `layerlint: ${e.stack}`;
  if (e instanceof UsageError) return `layerlint: ${e.describe()}`;
  if (e instanceof RuleError) return `layerlint: internal error: ${e.message} (please report it; --debug shows the stack)`;
  const msg = e instanceof Error ? e.message : String(e);
  return `layerlint: internal error: ${msg.split("\n")[0]} (--debug shows the stack)`;
}
