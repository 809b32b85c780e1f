import { posix } from "node:path";
import { findInstalls, type InstallMatch } from "../ecosystems/index.js";
import type { Instruction, Mount, ParsedDockerfile, Stage } from "../parse/index.js";
import { loadContext, sourceMatcher, type BuildContext } from "./context.js";
import { kindOf, type StepKind } from "./kinds.js";
import { expand } from "./variables.js";

export { describeKind, kindOf, KNOWN_KEYWORDS, type StepKind } from "./kinds.js";
export { cleanPath, isGlob, loadContext, sourceMatcher, type BuildContext } from "./context.js";
export { expand, referencedVariables } from "./variables.js";
export { commandWords, splitCommands, type ShellCommand } from "./shell.js";

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
}

/** What a step's cache key is made of (cache-semantics.md). */
export interface StepInputs {
  /** The previous step of the same stage (FROM has none). */
  parent: Instruction | null;
  /** FROM: the image reference after variable substitution. */
  image?: { ref: string; tag: string | null; digest: string | null; stage: Stage | null };
  /** RUN: the command text BuildKit keys on (heredoc bodies included). */
  command?: string;
  /** RUN: build args declared in the stage before it (all are in the key). */
  args?: ArgInScope[];
  /** RUN: ENV names in scope. */
  env?: string[];
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
}

export interface StepInfo {
  instruction: Instruction;
  stage: Stage;
  kind: StepKind | null;
  /** 1-based position among the stage's steps (FROM is 1); null for metadata. */
  step: number | null;
  /** `[build 3/5]` as `docker build --progress=plain` prints it; null for metadata. */
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
}

export interface CacheModel {
  readonly file: ParsedDockerfile;
  readonly context: BuildContext;
  readonly target: Stage | null;
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
  const context =
    options.context && typeof options.context === "object"
      ? options.context
      : loadContext(typeof options.context === "string" ? options.context : null);
  const buildArgs = options.buildArgs ?? {};
  const infos: StepInfo[] = [];
  const byId = new Map<number, StepInfo>();

  const globalDefaults = new Map<string, string | undefined>();
  for (const ins of file.globalArgs) for (const a of argDeclarations(ins)) globalDefaults.set(a.name, a.defaultValue);
  const globalLookup = (name: string): string | undefined => buildArgs[name] ?? globalDefaults.get(name);

  const stageByRef = (ref: string, before?: number): Stage | null => {
    const r = ref.toLowerCase();
    for (const s of file.stages) {
      if (before !== undefined && s.index >= before) break;
      if (s.name === r || String(s.index) === r) return s;
    }
    return null;
  };

  // Per-stage environment, inherited by `FROM <stage>` children.
  const stageEnv = new Map<Stage, { env: Map<string, string>; workdir: string; user: string | null; shell: readonly string[] | null }>();

