import type { LintArgs } from "./lint.js";

/**
 * The command lines a pre-commit hook, a CI step or an editor on save sends
 * on every run: `layerlint [files...] [--format|-f F] [--fix] [--quiet|-q]
 * [--stdin] [--stdin-filename F] [-]`. Parsing them by hand keeps yargs
 * (about 45 ms to load) off the common path. Anything else returns null and
 * goes through yargs, so help, errors and every other option keep yargs'
 * exact behaviour; a test checks that both parsers agree on every command
 * line this one accepts.
 */
export function parseFastArgs(argv: readonly string[]): LintArgs | null {
  const paths: string[] = [];
  let format: string | undefined;
  let stdinFilename: string | undefined;
  let fix = false;
  let quiet = false;
  let stdin = false;
  let dash = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // A repeated flag or option becomes an array in yargs: leave it to yargs.
    if (arg === "--fix") {
      if (fix) return null;
      fix = true;
    } else if (arg === "--quiet" || arg === "-q") {
      if (quiet) return null;
      quiet = true;
    } else if (arg === "--stdin") {
      if (stdin) return null;
      stdin = true;
    } else if (arg === "-") {
      dash = true;
    } else if (VALUE_OPTIONS.has(arg) || arg.startsWith("--format=") || arg.startsWith("--stdin-filename=")) {
      // `--format json` or `--format=json`; `-f=json` is left to yargs.
      const inline = arg.indexOf("=");
      const value = inline === -1 ? argv[++i] : arg.slice(inline + 1);
      if (!isPlainValue(value)) return null;
      if (arg.startsWith("--stdin-filename")) {
        if (stdinFilename !== undefined) return null;
        stdinFilename = value;
      } else {
        if (format !== undefined) return null;
        format = value;
      }
    } else if (isPlainValue(arg)) {
      paths.push(arg);
    } else {
      return null;
    }
  }
  // yargs drops a lone "-"; parseLintArgs appends it once, after the other paths.
  if (dash) paths.push("-");
  return {
    paths,
    format: format ?? "stylish",
    fix,
    fixDryRun: false,
    fixUnsafe: false,
    rule: [],
    buildArg: [],
    stdin,
    ...(stdinFilename === undefined ? {} : { stdinFilename }),
    quiet,
    listRules: false,
    debug: false,
  };
}

/** The options of the fast path that take a value. */
const VALUE_OPTIONS: ReadonlySet<string> = new Set(["--format", "-f", "--stdin-filename"]);

/**
 * A token yargs would take as a plain string: not an option, not `-`
 * (standard input), not `true`/`false` (a boolean flag before it would
 * take it as its value) and not something it might read as a number.
 */
function isPlainValue(value: string | undefined): value is string {
  if (value === undefined || value === "" || value.startsWith("-") || value === "true" || value === "false") return false;
  return !/^\s*[+-]?(\d+(?:\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i.test(value) && !/^0x[0-9a-f]+$/i.test(value);
}
