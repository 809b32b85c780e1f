import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { Stage } from "../parse/index.js";
import { cleanPath, isGlob } from "./context.js";
import { buildModel, type CacheModel, type StepInfo } from "./index.js";

/**
 * Change simulation: which steps BuildKit re-runs after a change.
 *
 * Each step gets a cache key made, as BuildKit's is, of its parent's key and
 * its own inputs (cache-semantics.md). Keys are computed for the build
 * before the change and for the build after it; a step whose key after the
 * change was already built before is cached. Keys are symbolic: a changed
 * context file or build-arg only makes its token differ, no bytes are read.
 *
 * Where the outcome depends on bytes a Dockerfile cannot tell (a stage that
 * re-ran may produce the same files, which keeps a `COPY --from` of it
 * cached), the step is `uncertain` instead of a guess.
 */
export type StepStatus = "cached" | "rerun" | "uncertain" | "skipped";

export interface ChangeSet {
  /** Context-relative paths whose content or mode changed (added and deleted files too). */
  changedPaths?: readonly string[];
  /** Names of build-args whose value changed to a value not given. */
  buildArgs?: readonly string[];
  /**
   * The build-arg values of the build before the change, when known; the
   * model holds the values after it. A value equal to the one before (a
   * default passed explicitly) changes nothing.
   */
  previousBuildArgs?: Readonly<Record<string, string>>;
  /** Every base image reference that is not pinned by digest resolves to a new image. */
  baseChanged?: boolean;
  /**
   * The model of the Dockerfile before an edit of its text, built with the
   * same context and target. Without it the Dockerfile is taken as unchanged.
   */
  previous?: CacheModel;
}

export interface StepPrediction {
  info: StepInfo;
  /** null for instructions that are not build steps (metadata, `FROM scratch`, `FROM <stage>`). */
  status: StepStatus | null;
  /** Why, in words; null when status is null. */
  reason: string | null;
}

export interface Simulation {
  /** Every stage's FROM, triggers and instructions in build order, stages in file order. */
  predictions: readonly StepPrediction[];
  prediction(info: StepInfo): StepPrediction | undefined;
  counts: Record<StepStatus, number>;
}

/** One named input of a step's key. */
interface KeyPart {
  name: string;
  value: string;
  /** Words for the reason when this part changed. */
  why: string;
}

interface Keyed {
  key: string;
  parts: KeyPart[];
  parentKey: string;
  /** The key holds only if some content is unchanged; `doubt` says which. */
  doubt: string | null;
  /** A step in the chain before this one is uncertain. */
  parentDoubt: boolean;
  /** A proven content change that no key part names (a stage's changed files). */
  proven: string | null;
}

interface World {
  changed: ReadonlySet<string>;
  baseVersion: number;
}

const CHANGED_ARG = "\u0000changed-build-arg:";
/** The placeholder with the build-arg's name, wherever it shows. */
const CHANGED_ARG_WORD = new RegExp(`${CHANGED_ARG}([A-Za-z_][A-Za-z0-9_]*)`, "g");

