import { isCommandName, type CommandName } from "./commands.js";
import { describeError } from "./describe-error.js";

export { describeError };

/**
 * The command table. Each command is its own module, imported only when
 * it runs, so `layerlint Dockerfile` never loads the language server.
 * A command module exports `run(argv): Promise<number>` (the exit code).
 */
export const COMMANDS: Readonly<Record<CommandName, { describe: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }>> = {
  lint: { describe: "lint Dockerfiles (the default command)", load: () => import("./lint.js") },
  explain: { describe: "show each step's cache key and what a change re-runs", load: () => import("./explain.js") },
  lsp: { describe: "run the language server (--stdio)", load: () => import("./lsp.js") },
  why: { describe: "why each step of a real build ran, from its log (--log)", load: () => import("./why.js") },
  impact: { describe: "how often each step re-ran over the git history, before and after fixes", load: () => import("./impact.js") },
};

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  try {
    const name = isCommandName(argv[0]) ? argv[0] : "lint";
    const rest = name === argv[0] ? argv.slice(1) : argv;
    const command = await COMMANDS[name].load();
    return await command.run(rest);
  } catch (e) {
    process.stderr.write(describeError(e, debug) + "\n");
    return 2;
  }
}
