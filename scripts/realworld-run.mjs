#!/usr/bin/env node
// Crash hunt over real Dockerfiles: lints every Dockerfile under a directory
// with ALL rules enabled (off-by-default ones too), then fixes it in memory
// (safe fixes, then unsafe ones) and checks the result: no exception, every
// range inside the file, the fixed text stable under a second fix.
// Nothing is written to disk.
//
//   node scripts/build.mjs && node scripts/realworld-run.mjs <dir> [--json] [--verbose]
//
// The directory must lie outside this repository: the run is meant for
// fetched public repositories, which are never committed here.
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith("--"));
const asJson = args.includes("--json");
const verbose = args.includes("--verbose");
if (!dir) {
  process.stderr.write("usage: node scripts/realworld-run.mjs <directory outside the repository> [--json] [--verbose]\n");
  process.exit(2);
}
const target = realpathSync(resolve(dir));
const repo = realpathSync(root);
if (target === repo || target.startsWith(repo + sep) || repo.startsWith(target + sep)) {
  process.stderr.write(`realworld-run: ${dir}: inside the layerlint repository; point it at fetched repositories elsewhere\n`);
  process.exit(2);
}

const lib = await import(join(root, "dist", "index.js"));
const { decode, lint, applyFixes, rules } = lib;
const { readDockerfile, isDockerfileName } = fileHelpers();

// Every rule on, at its default severity: off-by-default rules are where untested paths hide.
const cliRules = Object.fromEntries(rules.map((r) => [r.id, r.meta.severity]));

