import { readFileSync } from "node:fs";
import pc from "picocolors";
import yargs from "yargs";
import { rules } from "../../rules/index.js";
import { fsError, UsageError } from "../errors.js";
import { readBuildLog, why, type BuildLog, type WhyReport } from "../why/index.js";
import { version } from "../version.js";
import { strictCommandLine } from "./args.js";
import { changeOptions } from "./explain.js";
import { readDockerfile } from "./files.js";

interface WhyArgs {
  dockerfile: string;
  log?: string;
  context?: string;
  target?: string;
  changed: string[];
  since?: string;
  buildArg: string[];
  baseChanged: boolean;
  format?: string;
}

/** Logs larger than this are refused: a build log of 64 MiB is already far beyond a real one's size. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

function parseArgs(argv: string[]): WhyArgs {
  // yargs reads a lone "-" as a positional, not as the option's value
  const words = argv.flatMap((w, i) => (w === "-" && argv[i - 1] === "--log" ? [] : w === "--log" && argv[i + 1] === "-" ? ["--log=-"] : [w]));
  const y = yargs(words)
    .scriptName("layerlint why")
    .usage(
      "$0 [Dockerfile] --log FILE\n\nRead a real build's log (docker build --progress=plain or rawjson, or docker buildx history logs; - for standard input) and say, step by step, what the engine did, what layerlint's cache model predicts, and why the step ran.",
    )
    .option("log", { type: "string", describe: "the build's log (--progress=plain or rawjson output); - reads standard input" })
    .option("since", { type: "string", describe: "what changed since the previous build: the files of `git diff REF` plus uncommitted and untracked ones" })
    .option("changed", { type: "string", array: true, default: [] as string[], describe: "a file changed since the previous build, relative to the context (repeatable)" })
    .option("build-arg", { type: "string", array: true, default: [] as string[], describe: "NAME=VALUE of a build-arg whose value changed since the previous build (repeatable)" })
    .option("base-changed", { type: "boolean", default: false, describe: "the base images' tags now point to new images" })
    .option("context", { type: "string", describe: "build context directory (default: the Dockerfile's directory)" })
    .option("target", { type: "string", describe: "the stage that was built (default: the last)" })
    .option("format", { type: "string", describe: "table (the default on a terminal) or json (the default otherwise)" })
    .version(version());
  strictCommandLine(y).command("$0 [dockerfile]", false, (b) => b.positional("dockerfile", { type: "string", default: "Dockerfile" }));
  const a = y.parseSync() as unknown as WhyArgs & { _: (string | number)[] };
  if (a._.length > 0) throw new UsageError(`why takes one Dockerfile, got also "${a._.join(" ")}"`);
  return a;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h") || argv.includes("--version")) {
    parseArgs(argv);
    return 0;
  }
  const args = parseArgs(argv);
  if (args.log === undefined || args.log === "") throw new UsageError("why needs the build's log: layerlint why [Dockerfile] --log FILE (- for standard input)");
  const format = args.format ?? (process.stdout.isTTY ? "table" : "json");
  if (format !== "table" && format !== "json") throw new UsageError(`unknown --format "${format}": use table or json`);
  const source = readDockerfile(args.dockerfile);
  const change = changeOptions(args.dockerfile, args);
  const buildArgValues = change.buildArgValues;
  const log = readLogArg(args.log);
  let report: WhyReport;
  try {
    report = why({
      dockerfilePath: args.dockerfile,
      source,
      logName: args.log,
      log,
      rules,
      context: change.contextDir,
      target: args.target,
      buildArgValues,
      changedPaths: change.changedPaths,
      // The build in the log used these values; each named argument is one that changed since the build before.
      changedBuildArgs: [...change.changedBuildArgs, ...Object.keys(buildArgValues)],
      baseChanged: args.baseChanged,
      previousText: change.previousText,
    });
  } catch (e) {
    if (e instanceof UsageError && !e.path) throw new UsageError(e.message, args.dockerfile);
    throw e;
  }
  process.stdout.write(format === "json" ? JSON.stringify(report, null, 2) + "\n" : formatTable(report, process.stdout.isTTY === true && !process.env.NO_COLOR));
  return 0;
}

/** Reads and parses a log given on the command line (`-`: standard input); bad logs become one UsageError line. */
export function readLogArg(path: string): BuildLog {
  let data: Buffer;
  try {
    data = readFileSync(path === "-" ? 0 : path);
  } catch (e) {
    throw fsError(e, path === "-" ? "<stdin>" : path);
  }
  if (data.length > MAX_LOG_BYTES) throw new UsageError(`the log is larger than ${MAX_LOG_BYTES / 1024 / 1024} MiB`, path);
  return readBuildLog(data, path === "-" ? "<stdin>" : path);
}

const seconds = (n: number | null): string => (n === null ? "-" : `${n.toFixed(1)} s`);

export function formatTable(report: WhyReport, color: boolean): string {
  const c = pc.createColors(color);
  const rows = [["STEP", "INSTRUCTION", "ENGINE", "SECONDS", "CAUSE"], ...report.steps.map((s) => [s.step, shorten(s.instruction, 40), s.engine, seconds(s.seconds), s.cause])];
  const widths = [0, 1, 2, 3].map((col) => Math.max(...rows.map((r) => r[col].length)));
  const paint = (text: string, row: number, col: number): string => {
    if (row === 0) return c.bold(text);
    const step = report.steps[row - 1];
    if (col === 2) return step.engine === "ran" ? c.yellow(text) : step.engine === "error" ? c.red(text) : step.engine === "cached" ? c.green(text) : c.dim(text);
    if (col === 4 && step.cause.startsWith("unexplained")) return c.red(text);
    if (col === 4 && step.cause.startsWith("model error")) return c.magenta(text);
    return text;
  };
  const lines = rows.map((r, n) =>
    r
      .map((cell, col) => paint(col === 4 ? cell : col === 3 ? cell.padStart(widths[col]) : cell.padEnd(widths[col]), n, col))
      .join("  ")
      .trimEnd(),
  );
  return `${c.dim(`${report.dockerfile}  ·  log ${report.log}`)}\n${lines.join("\n")}\n${summaryLine(report)}\n`;
}

/** "12.4 s of 14.0 s ran; 9.1 s would have stayed cached after the fixes layerlint proposes". */
export function summaryLine(report: WhyReport): string {
  const s = report.seconds;
  const parts = [`${s.ran.toFixed(1)} s of ${s.total.toFixed(1)} s ran`];
  parts.push(s.avoidable > 0 ? `${s.avoidable.toFixed(1)} s would have stayed cached after the fixes layerlint proposes` : "the fixes layerlint proposes would not have kept any of it cached");
  if (report.unexplained > 0) parts.push(`${report.unexplained} step${report.unexplained === 1 ? "" : "s"} ran unexplained`);
  return parts.join("; ");
}

function shorten(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}
