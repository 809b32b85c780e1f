import { posix } from "node:path";
import { buildModel, cleanPath, referencedVariables, type BuildContext, type CacheModel, type StepInfo } from "../model/index.js";
import { parse } from "../parse/index.js";
import type { Instruction } from "../parse/index.js";
import { fromString } from "../read.js";
import { overlaps, runEffects } from "../model/reads.js";

/**
 * What a fix may not change: for every build step it leaves in place, the
 * command, the environment (ENV values and the ARGs in scope), USER,
 * WORKDIR, SHELL and the files it sees. A fix may rewrite or merge RUN
 * commands (that is its claim), add a COPY of context files that a COPY of
 * the original brings in anyway, take an ARG out of the scope of a step
 * that does not name it, and move a dependency or system install above a
 * COPY of files it does not read. Anything else is reported.
 */
export interface InvariantViolation {
  /** 1-based line of the step in the fixed text (or the original, for a step that is gone). */
  line: number;
  step: string;
  what: string;
}

interface View {
  info: StepInfo;
  key: string;
  /** Index among the stage's steps. */
  at: number;
}

const STEP = new Set(["RUN", "COPY", "ADD", "WORKDIR"]);

/** `safe`: every input above; `unsafe`: the environment, USER, WORKDIR and SHELL of the steps kept. */
export type FixLevel = "safe" | "unsafe";

export function fixInvariantViolations(before: string, after: string, context: BuildContext | string | null = null, level: FixLevel = "safe"): InvariantViolation[] {
  const a = modelOf(before, context);
  const b = modelOf(after, context);
  const out: InvariantViolation[] = [];
  const stagesA = a.file.stages;
  const stagesB = b.file.stages;
  if (stagesA.length !== stagesB.length) {
    return [{ line: 1, step: "FROM", what: `the fix changed the number of stages (${stagesA.length} -> ${stagesB.length})` }];
  }
  for (let s = 0; s < stagesA.length; s++) {
    const va = views(a, stagesA[s]);
    const vb = views(b, stagesB[s]);
    checkStage(a, b, va, vb, level, out);
  }
  return out;
}

function modelOf(text: string, context: BuildContext | string | null): CacheModel {
  return buildModel(parse(fromString(text)), { context });
}

function views(model: CacheModel, stage: CacheModel["file"]["stages"][number]): View[] {
  const out: View[] = [];
  for (const info of model.stageInfos(stage)) {
    if (!STEP.has(info.instruction.keyword) || info.instruction.onbuild) continue;
    out.push({ info, key: keyOf(info.instruction), at: out.length });
  }
  return out;
}

function keyOf(ins: Instruction): string {
  return `${ins.keyword} ${ins.source.replace(/\\\r?\n/g, " ").replace(/\s+/g, " ").trim()}`;
}

