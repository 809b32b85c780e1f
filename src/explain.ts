import { dirname } from "node:path";
import { keyInputs, metadataEffect } from "./model/describe.js";
import { buildModel, loadContext, type CacheModel, type StepInfo, type StepKind } from "./model/index.js";
import { simulate, stageName, type StepStatus } from "./model/simulate.js";
import { parse, type Instruction, type Stage } from "./parse/index.js";
import { fromString, type SourceText } from "./read.js";

/**
 * `layerlint explain` as a library function: every instruction with its
 * step label, kind, cache-key inputs and, when a change is given, whether
 * BuildKit re-runs it and why. The returned object is the JSON contract.
 */
export interface ExplainOptions {
  /** The Dockerfile's path: names it, and its directory is the default context. */
  filePath?: string;
  /** The build context directory; null for none (patterns are still matched). */
  context?: string | null;
  target?: string;
  /** `--build-arg` values the build uses. */
  buildArgValues?: Record<string, string>;
  /** Context-relative paths whose content or mode changed. */
  changedPaths?: readonly string[];
  /** Names of build-args whose value changed to a value not given. */
  changedBuildArgs?: readonly string[];
  /**
   * The build-arg values of the build before the change, when known
   * (`buildArgValues` are those after it); an unchanged value re-runs nothing.
   */
  previousBuildArgValues?: Record<string, string>;
  baseChanged?: boolean;
  /** The Dockerfile's text before an edit. */
  previousText?: string;
}

export interface ExplainStage {
  index: number;
  name: string | null;
  /** The name BuildKit prints: the stage name, or `stage-N`. */
  label: string;
  /** The FROM reference as written. */
  base: string;
  line: number;
  /** Whether building the target builds this stage. */
  needed: boolean;
  /** Labels of the stages it needs (FROM, COPY --from, RUN --mount from=). */
  dependsOn: string[];
}

export interface ExplainInstruction {
  line: number;
  endLine: number;
  keyword: string;
  text: string;
  /** Stage label; null for ARGs before the first FROM. */
  stage: string | null;
  /** The step label as `docker build --progress=plain` prints it; null when not a step. */
  step: string | null;
  kind: StepKind | null;
  inputs: Record<string, unknown>;
  status: StepStatus | null;
  reason: string | null;
}

export interface ExplainReport {
  file: string;
  /** The build explained, when the CLI chose one from those discovered (`--build`). */
  build?: { context: string; target: string | null; source: string };
  context: string | null;
  target: string | null;
  stages: ExplainStage[];
  instructions: ExplainInstruction[];
}

export function explain(text: string | SourceText, options: ExplainOptions = {}): ExplainReport {
  const source = typeof text === "string" ? fromString(text) : text;
  const filePath = options.filePath ?? "<input>";
  const contextDir = options.context !== undefined ? options.context : filePath !== "<input>" ? dirname(filePath) : null;
  const context = loadContext(contextDir, { dockerfilePath: filePath !== "<input>" ? filePath : undefined });
  const file = parse(source, filePath);
  const model = buildModel(file, { context, target: options.target, buildArgs: options.buildArgValues });
  const changeGiven =
    options.changedPaths !== undefined ||
    (options.changedBuildArgs ?? []).length > 0 ||
    options.previousBuildArgValues !== undefined ||
    options.baseChanged === true ||
    options.previousText !== undefined;
  const previous =
    options.previousText !== undefined && options.previousText !== source.text
      ? buildModel(parse(fromString(options.previousText), filePath), { context, target: options.target, buildArgs: options.buildArgValues })
      : undefined;
  const sim = changeGiven
    ? simulate(model, {
        changedPaths: options.changedPaths,
        buildArgs: options.changedBuildArgs,
        previousBuildArgs: options.previousBuildArgValues,
        baseChanged: options.baseChanged,
        previous,
      })
    : null;

  const instructions: ExplainInstruction[] = file.globalArgs.map((ins) => row(model, null, ins, null, null, null));
  for (const stage of file.stages) {
    for (const info of model.stageInfos(stage)) {
      const p = sim?.prediction(info);
      instructions.push(row(model, stage, info.instruction, info, p?.status ?? null, p?.reason ?? null));
    }
  }
  return {
    file: filePath,
    context: contextDir,
    target: model.target ? stageName(model.target) : null,
    stages: file.stages.map((s) => ({
      index: s.index,
      name: s.name,
      label: stageName(s),
      base: s.base,
      line: s.from.range.start.line + 1,
      needed: model.needed.has(s),
      dependsOn: model.dependencies(s).map(stageName),
    })),
    instructions,
  };
}

function row(model: CacheModel, stage: Stage | null, ins: Instruction, info: StepInfo | null, status: StepStatus | null, reason: string | null): ExplainInstruction {
  const shown = ins.onbuild ?? ins;
  return {
    line: shown.range.start.line + 1,
    endLine: shown.range.end.line + 1,
    keyword: ins.keyword,
    text: shown.source,
    stage: stage ? stageName(stage) : null,
    step: info?.label ?? null,
    kind: info ? info.kind : ins.keyword === "ARG" ? "metadata" : null,
    inputs: info ? inputsJson(model, info) : { dependsOn: [], effect: metadataEffect(ins) },
    status,
    reason,
  };
}

/** StepInputs as plain JSON: instructions become line numbers, stages their labels. */
function inputsJson(model: CacheModel, info: StepInfo): Record<string, unknown> {
  const i = info.inputs;
  const out: Record<string, unknown> = { dependsOn: keyInputs(model, info) };
  if (!info.label) {
    if (info.kind === "metadata" || info.kind === null) out.effect = metadataEffect(info.instruction);
    if (i.image) out.image = { ref: i.image.ref, tag: i.image.tag, digest: i.image.digest, stage: i.image.stage ? stageName(i.image.stage) : null };
    return out;
  }
  out.parent = i.parent ? (i.parent.onbuild ?? i.parent).range.start.line + 1 : null;
  if (i.image) out.image = { ref: i.image.ref, tag: i.image.tag, digest: i.image.digest, stage: i.image.stage ? stageName(i.image.stage) : null };
  if (i.command !== undefined) {
    out.command = i.command;
    // Names and declaration lines only: build-arg values can be secrets.
    out.args = (i.args ?? []).map((a) => ({ name: a.name, line: a.declaredAt.range.start.line + 1 }));
    out.env = i.env ?? [];
    out.user = i.user ?? null;
    out.workdir = i.workdir ?? "/";
    out.shell = i.shell ?? null;
    out.network = i.network ?? null;
    out.bindMounts = (i.bindMounts ?? []).map((m) => ({ source: m.source, from: m.from, target: m.target }));
    out.unkeyedMounts = (i.unkeyedMounts ?? []).map((m) => ({ type: m.type, target: m.target, from: m.from }));
  }
  if (i.sources) {
    out.sources = i.sources.map((s) => ({ kind: s.kind, path: s.path }));
    out.files = i.sources.some((s) => s.kind === "context") ? model.copiedFiles(info.instruction) : null;
    out.fromStage = i.fromStage ? stageName(i.fromStage) : null;
    out.fromImage = i.fromImage ?? null;
  }
  if (i.destination !== undefined) out.destination = i.destination;
  if (info.instruction.keyword === "WORKDIR") out.user = i.user ?? null;
  return out;
}
