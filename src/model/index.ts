import { posix } from "node:path";
import { findInstalls, globNamesInstallInputs, isInstallInput, type InstallMatch } from "../ecosystems/index.js";
import type { Instruction, Mount, ParsedDockerfile, Stage } from "../parse/index.js";
import { cleanPath, followedSources, isGlob, loadContext, sourceExistsIn, sourceMatcher, type BuildContext } from "./context.js";
import { kindOf, type StepKind } from "./kinds.js";
import { resolveIn } from "./paths.js";
import { PersistentMap } from "./persistent.js";
import { expand } from "./variables.js";
import { UsageError } from "../errors.js";

export { describeKind, kindOf, KNOWN_KEYWORDS, type StepKind } from "./kinds.js";
export { cleanPath, isGlob, loadContext, sourceExistsIn, sourceMatcher, type BuildContext } from "./context.js";
export { expand, referencedVariables } from "./variables.js";
export { commandWords, splitCommands, type ShellCommand } from "./shell.js";
export { simulate, stageName, type ChangeSet, type Simulation, type StepPrediction, type StepStatus } from "./simulate.js";
export { keyInputs, metadataEffect } from "./describe.js";
export { PersistentMap } from "./persistent.js";

/** Where a COPY/ADD source comes from. */
export interface CopySource {
  kind: "context" | "stage" | "image" | "url" | "git" | "heredoc";
  /** The source as written (variables expanded). */
  path: string;
}

/** An ARG declaration in scope, with where it was declared. */
export interface ArgInScope {
  name: string;
  declaredAt: Instruction;
  /** The default written in the Dockerfile, if any. */
  defaultValue: string | undefined;
  /** The value the build uses: the `--build-arg` value, else the default. */
  value: string | undefined;
}

/** What a step's cache key is made of (cache-semantics.md). */
export interface StepInputs {
  /** The previous step of the same stage (FROM has none). */
  parent: Instruction | null;
  /** FROM: the image reference after variable substitution. */
  image?: { ref: string; tag: string | null; digest: string | null; stage: Stage | null };
  /** RUN: the command text BuildKit keys on (heredoc bodies included). */
  command?: string;
  /** RUN: build args declared in the stage before it (all are in the key). Made when first read: ask `scope` for one name. */
  args?: ArgInScope[];
  /** RUN: ENV names in scope. Made when first read: ask `scope` for one name. */
  env?: string[];
  /** RUN: ENV values in scope (variables substituted), which are in the key. Made when first read: ask `scope` for one name. */
  envValues?: Readonly<Record<string, string>>;
  /**
   * RUN: the ENV values and the build args in scope, by name. Shared with the
   * steps before and after it (persistent maps): reading one name costs
   * O(log n), where a list or a record per step made long files quadratic.
   */
  scope?: VariableScope;
  user?: string | null;
  workdir?: string;
  shell?: readonly string[] | null;
  network?: string | null;
  /** RUN: `--mount=type=bind` mounts, whose source content is in the key. */
  bindMounts?: Mount[];
  /** RUN: cache, secret, tmpfs and ssh mounts, which are not in the key. */
  unkeyedMounts?: Mount[];
  /** COPY/ADD: sources. */
  sources?: CopySource[];
  /** COPY/ADD `--from`: a stage of this file, or an image. */
  fromStage?: Stage | null;
  fromImage?: string | null;
  /** COPY/ADD/WORKDIR: destination resolved against WORKDIR. */
  destination?: string;
  /**
   * Steps: the instruction as BuildKit keys it, flags and words with
   * variables substituted (RUN keeps its command text: the shell expands it).
   */
  resolved?: string;
}

export interface VariableScope {
  readonly env: PersistentMap<string>;
  readonly args: PersistentMap<ArgInScope>;
}

export interface StepInfo {
  /** For an ONBUILD trigger run by a child stage: the trigger (its `onbuild` is the ONBUILD). */
  instruction: Instruction;
  /** The stage that runs it (for a trigger: the child stage, not the stage that declares it). */
  stage: Stage;
  kind: StepKind | null;
  /**
   * 1-based step number as BuildKit prints it; null for metadata and for a
   * FROM that is not a step (`FROM scratch`, `FROM <stage>`).
   */
  step: number | null;
  /** `[build 3/5]` exactly as `docker build --progress=plain` prints it; null when not a step. */
  label: string | null;
  inputs: StepInputs;
}

