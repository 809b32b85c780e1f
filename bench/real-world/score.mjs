#!/usr/bin/env node
// Scores layerlint's cache rules against the hand labels in labels.json.
// Usage: node bench/real-world/score.mjs <corpus-dir> [--context-from-labels] [--labels FILE] [--json]
// <corpus-dir> holds one checkout per repository, named owner+name, at the
// commit the labels give. Nothing is fetched: see README.md to rebuild it.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compareBuilds, compareFile, fmtRate, tally, tallyBuilds } from "./scoring.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(HERE, "../../bin/layerlint.cjs");

function fail(message) {
  process.stderr.write(`score.mjs: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let corpus = null;
let labelsPath = join(HERE, "labels.json");
let fromLabels = false;
let asJson = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--context-from-labels") fromLabels = true;
  else if (a === "--json") asJson = true;
  else if (a === "--labels") labelsPath = args[++i] ?? fail("--labels needs a file");
  else if (a.startsWith("-")) fail(`unknown option ${a}`);
  else if (corpus === null) corpus = resolve(a);
  else fail(`unexpected argument ${a}`);
}
if (corpus === null) fail("usage: score.mjs <corpus-dir> [--context-from-labels] [--labels FILE] [--json]");
if (!existsSync(corpus)) fail(`${corpus}: no such corpus folder`);

let labels;
try {
  labels = JSON.parse(readFileSync(labelsPath, "utf8"));
} catch (e) {
  fail(`${labelsPath}: ${e instanceof Error ? e.message : String(e)}`);
}
const cacheRules = labels.cacheRules;
if (!Array.isArray(cacheRules) || !Array.isArray(labels.files)) fail(`${labelsPath}: needs "cacheRules" and "files" arrays`);

function repoDir(repo) {
  return join(corpus, repo.replace("/", "+"));
}

function headOf(dir) {
  if (!existsSync(join(dir, ".git"))) return null;
  const r = spawnSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Runs the CLI inside the repository, as a user would. */
function lintFile(dir, file, context) {
  const cli = [BIN, "--format", "json", "--no-color"];
  if (context) cli.push("--context", context);
  cli.push(file.path);
  const r = spawnSync(process.execPath, cli, { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 1) return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n")[0] };
  let out;
  try {
    out = JSON.parse(r.stdout);
  } catch {
    return { error: "layerlint printed no JSON" };
  }
  const obj = out[0] ?? { messages: [] };
  return {
    reported: obj.messages.map((m) => ({ rule: m.ruleId, line: m.line, message: m.message })),
    builds: Array.isArray(obj.builds) ? obj.builds : null,
  };
}

const outcomes = [];
const unjudged = [];
const skipped = [];
const buildResults = [];
let buildsSupported = null;
let linted = 0;
for (const file of labels.files) {
  const dir = repoDir(file.repo);
  const where = `${file.repo}:${file.path}`;
  if (!existsSync(join(dir, file.path))) {
    skipped.push(`${where}: not in the corpus`);
    continue;
  }
  const head = headOf(dir);
  if (head !== null && head !== file.commit) {
    skipped.push(`${where}: checkout is at ${head.slice(0, 12)}, labels are for ${file.commit.slice(0, 12)}`);
    continue;
  }
  const declared = file.builds ?? [];
  const context = fromLabels ? (declared[0]?.context ?? null) : null;
  const result = lintFile(dir, file, context);
  if (result.error) {
    skipped.push(`${where}: ${result.error}`);
    continue;
  }
  linted++;
  const cmp = compareFile(file.labels ?? [], result.reported, cacheRules);
  for (const o of cmp.outcomes) outcomes.push({ ...o, repo: file.repo, path: file.path });
  for (const u of cmp.unjudged) unjudged.push({ ...u, repo: file.repo, path: file.path });
  if (result.builds !== null) {
    buildsSupported = true;
    buildResults.push(...compareBuilds(declared, result.builds).map((b) => ({ ...b, repo: file.repo, path: file.path })));
  } else if (buildsSupported === null) buildsSupported = false;
}

const scores = tally(outcomes, cacheRules);
const buildTable = buildsSupported ? tallyBuilds(buildResults) : null;
const repos = new Set(labels.files.map((f) => f.repo));

if (asJson) {
  process.stdout.write(
    `${JSON.stringify({ contextFromLabels: fromLabels, files: linted, repositories: repos.size, scores, unjudged, skipped, builds: buildTable, buildMisses: buildResults.filter((b) => !b.found) }, null, 2)}\n`,
  );
} else {
  const lines = [];
  lines.push(`layerlint on ${linted} labelled Dockerfiles from ${repos.size} repositories (${fromLabels ? "declared contexts from the labels" : "as a user runs it, no flags"})`);
  lines.push("");
  lines.push(`${"rule".padEnd(28)} ${"tp".padStart(4)} ${"fp".padStart(4)} ${"fn".padStart(4)}  precision  recall`);
  for (const r of [...scores.rules, scores.overall]) {
    if (r.rule === "overall") lines.push("-".repeat(62));
    lines.push(`${r.rule.padEnd(28)} ${String(r.tp).padStart(4)} ${String(r.fp).padStart(4)} ${String(r.fn).padStart(4)}  ${fmtRate(r.precision).padStart(9)}  ${fmtRate(r.recall).padStart(6)}`);
  }
  const wrong = outcomes.filter((o) => o.outcome !== "tp");
  if (wrong.length) {
    lines.push("", "false positives and misses:");
    for (const o of wrong) lines.push(`  ${o.outcome}  ${o.repo}:${o.path}:${o.line}  ${o.rule}${o.label.note ? `  (${o.label.note})` : ""}`);
  }
  lines.push("", `unjudged (reported on a line with no label for that rule): ${unjudged.length}`);
  for (const u of unjudged) lines.push(`  ${u.repo}:${u.path}:${u.line}  ${u.rule}  ${u.message.slice(0, 120)}`);
  if (buildTable) {
    lines.push("", "discovered builds that agree with the declared ones, by declaring source:");
    for (const b of buildTable) lines.push(`  ${b.source.padEnd(14)} ${b.agreed}/${b.declared}`);
    for (const b of buildResults.filter((x) => !x.found)) lines.push(`  missed: ${b.repo}:${b.path} context ${b.context}${b.target ? ` target ${b.target}` : ""} (${b.source})`);
  } else {
    lines.push("", "build discovery: this layerlint prints no `builds` field; not measured");
  }
  if (skipped.length) {
    lines.push("", `skipped ${skipped.length}:`);
    for (const s of skipped) lines.push(`  ${s}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}
