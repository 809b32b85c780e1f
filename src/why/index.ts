import { dirname } from "node:path";
import type { AnyRule } from "../engine/types.js";
import { matchSteps } from "../impact/index.js";
import { fixSource, lintSource } from "../lint.js";
import { loadContext, simulate, stageName, type CacheModel, type ChangeSet, type Simulation, type StepInfo, type StepStatus } from "../model/index.js";
import { fromString, type SourceText } from "../read.js";
import type { BuildLog, EngineOutcome } from "./log.js";
import { dedupTwin, firstLine, matchLog } from "./match.js";

export { readBuildLog, type BuildLog, type EngineOutcome, type LogFormat, type LogStep } from "./log.js";
export { matchLog } from "./match.js";

/**
 * `layerlint why` as a library function: what a real build did with each
 * step (from its log), what the cache model predicts for the change given,
 * and the cause in words. The returned object is the JSON contract.
 */
export interface WhyStep {
  line: number;
  step: string;
  instruction: string;
  engine: EngineOutcome;
  seconds: number | null;
  predicted: StepStatus;
  cause: string;
}

export interface WhyReport {
  dockerfile: string;
  log: string;
  steps: WhyStep[];
  /** Steps the engine ran while the model predicts them cached (the first of each chain). */
  unexplained: number;
  seconds: { total: number; ran: number; avoidable: number };
}

export interface WhyOptions {
  dockerfilePath: string;
  source: SourceText;
  /** The log's name as the user gave it (`-` for standard input). */
  logName: string;
  log: BuildLog;
  /** Every rule: the "avoidable" figure simulates the file as `--fix` would leave it. */
  rules: readonly AnyRule[];
  /** The build context; the Dockerfile's directory by default, null for none. */
  context?: string | null;
  target?: string;
  buildArgValues?: Record<string, string>;
  changedPaths?: readonly string[];
  changedBuildArgs?: readonly string[];
  baseChanged?: boolean;
  /** The Dockerfile's text in the build before this one. */
  previousText?: string;
}

export function why(options: WhyOptions): WhyReport {
  const contextDir = options.context !== undefined ? options.context : dirname(options.dockerfilePath);
  const context = loadContext(contextDir, { dockerfilePath: options.dockerfilePath });
  const common = { rules: options.rules, filePath: options.dockerfilePath, context, target: options.target, buildArgs: options.buildArgValues };
  const model = lintSource(options.source, { ...common, rules: [] }).model;
  const matched = matchLog(model, options.log, options.logName, options.dockerfilePath);

  const changeGiven =
    options.changedPaths !== undefined || (options.changedBuildArgs ?? []).length > 0 || options.baseChanged === true || options.previousText !== undefined;
  const previousModel = (text: string): CacheModel => lintSource(fromString(text), { ...common, rules: [] }).model;
  const change: ChangeSet = { changedPaths: options.changedPaths, buildArgs: options.changedBuildArgs, baseChanged: options.baseChanged };
  const sim = simulate(model, {
    ...change,
    previous: options.previousText !== undefined && options.previousText !== options.source.text ? previousModel(options.previousText) : undefined,
  });

  const fixed = fixSource(options.source, common);
  let fixedSim: Simulation | null = null;
  let twins = new Map<StepInfo, StepInfo>();
  if (fixed.changed) {
    const fixedModel = fixed.result.model;
    const previousFixed = options.previousText !== undefined ? fixSource(fromString(options.previousText), common).result.model : undefined;
    fixedSim = simulate(fixedModel, { ...change, previous: previousFixed });
    twins = matchSteps(buildSteps(model), buildSteps(fixedModel));
  }

  const engineOf = new Map<StepInfo, EngineOutcome>();
  const rows: WhyStep[] = [];
  let unexplained = 0;
  const total = { total: 0, ran: 0, avoidable: 0 };
  const stoppedAt = options.log.steps.find((s) => s.engine === "error");
  const evidence = logEvidence(options.log, changeGiven);

  for (const stage of model.file.stages) {
    let parent: StepInfo | null = lastStep(model, model.baseStage(stage));
    for (const info of model.stageInfos(stage)) {
      if (!info.label || info.instruction.onbuild) continue;
      const p = sim.prediction(info);
      const predicted: StepStatus = model.needed.has(stage) ? (p?.status ?? "cached") : "skipped";
      const reason = p?.reason ?? "";
      const printed = matched.byInfo.get(info);
      let engine: EngineOutcome;
      let seconds: number | null = null;
      let cause: string;
      if (printed) {
        engine = printed.engine;
        seconds = printed.seconds;
      } else {
        const twin = dedupTwin(info, matched.byInfo);
        engine = twin ? twin.engine : "not-run";
      }
      const parentEngine = parent ? (engineOf.get(parent) ?? null) : null;
      const parentIsBase = parent !== null && parent.kind === "base";

      if (!printed) {
        const twin = dedupTwin(info, matched.byInfo);
        if (twin) cause = `built once with the identical step ${twin.key}`;
        else if (!model.needed.has(stage)) cause = reason || `stage ${stageName(stage)} is not needed for the target`;
        else if (stoppedAt) cause = `not run: the build stopped at ${stoppedAt.key} ${short(stoppedAt.instruction)}`;
        else cause = "not in the log";
      } else if (engine === "error") {
        cause = `failed: ${printed.error ?? "the step failed"}`;
      } else if (engine === "not-run") {
        cause = stoppedAt ? `cancelled: the build stopped at ${stoppedAt.key} ${short(stoppedAt.instruction)}` : "cancelled";
      } else if (info.kind === "base") {
        if (predicted === "rerun") cause = reason;
        else if (engine === "cached") cause = "the base image was already there";
        else cause = printed.digest ? `the engine resolved the base image to ${printed.digest}` : "the engine loaded the base image";
      } else if (engine === "ran") {
        if (predicted === "rerun" || predicted === "uncertain") {
          const fromBase = parentIsBase && parent ? sim.prediction(parent) : undefined;
          if (parent && parentEngine === "ran" && !parentIsBase) cause = "its parent step ran";
          else if (reason === "parent step re-ran") cause = fromBase?.status === "rerun" ? (fromBase.reason ?? reason) : "its parent step ran";
          else cause = reason;
        } else {
          // Counted even after a parent that ran: that parent was predicted cached too, so the chain is unexplained.
          unexplained++;
          cause = `unexplained: layerlint predicts it stays cached; in order of likelihood: ${evidence.map((e, n) => `(${n + 1}) ${e}`).join("; ")}`;
        }
      } else if (predicted === "rerun") {
        cause = `model error: the engine kept it cached, but layerlint predicts a re-run (${reason}); if the change given is what this build saw, please report the log and the Dockerfile`;
      } else if (predicted === "uncertain") {
        cause = `cached: ${reason}, and it did not`;
      } else {
        cause = reason || "its inputs did not change";
      }

      engineOf.set(info, engine);
      if (printed && seconds !== null) {
        total.total += seconds;
        if (engine === "ran") total.ran += seconds;
        if (engine === "ran" && (predicted === "rerun" || predicted === "uncertain") && info.kind !== "base") {
          const twin = fixed.changed ? twins.get(info) : undefined;
          const after = twin && fixedSim ? fixedSim.prediction(twin)?.status : undefined;
          if (after === "cached") total.avoidable += seconds;
        }
      }
      rows.push({
        line: info.instruction.range.start.line + 1,
        step: (info.label ?? "").replace(/\s+/g, " "),
        instruction: oneLine(info.instruction.source),
        engine,
        seconds,
        predicted,
        cause,
      });
      parent = info;
    }
  }
  const round = (n: number): number => Math.round(n * 100) / 100;
  return {
    dockerfile: options.dockerfilePath,
    log: options.logName,
    steps: rows,
    unexplained,
    seconds: { total: round(total.total), ran: round(total.ran), avoidable: round(total.avoidable) },
  };
}