export interface CacheModelOptions {
  /** The build context directory; null or absent when there is none on disk. */
  context?: BuildContext | string | null;
  /** `--target`: the stage to build; the last stage when absent. */
  target?: string;
  /** `--build-arg` values, for FROM references and simulation. */
  buildArgs?: Readonly<Record<string, string>>;
  /**
   * The context directory is only a guess (nothing says how the file is
   * built): if a COPY/ADD source is missing from it, the model has no
   * context, as for standard input, so that rules reason from the text
   * instead of from the wrong folder's files.
   */
  contextGuessed?: boolean;
}

export interface CacheModel {
  readonly file: ParsedDockerfile;
  readonly context: BuildContext;
  readonly target: Stage | null;
  /** The `--build-arg` values the model was built with. */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** A variable as FROM lines see it: the `--build-arg` value, else the default of the ARG before the first FROM. */
  globalValue(name: string): string | undefined;
  /**
   * ONBUILD triggers as the child stages (`FROM <stage>`) run them: BuildKit
   * runs a stage's triggers as the first steps of every stage based on it.
   */
  readonly triggers: readonly StepInfo[];
  /** A stage's FROM, triggers and instructions in the order BuildKit runs them. */
  stageInfos(stage: Stage): readonly StepInfo[];
  /** The stage a stage starts from (`FROM <stage>`, variables substituted), or null. */
  baseStage(stage: Stage): Stage | null;
  /** Stages a stage needs: its base stage and the `--from` / `--mount from=` stages. */
  dependencies(stage: Stage): readonly Stage[];
  /** Stages the target needs (itself included). */
  readonly needed: ReadonlySet<Stage>;
  /** Steps and metadata instructions of every stage, ONBUILD triggers excluded, in file order. */
  readonly infos: readonly StepInfo[];
  info(ins: Instruction): StepInfo | undefined;
  /** A stage named or numbered by `ref` (`COPY --from=build`, `--from=0`). */
  stage(ref: string): Stage | null;
  /** Context files a COPY/ADD brings in, or null when that cannot be known. */
  copiedFiles(ins: Instruction): readonly string[] | null;
  /** Whether a context-relative path is brought in by this COPY/ADD. */
  copies(ins: Instruction, path: string): boolean;
  /** Whether a RUN reads a context-relative path through a `--mount=type=bind` of the context. */
  mountReads(ins: Instruction, path: string): boolean;
  /**
   * Whether a COPY/ADD brings in the project's sources wholesale: the whole
   * context, or a directory holding more than manifests.
   */
  isBroadCopy(ins: Instruction): boolean;
  /** Dependency installs in a RUN. */
  installs(ins: Instruction): InstallMatch[];
  /** The script a RUN executes: shell form text plus heredoc bodies. */
  script(ins: Instruction): string;
}

const REMOTE = /^(https?|git|ssh):\/\/|^git@/;

