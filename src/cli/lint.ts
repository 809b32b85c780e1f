import { dirname, resolve } from "node:path";
import { rules } from "../../rules/index.js";
import { UsageError } from "../errors.js";
import { findConfig, readConfigFile, resolveRules, type LoadedConfig } from "../engine/config.js";
import type { Finding, Severity, SeveritySetting } from "../engine/types.js";
import { writeFileAtomic } from "../fix/write.js";
import { FORMAT_NAMES, loadFormatter, type FileReport } from "../formatters/index.js";
import { fixSource, fixWorkflowSource, lintSource, lintWorkflowSource, type LintOptions, type LintResult } from "../lint.js";
import { isWorkflowFileName, mayBuildImages } from "../ci/names.js";
import { parseWorkflow } from "../ci/workflow.js";
import type { SourceText } from "../read.js";
import { version } from "../version.js";
import { expandPaths, lintedRootOf, readDockerfile, readStdin, wasNamed } from "./files.js";
import { writeReport } from "./output.js";
import { stdoutIsTTY, writeStdout } from "./fast-io.js";
import { lintInPool, poolSize, type PooledResult, type PoolInput } from "./pool.js";
import { strictCommandLine } from "./args.js";
import { discoverBuilds, distinct, relativePath, type Build } from "../builds/index.js";

/** The parsed command line (yargs, or parseFastArgs for the common case). */
export interface LintArgs {
  paths: string[];
  format: string;
  fix: boolean;
  fixDryRun: boolean;
  fixUnsafe: boolean;
  config?: string;
  rule: string[];
  context?: string;
  target?: string;
  buildArg: string[];
  stdin: boolean;
  stdinFilename?: string;
  maxWarnings?: number;
  quiet: boolean;
  outputFile?: string;
  color?: boolean;
  listRules: boolean;
  printConfig?: string;
  debug: boolean;
}

// yargs is imported only when the command line needs it: it costs about 45 ms of start-up.
export async function parseLintArgs(argv: string[]): Promise<LintArgs> {
  const { default: yargs } = await import("yargs");
  const y = yargs(argv)
    .scriptName("layerlint")
    .usage("$0 [paths..]\n\nLint Dockerfiles for build-cache and layer mistakes. Paths may be files or directories; - reads standard input.\n\nOther commands: layerlint explain, layerlint impact, layerlint why, layerlint lsp (each has --help).")
    .option("format", { alias: "f", type: "string", default: "stylish", describe: `output format: ${FORMAT_NAMES.join(", ")}` })
    .option("fix", { type: "boolean", default: false, describe: "apply safe fixes and write the files" })
    .option("fix-dry-run", { type: "boolean", default: false, describe: "show fixes (a diff; the fixed text for stdin) and write nothing" })
    .option("fix-unsafe", { type: "boolean", default: false, describe: "with --fix or --fix-dry-run, also apply fixes that may change the build's result" })
    .option("config", { alias: "c", type: "string", describe: "configuration file (default: the nearest .layerlintrc.json/.yaml or package.json \"layerlint\")" })
    .option("rule", { type: "string", array: true, default: [] as string[], describe: "set a rule's severity: id=error|warning|info|off (repeatable)" })
    .option("context", { type: "string", describe: "build context directory (default: the Dockerfile's directory)" })
    .option("target", { type: "string", describe: "the stage being built (default: the last)" })
    .option("build-arg", { type: "string", array: true, default: [] as string[], describe: "NAME=VALUE build argument (repeatable)" })
    .option("stdin", { type: "boolean", default: false, describe: "read the Dockerfile from standard input" })
    .option("stdin-filename", { type: "string", describe: "the path standard input stands for (configuration, context, output)" })
    .option("max-warnings", { type: "number", describe: "exit 1 when there are more warnings than this" })
    .option("quiet", { alias: "q", type: "boolean", default: false, describe: "report errors only" })
    .option("output-file", { alias: "o", type: "string", describe: "write the report to this file" })
    .option("color", { type: "boolean", describe: "force colours on or off (default: on a TTY without NO_COLOR)" })
    .option("list-rules", { type: "boolean", default: false, describe: "list the rules and exit" })
    .option("print-config", { type: "string", describe: "print the configuration that applies to FILE and exit" })
    .option("debug", { type: "boolean", default: false, describe: "show stack traces of internal errors" })
    .version(version())
    .alias("v", "version");
  strictCommandLine(y).command("$0 [paths..]", false, (b) => b.positional("paths", { type: "string", array: true, default: [] as string[] }));
  const a = y.parseSync() as unknown as LintArgs & { help?: boolean; version?: boolean; _: (string | number)[] };
  // yargs drops a lone "-" (standard input); it is a path like any other here.
  const paths = [...(a.paths ?? []), ...a._.map(String)];
  if (argv.includes("-") && !paths.includes("-")) paths.push("-");
  return { ...a, paths };
}

