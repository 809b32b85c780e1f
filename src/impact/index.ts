import { dirname, resolve } from "node:path";
import type { AnyRule } from "../engine/types.js";
import { fixSource, lintSource } from "../lint.js";
import { loadContext, simulate, stageName, type CacheModel, type StepInfo } from "../model/index.js";
import type { SourceText } from "../read.js";
import type { BuildLog, LogStep } from "../why/log.js";
import { matchLog } from "../why/match.js";
import { costClass, type CostClass } from "./cost.js";
import { readHistory, type CommitChange } from "./history.js";

export type { CostClass } from "./cost.js";
export type { CommitChange } from "./history.js";

/** One build step and how often it re-ran over the history. */
export interface ImpactStep {
  /** 1-based line of the instruction. */
  line: number;
  /** The step label as `docker build` prints it. */
  step: string;
  instruction: string;
  costClass: CostClass;
  /** Commits after which the step re-ran (an uncertain outcome counts as a re-run: an upper bound). */
  reruns: number;
  /** The same for the Dockerfile as `--fix` would leave it; null when the fix rewrote the step. */
  rerunsAfterFix: number | null;
  /** The stage's name, for grouping (not part of the JSON contract). */
  stage: string;
  /** With `--timings`: the seconds one run of the step took in that build; null when its log has no time for it. */
  seconds?: number | null;
}

export interface ImpactReport {
  dockerfile: string;
  commits: number;
  steps: ImpactStep[];
  /** The steps of the Dockerfile as `--fix` leaves it (new ones included), with their re-runs; empty when no fix applies. */
  stepsAfterFix: Omit<ImpactStep, "rerunsAfterFix">[];
  /** How many safe fixes the "after fixes" column assumes. */
  fixCount: number;
  /** With `--timings`: the seconds all re-runs cost over the commits replayed, before and after the fixes. */
  secondsRerun?: number;
  secondsRerunAfterFix?: number;
}

export interface ImpactOptions {
  dockerfilePath: string;
  source: SourceText;
  rules: readonly AnyRule[];
  /** The build context; the Dockerfile's directory by default. */
  context?: string;
  commits?: number;
  since?: string;
  target?: string;
  /** Called after each commit, for a progress bar. */
  onProgress?: (done: number, total: number) => void;
  /** The history, when already read (tests, or another source than git). */
  history?: CommitChange[];
  /** A log of a full, uncached build of this Dockerfile: each step's measured seconds. */
  timings?: { log: BuildLog; name: string };
}

/**
 * Replays the history of the build context against the Dockerfile as it is
 * now, and against the Dockerfile as the safe fixes would leave it: for
 * each commit, its changed paths go through the cache model's change
 * simulation, and every step that would re-run is counted. Edits of the
 * Dockerfile's own instructions in past commits are not replayed (only the
 * file's content as a context file, where a COPY brings it in).
 */
