/**
 * Differential testing of the cache model against a real BuildKit: each
 * generated case (generator.ts) is built, changed, built again, and every
 * step's real status is compared with what `explain` predicts for it.
 *
 * Each case runs on a base image of its own (the busybox base plus a file
 * naming the case), so cases share no cache entry: they need no prune
 * between them and several run at once.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { explain } from "../../src/explain.js";
import { changedPaths, isReadable, printedSteps, realStatus, snapshot, type Printed } from "./compare.js";
import { renderDockerfile, type Blocks, type GenCase } from "./generator.js";
import { writeContext, type Engine } from "./harness.js";

export interface Disagreement {
  label: string;
  text: string;
  predicted: string;
  real: string;
  reason: string | null;
}

export interface CaseOutcome {
  /** `compared`, or why the case could not be: a build failed (a COPY source excluded or deleted...). */
  status: "compared" | "first build failed" | "second build failed";
  steps: number;
  disagreements: Disagreement[];
  /** Every `uncertain` step: its kind and what the engine did. */
  uncertain: { kind: string; real: string }[];
  log: string;
}

/** The rootfs tarball engine.sh made the base image from. */
function baseTarball(): string {
  const dir = process.env.LAYERLINT_BUILDKIT_DIR || join(process.env.TMPDIR || tmpdir(), "layerlint-buildkit");
  return join(dir, "base", "localbase.tar");
}

let salts = 0;
let baseEntries: Buffer | undefined;

/** A tar header for a small regular file (ustar). */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, at: number): void => void h.write(text, at, "utf8");
  put(name, 0);
  put("0000644\0", 100);
  put("0000000\0", 108);
  put("0000000\0", 116);
  put(size.toString(8).padStart(11, "0") + "\0", 124);
  put("00000000000\0", 136);
  put("        ", 148);
  put("0", 156);
  put("ustar\0" + "00", 257);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

/**
 * A base image no other case shares a cache entry with. BuildKit keys a
 * local image by its layers (their chain ID), not by its config, so the
 * image gets a layer of its own: the busybox rootfs plus one small file.
 */
async function freshBase(engine: Engine): Promise<string> {
  const salt = `${process.pid}-${++salts}`;
  if (!baseEntries) {
    const tar = readFileSync(baseTarball());
    let end = tar.length;
    while (end >= 512 && tar.subarray(end - 512, end).every((b) => b === 0)) end -= 512;
    baseEntries = tar.subarray(0, end);
  }
  const body = Buffer.from(salt + "\n");
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  body.copy(padded);
  const file = join(tmpdir(), `layerlint-case-base-${salt}.tar`);
  writeFileSync(file, Buffer.concat([baseEntries, tarHeader("layerlint-case", body.length), padded, Buffer.alloc(1024)]));
  const name = `layerlint-case-${salt}:1`;
  try {
    const r = await engine.docker(["import", file, name]);
    if (r.code !== 0) throw new Error(`docker import failed: ${r.stderr.trim()}`);
  } finally {
    rmSync(file, { force: true });
  }
  return name;
}

function applyChange(dir: string, c: GenCase): void {
  const ch = c.change;
  for (const [p, content] of Object.entries(ch.write ?? {})) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  for (const [p, mode] of Object.entries(ch.chmod ?? {})) chmodSync(join(dir, p), mode);
  for (const p of ch.remove ?? []) rmSync(join(dir, p), { force: true });
  if (ch.rename) {
    mkdirSync(dirname(join(dir, ch.rename[1])), { recursive: true });
    renameSync(join(dir, ch.rename[0]), join(dir, ch.rename[1]));
  }
  for (const [p, target] of Object.entries(ch.relink ?? {})) {
    rmSync(join(dir, p), { force: true });
    symlinkSync(target, join(dir, p));
  }
}

/** What kind of doubt an `uncertain` reason names, with the case's own names left out. */
export function uncertainKind(reason: string): string {
  if (/re-ran; the copied bytes may be identical/.test(reason)) return "a stage that re-ran may have produced the same files";
  if (/now ends at another step; the copied bytes may be identical/.test(reason)) return "a stage that ends at another step may hold the same files";
  if (/parent step may re-run/.test(reason)) return "its parent step is uncertain";
  if (/changed: the files sent to this step may differ/.test(reason)) return "the ignore file changed";
  if (/new value of build-arg .* which is not given/.test(reason)) return "a FROM depends on a build-arg whose value is not given";
  return reason;
}

