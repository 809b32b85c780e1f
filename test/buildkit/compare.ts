/**
 * Reading what a real build did, for comparing it with the cache model:
 * what changed in a context between two builds, and each step's status in
 * the second build's log.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { effectiveStatus, type BuildResult } from "./harness.js";

export function isReadable(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f\u007f]|changed-build-arg/.test(text);
}

/** Content and mode of every file: what BuildKit's COPY keys on (modification times are not). */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.isSymbolicLink()) out.set(p, `link:${readlinkSync(join(dir, p))}`);
      else {
        const full = join(dir, p);
        const mode = statSync(full).mode & 0o7777;
        out.set(p, `${mode.toString(8)}:${createHash("sha256").update(readFileSync(full)).digest("hex")}`);
      }
    }
  };
  walk("");
  return out;
}

export function changedPaths(a: Map<string, string>, b: Map<string, string>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}

export interface Printed {
  instruction: string;
  status: "CACHED" | "RAN" | "ERROR";
}

/** Every step vertex the log printed, by its bracketed label. */
export function printedSteps(log: string): Map<string, Printed> {
  const header = /^#(\d+) (\[[^\]]*?\d+\/\d+\]) (.*)$/;
  const done = /^#(\d+) (CACHED|DONE \d+(?:\.\d+)?s|ERROR\b.*)$/;
  const labelOf = new Map<number, { label: string; instruction: string }>();
  const out = new Map<string, Printed>();
  for (const line of log.split(/\r?\n/)) {
    const h = header.exec(line);
    if (h) {
      if (!labelOf.has(Number(h[1]))) labelOf.set(Number(h[1]), { label: h[2], instruction: h[3] });
      continue;
    }
    const d = done.exec(line);
    const v = d ? labelOf.get(Number(d[1])) : undefined;
    if (!d || !v || out.has(v.label)) continue;
    out.set(v.label, { instruction: v.instruction, status: d[2] === "CACHED" ? "CACHED" : d[2].startsWith("ERROR") ? "ERROR" : "RAN" });
  }
  return out;
}

/** What BuildKit did with one step, or null when the log does not say. */
export function realStatus(label: string, printed: Map<string, Printed>, result: BuildResult): "cached" | "rerun" | null {
  const p = printed.get(label);
  if (p) return p.status === "CACHED" ? "cached" : p.status === "RAN" ? "rerun" : null;
  const step = result.steps.find((s) => s.label === label);
  const st = step ? effectiveStatus(step) : null;
  return st === "CACHED" ? "cached" : st === "RAN" ? "rerun" : null;
}