export async function run(argv: string[]): Promise<number> {
  const wantsInfo = argv.includes("--help") || argv.includes("-h") || argv.includes("--version") || argv.includes("-v");
  const args = await parseLintArgs(argv);
  if (wantsInfo) return 0;
  return runLint(args);
}

/** Runs a lint from parsed arguments (shared by the yargs path and the fast path). */
export async function runLint(args: LintArgs): Promise<number> {
  if (args.listRules) return listRules(args);
  const cliRules = parseRuleFlags(args.rule);
  const explicitConfig: LoadedConfig | undefined = args.config ? readConfigFile(args.config) : undefined;
  if (args.printConfig !== undefined) {
    if (args.printConfig === "") throw new UsageError("--print-config needs a file: the Dockerfile whose configuration to print (layerlint --print-config Dockerfile)");
    return printConfig(args.printConfig, explicitConfig, cliRules, args);
  }
  if (!FORMAT_NAMES.includes(args.format)) throw new UsageError(`unknown format "${args.format}" (known: ${FORMAT_NAMES.join(", ")})`);
  // On its own it would lint and change nothing, which looks like "nothing to fix".
  if (args.fixUnsafe && !args.fix && !args.fixDryRun) throw new UsageError("--fix-unsafe works with --fix or --fix-dry-run: add one of them");
  const formatter = await loadFormatter(args.format);

  const useStdin = args.stdin || args.paths.includes("-");
  const paths = args.paths.filter((p) => p !== "-");
  // No path: the current directory, as ESLint does.
  if (!useStdin && paths.length === 0) paths.push(".");
  const base = baseOptions(args, explicitConfig);

  const inputs: { path: string; source: SourceText; stdin: boolean }[] = [];
  if (useStdin) {
    const name = args.stdinFilename ?? "<stdin>";
    inputs.push({ path: name, source: await readStdin(name), stdin: true });
  }
  for (const p of expandPaths(paths)) {
    if (!isWorkflowFileName(p)) inputs.push({ path: p, source: readDockerfile(p), stdin: false });
    else if (wasNamed(p)) inputs.push({ path: p, source: readWorkflow(p), stdin: false });
    else {
      const source = workflowThatBuilds(p, args.debug);
      if (source) inputs.push({ path: p, source, stdin: false });
    }
  }

  // Which builds use each file: discovered in this thread, where each configuration file is read once for the whole run.
  const notes = new Set<string>();
  const discovered = new Map<string, Build[]>();
  for (const input of inputs) {
    const builds = await buildsOf(input, args, notes);
    if (builds) discovered.set(input.path, builds);
  }
  if (args.debug) for (const n of notes) process.stderr.write(`layerlint: debug: ${n}\n`);

  const reports: FileReport[] = [];
  const warnings = new Set<string>();
  const dryRunOut: string[] = [];
  // Many files (and no diff to print): lint them on worker threads, same code, same order.
  const workers = args.fixDryRun ? 0 : poolSize(inputs.filter((i) => !i.stdin).length);
  // A worker does not know which directory argument each file came from (fixes stay inside it): send it along.
  const pooled = workers > 0 ? inputs.filter((i) => !i.stdin).map((i) => ({ ...i, root: lintedRootOf(i.path), builds: discovered.get(i.path) })) : [];
  for (const input of inputs) if (workers === 0 || input.stdin) reports.push(await lintInput({ ...input, builds: discovered.get(input.path) }, args, base, warnings, dryRunOut));
  if (workers > 0) {
    const setup = { args, config: explicitConfig };
    // This thread lints batches too, with the same function as the workers.
    for (const r of await lintInPool(pooled, setup, workers, (batch) => lintBatch(batch, setup))) {
      r.warnings.forEach((w) => warnings.add(w));
      reports.push(r.report);
    }
  }
  for (const w of warnings) process.stderr.write(`layerlint: warning: ${w}\n`);

  // An explicit --color or --no-color wins over NO_COLOR (no-color.org: a command-line flag overrides it).
  const color = args.color ?? (stdoutIsTTY() && !process.env.NO_COLOR && !args.outputFile);
  const report = formatter(reports, { color, rules, cwd: process.cwd(), version: version() });
  if (args.fixDryRun && args.format !== "json") {
    process.stdout.write(dryRunOut.join(""));
    if (args.outputFile) writeReport(args.outputFile, report);
    else process.stderr.write(report);
  } else if (args.outputFile) {
    writeReport(args.outputFile, report);
  } else {
    writeStdout(report);
  }
  return exitCode(reports, args.maxWarnings);
}

