import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Worker } from "node:worker_threads";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers/fixtures.js";

/**
 * Every regular expression in src/ and rules/ (found in the source, so a
 * new one is tested without anyone listing it) against adversarial input:
 * a prefix that reaches deep into the pattern (taken from real matches in
 * the fixtures), then thousands of one "pump" string, then a suffix that
 * makes the match fail. A linear pattern takes about four times as long
 * for four times the input; a backtracking one takes sixteen times or
 * never finishes. Each pattern runs in a worker that is stopped after a
 * deadline, so an exponential pattern fails the test instead of hanging it.
 */

interface FoundRegex {
  where: string;
  source: string;
  flags: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "fixtures" && name !== "node_modules") out.push(...sourceFiles(p));
    } else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function findRegexes(): FoundRegex[] {
  const out: FoundRegex[] = [];
  for (const file of [...sourceFiles(join(ROOT, "src")), ...sourceFiles(join(ROOT, "rules"))]) {
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node): string => `${relative(ROOT, file)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (ts.isRegularExpressionLiteral(node)) {
        const text = node.text;
        const end = text.lastIndexOf("/");
        out.push({ where: where(node), source: text.slice(1, end), flags: text.slice(end + 1) });
      } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "RegExp") {
        const [pattern, flags] = node.arguments ?? [];
        // Patterns built at run time are made of escaped words (see each call site); only literal ones are testable here.
        if (pattern && ts.isStringLiteralLike(pattern)) out.push({ where: where(node), source: pattern.text, flags: flags && ts.isStringLiteralLike(flags) ? flags.text : "" });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

/** Lines of every fixture: where prefixes that really match the patterns come from. */
function corpusLines(): string[] {
  const lines = new Set<string>();
  const rulesDir = join(ROOT, "rules");
  for (const rule of readdirSync(rulesDir)) {
    const dir = join(rulesDir, rule, "fixtures");
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const f of names) if (/\.(Dockerfile|ya?ml)$/.test(f)) for (const l of readFileSync(join(dir, f), "utf8").split("\n")) lines.add(l);
  }
  for (const l of [
    "# layerlint ignore=copy-before-install", "# hadolint global ignore=DL3003", "# syntax=docker/dockerfile:1", "# check=skip=all",
    "RUN --mount=type=cache,target=/root/.npm npm ci", "COPY --from=build --chown=app:app /out ./", "ENV A=1 B=\"x y\"", "RUN <<EOF",
    "apt-get install -y curl=7.1", "pip install -r requirements.txt", "FROM node:20@sha256:abc AS build", "https://example.com/x.tar.gz",
  ]) lines.add(l);
  return [...lines];
}

const PUMPS = [
  " ", "\t", "a", "A", "0", "-", "--", "=", "\\", "\\\n", "\n", "\r\n", "\r", "#", "$", "${", "{", "}", "/", "*", "**/", ".", ",", ";",
  "&&", "|", "'", "\"", "<<", "a=", "a ", " a", "-a", "é", ":", "@", "[", "]", "(", "%", "+", "~", "_", "a.", "a/", "a-", "=a", "\\ ",
];
const SUFFIXES = ["", "\u0000", "!\n"];

/** Prefixes: the empty one and up to four cut points of real matches, so the pump lands inside the pattern. */
function prefixesFor(re: RegExp, corpus: readonly string[]): string[] {
  const out = new Set<string>([""]);
  const probe = new RegExp(re.source, re.flags.replace("g", "").replace("y", ""));
  for (const line of corpus) {
    if (out.size >= 5) break;
    const m = probe.exec(line);
    if (!m || m[0].length === 0) continue;
    const start = line.slice(0, m.index + Math.ceil(m[0].length / 2));
    out.add(start);
  }
  return [...out];
}

interface Verdict {
  slowest: { input: string; small: number; large: number } | null;
  failures: { input: string; small: number; large: number; larger: number }[];
}

/**
 * Runs inside the worker: for every attack, time the pattern as the code
 * uses it (all matches with `g`, one exec without) at n and 4n repetitions.
 */
const WORKER = `
const { parentPort } = require("node:worker_threads");
let re;
function run(input) {
  re.lastIndex = 0;
  if (!re.global && !re.sticky) { re.test(input); return; }
  // test() instead of exec(): no match arrays, so the garbage collector does not blur the timing.
  for (let at = 0; re.test(input); at = re.lastIndex) if (re.lastIndex === at) re.lastIndex++;
}
function time(input) {
  const samples = [];
  for (let i = 0; i < 3; i++) { const t = process.hrtime.bigint(); run(input); samples.push(Number(process.hrtime.bigint() - t) / 1e6); }
  return Math.min(...samples);
}
parentPort.on("message", ({ source, flags, attacks, n }) => {
re = new RegExp(source, flags);
const failures = [];
let slowest = null;
for (const [prefix, pump, suffix] of attacks) {
  const at = (k) => prefix + pump.repeat(k) + suffix;
  // A quick screen: a linear pattern scans this in well under a millisecond, a quadratic one in tens.
  const t = process.hrtime.bigint(); run(at(4 * n)); const once = Number(process.hrtime.bigint() - t) / 1e6;
  if (once < 3) continue;
  const small = time(at(n));
  const large = time(at(4 * n));
  const entry = { input: JSON.stringify(prefix) + " + " + JSON.stringify(pump) + " x " + (4 * n) + " + " + JSON.stringify(suffix), small, large };
  if (!slowest || large > slowest.large) slowest = entry;
  if (large / Math.max(small, 0.5) <= 8) continue;
  // Confirm at four times the size again: a real quadratic grows sixteenfold once more, a pause does not.
  const larger = time(at(16 * n));
  if (larger / Math.max(large, 0.5) > 8) { failures.push({ ...entry, larger }); break; }
}
parentPort.postMessage({ slowest, failures });
});
`;

/** One worker for every pattern; a pattern that runs past the deadline costs the worker, and the next one starts afresh. */
let worker: Worker | null = null;

function judge(found: FoundRegex, attacks: [string, string, string][], n: number, deadlineMs: number): Promise<Verdict | "timeout"> {
  return new Promise((resolve, reject) => {
    const w = (worker ??= new Worker(WORKER, { eval: true }));
    const done = (): void => {
      clearTimeout(timer);
      w.off("message", onMessage);
      w.off("error", onError);
    };
    const onMessage = (v: Verdict): void => {
      done();
      resolve(v);
    };
    const onError = (e: Error): void => {
      done();
      worker = null;
      reject(e);
    };
    const timer = setTimeout(() => {
      done();
      worker = null;
      void w.terminate();
      resolve("timeout");
    }, deadlineMs);
    w.on("message", onMessage);
    w.on("error", onError);
    w.postMessage({ source: found.source, flags: found.flags, attacks, n });
  });
}

const regexes = findRegexes();
const corpus = corpusLines();

describe("regular expressions run in linear time on adversarial input", () => {
  afterAll(async () => {
    await worker?.terminate();
  });

  it("catches a quadratic and an exponential pattern (the check can fail)", async () => {
    const quadratic = await judge({ where: "control", source: "[ \\t]+$", flags: "" }, [["RUN", " ", "x"]], 1_000, 20_000);
    expect(quadratic !== "timeout" && quadratic.failures.length).toBe(1);
    const exponential = await judge({ where: "control", source: "^(a+)+$", flags: "" }, [["", "a", "!"]], 1_000, 2_000);
    expect(exponential).toBe("timeout");
  }, 30_000);

  it("finds the patterns in the source", () => {
    // If this drops sharply the extraction broke, and the tests below prove nothing.
    expect(regexes.length).toBeGreaterThan(30);
  });

  for (const found of regexes) {
    it(`${found.where} /${found.source}/${found.flags}`, async () => {
      const re = new RegExp(found.source, found.flags);
      const attacks: [string, string, string][] = [];
      for (const prefix of prefixesFor(re, corpus)) for (const pump of PUMPS) for (const suffix of SUFFIXES) attacks.push([prefix, pump, suffix]);
      const verdict = await judge(found, attacks, 1_000, 20_000);
      if (verdict === "timeout") throw new Error(`${found.where}: /${found.source}/ did not finish within 20 s on adversarial input (catastrophic backtracking)`);
      expect(verdict.failures, `super-linear: ${JSON.stringify(verdict.failures.slice(0, 3))}`).toEqual([]);
    }, 30_000);
  }
});