  for (const stage of file.stages) {
    const parentState = stage.baseStage ? stageEnv.get(stage.baseStage) : undefined;
    const env = new Map(parentState?.env ?? []);
    let workdir = parentState?.workdir ?? "/";
    let user = parentState?.user ?? null;
    let shell = parentState?.shell ?? null;
    const args: ArgInScope[] = [];
    const argValues = new Map<string, string | undefined>();
    const lookup = (name: string): string | undefined => (env.has(name) ? env.get(name) : argValues.get(name));

    const ref = expand(stage.base, globalLookup, file.directives.escape);
    const steps = stage.instructions.filter((i) => isStep(i.keyword));
    const total = steps.length + 1;
    const stageLabel = labelName(file, stage);
    let stepNo = 1;
    const label = (n: number): string => (stageLabel ? `[${stageLabel} ${n}/${total}]` : `[${n}/${total}]`);

    const fromInfo: StepInfo = {
      instruction: stage.from,
      stage,
      kind: "base",
      step: 1,
      label: label(1),
      inputs: { parent: null, image: imageRef(ref, stage.baseStage) },
    };
    infos.push(fromInfo);
    byId.set(stage.from.id, fromInfo);
    let parent: Instruction = stage.from;

    for (const ins of stage.instructions) {
      const kind = kindOf(ins.keyword);
      const inputs: StepInputs = { parent: null };
      const isStepIns = isStep(ins.keyword);
      if (isStepIns) inputs.parent = parent;
      switch (ins.keyword) {
        case "ARG":
          for (const a of argDeclarations(ins)) {
            const inherited = a.defaultValue === undefined && globalDefaults.has(a.name) ? globalDefaults.get(a.name) : a.defaultValue;
            args.push({ name: a.name, declaredAt: ins, defaultValue: inherited });
            argValues.set(a.name, buildArgs[a.name] ?? inherited);
          }
          break;
        case "ENV":
          for (const [k, v] of envPairs(ins)) env.set(k, expand(v, lookup, file.directives.escape));
          break;
        case "WORKDIR": {
          const dir = expand(unquote(ins.argText), lookup, file.directives.escape);
          workdir = posix.resolve(workdir, dir || ".");
          inputs.destination = workdir;
          break;
        }
        case "USER":
          user = expand(ins.argText.trim(), lookup, file.directives.escape);
          break;
        case "SHELL":
          shell = ins.json;
          break;
        case "RUN": {
          inputs.command = runScript(ins);
          inputs.args = [...args];
          inputs.env = [...env.keys()];
          inputs.user = user;
          inputs.workdir = workdir;
          inputs.shell = shell;
          inputs.network = flagValue(ins, "network");
          inputs.bindMounts = ins.mounts.filter((m) => m.type === "bind");
          inputs.unkeyedMounts = ins.mounts.filter((m) => m.type !== "bind");
          break;
        }
        case "COPY":
        case "ADD": {
          const from = flagValue(ins, "from");
          const fromStage = from !== null ? stageByRef(expand(from, lookup), stage.index) : null;
          inputs.fromStage = fromStage;
          inputs.fromImage = from !== null && !fromStage ? expand(from, globalLookup) : null;
          const words = copyWords(ins).map((w) => expand(w, lookup, file.directives.escape));
          const dest = words.length > 0 ? words[words.length - 1] : "";
          inputs.destination = dest.startsWith("/") ? posix.normalize(dest) : posix.resolve(workdir, dest || ".") + (dest.endsWith("/") ? "/" : "");
          inputs.sources = words.slice(0, -1).map((w): CopySource => {
            if (ins.heredocs.some((h) => w.replace(/^<<-?["']?|["']$/g, "") === h.name)) return { kind: "heredoc", path: w };
            if (from !== null) return { kind: fromStage ? "stage" : "image", path: w };
            if (ins.keyword === "ADD" && REMOTE.test(w)) return { kind: /^git@|\.git(#|$)/.test(w) ? "git" : "url", path: w };
            return { kind: "context", path: w };
          });
          inputs.workdir = workdir;
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
      infos.push(info);
      byId.set(ins.id, info);
      if (isStepIns) parent = ins;
    }
    stageEnv.set(stage, { env, workdir, user, shell });
  }

  const target = options.target ? stageByRef(options.target) : (file.stages[file.stages.length - 1] ?? null);
  if (options.target && !target) {
    throw new Error(`target stage "${options.target}" not found`);
  }
  const needed = neededStages(file, target, byId, stageByRef);

  const copiedCache = new Map<number, readonly string[] | null>();
  const contextSources = (ins: Instruction): string[] =>
    (byId.get(ins.id)?.inputs.sources ?? []).filter((s) => s.kind === "context").map((s) => s.path);

  const model: CacheModel = {
    file,
    context,
    target,
    needed,
    infos,
    info: (ins) => byId.get(ins.id),
    stage: (ref) => stageByRef(ref),
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
    isBroadCopy(ins) {
      const sources = contextSources(ins);
      if (sources.length === 0) return false;
      if (sources.some((s) => /^\.?\/?$|^\.\/?\*?$|^\*$/.test(s.trim()))) return true;
      // A directory source is broad when it holds files other than manifests.
      const files = model.copiedFiles(ins);
      if (!files) return sources.some((s) => s.endsWith("/") && !/\.[a-z]+\/?$/i.test(s));
      return files.length > 0 && files.some((f) => !isManifestLike(f)) && sources.some((s) => !isFileSource(files, s));
    },
    installs(ins) {
      return ins.keyword === "RUN" ? findInstalls(runScript(ins)) : [];
    },
    script: runScript,
  };
  return model;
}

/** BuildKit names a stage's steps `[name i/n]`, `[stage-N i/n]` when unnamed, `[i/n]` with one stage. */
function labelName(file: ParsedDockerfile, stage: Stage): string | null {
  if (file.stages.length === 1) return null;
  return stage.name ?? `stage-${stage.index}`;
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

function isManifestLike(file: string): boolean {
  const base = file.slice(file.lastIndexOf("/") + 1);
  return /^(package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|requirements.*\.txt|.*\.lock|go\.(mod|sum)|Cargo\.(toml|lock)|pom\.xml|.*\.csproj|Gemfile(\.lock)?|composer\.(json|lock)|pyproject\.toml|poetry\.lock|Pipfile(\.lock)?|mix\.(exs|lock))$/.test(base);
}

function isFileSource(files: readonly string[], source: string): boolean {
  const s = source.replace(/^\.?\//, "");
  return files.length === 1 && files[0] === s;
}

function neededStages(
  file: ParsedDockerfile,
  target: Stage | null,
  byId: Map<number, StepInfo>,
  stageByRef: (ref: string, before?: number) => Stage | null,
): Set<Stage> {
  const needed = new Set<Stage>();
  const visit = (s: Stage): void => {
    if (needed.has(s)) return;
    needed.add(s);
    if (s.baseStage) visit(s.baseStage);
    for (const ins of s.instructions) {
      const from = byId.get(ins.id)?.inputs.fromStage;
      if (from) visit(from);
      for (const m of ins.mounts) {
        const ms = m.from ? stageByRef(m.from, s.index) : null;
        if (ms) visit(ms);
      }
    }
  };
  if (target) visit(target);
  void file;
  return needed;
}