/** A workflow named on the command line: read and parsed before anything is linted, so that a bad one fails the run as a bad Dockerfile does. */
function readWorkflow(path: string): SourceText {
  const source = readDockerfile(path);
  parseWorkflow(source, path);
  return source;
}

/**
 * A workflow met by a directory search, when it builds an image: one that
 * builds nothing adds nothing to the report, and one that cannot be read
 * or parsed is skipped (named with --debug), since the user did not ask
 * for it. Text that names no image builder is skipped before YAML is loaded.
 */
function workflowThatBuilds(path: string, debug: boolean): SourceText | null {
  try {
    const source = readDockerfile(path);
    if (!mayBuildImages(source.text)) return null;
    return parseWorkflow(source, path).jobs.some((job) => job.steps.some((step) => step.builds.length > 0)) ? source : null;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (debug) process.stderr.write(`layerlint: skipped ${e.describe()}\n`);
    return null;
  }
}

/** The options every file is linted with. */
function baseOptions(args: LintArgs, explicitConfig: LoadedConfig | undefined): Omit<LintOptions, "filePath"> {
  return {
    rules,
    cliRules: parseRuleFlags(args.rule),
    target: args.target,
    buildArgs: parseBuildArgs(args.buildArg),
    ...(explicitConfig ? { config: explicitConfig } : {}),
    ...(args.context ? { context: resolve(args.context) } : {}),
  };
}

/** Lints a batch of files inside a pool worker, with the serial loop's code. */
export async function lintBatch(inputs: PoolInput[], setup: { args: LintArgs; config: LoadedConfig | undefined }): Promise<PooledResult[]> {
  const base = baseOptions(setup.args, setup.config);
  const out: PooledResult[] = [];
  for (const input of inputs) {
    const warnings = new Set<string>();
    const report = await lintInput({ ...input, stdin: false }, setup.args, base, warnings, []);
    out.push({ report, warnings: [...warnings] });
  }
  return out;
}

/**
 * The builds a file is linted with: those discovered, with `--context`,
 * `--target` and `--build-arg` put over each; undefined for standard input
 * without a file name (no context at all).
 */
async function buildsOf(input: { path: string; source: SourceText; stdin: boolean }, args: LintArgs, notes: Set<string>): Promise<Build[] | undefined> {
  // A workflow is not built: the build options do not apply to it.
  if ((input.stdin && !args.stdinFilename) || isWorkflowFileName(input.path)) return undefined;
  const found = await discoverBuilds(input.path, input.source.text);
  found.problems.forEach((p) => notes.add(p));
  for (const d of found.unknown) notes.add(`${relativePath(process.cwd(), d.file)}#${d.at}: not used: ${d.unknown ?? "the context is not known"}`);
  const buildArgs = parseBuildArgs(args.buildArg);
  return distinct(
    found.builds.map((b) => ({
      ...b,
      ...(args.context ? { context: resolve(args.context), guessed: false, source: "command line" } : {}),
      ...(args.target ? { target: args.target } : {}),
      args: { ...b.args, ...buildArgs },
    })),
  );
}

