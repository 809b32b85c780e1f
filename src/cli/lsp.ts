import { format } from "node:util";
import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { rules } from "../../rules/index.js";
import { UsageError } from "../errors.js";
import { startServer } from "../lsp/server.js";
import { version } from "../version.js";

const USAGE = `Usage: layerlint lsp [--stdio | --node-ipc | --socket=PORT | --pipe=NAME]

Runs layerlint as a language server (diagnostics, quick fixes,
source.fixAll.layerlint on save, hovers). Talks over standard input and
output unless another transport is named. Editor setups: docs/editors.md.
`;

const TRANSPORTS = /^--(stdio|node-ipc|socket=\d+|pipe=.+|clientProcessId=\d+)$/;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (argv.includes("--version") || argv.includes("-v")) {
    process.stdout.write(version() + "\n");
    return 0;
  }
  const unknown = argv.find((a) => !TRANSPORTS.test(a));
  if (unknown !== undefined) throw new UsageError(`lsp: unknown argument "${unknown}" (layerlint lsp --help)`);
  const viaStdio = !argv.some((a) => /^--(node-ipc|socket=|pipe=)/.test(a));
  // The library reads the other transports from the process arguments itself.
  const connection = viaStdio
    ? createConnection(ProposedFeatures.all, process.stdin, process.stdout)
    : createConnection(ProposedFeatures.all);
  if (viaStdio) {
    // Standard output carries the protocol: a stray console.log would corrupt it, so it goes to the client's log.
    console.log = console.info = console.debug = (...args: unknown[]) => connection.console.log(format(...args));
    console.warn = (...args: unknown[]) => connection.console.warn(format(...args));
    console.error = (...args: unknown[]) => connection.console.error(format(...args));
  }
  // A bug must cost one request, never the editor's server: log it and go on.
  process.on("uncaughtException", (e) => connection.console.error(`layerlint: uncaught: ${e.stack ?? e.message}`));
  process.on("unhandledRejection", (e) => connection.console.error(`layerlint: unhandled rejection: ${String(e)}`));
  startServer(connection, { rules, version: version() });
  // The connection keeps the process alive; it exits when the client sends `exit`.
  return new Promise<number>(() => undefined);
}
