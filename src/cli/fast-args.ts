import type { LintArgs } from "./lint.js";

/**
 * The command lines a pre-commit hook or an editor sends on every run:
 * `layerlint [files...] [--format|-f stylish|json|...] [--fix]`. Parsing
 * them by hand keeps yargs (about 45 ms to load) off the common path.
 * Anything else returns null and goes through yargs, so help, errors and
 * every other option keep yargs' exact behaviour; a test checks that both
 * parsers agree on every command line this one accepts.
 */
export function parseFastArgs(argv: readonly string[]): LintArgs | null {
  const paths: string[] = [];
  let format: string | undefined;
  let fix = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--fix") {
      if (fix) return null; // repeated flags become arrays in yargs
      fix = true;
    } else if (arg === "--format" || arg === "-f") {
      const value = argv[i + 1];
      if (format !== undefined || !isPlainValue(value)) return null;
      format = value;
      i++;
    } else if (arg.startsWith("--format=")) {
      const value = arg.slice("--format=".length);
      if (format !== undefined || !isPlainValue(value)) return null;
      format = value;
    } else if (isPlainValue(arg)) {
      paths.push(arg);
    } else {
      return null;
    }
  }
  if (paths.length === 0) return null; // usage error or standard input: yargs' path says it best
  return {
    paths,
    format: format ?? "stylish",
    fix,
    fixDryRun: false,
    fixUnsafe: false,
    rule: [],
    buildArg: [],
    stdin: false,
    quiet: false,
    listRules: false,
    debug: false,
  };
}

/**
 * A token yargs would take as a plain string: not an option, not `-`
 * (standard input), not `true`/`false` (a boolean flag before it would
 * take it as its value) and not something it might read as a number.
 */
function isPlainValue(value: string | undefined): value is string {
  if (value === undefined || value === "" || value.startsWith("-") || value === "true" || value === "false") return false;
  return !/^\s*[+-]?(\d+(?:\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i.test(value) && !/^0x[0-9a-f]+$/i.test(value);
}