/**
 * Lints one text once per build and merges the findings: a finding every
 * build gives is reported once; one that only some builds give names them.
 */
function lintBuilds(source: SourceText, options: LintOptions, builds: readonly Build[] | undefined): LintResult {
  if (!builds || builds.length === 0) return lintSource(source, options);
  const results = builds.map((b) => lintSource(source, { ...options, ...buildOptions(b) }));
  if (results.length === 1) return results[0];
  const byKey = new Map<string, { finding: Finding; builds: Build[] }>();
  results.forEach((r, i) => {
    for (const f of r.findings) {
      const key = `${f.ruleId}\0${f.range.start.offset}\0${f.range.end.offset}\0${f.message}`;
      const seen = byKey.get(key);
      if (seen) seen.builds.push(builds[i]);
      else byKey.set(key, { finding: f, builds: [builds[i]] });
    }
  });
  const findings = [...byKey.values()]
    .map(({ finding, builds: some }) => (some.length === builds.length ? finding : { ...finding, message: `${finding.message} (in ${some.map(buildName).join(", ")})` }))
    .sort((a, b) => a.range.start.offset - b.range.start.offset);
  return { ...results[0], findings, warnings: [...new Set(results.flatMap((r) => r.warnings))] };
}

/** A build as a finding's message names it: its source, and the target when that tells builds apart. */
function buildName(b: Build): string {
  return b.target ? `${b.source}, target ${b.target}` : b.source;
}

function buildOptions(b: Build): Pick<LintOptions, "context" | "target" | "buildArgs" | "contextGuessed"> {
  return { context: b.context, target: b.target, buildArgs: b.args, contextGuessed: b.guessed };
}

/** The builds as the JSON report lists them: contexts relative to the working directory. */
function reportedBuilds(builds: readonly Build[] | undefined): FileReport["builds"] {
  return (builds ?? []).map((b) => ({ context: relativePath(process.cwd(), b.context), target: b.target ?? null, source: b.source }));
}

/** Lints (and with --fix, fixes) one input: the body of the serial loop. */
async function lintInput(
  input: { path: string; source: SourceText; stdin: boolean; root?: string; builds?: Build[] },
  args: LintArgs,
  base: Omit<LintOptions, "filePath">,
  warnings: Set<string>,
  dryRunOut: string[],
): Promise<FileReport> {
  const options: LintOptions = {
    ...base,
    filePath: input.stdin && !args.stdinFilename ? undefined : input.path,
    ...(input.stdin && !args.stdinFilename && !args.context ? { context: null } : {}),
  };
  let findings: Finding[];
  let text: string;
  let output: string | undefined;
  // A workflow (named, found, or standard input named `*.yml`) goes through the workflow rules; the build options do not apply to it.
  const workflow = options.filePath !== undefined && isWorkflowFileName(options.filePath);
  if (args.fix || args.fixDryRun) {
    // Fixes follow the first build: two builds' fixes could disagree, and a file is written once.
    const fixed = workflow
      ? fixWorkflowSource(input.source, { ...options, unsafe: args.fixUnsafe })
      : fixSource(input.source, { ...options, ...(input.builds?.[0] ? buildOptions(input.builds[0]) : {}), unsafe: args.fixUnsafe });
    fixed.result.warnings.forEach((w) => warnings.add(w));
    findings = fixed.result.findings;
    text = fixed.result.source.text;
    if (args.fixDryRun) {
      if (input.stdin) dryRunOut.push(fixed.output);
      else if (fixed.changed) dryRunOut.push(await unifiedDiff(input.path, input.source.text, fixed.result.source.text));
      if (args.format === "json") output = fixed.output;
    } else if (fixed.changed) {
      if (input.stdin) process.stdout.write(fixed.output);
      // Writing would turn the bytes that are not UTF-8 into U+FFFD: leave such a file alone.
      else if (input.source.replacedInvalidUtf8) warnings.add(`${input.path}: not fixed: it is not valid UTF-8, and writing it would replace the bad bytes`);
      else writeFileAtomic(input.path, fixed.output, { root: input.root ?? lintedRootOf(input.path) });
    }
  } else {
    const result = workflow ? lintWorkflowSource(input.source, options) : lintBuilds(input.source, options, input.builds);
    result.warnings.forEach((w) => warnings.add(w));
    findings = result.findings;
    text = result.source.text;
  }
  if (args.quiet) findings = findings.filter((f) => f.severity === "error");
  return { filePath: input.path, text, findings, builds: reportedBuilds(input.builds), ...(output !== undefined ? { output } : {}) };
}