/**
 * A step BuildKit merged with the same step of another stage and printed
 * under that stage's label only: same position, same instruction. The
 * harness finds such twins from the Dockerfile, but not for ONBUILD
 * triggers, which it does not place.
 */
function twinStatus(label: string, text: string, printed: ReadonlyMap<string, Printed>): "cached" | "rerun" | null {
  const index = /(\d+)\/\d+\]$/.exec(label)?.[1];
  const instruction = text.replace(/^ONBUILD\s+/i, "").split("\n")[0].trim();
  for (const [l, p] of printed) {
    if (/(\d+)\/\d+\]$/.exec(l)?.[1] !== index || p.instruction.trim() !== instruction) continue;
    if (p.status === "CACHED") return "cached";
    if (p.status === "RAN") return "rerun";
  }
  return null;
}

export async function runCase(engine: Engine, c: GenCase): Promise<CaseOutcome> {
  const base = await freshBase(engine);
  const textBefore = renderDockerfile(c.before, base);
  const textAfter = renderDockerfile(c.after, base);
  const dir = writeContext({ ...c.files, Dockerfile: textBefore });
  const argsBefore = c.buildArgs;
  const argsAfter = c.change.buildArgs ?? argsBefore;
  const outcome = (status: CaseOutcome["status"], log: string): CaseOutcome => ({ status, steps: 0, disagreements: [], uncertain: [], log });
  try {
    // Nothing is exported: the cache is all the second build needs, and exporting an image costs a fifth of a build.
    const opts = { target: c.target, ownImages: true, extraArgs: ["--output", "type=cacheonly"] };
    const first = await engine.build(dir, { ...opts, buildArgs: argsBefore });
    if (!first.ok) return outcome("first build failed", first.log);
    const before = snapshot(dir);
    applyChange(dir, c);
    if (textAfter !== textBefore) writeFileSync(join(dir, "Dockerfile"), textAfter);
    const changed = changedPaths(before, snapshot(dir));
    const second = await engine.build(dir, { ...opts, buildArgs: argsAfter });
    if (!second.ok) return outcome("second build failed", second.log);

    const report = explain(readFileSync(join(dir, "Dockerfile"), "utf8"), {
      filePath: join(dir, "Dockerfile"),
      context: dir,
      target: c.target,
      buildArgValues: argsAfter,
      previousBuildArgValues: argsBefore,
      changedPaths: changed,
      previousText: textAfter === textBefore ? undefined : textBefore,
    });
    const printed = printedSteps(second.log);
    const result = outcome("compared", second.log);
    for (const row of report.instructions) {
      if (!row.step || !row.status || row.kind === "base") continue;
      result.steps++;
      let real: string;
      let ok: boolean;
      if (row.status === "skipped") {
        // A FROM vertex is shared by every stage on the same image and printed under any of their labels.
        const built = [...printed].some(([l, p]) => l.startsWith(`[${row.stage ?? ""} `) && !p.instruction.startsWith("FROM "));
        real = built ? "built" : "not built";
        ok = !built;
      } else {
        const r = realStatus(row.step, printed, second) ?? twinStatus(row.step, row.text, printed);
        real = r ?? "not in the log";
        ok = r !== null && (row.status === "uncertain" || row.status === r);
        if (row.status === "uncertain" && r !== null) result.uncertain.push({ kind: uncertainKind(row.reason ?? ""), real: r });
      }
      if (row.reason !== null && !isReadable(row.reason)) ok = false;
      if (!ok) result.disagreements.push({ label: row.step, text: row.text.split("\n")[0], predicted: row.status, real, reason: row.reason });
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await engine.docker(["image", "rm", "-f", base]);
  }
}

/** Runs cases `concurrency` at a time, in order of index; `done` hears each outcome. */
export async function runAll(
  engine: Engine,
  cases: readonly GenCase[],
  concurrency: number,
  done: (index: number, outcome: CaseOutcome) => void | Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++;
      await done(i, await runCase(engine, cases[i]));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

/**
 * A smaller case that still disagrees: instructions and files are dropped
 * one at a time while the disagreement stays (each try builds twice).
 */
export async function shrink(engine: Engine, c: GenCase, maxTries = 80): Promise<{ case: GenCase; outcome: CaseOutcome }> {
  let best = c;
  let bestOutcome = await runCase(engine, c);
  if (bestOutcome.disagreements.length === 0) return { case: c, outcome: bestOutcome };
  let tries = 0;
  let progress = true;
  while (progress && tries < maxTries) {
    progress = false;
    const candidates: GenCase[] = [];
    for (let i = 0; i < best.before.length; i++) {
      if (best.before[i] === null && best.after[i] === null) continue;
      candidates.push({ ...best, before: without(best.before, i), after: without(best.after, i) });
    }
    for (const f of Object.keys(best.files)) {
      const files = { ...best.files };
      delete files[f];
      candidates.push({ ...best, files });
    }
    if (best.target) candidates.push({ ...best, target: undefined });
    if (Object.keys(best.buildArgs).length > 0 && !best.change.buildArgs) candidates.push({ ...best, buildArgs: {} });
    for (const candidate of candidates) {
      if (++tries > maxTries) break;
      const o = await runCase(engine, candidate);
      if (o.status === "compared" && o.disagreements.length > 0) {
        best = candidate;
        bestOutcome = o;
        progress = true;
        break;
      }
    }
  }
  return { case: best, outcome: bestOutcome };
}

function without(blocks: Blocks, i: number): Blocks {
  return [...blocks.slice(0, i), ...blocks.slice(i + 1)];
}

/** A case as a reader (or a new scenario) needs it. */
export function describeCase(c: GenCase, o?: CaseOutcome): string {
  const lines = [`change: ${c.change.what}`];
  if (c.target) lines.push(`target: ${c.target}`);
  if (Object.keys(c.buildArgs).length > 0) lines.push(`build args: ${JSON.stringify(c.buildArgs)}`);
  lines.push("Dockerfile before:", renderDockerfile(c.before, "alpine:3.19").trimEnd());
  if (JSON.stringify(c.after) !== JSON.stringify(c.before)) lines.push("Dockerfile after:", renderDockerfile(c.after, "alpine:3.19").trimEnd());
  lines.push(`files: ${JSON.stringify(c.files)}`);
  for (const d of o?.disagreements ?? []) lines.push(`  ✗ ${d.label} ${d.text}: model=${d.predicted} real=${d.real} (${d.reason ?? ""})`);
  return lines.join("\n");
}

export interface Tally {
  cases: number;
  compared: number;
  refused: Record<string, number>;
  steps: number;
  disagreeing: number;
  /** For each kind of `uncertain`: how often the engine kept the step, and how often it re-ran it. */
  uncertain: Record<string, { cached: number; rerun: number }>;
}

export function newTally(): Tally {
  return { cases: 0, compared: 0, refused: {}, steps: 0, disagreeing: 0, uncertain: {} };
}

export function count(t: Tally, o: CaseOutcome): void {
  t.cases++;
  if (o.status !== "compared") {
    t.refused[o.status] = (t.refused[o.status] ?? 0) + 1;
    return;
  }
  t.compared++;
  t.steps += o.steps;
  if (o.disagreements.length > 0) t.disagreeing++;
  for (const u of o.uncertain) {
    const k = (t.uncertain[u.kind] ??= { cached: 0, rerun: 0 });
    if (u.real === "cached") k.cached++;
    else k.rerun++;
  }
}

export function formatTally(t: Tally, seed: number): string {
  const lines = [
    `generated cases: ${t.cases} (seed ${seed}), compared: ${t.compared}, steps compared: ${t.steps}, cases disagreeing: ${t.disagreeing}`,
    `not compared (the engine refused the case): ${JSON.stringify(t.refused)}`,
  ];
  for (const [kind, n] of Object.entries(t.uncertain)) lines.push(`  uncertain, ${kind}: engine kept it ${n.cached}, re-ran it ${n.rerun}`);
  return lines.join("\n");
}