export function impact(options: ImpactOptions): ImpactReport {
  const contextDir = resolve(options.context ?? dirname(options.dockerfilePath));
  const history = options.history ?? readHistory({ context: contextDir, commits: options.commits, since: options.since });
  const context = loadContext(contextDir, { dockerfilePath: options.dockerfilePath });
  const common = { rules: options.rules, filePath: options.dockerfilePath, context, target: options.target };
  const fixed = fixSource(options.source, common);
  const original = lintSource(options.source, { ...common, rules: [] }).model;
  const after = fixed.result.model;

  const steps = stepsOf(original);
  const afterSteps = stepsOf(after);
  const counterpart = matchSteps(steps, afterSteps);
  const reruns = new Map<StepInfo, number>(steps.map((s) => [s, 0]));
  const rerunsAfter = new Map<StepInfo, number>(afterSteps.map((s) => [s, 0]));

  history.forEach((commit, i) => {
    count(original, commit.paths, reruns);
    if (fixed.changed) count(after, commit.paths, rerunsAfter);
    options.onProgress?.(i + 1, history.length);
  });

  const measured = options.timings ? matchLog(original, options.timings.log, options.timings.name, options.dockerfilePath).byInfo : null;
  const report: ImpactReport = {
    dockerfile: options.dockerfilePath,
    commits: history.length,
    fixCount: fixed.fixCount,
    steps: steps.map((info) => {
      const twin = fixed.changed ? counterpart.get(info) : info;
      return {
        line: info.instruction.range.start.line + 1,
        step: (info.label ?? "").replace(/\s+/g, " "),
        instruction: oneLine(info.instruction.source),
        costClass: costClass(original, info),
        reruns: reruns.get(info) ?? 0,
        rerunsAfterFix: twin ? ((fixed.changed ? rerunsAfter.get(twin) : reruns.get(info)) ?? 0) : null,
        stage: stageName(info.stage),
        ...(measured ? { seconds: secondsOf(measured.get(info)) } : {}),
      };
    }),
    stepsAfterFix: fixed.changed
      ? afterSteps.map((info) => ({
          line: info.instruction.range.start.line + 1,
          step: (info.label ?? "").replace(/\s+/g, " "),
          instruction: oneLine(info.instruction.source),
          costClass: costClass(after, info),
          reruns: rerunsAfter.get(info) ?? 0,
          stage: stageName(info.stage),
        }))
      : [],
  };
  if (measured) {
    const round = (n: number): number => Math.round(n * 100) / 100;
    report.secondsRerun = round(report.steps.reduce((t, s) => t + (s.seconds ?? 0) * s.reruns, 0));
    // A step the fixes rewrote is counted as re-running as often as before: no saving is claimed for it.
    report.secondsRerunAfterFix = round(report.steps.reduce((t, s) => t + (s.seconds ?? 0) * (s.rerunsAfterFix ?? s.reruns), 0));
  }
  return report;
}

/** A step's time in the timings log: only a step that ran has one. */
function secondsOf(step: LogStep | undefined): number | null {
  return step && (step.engine === "ran" || step.engine === "error") ? step.seconds : null;
}

/** Steps that can re-run: every labelled step but the base image. */
function stepsOf(model: CacheModel): StepInfo[] {
  return model.infos.filter((i) => i.label !== null && i.kind !== "base" && model.needed.has(i.stage) && !i.instruction.onbuild);
}

function count(model: CacheModel, paths: readonly string[], into: Map<StepInfo, number>): void {
  if (paths.length === 0) return;
  const sim = simulate(model, { changedPaths: paths });
  for (const p of sim.predictions) {
    if ((p.status === "rerun" || p.status === "uncertain") && into.has(p.info)) into.set(p.info, (into.get(p.info) ?? 0) + 1);
  }
}

/**
 * Pairs each original step with the fixed file's step of the same stage:
 * first by identical text, then (for a step a fix extended, such as an
 * install that gained a cache mount or a cleanup) by the same keyword with
 * one argument text containing the other.
 */
export function matchSteps(before: StepInfo[], after: StepInfo[]): Map<StepInfo, StepInfo> {
  const out = new Map<StepInfo, StepInfo>();
  const used = new Set<StepInfo>();
  const pair = (b: StepInfo, same: (a: StepInfo) => boolean): void => {
    const twin = after.find((a) => !used.has(a) && a.stage.index === b.stage.index && same(a));
    if (twin) {
      out.set(b, twin);
      used.add(twin);
    }
  };
  for (const b of before) pair(b, (a) => normalise(a.instruction.source) === normalise(b.instruction.source));
  for (const b of before) {
    if (out.has(b)) continue;
    const mine = normalise(b.instruction.argText);
    pair(b, (a) => {
      const theirs = normalise(a.instruction.argText);
      return a.instruction.keyword === b.instruction.keyword && mine !== "" && (theirs.includes(mine) || mine.includes(theirs));
    });
  }
  return out;
}

function normalise(s: string): string {
  return s.replace(/\\\r?\n/g, " ").replace(/\s+/g, " ").trim();
}

function oneLine(s: string): string {
  const t = normalise(s.split(/\r?\n(?=[^\s])/)[0]);
  return t.length > 72 ? t.slice(0, 69) + "..." : t;
}