function checkStage(a: CacheModel, b: CacheModel, va: View[], vb: View[], level: FixLevel, out: InvariantViolation[]): void {
  const pairs = align(va, vb);
  const matchedA = new Set(pairs.keys());
  const matchedB = new Set(pairs.values());
  // Rewritten steps: between two aligned steps, the n-th step of one keyword the fix changed is the n-th of that keyword in the fixed text.
  const rewritten = new Map<View, View>();
  const anchors: [number, number][] = [[-1, -1], ...[...pairs].map(([x, y]): [number, number] => [x.at, y.at]), [va.length, vb.length]];
  for (let n = 1; n < anchors.length; n++) {
    const olds = va.slice(anchors[n - 1][0] + 1, anchors[n][0]).filter((v) => !matchedA.has(v));
    const news = vb.slice(anchors[n - 1][1] + 1, anchors[n][1]).filter((v) => !matchedB.has(v));
    // A RUN (or WORKDIR) the fix rewrote or merged into: the old one it shares most words with.
    for (const w of news) {
      const keyword = w.info.instruction.keyword;
      const candidates = olds.filter((v) => v.info.instruction.keyword === keyword && !rewritten.has(v));
      if (keyword === "COPY" || keyword === "ADD") {
        // A COPY rewritten keeps its sources and destination (a flag added): otherwise it is a new step.
        const same = candidates.find((v) => wordsOf(v.info.instruction) === wordsOf(w.info.instruction));
        if (same) rewritten.set(same, w);
        continue;
      }
      let best: View | null = null;
      let score = 0;
      for (const v of candidates) {
        const s = similarity(v.key, w.key);
        if (s > score) [best, score] = [v, s];
      }
      if (best) rewritten.set(best, w);
    }
  }
  const partner = new Map<View, View>([...pairs, ...rewritten]);
  const partnerB = new Set(partner.values());

  for (const [x, y] of partner) checkSurroundings(x, y, pairs.has(x), out);
  // An unsafe fix may change the build (a dependency-only step added, a step reordered on a guess); never the environment.
  if (level === "unsafe") return;

  // New steps: only a COPY of context files the original copies anyway.
  for (const y of vb) {
    if (partnerB.has(y)) continue;
    const ins = y.info.instruction;
    if ((ins.keyword === "COPY" || ins.keyword === "ADD") && copiedAnyway(va, y)) continue;
    out.push(violation(y, "a new step the original does not have"));
  }

  // Files seen: unchanged steps keep their order, except for a RUN moved above a COPY of files it does not read.
  const all = [...partner.entries()];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [x, y] = all[i];
      const [p, q] = all[j];
      if ((p.at < x.at) === (q.at < y.at)) continue;
      // Two identical steps that the alignment paired crosswise: swapping them changes nothing.
      if (x.key === p.key) continue;
      const [run, copy] = x.info.instruction.keyword === "RUN" ? [y, q] : [q, y];
      const copyKeyword = copy.info.instruction.keyword;
      if (run.info.instruction.keyword === "RUN" && (copyKeyword === "COPY" || copyKeyword === "ADD") && readsNothingOf(b, run.info.instruction, copy.info.instruction)) continue;
      // A WORKDIR and a COPY: the COPY's destination is compared on its own, and the WORKDIR only makes a directory.
      const kinds = new Set([x.info.instruction.keyword, p.info.instruction.keyword]);
      if (kinds.has("WORKDIR") && (kinds.has("COPY") || kinds.has("ADD"))) continue;
      out.push(violation(y, `it and \`${short(q.info.instruction)}\` changed places, so the files one of them sees changed`));
    }
  }
}

/** The longest common subsequence of the two step lists, by text: the steps the fix left as they were. */
function align(va: View[], vb: View[]): Map<View, View> {
  const n = va.length;
  const m = vb.length;
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) table[i][j] = va[i].key === vb[j].key ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
  }
  const out = new Map<View, View>();
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (va[i].key === vb[j].key) {
      out.set(va[i++], vb[j++]);
    } else if (table[i + 1][j] >= table[i][j + 1]) i++;
    else j++;
  }
  // A step the fix moved is not in the common subsequence: pair it by its text.
  const leftB = vb.filter((v) => ![...out.values()].includes(v));
  for (const x of va) {
    if (out.has(x)) continue;
    const k = leftB.findIndex((v) => v.key === x.key);
    if (k >= 0) out.set(x, leftB.splice(k, 1)[0]);
  }
  return new Map([...out].sort((p, q) => p[0].at - q[0].at));
}

function checkSurroundings(x: View, y: View, sameText: boolean, out: InvariantViolation[]): void {
  const ia = x.info.inputs;
  const ib = y.info.inputs;
  const ins = y.info.instruction;
  if (ins.keyword === "RUN") {
    const envA = ia.envValues ?? {};
    const envB = ib.envValues ?? {};
    for (const k of new Set([...Object.keys(envA), ...Object.keys(envB)])) {
      if (envA[k] !== envB[k]) out.push(violation(y, `ENV ${k} was ${show(envA[k])}, is ${show(envB[k])}`));
    }
    const argsA = new Map((ia.args ?? []).map((g) => [g.name, g.value]));
    const argsB = new Map((ib.args ?? []).map((g) => [g.name, g.value]));
    const named = referencedVariables(ins.source);
    for (const [k, v] of argsA) {
      if (!argsB.has(k)) {
        // Taking a build argument out of the scope of a step that does not name it is the point of volatile-arg-early.
        if (named.has(k) || k in envB) out.push(violation(y, `ARG ${k} is no longer in scope, and the step names it`));
      } else if (argsB.get(k) !== v) out.push(violation(y, `ARG ${k} was ${show(v)}, is ${show(argsB.get(k))}`));
    }
    for (const k of argsB.keys()) if (!argsA.has(k)) out.push(violation(y, `ARG ${k} is now in scope`));
    if (JSON.stringify(ia.shell ?? null) !== JSON.stringify(ib.shell ?? null)) out.push(violation(y, "SHELL changed"));
  }
  if (ins.keyword === "RUN" && (ia.user ?? null) !== (ib.user ?? null)) out.push(violation(y, `USER was ${show(ia.user ?? undefined)}, is ${show(ib.user ?? undefined)}`));
  if (ins.keyword === "RUN" && (ia.workdir ?? null) !== (ib.workdir ?? null)) out.push(violation(y, `WORKDIR was ${show(ia.workdir)}, is ${show(ib.workdir)}`));
  if (ins.keyword !== "RUN" && (ia.destination ?? null) !== (ib.destination ?? null)) out.push(violation(y, `its destination was ${show(ia.destination)}, is ${show(ib.destination)}`));
  if (sameText && ins.keyword !== "RUN" && (ia.resolved ?? null) !== (ib.resolved ?? null)) out.push(violation(y, `it now reads \`${ib.resolved ?? ""}\`, was \`${ia.resolved ?? ""}\``));
  if (sameText && ins.keyword === "RUN" && ia.command !== ib.command) out.push(violation(y, "its command changed"));
}