export function simulate(model: CacheModel, change: ChangeSet = {}): Simulation {
  const targetRef = model.target ? (model.target.name ?? String(model.target.index)) : undefined;
  const before = change.previousBuildArgs
    ? rebuild(change.previous ?? model, targetRef, change.previousBuildArgs)
    : (change.previous ?? model);
  const changedArgs = [...new Set(change.buildArgs ?? [])];
  const after =
    changedArgs.length === 0
      ? model
      : rebuild(model, targetRef, { ...model.buildArgs, ...Object.fromEntries(changedArgs.map((n) => [n, CHANGED_ARG + n])) });
  const changed = new Set((change.changedPaths ?? []).map(cleanPath).filter((p) => p !== ""));

  const beforeKeys = computeKeys(before, { changed: new Set(), baseVersion: 0 }, null);
  const built = new Set<string>();
  for (const [info, k] of beforeKeys) if (before.needed.has(info.stage) && info.label) built.add(k.key);
  const afterKeys = computeKeys(after, { changed, baseVersion: change.baseChanged ? 1 : 0 }, { model: before, keys: beforeKeys, built });

  const predictions: StepPrediction[] = [];
  const byInfo = new Map<StepInfo, StepPrediction>();
  const counts: Record<StepStatus, number> = { cached: 0, rerun: 0, uncertain: 0, skipped: 0 };
  const status = new Map<StepInfo, StepStatus>();
  for (const stage of after.file.stages) {
    const counterpartStage = matchStage(before, stage);
    const counterparts = counterpartStage ? before.stageInfos(counterpartStage).filter((i) => i.label) : [];
    let position = 0;
    let lastStep: StepInfo | null = null;
    for (const afterInfo of after.stageInfos(stage)) {
      // Report against the caller's model: the same file, so positions match.
      const info = sameInfo(model, after, afterInfo);
      let p: StepPrediction;
      const picks = unknownPick(after, stage);
      if (!afterInfo.label) {
        p = { info, status: null, reason: null };
      } else if (picks) {
        p = { info, status: "uncertain", reason: picks };
      } else if (!after.needed.has(stage)) {
        p = { info, status: "skipped", reason: `stage ${stageName(stage)} is not needed to build ${after.target ? stageName(after.target) : "the target"}` };
      } else {
        const k = afterKeys.get(afterInfo) as Keyed;
        const counterpart = counterpartOf(k, counterparts, position, beforeKeys);
        const parentStatus = lastStep ? (status.get(lastStep) ?? null) : baseStatus(after, stage, status);
        p = { info, ...decide(afterInfo, k, built, counterpart ? (beforeKeys.get(counterpart) ?? null) : null, parentStatus) };
      }
      if (afterInfo.label) {
        position++;
        lastStep = afterInfo;
        if (p.status) status.set(afterInfo, p.status);
      }
      if (p.reason !== null) p.reason = readable(p.reason);
      if (p.status) counts[p.status]++;
      predictions.push(p);
      byInfo.set(info, p);
    }
  }
  return { predictions, prediction: (info) => byInfo.get(info), counts };
}

function rebuild(model: CacheModel, target: string | undefined, buildArgs: Readonly<Record<string, string>>): CacheModel {
  return buildModel(model.file, { context: model.context, target, buildArgs });
}

/**
 * Why a stage's fate hangs on a build-arg whose new value is not given: a
 * needed stage whose FROM may name another stage through it, or a stage such
 * a FROM may pick. Null otherwise (an image tag from a new value is simply a
 * new image). With the value given, the model follows it.
 */