/**
 * What can make a step run that the model says stays cached, most likely
 * first, as far as the log itself tells.
 */
function logEvidence(log: BuildLog, changeGiven: boolean): string[] {
  const steps = log.steps.filter((s) => !/^FROM\s/i.test(s.instruction));
  const nothingCached = steps.length > 0 && steps.every((s) => s.engine !== "cached");
  const out: string[] = [];
  if (!changeGiven && !nothingCached) out.push("an input changed that layerlint was not told about (give the change with --since, --changed or --build-arg)");
  if (nothingCached) {
    out.push(
      "the builder had no cache for the step: nothing in this log was cached, as on a new or pruned builder (`docker builder prune`) or a CI runner without cache import (--cache-from)" +
        (log.cacheImport ? "; the log shows a cache import, which did not hold it" : ""),
    );
  } else {
    out.push("the builder had no cache for the step: its cache record was pruned or evicted by the builder's garbage collection, or the imported cache did not hold it");
  }
  const digests = [...new Set(log.steps.map((s) => s.digest).filter((d): d is string => d !== null))];
  out.push(
    `the base image resolved to a new digest${digests.length > 0 ? ` (this build used ${digests.map((d) => d.slice(0, 19) + "…").join(", ")})` : ""}: a moved tag re-runs the whole stage (tell layerlint with --base-changed, or pin the digest)`,
  );
  out.push(nothingCached ? "the build ran with --no-cache" : "the build ran with --no-cache-filter for this stage, or with --no-cache");
  const platforms = [...new Set(log.steps.map((s) => s.platform).filter((p): p is string => p !== null))];
  out.push(`a different platform${platforms.length > 0 ? ` (this build: ${platforms.join(", ")})` : ""} than the build that filled the cache (--platform)`);
  return out;
}

function lastStep(model: CacheModel, stage: ReturnType<CacheModel["baseStage"]>): StepInfo | null {
  if (!stage) return null;
  const steps = model.stageInfos(stage).filter((i) => i.label);
  return steps[steps.length - 1] ?? lastStep(model, model.baseStage(stage));
}

function buildSteps(model: CacheModel): StepInfo[] {
  return model.infos.filter((i) => i.label !== null && model.needed.has(i.stage) && !i.instruction.onbuild);
}

function oneLine(s: string): string {
  const t = firstLine(s);
  return t.length > 72 ? t.slice(0, 69) + "..." : t;
}

function short(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > 40 ? one.slice(0, 39) + "…" : one;
}