export function exitCode(reports: readonly FileReport[], maxWarnings: number | undefined): number {
  let errors = 0;
  let warnings = 0;
  for (const r of reports) {
    for (const f of r.findings) {
      if (f.severity === "error") errors++;
      else if (f.severity === "warning") warnings++;
    }
  }
  if (errors > 0) return 1;
  if (maxWarnings !== undefined && maxWarnings >= 0 && warnings > maxWarnings) return 1;
  return 0;
}

const SEVERITIES = new Set(["error", "warning", "info", "off"]);

function parseRuleFlags(flags: readonly string[]): Record<string, SeveritySetting> {
  const out: Record<string, SeveritySetting> = {};
  for (const f of flags) {
    const m = /^([a-z0-9-]+)[=:](\w+)$/.exec(f.trim());
    if (!m || !SEVERITIES.has(m[2])) throw new UsageError(`--rule ${f}: expected id=error|warning|info|off`);
    out[m[1]] = m[2] as SeveritySetting;
  }
  return out;
}

function parseBuildArgs(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new UsageError(`--build-arg ${f}: expected NAME=VALUE`);
    out[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return out;
}

function listRules(args: LintArgs): number {
  const rows = rules.map((r) => ({
    id: r.id,
    severity: r.meta.enabledByDefault === false ? "off" : r.meta.severity,
    fixable: r.meta.fixable === false ? "no" : r.meta.fixable,
    description: r.meta.description,
  }));
  if (args.format === "json") {
    process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
    return 0;
  }
  const w = Math.max(...rows.map((r) => r.id.length));
  for (const r of rows) process.stdout.write(`${r.id.padEnd(w)}  ${r.severity.padEnd(7)}  ${r.fixable.padEnd(6)}  ${r.description}\n`);
  return 0;
}

async function printConfig(file: string, explicit: LoadedConfig | undefined, cliRules: Record<string, SeveritySetting>, args: LintArgs): Promise<number> {
  const config = explicit ?? findConfig(dirname(resolve(file)));
  const { enabled, warnings } = resolveRules({ rules, config, filePath: file, cliRules });
  warnings.forEach((w) => process.stderr.write(`layerlint: warning: ${w}\n`));
  const on = new Map(enabled.map((e) => [e.rule.id, e]));
  const out: Record<string, [Severity | "off", Record<string, unknown>]> = {};
  for (const r of rules) {
    const e = on.get(r.id);
    out[r.id] = e ? [e.severity, e.options] : ["off", {}];
  }
  // The builds the file would be linted with, and the declarations naming it that could not be resolved.
  let source: SourceText | null = null;
  try {
    source = readDockerfile(file);
  } catch {
    // a file that does not exist yet still has a configuration; it has no builds to show
  }
  const notes = new Set<string>();
  const builds = source ? ((await buildsOf({ path: file, source, stdin: false }, args, notes)) ?? []) : [];
  const shown = builds.map((b) => ({ context: relativePath(process.cwd(), b.context), target: b.target ?? null, args: b.args, source: b.source, ...(b.guessed ? { guessed: true } : {}) }));
  const unknown = [...notes].filter((n) => n.includes(": not used: "));
  process.stdout.write(JSON.stringify({ configFile: config?.path ?? null, rules: out, builds: shown, ...(unknown.length > 0 ? { unknownBuilds: unknown } : {}) }, null, 2) + "\n");
  if (args.debug) for (const n of notes) if (!n.includes(": not used: ")) process.stderr.write(`layerlint: debug: ${n}\n`);
  return 0;
}

async function unifiedDiff(path: string, before: string, after: string): Promise<string> {
  const { createTwoFilesPatch } = await import("diff");
  return createTwoFilesPatch(path, path, before, after, "", "", { context: 3 });
}