function unknownPick(model: CacheModel, stage: Stage): string | null {
  const ref = (s: Stage): string => model.stageInfos(s)[0]?.inputs.image?.ref ?? "";
  const picks = (s: Stage): Stage[] => {
    const r = ref(s);
    if (!changedArgIn(r)) return [];
    const pattern = new RegExp(`^${r.split(new RegExp(`${CHANGED_ARG}[A-Za-z_][A-Za-z0-9_]*`)).map(escapeRegExp).join(".*")}$`, "i");
    return model.file.stages.filter((c) => c.index < s.index && c.name !== null && pattern.test(c.name));
  };
  if (model.needed.has(stage)) {
    return picks(stage).length > 0 ? `its FROM ${stage.base} depends on the new value of build-arg ${changedArgIn(ref(stage)) ?? ""}, which is not given` : null;
  }
  for (const s of model.needed) {
    if (picks(s).includes(stage)) return `FROM ${s.base} may pick this stage, depending on the new value of build-arg ${changedArgIn(ref(s)) ?? ""}, which is not given`;
  }
  return null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A reason as people read it: a build-arg's unknown new value is named, never shown as the model's placeholder. */
function readable(reason: string): string {
  return reason.replace(CHANGED_ARG_WORD, (_, name: string) => `(the new value of build-arg ${name})`);
}

function decide(
  info: StepInfo,
  k: Keyed,
  built: ReadonlySet<string>,
  counterpart: Keyed | null,
  parentStatus: StepStatus | null,
): { status: StepStatus; reason: string } {
  const own = ownChange(k, counterpart);
  if (k.proven) return { status: "rerun", reason: k.proven };
  if (!built.has(k.key)) {
    if (own) return { status: "rerun", reason: own };
    if (parentStatus === "rerun") return { status: "rerun", reason: "parent step re-ran" };
    if (!counterpart) return { status: "rerun", reason: `new step: no earlier build had this ${info.instruction.keyword} after the same steps` };
    return { status: "rerun", reason: "an earlier step of the stage changed" };
  }
  if (k.doubt) return { status: "uncertain", reason: k.doubt };
  if (k.parentDoubt) return { status: "uncertain", reason: "parent step may re-run; this step re-runs if it does" };
  return { status: "cached", reason: "its inputs did not change" };
}

/**
 * The step that stood for this one before the change: the nearest with the
 * same instruction text, else the one at the same position. After an
 * inserted or deleted line, positions shift but texts do not.
 */
function counterpartOf(k: Keyed, candidates: readonly StepInfo[], position: number, keys: ReadonlyMap<StepInfo, Keyed>): StepInfo | null {
  const text = k.parts.find((p) => p.name === "instruction")?.value;
  let best: StepInfo | null = null;
  let distance = Infinity;
  candidates.forEach((c, n) => {
    const theirs = keys.get(c)?.parts.find((p) => p.name === "instruction")?.value;
    if (theirs === text && Math.abs(n - position) < distance) {
      best = c;
      distance = Math.abs(n - position);
    }
  });
  return best ?? candidates[position] ?? null;
}

/** The reason a step's own inputs give, compared with the same step before the change. */
function ownChange(k: Keyed, counterpart: Keyed | null): string | null {
  if (!counterpart) return null;
  for (const part of k.parts) {
    const old = counterpart.parts.find((p) => p.name === part.name);
    if (!old) return part.why;
    if (old.value !== part.value) return part.why;
  }
  const gone = counterpart.parts.find((p) => !k.parts.some((q) => q.name === p.name));
  return gone ? `${gone.name} no longer applies` : null;
}

/** The status of whatever a stage's first step builds on: its base stage's last step. */
function baseStatus(model: CacheModel, stage: Stage, status: ReadonlyMap<StepInfo, StepStatus>): StepStatus | null {
  const base = model.baseStage(stage);
  if (!base) return null;
  const steps = model.stageInfos(base).filter((i) => i.label);
  const last = steps[steps.length - 1];
  return last ? (status.get(last) ?? null) : baseStatus(model, base, status);
}

interface Reference {
  model: CacheModel;
  keys: ReadonlyMap<StepInfo, Keyed>;
  built: ReadonlySet<string>;
}

function computeKeys(model: CacheModel, world: World, reference: Reference | null): Map<StepInfo, Keyed> {
  const keys = new Map<StepInfo, Keyed>();
  const stageEnd = new Map<Stage, Keyed>();
  for (const stage of model.file.stages) {
    const base = model.baseStage(stage);
    let parent: Keyed | null = base ? (stageEnd.get(base) ?? null) : null;
    for (const info of model.stageInfos(stage)) {
      if (!info.label) continue;
      const own = partsOf(model, info, world, reference, stageEnd);
      const parentKey = parent ? parent.key : info.kind === "base" ? "" : "scratch";
      const key = hash(JSON.stringify([parentKey, own.parts.map((p) => [p.name, p.value])]));
      const k: Keyed = {
        key,
        parts: own.parts,
        parentKey,
        doubt: own.doubt,
        parentDoubt: parent ? parent.doubt !== null || parent.parentDoubt : false,
        proven: own.proven,
      };
      keys.set(info, k);
      parent = k;
    }
    if (parent) stageEnd.set(stage, parent);
  }
  return keys;
}

function partsOf(
  model: CacheModel,
  info: StepInfo,
  world: World,
  reference: Reference | null,
  stageEnd: ReadonlyMap<Stage, Keyed>,
): { parts: KeyPart[]; doubt: string | null; proven: string | null } {
  const ins = info.instruction;
  const inputs = info.inputs;
  const parts: KeyPart[] = [];
  let doubt: string | null = null;
  let proven: string | null = null;
  const text = short(ins.onbuild ? ins.onbuild.source : ins.source);
  const argNote = changedArgIn(inputs.resolved ?? "");
  parts.push({
    name: "instruction",
    value: inputs.resolved ?? ins.source,
    why: argNote ? `uses build-arg ${argNote}, which changed` : `the instruction changed: ${text}`,
  });

  switch (info.kind) {
    case "base": {
      const image = inputs.image;
      if (image && !image.digest) parts.push({ name: "image", value: `${image.ref}#${world.baseVersion}`, why: `base image ${image.ref} changed` });
      break;
    }
    case "layer":
    case "file-op":
      if (ins.keyword === "RUN") {
        for (const a of inputs.args ?? []) {
          // Measured: an ARG with neither a default nor a --build-arg sets nothing, so it is not in the key.
          if (a.value === undefined) continue;
          parts.push({
            name: `build-arg ${a.name}`,
            value: a.value === undefined ? "\u0000unset" : a.value,
            why: `build-arg ${a.name} declared at line ${a.declaredAt.range.start.line + 1} changed`,
          });
        }
        for (const [name, value] of Object.entries(inputs.envValues ?? {})) {
          const fromArg = changedArgIn(value);
          parts.push({ name: `ENV ${name}`, value, why: fromArg ? `ENV ${name} takes build-arg ${fromArg}, which changed` : `ENV ${name} changed` });
        }
        parts.push({ name: "USER", value: inputs.user ?? "", why: `USER changed to ${inputs.user ?? "root"}` });
        parts.push({ name: "WORKDIR", value: inputs.workdir ?? "/", why: `WORKDIR changed to ${inputs.workdir ?? "/"}` });
        parts.push({ name: "SHELL", value: JSON.stringify(inputs.shell ?? null), why: "SHELL changed" });
        // A mount's `from=` stage is an input of the step whatever the mount type (measured with a cache mount).
        const mounts = [...(inputs.bindMounts ?? []), ...(inputs.unkeyedMounts ?? []).filter((m) => m.from)];
        for (const m of mounts) {
          if (m.from) {
            const from = stageFor(model, m.from, info.stage);
            if (from) {
              const c = stageContent(model, from, [m.source ?? "/"], world, reference, stageEnd, `--mount from=${from.name ?? from.index}`);
              parts.push({ name: `mount ${m.target ?? ""}`, value: c.token, why: c.why });
              doubt ??= c.doubt;
              proven ??= c.proven;
            } else {
              parts.push({ name: `mount ${m.target ?? ""}`, value: `image ${m.from}#${world.baseVersion}`, why: `image ${m.from} changed` });
            }
          } else {
            const hit = [...world.changed].filter((p) => model.mountReads(ins, p)).sort();
            parts.push({ name: `mount ${m.target ?? ""}`, value: hit.join("\n"), why: `${text} reads changed ${listPaths(hit)} through --mount=type=bind` });
            doubt ??= ignoreFileDoubt(model, world);
          }
        }
      } else if (ins.keyword === "COPY" || ins.keyword === "ADD") {
        const from = inputs.fromStage;
        const paths = (inputs.sources ?? []).map((s) => s.path);
        if (from) {
          const c = stageContent(model, from, paths, world, reference, stageEnd, `stage ${stageName(from)}`);
          parts.push({ name: "stage content", value: c.token, why: c.why });
          doubt = c.doubt;
          proven = c.proven;
        } else if (inputs.fromImage) {
          parts.push({ name: "image content", value: `${inputs.fromImage}#${world.baseVersion}`, why: `image ${inputs.fromImage} changed` });
        } else {
          const hit = [...world.changed].filter((p) => model.copies(ins, p)).sort();
          parts.push({ name: "context files", value: hit.join("\n"), why: `${text} brings in changed ${listPaths(hit)}` });
          doubt = ignoreFileDoubt(model, world);
        }
      } else if (ins.keyword === "WORKDIR") {
        parts.push({ name: "USER", value: inputs.user ?? "", why: `USER changed to ${inputs.user ?? "root"}` });
      }
      break;
    case "metadata":
    case null:
      break;
  }
  return { parts, doubt, proven };
}

/**
 * An edited ignore file changes which files the context sends, and only its
 * new text is known: every step reading the context may or may not change.
 */
function ignoreFileDoubt(model: CacheModel, world: World): string | null {
  const ignoreFile = model.context.ignoreFile && !model.context.ignoreFile.startsWith("/") ? model.context.ignoreFile : ".dockerignore";
  return world.changed.has(ignoreFile) ? `${ignoreFile} changed: the files sent to this step may differ` : null;
}

/**
 * The token for the files a step reads from another stage. When the stage
 * is cached its files are the ones built before; when it re-ran they may or
 * may not be, unless a changed context file provably lands in a copied path.
 */
function stageContent(
  model: CacheModel,
  from: Stage,
  paths: readonly string[],
  world: World,
  reference: Reference | null,
  stageEnd: ReadonlyMap<Stage, Keyed>,
  what: string,
): { token: string; doubt: string | null; proven: string | null; why: string } {
  const end = stageEnd.get(from);
  const why = `${what} now holds different files at ${paths.join(", ")}`;
  const token = `${paths.join("\n")}@${end ? end.key : "empty"}`;
  if (!reference || !end) return { token, doubt: null, proven: null, why };
  const old = matchStage(reference.model, from);
  const oldEnd = old ? lastKey(reference.model, old, reference.keys) : null;
  if (end.key === oldEnd && end.doubt === null && !end.parentDoubt) return { token, doubt: null, proven: null, why };
  const landed = changedFileLanding(model, from, paths, world);
  if (landed) return { token: token + "\u0000changed", doubt: null, proven: `${what} re-ran and ${landed}`, why };
  // Suppose the stage produced the same files as before: the key is then the old one.
  // Measured: a stage that now ends at another step built before (a step deleted at its end)
  // may hold the same bytes at the paths read, and BuildKit then keeps the step.
  const rebuilt = reference.built.has(end.key) && end.doubt === null && !end.parentDoubt;
  return {
    token: `${paths.join("\n")}@${oldEnd ?? "new"}`,
    doubt: rebuilt ? `${what} now ends at another step; the copied bytes may be identical` : `${what} re-ran; the copied bytes may be identical`,
    proven: null,
    why,
  };
}

/**
 * Whether a changed context file is copied by the stage into one of the
 * paths read from it, with no RUN or ADD after it that could rewrite it.
 */
function changedFileLanding(model: CacheModel, stage: Stage, paths: readonly string[], world: World): string | null {
  const steps = model.stageInfos(stage).filter((i) => i.label);
  for (let n = steps.length - 1; n >= 0; n--) {
    const info = steps[n];
    const ins = info.instruction;
    if (ins.keyword === "COPY" && !info.inputs.fromStage && !info.inputs.fromImage) {
      for (const file of world.changed) {
        if (!model.copies(ins, file)) continue;
        const landing = landingPath(info, file);
        if (!landing) continue;
        const read = paths.find((p) => {
          const abs = posix.resolve(info.inputs.workdir ?? "/", p).replace(/(?<!\/)\/+$/, "") || "/";
          return !isGlob(p) && (landing === abs || landing.startsWith(abs === "/" ? "/" : abs + "/"));
        });
        if (read) return `brings in changed ${file} as ${landing}`;
      }
    } else if (info.kind === "layer") {
      // A RUN or ADD may rewrite anything: nothing before it can be proven.
      return null;
    }
  }
  return null;
}

/** Where a COPY puts a context file, or null when that depends on the file system. */
function landingPath(info: StepInfo, file: string): string | null {
  const sources = (info.inputs.sources ?? []).filter((s) => s.kind === "context");
  const dest = info.inputs.destination ?? "/";
  const intoDir = dest.endsWith("/") || sources.length > 1;
  for (const s of sources) {
    const src = cleanPath(s.path);
    if (isGlob(src)) continue;
    if (src === "") return posix.join(dest, file);
    if (file === src) return intoDir ? posix.join(dest, posix.basename(file)) : dest.replace(/(?<!\/)\/+$/, "") || "/";
    if (file.startsWith(src + "/")) return posix.join(dest, file.slice(src.length + 1));
  }
  return null;
}

function lastKey(model: CacheModel, stage: Stage, keys: ReadonlyMap<StepInfo, Keyed>): string | null {
  const steps = model.stageInfos(stage).filter((i) => i.label);
  const last = steps[steps.length - 1];
  if (last) return keys.get(last)?.key ?? null;
  const base = model.baseStage(stage);
  return base ? lastKey(model, base, keys) : null;
}

function stageFor(model: CacheModel, ref: string, user: Stage): Stage | null {
  const s = model.stage(ref);
  return s && s.index < user.index ? s : null;
}

/** The same stage in another model of the file: by name, else by position. */
function matchStage(model: CacheModel, stage: Stage): Stage | null {
  if (stage.name) return model.file.stages.find((s) => s.name === stage.name) ?? null;
  return model.file.stages.find((s) => s.index === stage.index && s.name === null) ?? null;
}

/** The StepInfo of `model` that stands where `info` stands in `other` (a rebuild of the same file). */
function sameInfo(model: CacheModel, other: CacheModel, info: StepInfo): StepInfo {
  if (model === other) return info;
  const stage = model.file.stages[info.stage.index];
  const i = other.stageInfos(info.stage).indexOf(info);
  return model.stageInfos(stage)[i] ?? info;
}

function changedArgIn(text: string): string | null {
  const at = text.indexOf(CHANGED_ARG);
  if (at === -1) return null;
  return /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at + CHANGED_ARG.length))?.[0] ?? null;
}

export function stageName(stage: Stage): string {
  return stage.name ?? `stage-${stage.index}`;
}

function listPaths(paths: readonly string[]): string {
  if (paths.length <= 3) return paths.join(", ");
  return `${paths.slice(0, 3).join(", ")} and ${paths.length - 3} more`;
}

/** An instruction on one line, cut to a readable length. */
export function short(source: string, max = 40): string {
  const one = source.split(/\r?\n/)[0].replace(/\s+/g, " ").replace(/\\$/, "").trim();
  return one.length > max ? one.slice(0, max - 1) + "…" : one;
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 24);
}


