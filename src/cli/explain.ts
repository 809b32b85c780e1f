import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, relative, resolve, sep } from "node:path";
import pc from "picocolors";
import yargs from "yargs";
import { UsageError } from "../errors.js";
import { explain, type ExplainInstruction, type ExplainReport } from "../explain.js";
import { describeKind } from "../model/index.js";
import { cleanPath } from "../model/context.js";
import { version } from "../version.js";
import { readDockerfile } from "./files.js";
import { strictCommandLine } from "./args.js";
import { discoverBuilds, relativePath, type Build } from "../builds/index.js";

interface ExplainArgs {
  dockerfile: string;
  context?: string;
  target?: string;
  changed: string[];
  since?: string;
  buildArg: string[];
  baseChanged: boolean;
  format?: string;
  build?: string;
}

function parseArgs(argv: string[]): ExplainArgs {
  const y = yargs(argv)
    .scriptName("layerlint explain")
    .usage(
      "$0 [Dockerfile]\n\nShow each instruction's step label, whether it creates a layer, what its cache key depends on and, given a change, whether BuildKit re-runs it and why.",
    )
    .option("context", { type: "string", describe: "build context directory (default: the Dockerfile's directory)" })
    .option("target", { type: "string", describe: "the stage being built (default: the last)" })
    .option("changed", { type: "string", array: true, default: [] as string[], describe: "a changed file, relative to the context (repeatable)" })
    .option("since", { type: "string", describe: "changed files are those of `git diff REF` plus uncommitted and untracked files" })
    .option("build-arg", { type: "string", array: true, default: [] as string[], describe: "a build-arg whose value changed: NAME (to a value not given) or NAME=VALUE (from its default to VALUE); repeatable" })
    .option("base-changed", { type: "boolean", default: false, describe: "the base images' tags now point to new images" })
    .option("format", { alias: "f", type: "string", describe: "table (the default on a terminal) or json (the default otherwise)" })
    .option("build", { type: "string", describe: "which discovered build to explain, by its source (layerlint --print-config FILE lists them; default: the first)" })
    .version(version());
  // ./Dockerfile by default, as for impact.
  strictCommandLine(y).command("$0 [dockerfile]", false, (b) => b.positional("dockerfile", { type: "string", default: "Dockerfile" }));
  const a = y.parseSync() as unknown as ExplainArgs & { _: (string | number)[] };
  if (a._.length > 0) throw new UsageError(`explain takes one Dockerfile, got also "${a._.join(" ")}"`);
  return a;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h") || argv.includes("--version")) {
    parseArgs(argv);
    return 0;
  }
  const args = parseArgs(argv);
  if (!args.dockerfile) throw new UsageError("explain needs a Dockerfile: layerlint explain <Dockerfile>");
  const format = args.format ?? (process.stdout.isTTY ? "table" : "json");
  if (format !== "table" && format !== "json") throw new UsageError(`unknown --format "${format}": use table or json`);
  const source = readDockerfile(args.dockerfile);
  const build = await chooseBuild(args.dockerfile, args.build, source.text);
  // The Dockerfile's own folder is shown as it was given; another is relative to the working directory.
  const contextDir = args.context ?? (build.context === resolve(dirname(args.dockerfile)) ? dirname(args.dockerfile) : relativePath(process.cwd(), build.context));
  const target = args.target ?? build.target;
  const { changedPaths, previousText, changedBuildArgs, buildArgValues } = changeOptions(args.dockerfile, { ...args, context: contextDir });
  const valued = Object.keys(buildArgValues).length > 0;

  let report: ExplainReport;
  try {
    report = explain(source, {
      filePath: args.dockerfile,
      context: contextDir,
      target,
      changedPaths,
      changedBuildArgs,
      // The discovered build's arguments are what the previous build used; NAME=VALUE says what this one uses.
      buildArgValues: { ...build.args, ...buildArgValues },
      previousBuildArgValues: valued ? build.args : undefined,
      baseChanged: args.baseChanged,
      previousText,
    });
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message, args.dockerfile);
    throw e;
  }
  report = { ...report, build: { context: contextDir, target: target ?? null, source: args.context ? "command line" : build.source } };
  process.stdout.write(format === "json" ? JSON.stringify(report, null, 2) + "\n" : formatTable(report, useColor()));
  return 0;
}

