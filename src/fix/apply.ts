import type { Finding, Fix, TextEdit } from "../engine/types.js";

export interface ApplyResult {
  text: string;
  /** Findings whose fix was applied in this pass. */
  applied: Finding[];
}

/**
 * Applies the fixes of one pass. A fix's edits go in all together or not
 * at all; a fix that overlaps one already taken waits for the next pass
 * (the finding is reported again if it still holds after re-linting).
 */
export function applyFixesOnce(text: string, findings: readonly Finding[], allowUnsafe = false): ApplyResult {
  const candidates = findings
    .filter((f): f is Finding & { fix: Fix } => f.fix !== undefined && (allowUnsafe || f.fix.safety === "safe"))
    .sort((a, b) => firstStart(a.fix) - firstStart(b.fix));
  const taken: TextEdit[] = [];
  const applied: Finding[] = [];
  for (const f of candidates) {
    const edits = [...f.fix.edits].sort((a, b) => a.range[0] - b.range[0]);
    if (!edits.every((e) => validEdit(e, text.length))) continue;
    if (selfOverlaps(edits) || edits.some((e) => taken.some((t) => overlaps(e, t)))) continue;
    taken.push(...edits);
    applied.push(f);
  }
  taken.sort((a, b) => b.range[0] - a.range[0] || b.range[1] - a.range[1]);
  let out = text;
  for (const e of taken) out = out.slice(0, e.range[0]) + e.text + out.slice(e.range[1]);
  return { text: out, applied };
}

function firstStart(fix: Fix): number {
  return Math.min(...fix.edits.map((e) => e.range[0]));
}

function validEdit(e: TextEdit, length: number): boolean {
  return Number.isInteger(e.range[0]) && Number.isInteger(e.range[1]) && e.range[0] >= 0 && e.range[0] <= e.range[1] && e.range[1] <= length;
}

/** Two edits overlap when their ranges share a character, or both insert at one point. */
function overlaps(a: TextEdit, b: TextEdit): boolean {
  if (a.range[0] === a.range[1] && b.range[0] === b.range[1]) return a.range[0] === b.range[0];
  return a.range[0] < b.range[1] && b.range[0] < a.range[1] || (a.range[0] === a.range[1] && a.range[0] > b.range[0] && a.range[0] < b.range[1]) || (b.range[0] === b.range[1] && b.range[0] > a.range[0] && b.range[0] < a.range[1]);
}

function selfOverlaps(sorted: TextEdit[]): boolean {
  for (let i = 1; i < sorted.length; i++) if (overlaps(sorted[i - 1], sorted[i])) return true;
  return false;
}

export interface FixLoopResult {
  text: string;
  passes: number;
  /** How many fixes were applied over all passes. */
  fixCount: number;
  /** The findings of the final text. */
  findings: Finding[];
}

/** The most passes of lint + fix (ESLint's verifyAndFix uses 10). */
export const MAX_PASSES = 10;

/**
 * Lints, applies the fixes that do not overlap, re-lints and repeats until
 * nothing changes, at most MAX_PASSES times, stopping early if a text comes
 * back that was already seen (two fixes undoing each other).
 */
export function fixLoop(text: string, lint: (text: string) => Finding[], allowUnsafe = false): FixLoopResult {
  const seen = new Set<string>([text]);
  let current = text;
  let findings = lint(current);
  let fixCount = 0;
  let passes = 0;
  while (passes < MAX_PASSES) {
    const { text: next, applied } = applyFixesOnce(current, findings, allowUnsafe);
    if (applied.length === 0 || next === current) break;
    passes++;
    if (seen.has(next)) break;
    seen.add(next);
    fixCount += applied.length;
    current = next;
    findings = lint(current);
  }
  return { text: current, passes, fixCount, findings };
}