/**
 * A RUN that reads nothing a COPY brings in: a dependency install (it
 * reads the manifests a COPY placed before it brings; the BuildKit proofs
 * check that), or commands known to touch nothing where the COPY writes.
 */
function readsNothingOf(model: CacheModel, run: Instruction, copy: Instruction): boolean {
  const installs = model.installs(run);
  if (installs.length > 0 && installs.every((i) => i.builds !== true && i.ecosystem.kind === "project")) return true;
  const fx = runEffects(model, run);
  if (!fx.understood || fx.projectInstalls.length > 0 || fx.opaqueScripts.length > 0) return false;
  const dest = model.info(copy)?.inputs.destination;
  if (!dest || dest === "/") return false;
  const d = dest.length > 1 ? dest.replace(/(?<!\/)\/+$/, "") : dest;
  return !fx.touched.some((t) => overlaps(t.path, d));
}

/**
 * A COPY the fix added (manifests first): every source is a context path
 * that a COPY of the original brings in, from the same stage, to the same
 * place, and that original COPY still comes after it.
 */
function copiedAnyway(va: View[], y: View): boolean {
  const ins = y.info.instruction;
  if (ins.flags.some((f) => f.name === "from")) return false;
  const sources = (y.info.inputs.sources ?? []);
  if (sources.length === 0 || sources.some((s) => s.kind !== "context")) return false;
  const dest = y.info.inputs.destination ?? "";
  const copies = va.map((v) => v.info).filter((i) => (i.instruction.keyword === "COPY" || i.instruction.keyword === "ADD") && !i.instruction.flags.some((f) => f.name === "from"));
  return sources.every((s) => {
    const src = cleanPath(s.path);
    return copies.some((c) => (c.inputs.sources ?? []).some((o) => o.kind === "context" && broughtTo(cleanPath(o.path), c.inputs.destination ?? "", src, dest)));
  });
}

/** Whether COPY `outer` → `outerDest` puts `inner` where COPY `inner` → `innerDest` does. */
function broughtTo(outer: string, outerDest: string, inner: string, innerDest: string): boolean {
  const base = /[*?[]/.test(inner) ? posix.dirname(inner) : inner;
  if (outer !== "" && outer !== "." && !(base === outer || base.startsWith(`${outer}/`))) return false;
  const rel = outer === "" || outer === "." ? base : base.slice(outer.length).replace(/^\//, "");
  const relDir = /[*?[]/.test(inner) ? rel : posix.dirname(rel);
  const expected = posix.normalize(posix.join(outerDest, relDir === "." ? "" : relDir));
  const got = posix.normalize(innerDest.replace(/\/$/, "") || "/");
  return expected.replace(/\/$/, "") === got.replace(/\/$/, "") || (!/[*?[]/.test(inner) && posix.normalize(posix.join(outerDest, rel)) === got);
}

/** A COPY's sources and destination, flags left out. */
function wordsOf(ins: Instruction): string {
  return ins.args.map((w) => w.value).join(" ");
}

/** Shared words over all words: how much of one RUN's text the other keeps. */
function similarity(a: string, b: string): number {
  const wa = new Set(a.split(/[\s;&|]+/));
  const wb = new Set(b.split(/[\s;&|]+/));
  let shared = 0;
  for (const w of wa) if (wb.has(w)) shared++;
  return shared / Math.max(wa.size, wb.size, 1);
}

function violation(v: View, what: string): InvariantViolation {
  return { line: v.info.instruction.range.start.line + 1, step: short(v.info.instruction), what };
}

function short(ins: Instruction): string {
  const t = ins.source.replace(/\\\r?\n\s*/g, " ").replace(/\s+/g, " ");
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

function show(v: string | undefined): string {
  return v === undefined ? "unset" : JSON.stringify(v);
}