export interface ChangeArgs {
  context?: string;
  changed: string[];
  since?: string;
  buildArg: string[];
}

/**
 * The change since the previous build, as `explain` and `why` take it:
 * `--changed` paths, `--since REF` (git's changed files and the Dockerfile's
 * text at REF), and `--build-arg` names.
 */
export function changeOptions(
  dockerfile: string,
  args: ChangeArgs,
): { contextDir: string; changedPaths: string[] | undefined; previousText: string | undefined; changedBuildArgs: string[]; buildArgValues: Record<string, string> } {
  const contextDir = args.context ?? dirname(dockerfile);
  if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) throw new UsageError("the build context is not a directory", contextDir);
  let changedPaths: string[] | undefined;
  let previousText: string | undefined;
  if (args.changed.length > 0) changedPaths = args.changed.map((p) => contextRelative(contextDir, p));
  // A path that is not there may be a deleted file (a change too) or a typo: it is taken as changed, with a word about it.
  for (const [i, p] of (changedPaths ?? []).entries()) {
    if (p !== "" && !existsSync(resolve(contextDir, p))) process.stderr.write(`layerlint: warning: --changed ${args.changed[i]}: no such path in the build context ${contextDir} (taken as changed)\n`);
  }
  if (args.since !== undefined) {
    changedPaths = [...(changedPaths ?? []), ...changedSince(contextDir, args.since)];
    previousText = dockerfileAt(dockerfile, args.since) ?? undefined;
  }
  // NAME changed to a value not given; NAME=VALUE changed to VALUE from the value the file gives it (the default).
  const changedBuildArgs: string[] = [];
  const buildArgValues: Record<string, string> = {};
  for (const a of args.buildArg) {
    const eq = a.indexOf("=");
    const n = eq === -1 ? a : a.slice(0, eq);
    if (n === "") continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) throw new UsageError(`--build-arg "${n}" is not a variable name`);
    if (eq === -1) changedBuildArgs.push(n);
    else buildArgValues[n] = a.slice(eq + 1);
  }
  return { contextDir, changedPaths, previousText, changedBuildArgs, buildArgValues };
}

/** The discovered build to explain: the one `--build` names, else the first. */
export async function chooseBuild(dockerfile: string, name: string | undefined, text: string): Promise<Build> {
  const { builds } = await discoverBuilds(dockerfile, text);
  if (name === undefined) return builds[0];
  const chosen = builds.find((b) => b.source === name) ?? builds.find((b) => b.source.endsWith(name));
  if (!chosen) throw new UsageError(`--build ${name}: no such build of this Dockerfile (known: ${builds.map((b) => b.source).join(", ")})`);
  return chosen;
}