const files = [];
const walk = (d) => {
  let entries;
  try {
    entries = readdirSync(d, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(d, e.name);
    if (e.isSymbolicLink()) continue;
    if (e.isDirectory()) {
      if (e.name !== ".git" && e.name !== "node_modules") walk(p);
    } else if (e.isFile() && isDockerfileName(e.name)) files.push(p);
  }
};
walk(target);
files.sort();

const perRule = new Map();
const crashes = [];
const problems = [];
const refused = new Map();
let findings = 0;
let fixed = 0;
let parseProblems = 0;
let slowest = { file: "", ms: 0 };
const started = performance.now();

for (const file of files) {
  const t0 = performance.now();
  let source;
  try {
    source = readDockerfile(file);
  } catch (e) {
    // Refusals (binary, too large) are the CLI's one-line errors, not crashes.
    if (e && e.name === "UsageError") {
      refused.set(e.message, (refused.get(e.message) ?? 0) + 1);
      continue;
    }
    crashes.push({ file, stage: "read", error: describe(e) });
    continue;
  }
  const options = { filePath: file, config: null, cliRules };
  try {
    const result = lint(source, options);
    parseProblems += result.file.problems.length;
    for (const f of result.findings) {
      findings++;
      perRule.set(f.ruleId, (perRule.get(f.ruleId) ?? 0) + 1);
      const bad = rangeProblem(f.range, result.source.text);
      if (bad) problems.push({ file, what: `${f.ruleId}: ${bad}` });
    }
  } catch (e) {
    crashes.push({ file, stage: "lint", error: describe(e) });
    continue;
  }
  for (const unsafe of [false, true]) {
    try {
      const once = applyFixes(source, { ...options, unsafe });
      if (once.changed) fixed++;
      for (const f of once.result.findings) {
        const bad = rangeProblem(f.range, once.result.source.text);
        if (bad) problems.push({ file, what: `after fix: ${f.ruleId}: ${bad}` });
      }
      const twice = applyFixes(decode(Buffer.from(once.output, "utf8"), file), { ...options, unsafe });
      if (twice.changed) problems.push({ file, what: `--fix${unsafe ? "-unsafe" : ""} is not idempotent` });
    } catch (e) {
      crashes.push({ file, stage: unsafe ? "fix-unsafe" : "fix", error: describe(e) });
    }
  }
  const ms = performance.now() - t0;
  if (ms > slowest.ms) slowest = { file, ms };
}

const seconds = (performance.now() - started) / 1000;
const summary = {
  directory: target,
  files: files.length,
  linted: files.length - [...refused.values()].reduce((a, b) => a + b, 0),
  refused: Object.fromEntries(refused),
  crashes: crashes.length,
  invariantViolations: problems.length,
  findings,
  findingsPerRule: Object.fromEntries([...perRule].sort((a, b) => b[1] - a[1])),
  parseProblems,
  filesChangedByFix: fixed,
  seconds: Number(seconds.toFixed(2)),
  slowest: { file: relative(target, slowest.file), ms: Number(slowest.ms.toFixed(1)) },
  rules: rules.map((r) => r.id),
};

if (asJson) {
  process.stdout.write(JSON.stringify({ ...summary, crashList: crashes, violationList: problems }, null, 2) + "\n");
} else {
  const out = [];
  out.push(`files: ${summary.files} (linted ${summary.linted}${refused.size ? `, refused ${JSON.stringify(summary.refused)}` : ""})`);
  out.push(`rules: ${summary.rules.length} (${summary.rules.join(", ")})`);
  out.push(`crashes: ${summary.crashes}`);
  out.push(`invariant violations: ${summary.invariantViolations}`);
  out.push(`findings: ${findings}; parse problems: ${parseProblems}; files changed by fixes: ${fixed} (safe or unsafe pass)`);
  for (const [id, n] of Object.entries(summary.findingsPerRule)) out.push(`  ${String(n).padStart(6)}  ${id}`);
  out.push(`time: ${summary.seconds} s (slowest ${summary.slowest.file}: ${summary.slowest.ms} ms)`);
  const show = verbose ? Infinity : 20;
  for (const c of crashes.slice(0, show)) out.push(`CRASH [${c.stage}] ${relative(target, c.file)}: ${c.error}`);
  for (const p of problems.slice(0, show)) out.push(`VIOLATION ${relative(target, p.file)}: ${p.what}`);
  process.stdout.write(out.join("\n") + "\n");
}
process.exitCode = crashes.length > 0 || problems.length > 0 ? 1 : 0;

function describe(e) {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? e.cause : null;
  const stack = (cause ?? e).stack ?? "";
  const frame = stack.split("\n").find((l) => l.trim().startsWith("at ")) ?? "";
  return `${e.message}${frame ? ` (${frame.trim()})` : ""}`;
}

/** A range must lie inside the text and its lines and columns must match its offsets. */
function rangeProblem(range, text) {
  for (const [name, p] of [["start", range.start], ["end", range.end]]) {
    if (!(p.offset >= 0 && p.offset <= text.length)) return `${name} offset ${p.offset} outside 0..${text.length}`;
    let line = 0;
    let lineStart = 0;
    for (let i = text.indexOf("\n"); i !== -1 && i < p.offset; i = text.indexOf("\n", i + 1)) {
      line++;
      lineStart = i + 1;
    }
    if (p.line !== line || p.column !== p.offset - lineStart) return `${name} ${p.line}:${p.column} does not match offset ${p.offset} (${line}:${p.offset - lineStart})`;
  }
  if (range.end.offset < range.start.offset) return `end ${range.end.offset} before start ${range.start.offset}`;
  return null;
}

/**
 * The CLI's file reading (size limit, binary refusal, BOM) is not part of
 * the library API; a tiny equivalent keeps this script on the public API.
 */
function fileHelpers() {
  const MAX = 10 * 1024 * 1024;
  return {
    isDockerfileName: (name) =>
      !name.endsWith(".dockerignore") && (/^(Dockerfile|Containerfile)(\..+)?$/.test(name) || /\.(Dockerfile|dockerfile|Containerfile)$/.test(name)),
    readDockerfile(path) {
      if (lstatSync(path).size > MAX) {
        const e = new Error("file too large");
        e.name = "UsageError";
        throw e;
      }
      const fd = openSync(path, "r");
      try {
        const size = fstatSync(fd).size;
        const buf = Buffer.alloc(size);
        let read = 0;
        while (read < size) {
          const n = readSync(fd, buf, read, size - read, read);
          if (n === 0) break;
          read += n;
        }
        return decode(buf.subarray(0, read), path);
      } finally {
        closeSync(fd);
      }
    },
  };
}
