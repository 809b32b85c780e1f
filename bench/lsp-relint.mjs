#!/usr/bin/env node
// Re-lint latency inside the language server, for a typical Dockerfile.
//
// In process: the function the server runs on every change
// (LintSession.lint from src/lsp/session.ts, bundled here with esbuild so
// the numbers are for the same code the CLI ships), as a ratio to
// dockerfile-ast parsing the same text (the parse is part of every lint).
// End to end: `layerlint lsp --stdio` as a child process; each round sends
// a didChange and then a hover, which lints the new version before it
// answers (the 150 ms typing debounce is left out on purpose: it is a
// wait, not work). The baseline there is a hover on an unchanged version:
// the protocol round trip alone.
//
//   node scripts/build.mjs && node bench/lsp-relint.mjs [--runs N]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { medianFile } from "./generate.mjs";
import { BIN, ROOT, median, ms, ratio, table } from "./lib.mjs";

export const GOAL_MS = 2;
const BIG_CONTEXT = 5000;

/**
 * A context like a real project's, so COPY questions walk real files. The
 * server keeps the listing between re-lints; `extraFiles` adds a larger
 * tree (a checkout with its .git) to show what a rule that reads the disk
 * on every lint costs.
 */
function writeProject(dir, extraFiles = 0) {
  const files = ["requirements.txt", "app.py", "wsgi.py", "README.md", ".gitignore", "tests/test_app.py", "static/app.css", "templates/index.html"];
  for (let i = 0; i < 40; i++) files.push(`app/module_${i}.py`);
  for (let i = 0; i < extraFiles; i++) files.push(i % 2 ? `.git/objects/${i % 64}/o${i}` : `app/pkg${i % 40}/m${i}.py`);
  for (const f of files) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), f.endsWith(".txt") ? "flask\n" : "");
  }
  writeFileSync(join(dir, ".dockerignore"), ".git\n__pycache__\n");
}

async function loadSession(dir) {
  const out = join(dir, "session-bundle.mjs");
  await build({
    stdin: { contents: 'export { LintSession } from "./src/lsp/session.ts";\nexport { rules } from "./rules/index.ts";\n', resolveDir: ROOT, loader: "ts" },
    absWorkingDir: ROOT,
    outfile: out,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
    banner: { js: "import { createRequire as __req } from 'node:module'; const require = __req(import.meta.url);" },
  });
  return import(pathToFileURL(out).href);
}

/** Typing: each run lints a slightly different text, as after a keystroke. */
function variants(text, n) {
  return Array.from({ length: n }, (_, i) => text.replace("WORKDIR /srv", `WORKDIR /srv${i % 2 ? "" : "/"}`) + (i % 3 === 0 ? "" : `# edit ${i}\n`));
}

function timeEach(fn, inputs, warmup) {
  for (let i = 0; i < warmup; i++) fn(inputs[i % inputs.length]);
  const samples = [];
  for (const input of inputs) {
    const t0 = process.hrtime.bigint();
    fn(input);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return samples;
}

function p95(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))];
}

async function endToEnd(dir, text, runs) {
  const child = spawn(process.execPath, [BIN, "lsp", "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  conn.listen();
  try {
    await conn.sendRequest("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
    await conn.sendNotification("initialized", {});
    const uri = pathToFileURL(join(dir, "Dockerfile")).href;
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "dockerfile", version: 1, text } });
    const texts = variants(text, runs);
    const position = { line: 6, character: 1 };
    const relint = [];
    const roundTrip = [];
    let version = 1;
    for (let i = -20; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      await conn.sendNotification("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ text: texts[(i + runs) % runs] }] });
      const hover = await conn.sendRequest("textDocument/hover", { textDocument: { uri }, position });
      const t1 = process.hrtime.bigint();
      await conn.sendRequest("textDocument/hover", { textDocument: { uri }, position });
      const t2 = process.hrtime.bigint();
      if (!hover) throw new Error("the server gave no hover");
      if (i >= 0) {
        relint.push(Number(t1 - t0) / 1e6);
        roundTrip.push(Number(t2 - t1) / 1e6);
      }
    }
    await conn.sendRequest("shutdown");
    await conn.sendNotification("exit");
    return { relint, roundTrip };
  } finally {
    conn.dispose();
    child.kill();
  }
}

export async function lspRelint({ runs = 2000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "layerlint-lsp-bench-"));
  try {
    const project = join(dir, "project");
    mkdirSync(project);
    writeProject(project);
    const text = medianFile();
    const { LintSession, rules } = await loadSession(dir);
    const { DockerfileParser } = createRequire(join(ROOT, "package.json"))("dockerfile-ast");
    const session = new LintSession(rules);
    const uri = pathToFileURL(join(project, "Dockerfile")).href;
    const inputs = variants(text, runs);
    const findings = session.lint(uri, text).result.findings.length;
    // Interleave the two so that noise hits both alike.
    const lintSamples = [];
    const parseSamples = [];
    for (let chunk = 0; chunk < 10; chunk++) {
      const part = inputs.slice((chunk * runs) / 10, ((chunk + 1) * runs) / 10);
      lintSamples.push(...timeEach((t) => session.lint(uri, t), part, 50));
      parseSamples.push(...timeEach((t) => DockerfileParser.parse(t), part, 50));
    }
    const lint = median(lintSamples);
    const parse = median(parseSamples);
    const bigDir = join(dir, "big");
    mkdirSync(bigDir);
    writeProject(bigDir, BIG_CONTEXT);
    const bigUri = pathToFileURL(join(bigDir, "Dockerfile")).href;
    const bigSession = new LintSession(rules);
    const bigInputs = inputs.slice(0, Math.max(50, runs / 10));
    const big = median(timeEach((t) => bigSession.lint(bigUri, t), bigInputs, 10));
    const e2e = await endToEnd(project, text, Math.min(400, runs));
    const relint = median(e2e.relint);
    const trip = median(e2e.roundTrip);
    const rows = [
      ["measure", "median", "p95", "ratio"],
      ["re-lint in process (LintSession.lint)", ms(lint), ms(p95(lintSamples)), `${ratio(lint / parse)} dockerfile-ast parse`],
      ["dockerfile-ast parse (baseline)", ms(parse), ms(p95(parseSamples)), ""],
      [`re-lint, ${BIG_CONTEXT} more files in the context`, ms(big), "", `${ratio(big / parse)} dockerfile-ast parse`],
      ["didChange + hover over stdio", ms(relint), ms(p95(e2e.relint)), `${ratio(relint / trip)} round trip`],
      ["hover round trip, no change (baseline)", ms(trip), ms(p95(e2e.roundTrip)), ""],
    ];
    return {
      text: `Language server re-lint, typical Dockerfile (${text.split("\n").length - 1} lines, ${findings} findings; ${runs} runs in process, ${e2e.relint.length} through the protocol)\n` + table(rows),
      figures: { lspRelintMs: lint, lspRelintVsParse: lint / parse, parseMs: parse, lspRelintBigContextMs: big, lspEndToEndMs: relint, lspRoundTripMs: trip },
      goals: [{ name: "lsp re-lint", value: lint, goal: `<= ${GOAL_MS} ms median`, met: lint <= GOAL_MS }],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf("--runs");
  const result = await lspRelint(i > 0 ? { runs: Number(process.argv[i + 1]) } : {});
  process.stdout.write(result.text + "\n");
  for (const g of result.goals) process.stdout.write(`goal ${g.name}: ${ms(g.value)} (${g.goal}) ${g.met ? "met" : "NOT met"}\n`);
}