function useColor(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

/**
 * A `--changed` path: taken from the current directory when it lies inside
 * the context, else as written relative to the context.
 */
function contextRelative(contextDir: string, path: string): string {
  const abs = resolve(path);
  const root = resolve(contextDir);
  if (abs === root || abs.startsWith(root + sep)) return cleanPath(relative(root, abs));
  if (isAbsolute(path) || path.startsWith("..")) throw new UsageError(`--changed ${path} is outside the build context ${contextDir}`);
  return cleanPath(path);
}

function git(cwd: string, args: string[], what: string): string {
  try {
    return execFileSync("git", ["-C", cwd, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const stderr = e && typeof e === "object" && "stderr" in e ? String((e as { stderr: unknown }).stderr) : "";
    const first = stderr.split("\n").find((l) => l.trim() !== "") ?? (e instanceof Error ? e.message : String(e));
    throw new UsageError(`${what}: ${first.replace(/^fatal: /, "").trim()}`);
  }
}

/** `git diff --name-only REF` (committed and uncommitted changes) plus untracked files, relative to the context. */
function changedSince(contextDir: string, ref: string): string[] {
  if (ref.startsWith("-")) throw new UsageError(`--since ${ref}: not a git revision`);
  const diff = git(contextDir, ["diff", "--name-only", "--no-renames", "--relative", ref, "--"], `--since ${ref}`);
  const untracked = git(contextDir, ["ls-files", "--others", "--exclude-standard"], `--since ${ref}`);
  const paths = [...diff.split("\n"), ...untracked.split("\n")].map((l) => l.trim()).filter((l) => l !== "");
  return [...new Set(paths.map(cleanPath))];
}

/** The Dockerfile's text at REF, or null when it did not exist there. */
function dockerfileAt(dockerfile: string, ref: string): string | null {
  try {
    return execFileSync("git", ["-C", dirname(dockerfile), "show", `${ref}:./${basename(dockerfile)}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch {
    return null;
  }
}

const KIND_WORDS: Record<string, string> = {
  layer: describeKind("layer"),
  "file-op": describeKind("file-op"),
  metadata: describeKind("metadata"),
  base: describeKind("base"),
};

function formatTable(report: ExplainReport, color: boolean): string {
  const c = pc.createColors(color);
  const changeGiven = report.instructions.some((i) => i.status !== null);
  const head = [`${report.file}`, `context ${report.context ?? "(none)"}`, `target ${report.target ?? "(none)"}`, ...(report.build ? [`build ${report.build.source}`] : [])];
  const skipped = report.stages.filter((s) => !s.needed).map((s) => s.label);
  if (skipped.length > 0) head.push(`not built: ${skipped.join(", ")}`);
  const rows: string[][] = [["STEP", "INSTRUCTION", "KIND", "CACHE KEY DEPENDS ON", ...(changeGiven ? ["STATUS"] : [])]];
  for (const i of report.instructions) {
    rows.push([i.step ?? "-", shorten(i.text, 38), kindWords(i), shorten(dependsOn(i), 56), ...(changeGiven ? [statusWords(i)] : [])]);
  }
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => (col === rows[0].length - 1 ? 0 : r[col].length))));
  const paint = (text: string, row: number, col: number, ins: ExplainInstruction | undefined): string => {
    if (row === 0) return c.bold(text);
    if (col === 4 && ins) {
      if (ins.status === "rerun") return c.red(text);
      if (ins.status === "cached") return c.green(text);
      if (ins.status === "uncertain") return c.yellow(text);
      return c.dim(text);
    }
    if (col === 2 && ins?.kind === "metadata") return c.dim(text);
    return text;
  };
  const lines = rows.map((r, n) =>
    r
      .map((cell, col) => paint(col === r.length - 1 ? cell : cell.padEnd(widths[col]), n, col, n === 0 ? undefined : report.instructions[n - 1]))
      .join("  ")
      .trimEnd(),
  );
  return `${c.dim(head.join("  ·  "))}\n${lines.join("\n")}\n`;
}

function kindWords(i: ExplainInstruction): string {
  if (i.kind === "base" && i.step === null) return "starts from a stage or scratch";
  return i.kind ? KIND_WORDS[i.kind] : "unknown instruction";
}

function dependsOn(i: ExplainInstruction): string {
  const deps = i.inputs.dependsOn;
  if (Array.isArray(deps) && deps.length > 0) return deps.join(", ");
  const effect = i.inputs.effect;
  return typeof effect === "string" ? `→ ${effect}` : "-";
}

function statusWords(i: ExplainInstruction): string {
  if (!i.status) return "";
  return `${i.status === "rerun" ? "RERUN" : i.status.toUpperCase()}  ${i.reason ?? ""}`;
}

function shorten(text: string, max: number): string {
  const one = text.replace(/\\\r?\n/g, " ").replace(/\s+/g, " ").trim();
  return one.length > max ? one.slice(0, max - 1) + "…" : one;
}