export function buildModel(file: ParsedDockerfile, options: CacheModelOptions = {}): CacheModel {
  let context =
    options.context && typeof options.context === "object"
      ? options.context
      : loadContext(typeof options.context === "string" ? options.context : null);
  const buildArgs = options.buildArgs ?? {};
  const escape = file.directives.escape;
  const infos: StepInfo[] = [];
  const triggers: StepInfo[] = [];
  const byId = new Map<number, StepInfo>();
  const perStage = new Map<Stage, StepInfo[]>();
  const bases = new Map<Stage, Stage | null>();

  const globalDefaults = new Map<string, string | undefined>();
  for (const ins of file.globalArgs) for (const a of argDeclarations(ins)) globalDefaults.set(a.name, a.defaultValue);
  const globalLookup = (name: string): string | undefined => buildArgs[name] ?? globalDefaults.get(name);

  // The first stage of each name: a lookup per FROM or --from must not scan every stage (quadratic in long files).
  const firstByName = new Map<string, Stage>();
  for (const s of file.stages) if (s.name !== null && !firstByName.has(s.name)) firstByName.set(s.name, s);
  /** The first stage named `ref` or numbered `ref`, if it comes before stage `before`. */
  const stageByRef = (ref: string, before?: number): Stage | null => {
    const r = ref.toLowerCase();
    const byName = firstByName.get(r);
    const byIndex = /^(0|[1-9]\d*)$/.test(r) ? file.stages[Number(r)] : undefined;
    const s = byName && byIndex ? (byName.index < byIndex.index ? byName : byIndex) : (byName ?? byIndex);
    return s && (before === undefined || s.index < before) ? s : null;
  };

  // Per-stage environment, inherited by `FROM <stage>` children.
  // Most scripts are the argument text itself; the others (exec form, heredocs)
  // are joined once per instruction, so that every reader gets the same
  // string, and the caches keyed on it (splitCommands) hash it once.
  const joinedScripts = new Map<Instruction, string>();
  const scriptOf = (ins: Instruction): string => {
    if (!ins.json && ins.heredocs.length === 0) return ins.argText;
    let script = joinedScripts.get(ins);
    if (script === undefined) joinedScripts.set(ins, (script = runScript(ins)));
    return script;
  };

  const stageEnv = new Map<
    Stage,
    { env: PersistentMap<string>; workdir: string; user: string | null; shell: readonly string[] | null; args: PersistentMap<ArgInScope>; argValues: PersistentMap<string | undefined> }
  >();

  for (const stage of file.stages) {
    const ref = expand(stage.base, globalLookup, escape);
    // `FROM <stage>` may be written with a global ARG; only names refer to stages.
    const earliest = firstByName.get(ref.toLowerCase());
    const named = stage.baseStage ?? (earliest && earliest.index < stage.index ? earliest : null);
    bases.set(stage, named);
    const parentState = named ? stageEnv.get(named) : undefined;
    // Persistent: a child stage starts from its base's maps, and each RUN keeps the version it saw, without a copy.
    let env = parentState?.env ?? PersistentMap.empty<string>();
    let workdir = parentState?.workdir ?? "/";
    let user = parentState?.user ?? null;
    let shell = parentState?.shell ?? null;
    // Measured: a stage built FROM another keeps the build-args that stage declared.
    let args = parentState?.args ?? PersistentMap.empty<ArgInScope>();
    let argValues = parentState?.argValues ?? PersistentMap.empty<string | undefined>();
    const lookup = (name: string): string | undefined => (env.has(name) ? env.get(name) : argValues.get(name));

    // BuildKit runs the base stage's ONBUILD triggers first. They are numbered
    // before the stage's own steps but not counted in its total (`[b 2/1]`).
    // Measured: a child stage with no step of its own does not run them at all.
    const runsTriggers = named !== null && stage.instructions.some((i) => isStep(i.keyword));
    const inherited = runsTriggers ? named.instructions.filter((i) => i.keyword === "ONBUILD" && i.trigger).map((i) => i.trigger as Instruction) : [];
    const fromIsStep = named === null && ref.toLowerCase() !== "scratch";
    let total = fromIsStep ? 1 : 0;
    for (const i of stage.instructions) if (isStep(i.keyword)) total++;
    const stageLabel = labelName(file, stage);
    const width = String(total).length;
    const label = (n: number): string => `[${stageLabel ? `${stageLabel} ` : ""}${String(n).padStart(width, " ")}/${total}]`;
    let stepNo = fromIsStep ? 1 : 0;
    const list: StepInfo[] = [];

    const fromInfo: StepInfo = {
      instruction: stage.from,
      stage,
      kind: "base",
      step: fromIsStep ? 1 : null,
      label: fromIsStep ? label(1) : null,
      inputs: { parent: null, image: imageRef(ref, named), resolved: fromIsStep ? `FROM ${resolvedFlags(stage.from, globalLookup, escape)}${ref}` : undefined },
    };
    infos.push(fromInfo);
    list.push(fromInfo);
    byId.set(stage.from.id, fromInfo);
    let parent: Instruction | null = fromIsStep ? stage.from : null;

    for (const ins of inherited.length === 0 ? stage.instructions : [...inherited, ...stage.instructions]) {
      const kind = kindOf(ins.keyword);
      const inputs: StepInputs = { parent: null };
      const isStepIns = kind === "layer" || kind === "file-op";
      if (isStepIns) inputs.parent = parent;
      switch (ins.keyword) {
        case "ARG":
          for (const a of argDeclarations(ins)) {
            const inheritedDefault = a.defaultValue === undefined && globalDefaults.has(a.name) ? globalDefaults.get(a.name) : a.defaultValue;
            const value = buildArgs[a.name] ?? (inheritedDefault === undefined ? undefined : expand(inheritedDefault, lookup, escape));
            // A re-declared ARG moves to the end, as the newest declaration.
            args = args.set(a.name, { name: a.name, declaredAt: ins, defaultValue: inheritedDefault, value }, true);
            argValues = argValues.set(a.name, value);
            // Measured: an ARG with a value sets the variable for later steps, over an ENV of the same name.
            if (value !== undefined) env = env.delete(a.name);
          }
          break;
        case "ENV":
          for (const [k, v] of envPairs(ins)) {
            env = env.set(k, expand(v, lookup, escape));
            // Measured: an ENV shadows an ARG of the same name declared before it; the ARG's value leaves the RUN keys.
            args = args.delete(k);
          }
          break;
        case "WORKDIR": {
          const dir = expand(unquote(ins.argText), lookup, escape);
          workdir = resolveIn(workdir, dir || ".");
          inputs.destination = workdir;
          // Measured: BuildKit creates the directory as the current USER, so USER is in its key.
          inputs.user = user;
          inputs.resolved = `WORKDIR ${workdir}`;
          break;
        }
        case "USER":
          user = expand(ins.argText.trim(), lookup, escape);
          break;
        case "SHELL":
          shell = ins.json;
          break;
        case "RUN": {
          inputs.command = scriptOf(ins);
          withScope(inputs, { env, args });
          inputs.user = user;
          inputs.workdir = workdir;
          inputs.shell = shell;
          inputs.network = flagValue(ins, "network");
          inputs.bindMounts = ins.mounts.filter((m) => m.type === "bind");
          inputs.unkeyedMounts = ins.mounts.filter((m) => m.type !== "bind");
          inputs.resolved = `RUN ${resolvedFlags(ins, lookup, escape)}${inputs.command}`;
          break;
        }
        case "COPY":
        case "ADD": {
          const from = flagValue(ins, "from");
          const fromStage = from !== null ? stageByRef(expand(from, lookup, escape), stage.index) : null;
          inputs.fromStage = fromStage;
          inputs.fromImage = from !== null && !fromStage ? expand(from, globalLookup, escape) : null;
          const words = copyWords(ins).map((w) => expand(w, lookup, escape));
          const dest = words.length > 0 ? words[words.length - 1] : "";
          inputs.destination = dest.startsWith("/") ? posix.normalize(dest) : resolveIn(workdir, dest || ".") + (dest.endsWith("/") ? "/" : "");
          inputs.sources = words.slice(0, -1).map((w): CopySource => {
            if (ins.heredocs.length > 0 && ins.heredocs.some((h) => w.replace(/^<<-?["']?|["']$/g, "") === h.name)) return { kind: "heredoc", path: w };
            if (from !== null) return { kind: fromStage ? "stage" : "image", path: w };
            if (ins.keyword === "ADD" && REMOTE.test(w)) return { kind: /^git@|\.git(#|$)/.test(w) ? "git" : "url", path: w };
            return { kind: "context", path: w };
          });
          inputs.workdir = workdir;
          const head = `${ins.keyword} ${resolvedFlags(ins, lookup, escape)}${words.slice(0, -1).join(" ")} ${inputs.destination}`;
          // Measured: a heredoc with an unquoted delimiter is expanded with the ARG and ENV values before it is copied.
          inputs.resolved = ins.heredocs.length === 0 ? head : [head, ...ins.heredocs.map((h) => (h.quoted ? h.body : expand(h.body, lookup, escape)))].join("\n");
          break;
        }
      }
      const info: StepInfo = {
        instruction: ins,
        stage,
        kind,
        step: isStepIns ? ++stepNo : null,
        label: isStepIns ? label(stepNo) : null,
        inputs,
      };
      list.push(info);
      if (ins.onbuild) triggers.push(info);
      else {
        infos.push(info);
        byId.set(ins.id, info);
      }
      if (isStepIns) parent = ins;
    }
    perStage.set(stage, list);
    stageEnv.set(stage, { env, workdir, user, shell, args, argValues });
  }

  const target = options.target ? stageByRef(options.target) : (file.stages[file.stages.length - 1] ?? null);
  if (options.target && !target) {
    throw new UsageError(`target stage "${options.target}" not found`);
  }
  const dependencies = (s: Stage): Stage[] => {
    const out: Stage[] = [];
    const add = (d: Stage | null): void => {
      if (d && d !== s && !out.includes(d)) out.push(d);
    };
    add(bases.get(s) ?? null);
    for (const info of perStage.get(s) ?? []) {
      add(info.inputs.fromStage ?? null);
      for (const m of info.instruction.mounts) add(m.from ? stageByRef(expand(m.from, globalLookup, escape), s.index) : null);
    }
    return out;
  };
  const needed = new Set<Stage>();
  const visit = (s: Stage): void => {
    if (needed.has(s)) return;
    needed.add(s);
    for (const d of dependencies(s)) visit(d);
  };
  if (target) visit(target);

  const copiedCache = new Map<number, readonly string[] | null>();
  const triggerById = new Map<number, StepInfo>();
  for (const t of triggers) if (!triggerById.has(t.instruction.id)) triggerById.set(t.instruction.id, t);
  const followedCache = new Map<number, string[]>();
  /** Context sources, each followed by where it leads when it is a symlink. */
  const contextSources = (ins: Instruction): string[] => {
    let out = followedCache.get(ins.id);
    if (out) return out;
    out = [];
    for (const s of (byId.get(ins.id) ?? triggerById.get(ins.id))?.inputs.sources ?? []) {
      if (s.kind !== "context") continue;
      out.push(s.path, ...followedSources(context, s.path));
    }
    followedCache.set(ins.id, out);
    return out;
  };

  if (options.contextGuessed && context.root !== null) {
    const root = context.root;
    if (infos.some((i) => i.inputs.sources?.some((s) => s.kind === "context" && !sourceExistsIn(root, s.path)))) context = loadContext(null);
  }

  const installsByInstruction = new Map<Instruction, InstallMatch[]>();
  const model: CacheModel = {
    file,
    context,
    target,
    needed,
    infos,
    triggers,
    buildArgs,
    globalValue: globalLookup,
    info: (ins) => byId.get(ins.id),
    stage: (ref) => stageByRef(ref),
    stageInfos: (s) => perStage.get(s) ?? [],
    baseStage: (s) => bases.get(s) ?? null,
    dependencies,
    copiedFiles(ins) {
      if (copiedCache.has(ins.id)) return copiedCache.get(ins.id) ?? null;
      const all = context.files();
      let result: readonly string[] | null = null;
      if (all) {
        const matchers = contextSources(ins).map(sourceMatcher);
        result = matchers.length === 0 ? [] : all.filter((f) => matchers.some((m) => m(f)));
      }
      copiedCache.set(ins.id, result);
      return result;
    },
    copies(ins, path) {
      if (context.isIgnored(path)) return false;
      return contextSources(ins).some((s) => sourceMatcher(s)(path));
    },
    mountReads(ins, path) {
      if (context.isIgnored(path)) return false;
      return ins.mounts.some((m) => m.type === "bind" && !m.from && sourceMatcher(m.source ?? ".")(path));
    },
    isBroadCopy(ins) {
      const sources = contextSources(ins);
      if (sources.length === 0) return false;
      if (sources.some((s) => /^\.?\/?$|^\.\/?\*?$|^\*$/.test(s.trim()))) return true;
      // Each source is judged on its own: a named file, or a directory or pattern holding only manifests, lock files
      // and install configuration (the package-manager table's), is what belongs before an install.
      const files = model.copiedFiles(ins);
      return sources.some((source) => {
        const s = cleanPath(source);
        if (!files) return isGlob(s) ? !globNamesInstallInputs(s) : source.endsWith("/") && !/\.[a-z]+\/?$/i.test(source);
        const matched = files.filter(sourceMatcher(s));
        if (matched.length === 1 && matched[0] === s) return false;
        return matched.some((f) => !isInstallInput(f));
      });
    },
    installs(ins) {
      if (ins.keyword !== "RUN") return [];
      // Several rules ask, some once per later step: the script is read once (callers treat the list as read-only).
      let found = installsByInstruction.get(ins);
      if (!found) installsByInstruction.set(ins, (found = findInstalls(scriptOf(ins))));
      return found;
    },
    script: scriptOf,
  };
  return model;
}

/** The instruction's flags as BuildKit sees them (variables substituted), each followed by a space. */
function resolvedFlags(ins: Instruction, lookup: (name: string) => string | undefined, escape: string): string {
  if (ins.flags.length === 0) return "";
  return ins.flags.map((f) => `--${f.name}${f.value === null ? "" : `=${expand(f.value, lookup, escape)}`} `).join("");
}

/**
 * BuildKit names a stage's steps `[name i/n]`, `[stage-N i/n]` when unnamed,
 * and `[i/n]` when the file has one stage, unless that stage mounts or
 * copies from somewhere (`RUN --mount`, `COPY --from`): measured, the source
 * then counts as a second stage and the only stage prints as `stage-0`.
 */
function labelName(file: ParsedDockerfile, stage: Stage): string | null {
  if (file.stages.length === 1 && !stage.instructions.some((i) => i.mounts.length > 0 || ((i.keyword === "COPY" || i.keyword === "ADD") && flagValue(i, "from") !== null))) {
    return null;
  }
  return stage.name ?? `stage-${stage.index}`;
}

/**
 * Sets `scope`, and `args`, `env` and `envValues` as properties made from it
 * when first read (then kept): most steps are never asked for the whole list.
 */
function withScope(inputs: StepInputs, scope: VariableScope): void {
  inputs.scope = scope;
  const lazy = <K extends "args" | "env" | "envValues">(key: K, make: () => NonNullable<StepInputs[K]>): void => {
    Object.defineProperty(inputs, key, {
      configurable: true,
      enumerable: true,
      get() {
        const value = make();
        Object.defineProperty(inputs, key, { value, configurable: true, enumerable: true, writable: true });
        return value;
      },
      set(value: StepInputs[K]) {
        Object.defineProperty(inputs, key, { value, configurable: true, enumerable: true, writable: true });
      },
    });
  };
  lazy("args", () => scope.args.values());
  lazy("env", () => scope.env.keys());
  lazy("envValues", () => recordOf(scope.env));
}

/**
 * `Object.fromEntries(map)` in a plain loop, about four times faster. A
 * `__proto__` key is defined as an own property, as fromEntries does, not
 * assigned (which would set the prototype).
 */
function recordOf(map: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of map) {
    if (k === "__proto__") Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

function isStep(keyword: string): boolean {
  const k = kindOf(keyword);
  return k === "layer" || k === "file-op";
}

function imageRef(ref: string, stage: Stage | null): NonNullable<StepInputs["image"]> {
  const at = ref.indexOf("@");
  const digest = at === -1 ? null : ref.slice(at + 1);
  const name = at === -1 ? ref : ref.slice(0, at);
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const tag = colon > slash ? name.slice(colon + 1) : null;
  return { ref, tag, digest, stage };
}

export function flagValue(ins: Instruction, name: string): string | null {
  const f = ins.flags.find((x) => x.name.toLowerCase() === name);
  return f ? (f.value ?? "") : null;
}

/** ARG declarations of one instruction: `ARG A B=1`. */
export function argDeclarations(ins: Instruction): { name: string; defaultValue: string | undefined }[] {
  return ins.args.map((w) => {
    const eq = w.value.indexOf("=");
    return eq === -1 ? { name: w.value, defaultValue: undefined } : { name: w.value.slice(0, eq), defaultValue: unquote(w.value.slice(eq + 1)) };
  });
}

/** `ENV A=1 B="x y"` or the legacy `ENV A 1`. */
export function envPairs(ins: Instruction): [string, string][] {
  const words = ins.args.map((w) => w.value);
  if (words.length === 0) return [];
  if (!words[0].includes("=")) return [[words[0], unquote(words.slice(1).join(" "))]];
  return words.filter((w) => w.includes("=")).map((w) => [w.slice(0, w.indexOf("=")), unquote(w.slice(w.indexOf("=") + 1))]);
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

/** COPY/ADD sources and destination, from the exec form or the words. */
export function copyWords(ins: Instruction): string[] {
  if (ins.json) return ins.json;
  return ins.args.map((w) => unquote(w.value));
}

function runScript(ins: Instruction): string {
  const head = ins.json ? ins.json.join(" ") : ins.argText;
  if (ins.heredocs.length === 0) return head;
  return [head, ...ins.heredocs.map((h) => h.body)].join("\n");
}

/** Every context path a COPY/ADD of the file names (every stage, not only the target's). */
export function contextSourcePaths(model: CacheModel): string[] {
  return model.infos.flatMap((i) => (i.inputs.sources ?? []).filter((s) => s.kind === "context").map((s) => s.path));
}
