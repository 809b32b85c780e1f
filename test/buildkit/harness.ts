/**
 * Real-BuildKit test harness: builds Dockerfiles with a private Docker engine (started by
 * test/buildkit/global-setup.ts through test/buildkit/engine.sh) and reports, step by step,
 * what BuildKit did, so layerlint's cache predictions and autofixes can be checked against
 * real builds.
 *
 * API
 *   getEngine(): Engine
 *       The engine started by the global setup (env DOCKER_HOST, DOCKER_CONFIG and
 *       LAYERLINT_DOCKER_CLI). Throws a clear error when there is none.
 *   engine.build(ctxDir, opts?): Promise<BuildResult>
 *       1. makes ctxDir's Dockerfile offline-ready IN PLACE (see offlineDockerfile; tests always
 *          build temporary copies, and the rewrite is identical before every build of a
 *          scenario, so it never shows up as a change);
 *       2. tags `localbase` (a static busybox image) as every external image the Dockerfile
 *          names (FROM, COPY --from, RUN --mount from=): nothing can be pulled;
 *       3. runs `docker build --progress=plain --network=none` and parses the log.
 *       RUN steps really run, in busybox: sh, echo, cat, cp, mkdir... work; apk/apt/npm do not.
 *       Never throws for a failed build (ok=false, the log says why); throws if docker cannot
 *       be run or times out (opts.timeoutMs, default 120 s).
 *   engine.exportTree(image): Promise<Tree>
 *       The image's file system, read from `docker image save` (its layers are applied in order,
 *       whiteouts included), without the files a container adds (/etc/hosts, /.dockerenv...).
 *       Keys are absolute paths ("/app/index.js"); "/" itself is left out.
 *   engine.prune(): Promise<void>
 *       `docker builder prune -af` and `docker image prune -f`: the next build is cold.
 *   engine.docker(args, timeoutMs?)  runs any other docker command against the engine.
 *   writeContext(files): string      a new temp dir holding those files (paths may contain "/";
 *       `{ link: "target" }` makes a symlink).
 *   offlineDockerfile(text, buildArgs?): { text, baseImages }
 *       Drops a "# syntax=" parser directive (keeping the line count: later lines keep their
 *       numbers), strips "@sha256:..." digests from image refs, and lists the external images
 *       (global ARG defaults and build-arg values substituted; stage names and scratch left out).
 *   parseBuildLog(log, dockerfileText?, opts?): BuiltStep[]   the parser build() uses.
 *   formatSteps(steps): string       "RAN\t[build 2/3] RUN ..." lines, for assertion messages.
 *   effectiveStatus(step): BuildStatus   the status, or for a DEDUP step its twin's status.
 *   diffTrees(a, b): string[]        paths that differ between two trees.
 *
 * How BuildKit (Docker 26.1, buildx 0.13) labels steps in `--progress=plain`
 *   - single-stage Dockerfile: "[2/3] RUN ..." (no stage name);
 *   - several stages: "[build 2/3]" for `FROM ... AS build` (names are lower-cased: `AS Build`
 *     prints "build"), "[stage-2 4/6]" for the unnamed stage at 0-based position 2;
 *   - the index is right-aligned to the width of the total: "[test  1/10]", "[ 3/12]";
 *   - steps are FROM <image>, RUN, COPY, ADD, WORKDIR. ARG, ENV, LABEL, USER, CMD... are not.
 *     `FROM scratch` and `FROM <another stage>` are not steps either: such a stage starts at
 *     "[name 1/n]" with its first RUN/COPY/ADD/WORKDIR;
 *   - a step identical to one in another stage (same parent, same command) is built once and
 *     printed once, under ONE of the stages' labels: the other stage's step is never printed.
 *     WHICH stage's label a merged step is printed under is not stable: the same build, cold,
 *     printed "[base 2/3] WORKDIR /app" in some runs and "[stage-3 2/6] WORKDIR /app" in others.
 *     Compare DEDUP steps through `twin`, never by which side was printed.
 *
 * Statuses: CACHED ("#N CACHED"), RAN ("#N DONE 0.1s"), ERROR, CANCELED, BASE (any FROM step,
 * printed or not), DEDUP (a step of a built stage that was never printed: merged with an
 * identical step of another stage, named in `twin`, whose status it shares; without a twin it
 * is DEDUP only if the build succeeded), PENDING (never printed, no twin, and the build failed:
 * it never started).
 * With the Dockerfile text (build() always passes it), every step of every stage the target
 * needs is listed, with its Dockerfile line; without it, only stages that printed a step.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { gunzipSync } from "node:zlib";

export type BuildStatus = "CACHED" | "RAN" | "BASE" | "DEDUP" | "ERROR" | "PENDING" | "CANCELED";

export interface BuiltStep {
  /** Stage label as BuildKit prints it: "" (single stage), "build", "stage-0"... */
  stage: string;
  /** 1-based step number within the stage. */
  index: number;
  /** Number of steps in the stage. */
  of: number;
  /** The bracketed label exactly as BuildKit prints it: "[build 3/5]", "[2/3]", "[test  1/10]". */
  label: string;
  /** BuildKit's text for the step ("RUN echo hi", "FROM docker.io/library/node:18-alpine"); for
   * steps BuildKit did not print, the Dockerfile's text with line continuations joined. */
  instruction: string;
  status: BuildStatus;
  /** 1-based line of the instruction in the (offline-ready) Dockerfile, when known. */
  line?: number;
  /** DEDUP steps: the printed step of another stage BuildKit merged this one with (same
   * position, same instruction), and its status, which is this step's real status. */
  twin?: { label: string; status: BuildStatus };
}

export interface BuildOptions {
  /** Dockerfile path relative to ctxDir (default "Dockerfile"). */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  tag?: string;
  noCache?: boolean;
  /** More `docker build` arguments, placed before the context argument. */
  extraArgs?: readonly string[];
  /** Default 120 000. */
  timeoutMs?: number;
  /** The images the Dockerfile names exist already: do not tag `localbase` as them. */
  ownImages?: boolean;
}

export interface BuildResult {
  ok: boolean;
  steps: BuiltStep[];
  /** The whole `--progress=plain` output (stdout and stderr). */
  log: string;
  seconds: number;
}

export interface TreeEntry {
  type: "file" | "dir" | "symlink" | "other";
  /** Permission bits, including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Files only. */
  sha256?: string;
  size?: number;
  /** Symlinks only. */
  target?: string;
}

export type Tree = Map<string, TreeEntry>;

export interface DockerResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface Engine {
  build(ctxDir: string, opts?: BuildOptions): Promise<BuildResult>;
  exportTree(image: string): Promise<Tree>;
  prune(): Promise<void>;
  docker(args: readonly string[], timeoutMs?: number): Promise<DockerResult>;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const BASE_IMAGE = "localbase:latest";

// ------------------------------------------------------------------------------ processes

interface RunOutput {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
  combined: string;
}

function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const both: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    child.stdout.on("data", (b: Buffer) => {
      out.push(b);
      both.push(b);
    });
    child.stderr.on("data", (b: Buffer) => {
      err.push(b);
      both.push(b);
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const combined = Buffer.concat(both).toString("utf8");
      if (timedOut) {
        reject(new Error(`${cmd} ${args.join(" ")} timed out after ${opts.timeoutMs} ms\n${combined.slice(-4000)}`));
        return;
      }
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err), combined });
    });
  });
}

// ------------------------------------------------------------------------------ engine

export function getEngine(): Engine {
  const host = process.env.DOCKER_HOST;
  const config = process.env.DOCKER_CONFIG;
  if (!host || !config) {
    throw new Error(
      "no BuildKit engine: DOCKER_HOST/DOCKER_CONFIG are not set. Run these tests with " +
        "`npm run test:buildkit` (its global setup starts the engine), or start one with " +
        '`eval "$(test/buildkit/engine.sh start)"` after `test/buildkit/engine.sh install`.',
    );
  }
  const cli = process.env.LAYERLINT_DOCKER_CLI || "docker";
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: config, DOCKER_BUILDKIT: "1" };
  delete env.DOCKER_CONTEXT;
  delete env.DOCKER_TLS_VERIFY;
  delete env.DOCKER_CERT_PATH;
  delete env.BUILDX_BUILDER;
  return new DockerEngine(cli, env);
}

class DockerEngine implements Engine {
  constructor(
    private readonly cli: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async docker(args: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS, cwd?: string): Promise<DockerResult> {
    const r = await run(this.cli, args, { cwd, env: this.env, timeoutMs });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
  }

  private async must(args: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
    const r = await this.docker(args, timeoutMs);
    if (r.code !== 0) throw new Error(`docker ${args.join(" ")} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  async build(ctxDir: string, opts: BuildOptions = {}): Promise<BuildResult> {
    const dockerfile = opts.dockerfile ?? "Dockerfile";
    const dfPath = isAbsolute(dockerfile) ? dockerfile : join(ctxDir, dockerfile);
    const original = readFileSync(dfPath, "utf8");
    const offline = offlineDockerfile(original, opts.buildArgs);
    if (offline.text !== original) writeFileSync(dfPath, offline.text);
    if (!opts.ownImages) for (const ref of offline.baseImages) await this.must(["tag", BASE_IMAGE, ref]);

    const args = ["build", "--progress=plain", "--network=none", "-f", dfPath];
    for (const [k, v] of Object.entries(opts.buildArgs ?? {})) args.push("--build-arg", `${k}=${v}`);
    if (opts.target) args.push("--target", opts.target);
    if (opts.tag) args.push("-t", opts.tag);
    if (opts.noCache) args.push("--no-cache");
    args.push(...(opts.extraArgs ?? []), ".");

    const t0 = performance.now();
    const r = await run(this.cli, args, {
      cwd: ctxDir,
      env: { ...this.env, BUILDKIT_PROGRESS: "plain" },
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    const seconds = (performance.now() - t0) / 1000;
    const ok = r.code === 0;
    const steps = parseBuildLog(r.combined, offline.text, { target: opts.target, buildArgs: opts.buildArgs, failed: !ok });
    return { ok, steps, log: r.combined, seconds };
  }

  async exportTree(image: string): Promise<Tree> {
    const archive = readTar(await this.must(["image", "save", image]));
    const files = new Map(archive.map((e) => [e.path, e]));
    const manifestEntry = files.get("manifest.json");
    if (!manifestEntry) throw new Error(`docker image save ${image}: no manifest.json in the archive`);
    const manifest: unknown = JSON.parse(manifestEntry.data.toString("utf8"));
    const layers = manifestLayers(manifest);
    const tree: Tree = new Map();
    for (const layerPath of layers) {
      const blob = files.get(normalizeTarPath(layerPath));
      if (!blob) throw new Error(`docker image save ${image}: layer ${layerPath} missing from the archive`);
      applyLayer(tree, blob.data[0] === 0x1f && blob.data[1] === 0x8b ? gunzipSync(blob.data) : blob.data);
    }
    return new Map([...tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  async prune(): Promise<void> {
    await this.must(["builder", "prune", "-af"]);
    await this.must(["image", "prune", "-f"]);
  }
}

// ------------------------------------------------------------------------------ contexts

export function writeContext(files: Record<string, string | { content: string | Buffer; mode?: number } | { link: string }>): string {
  const dir = mkdtempSync(join(tmpdir(), "layerlint-ctx-"));
  for (const [rel, spec] of Object.entries(files)) {
    const clean = normalize(rel);
    if (isAbsolute(clean) || clean.startsWith("..")) throw new Error(`writeContext: ${rel} is outside the context`);
    const p = join(dir, clean);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof spec !== "string" && "link" in spec) {
      symlinkSync(spec.link, p);
      continue;
    }
    const content = typeof spec === "string" ? spec : spec.content;
    writeFileSync(p, content);
    if (typeof spec !== "string" && spec.mode !== undefined) chmodSync(p, spec.mode);
  }
  return dir;
}

// ------------------------------------------------------------------------------ Dockerfile reading

interface Instruction {
  keyword: string; // upper case
  /** The instruction with line continuations joined (heredoc bodies excluded). */
  text: string;
  /** Text after the keyword. */
  rest: string;
  /** 1-based line where it starts. */
  line: number;
}

interface Directives {
  escape: string;
  /** 0-based line indexes of the directive block, and of its syntax directives. */
  blockLines: number[];
  syntaxLines: number[];
}

const DIRECTIVE_RE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(["syntax", "escape", "check"]);

function readDirectives(lines: string[]): Directives {
  const d: Directives = { escape: "\\", blockLines: [], syntaxLines: [] };
  for (let i = 0; i < lines.length; i++) {
    const m = DIRECTIVE_RE.exec(lines[i]);
    if (!m || !KNOWN_DIRECTIVES.has(m[1].toLowerCase())) break;
    d.blockLines.push(i);
    const key = m[1].toLowerCase();
    if (key === "syntax") d.syntaxLines.push(i);
    if (key === "escape" && (m[2] === "`" || m[2] === "\\")) d.escape = m[2];
  }
  return d;
}

const HEREDOC_RE = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

function readInstructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const { escape } = readDirectives(lines);
  const isComment = (l: string): boolean => /^\s*#/.test(l);
  const continues = (l: string): number => {
    // index of a trailing escape character (followed only by blanks), or -1
    const t = l.replace(/[ \t]+$/, "");
    return t.endsWith(escape) ? t.length - 1 : -1;
  };
  const out: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i];
    if (first.trim() === "" || isComment(first)) continue;
    const start = i;
    let acc = first;
    let cut = continues(acc);
    while (cut >= 0 && i + 1 < lines.length) {
      acc = acc.slice(0, cut);
      i++;
      while (i < lines.length && (isComment(lines[i]) || lines[i].trim() === "") && i + 1 < lines.length) i++;
      acc += lines[i];
      cut = continues(acc);
    }
    if (cut >= 0) acc = acc.slice(0, cut);
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(acc);
    if (!m) continue;
    const keyword = m[1].toUpperCase();
    if (keyword === "RUN" || keyword === "COPY" || keyword === "ADD") {
      for (const h of acc.matchAll(HEREDOC_RE)) {
        const strip = h[1] === "-";
        const word = h[3];
        while (i + 1 < lines.length) {
          i++;
          const body = strip ? lines[i].replace(/^\t+/, "") : lines[i];
          if (body === word) break;
        }
      }
    }
    out.push({ keyword, text: acc.trim(), rest: m[2].trim(), line: start + 1 });
  }
  return out;
}

/** Splits on blanks, honouring "..." and '...' (quotes removed). */
function words(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote = "";
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = "";
      else if (c === "\\" && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

function substitute(s: string, vars: Map<string, string>): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\+|-|\+)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? "";
      const set = vars.has(name);
      const val = vars.get(name) ?? "";
      switch (op) {
        case ":-":
          return val ? val : (word ?? "");
        case "-":
          return set ? val : (word ?? "");
        case ":+":
          return val ? (word ?? "") : "";
        case "+":
          return set ? (word ?? "") : "";
        default:
          return val;
      }
    },
  );
}

interface StageLayout {
  /** Label BuildKit uses ("" when the Dockerfile has one stage). */
  label: string;
  /** Lower-cased AS name, or "". */
  name: string;
  position: number;
  steps: { keyword: string; text: string; line: number }[];
  /** Positions of the stages this one needs. */
  deps: number[];
}

interface Layout {
  stages: StageLayout[];
  /** Images that are not stages (FROM, COPY --from, RUN --mount from=), digests removed. */
  externalImages: string[];
}

const STEP_KEYWORDS = new Set(["RUN", "COPY", "ADD", "WORKDIR"]);

function flagValues(rest: string, flag: string): string[] {
  const out: string[] = [];
  for (const w of words(rest)) {
    if (!w.startsWith("--")) break;
    if (w.startsWith(`--${flag}=`)) out.push(w.slice(flag.length + 3));
  }
  return out;
}

function mountSources(rest: string): string[] {
  const out: string[] = [];
  for (const v of flagValues(rest, "mount")) {
    for (const kv of v.split(",")) {
      const [k, val] = kv.split("=", 2);
      if (k.trim().toLowerCase() === "from" && val) out.push(val.trim());
    }
  }
  return out;
}

function layoutOf(text: string, buildArgs: Record<string, string> = {}): Layout {
  const instrs = readInstructions(text);
  const vars = new Map<string, string>();
  const stages: StageLayout[] = [];
  const external: string[] = [];
  const stageByName = new Map<string, number>();
  // Measured: a single-stage file whose RUN mounts something or whose COPY copies --from
  // somewhere prints its steps as a stage ("[stage-0 2/3]"): the source counts as a second stage.
  let refersToSource = false;
  const addExternal = (ref: string): void => {
    const r = ref.replace(/@sha256:[0-9a-fA-F]+$/, "");
    if (r && r.toLowerCase() !== "scratch" && !external.includes(r)) external.push(r);
  };
  const stageRef = (raw: string): number | undefined => {
    const v = substitute(raw, vars).toLowerCase();
    if (/^\d+$/.test(v)) return Number(v) < stages.length ? Number(v) : undefined;
    return stageByName.get(v);
  };
  for (const ins of instrs) {
    if (ins.keyword === "ARG" && stages.length === 0) {
      for (const w of words(ins.rest)) {
        const eq = w.indexOf("=");
        const name = eq < 0 ? w : w.slice(0, eq);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
        const dflt = eq < 0 ? undefined : substitute(w.slice(eq + 1), vars);
        const value = buildArgs[name] ?? dflt;
        if (value !== undefined) vars.set(name, value);
      }
      continue;
    }
    if (ins.keyword === "FROM") {
      const ws = words(ins.rest).filter((w) => !w.startsWith("--"));
      const ref = substitute((ws[0] ?? "").replace(/@sha256:[0-9a-fA-F]+$/, ""), vars);
      const name = ws.length >= 3 && ws[1].toLowerCase() === "as" ? ws[2].toLowerCase() : "";
      const stage: StageLayout = { label: "", name, position: stages.length, steps: [], deps: [] };
      const parent = stageByName.get(ref.toLowerCase());
      if (parent !== undefined) stage.deps.push(parent);
      else if (ref.toLowerCase() !== "scratch") {
        addExternal(ref);
        stage.steps.push({ keyword: "FROM", text: ins.text, line: ins.line });
      }
      stages.push(stage);
      if (name) stageByName.set(name, stage.position);
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage || !STEP_KEYWORDS.has(ins.keyword)) continue;
    stage.steps.push({ keyword: ins.keyword, text: ins.text, line: ins.line });
    if ((ins.keyword === "RUN" && /(^|\s)--mount[=\s]/.test(ins.rest)) || ((ins.keyword === "COPY" || ins.keyword === "ADD") && flagValues(ins.rest, "from").length > 0)) {
      refersToSource = true;
    }
    const froms = ins.keyword === "COPY" ? flagValues(ins.rest, "from") : ins.keyword === "RUN" ? mountSources(ins.rest) : [];
    for (const f of froms) {
      const dep = stageRef(f);
      if (dep !== undefined) stage.deps.push(dep);
      else addExternal(substitute(f, vars));
    }
  }
  for (const s of stages) s.label = stages.length === 1 && !refersToSource ? "" : s.name || `stage-${s.position}`;
  return { stages, externalImages: external };
}

export function offlineDockerfile(
  text: string,
  buildArgs: Record<string, string> = {},
): { text: string; baseImages: string[] } {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  let lines = text.split(/\r?\n/);
  const d = readDirectives(lines);
  if (d.syntaxLines.length > 0) {
    // keep the other directives at the top, and the line count
    const kept = d.blockLines.filter((i) => !d.syntaxLines.includes(i)).map((i) => lines[i]);
    const block = [...kept, ...d.syntaxLines.map(() => "")];
    lines = [...block, ...lines.slice(d.blockLines.length)];
  }
  for (const ins of readInstructions(lines.join("\n"))) {
    if (ins.keyword !== "FROM" && ins.keyword !== "COPY" && ins.keyword !== "RUN") continue;
    const i = ins.line - 1;
    if (ins.keyword === "FROM") {
      lines[i] = lines[i].replace(/^(\s*\S+\s+(?:--\S+\s+)*)(\S+?)@sha256:[0-9a-fA-F]+/, "$1$2");
    } else {
      lines[i] = lines[i].replace(/(--(?:from|mount)=\S*?)@sha256:[0-9a-fA-F]+/g, "$1");
    }
  }
  const out = lines.join(eol);
  return { text: out, baseImages: layoutOf(out, buildArgs).externalImages };
}

// ------------------------------------------------------------------------------ log parsing

const HEADER_RE = /^#(\d+) \[([^\]]*?)(\d+)\/(\d+)\] (.*)$/;
const STATUS_RE = /^#(\d+) (CACHED|DONE \d+(?:\.\d+)?s|ERROR\b.*|CANCELED\b.*)$/;

function stepLabel(stage: string, index: number, of: number): string {
  const width = String(of).length;
  return `[${stage ? `${stage} ` : ""}${String(index).padStart(width, " ")}/${of}]`;
}

export function parseBuildLog(
  log: string,
  dockerfileText?: string,
  opts: { target?: string; buildArgs?: Record<string, string>; failed?: boolean } = {},
): BuiltStep[] {
  interface Vertex {
    stage: string;
    index: number;
    of: number;
    label: string;
    instruction: string;
  }
  const vertices = new Map<number, Vertex>();
  const status = new Map<number, BuildStatus>();
  for (const line of log.split(/\r?\n/)) {
    const h = HEADER_RE.exec(line);
    if (h) {
      const id = Number(h[1]);
      if (!vertices.has(id)) {
        const stage = h[2].trim();
        vertices.set(id, {
          stage,
          index: Number(h[3]),
          of: Number(h[4]),
          label: `[${h[2]}${h[3]}/${h[4]}]`,
          instruction: h[5],
        });
      }
      continue;
    }
    const s = STATUS_RE.exec(line);
    if (!s) continue;
    const id = Number(s[1]);
    const word = s[2];
    if (word === "CACHED") status.set(id, "CACHED");
    else if (word.startsWith("ERROR")) status.set(id, "ERROR");
    else if (word.startsWith("CANCELED")) {
      if (!status.has(id)) status.set(id, "CANCELED");
    } else if (!status.has(id)) status.set(id, "RAN");
  }

  // printed steps, first vertex per (stage, index) wins
  const printed = new Map<string, BuiltStep>();
  const stageOrder: string[] = [];
  const stageTotal = new Map<string, number>();
  for (const [id, v] of vertices) {
    const key = `${v.stage}\u0000${v.index}`;
    if (printed.has(key)) continue;
    let st = status.get(id) ?? "PENDING";
    if (/^FROM\s/i.test(v.instruction) && st !== "ERROR") st = "BASE";
    printed.set(key, { stage: v.stage, index: v.index, of: v.of, label: v.label, instruction: v.instruction, status: st });
    if (!stageOrder.includes(v.stage)) stageOrder.push(v.stage);
    stageTotal.set(v.stage, v.of);
  }
  const missing = (keyword: string): BuildStatus => (keyword === "FROM" ? "BASE" : opts.failed ? "PENDING" : "DEDUP");

  const result: BuiltStep[] = [];
  /** Dockerfile text of each step, and whether BuildKit printed it (to find DEDUP twins). */
  const source = new Map<BuiltStep, { text: string; printed: boolean }>();
  const done = new Set<string>();
  if (dockerfileText !== undefined) {
    const layout = layoutOf(dockerfileText, opts.buildArgs);
    // stages the target needs
    const byLabel = new Map(layout.stages.map((s) => [s.label, s]));
    let target = layout.stages[layout.stages.length - 1];
    if (opts.target) target = layout.stages.find((s) => s.name === opts.target?.toLowerCase()) ?? target;
    const needed = new Set<number>();
    const visit = (p: number): void => {
      if (needed.has(p)) return;
      needed.add(p);
      for (const d of layout.stages[p].deps) visit(d);
    };
    if (target) visit(target.position);
    for (const label of stageOrder) {
      const s = byLabel.get(label);
      if (s) needed.add(s.position);
    }
    for (const s of layout.stages) {
      if (!needed.has(s.position)) continue;
      const of = stageTotal.get(s.label) ?? s.steps.length;
      for (let i = 1; i <= of; i++) {
        const key = `${s.label}\u0000${i}`;
        const src = s.steps[i - 1];
        const p = printed.get(key);
        done.add(key);
        const known = src && of === s.steps.length ? src : undefined;
        const step: BuiltStep = p
          ? { ...p }
          : {
              stage: s.label,
              index: i,
              of,
              label: stepLabel(s.label, i, of),
              instruction: src?.text ?? "(not printed)",
              status: missing(src?.keyword ?? ""),
            };
        if (known) {
          step.line = known.line;
          source.set(step, { text: known.text, printed: p !== undefined });
        }
        result.push(step);
      }
    }
    // a step that was not printed was merged with the same step (same position, same text)
    // of another stage; the whole chain before it is then identical too
    for (const step of result) {
      const mine = source.get(step);
      if (!mine || mine.printed || /^FROM\s/i.test(mine.text)) continue;
      const twin = result.find((o) => {
        const theirs = source.get(o);
        return o.stage !== step.stage && o.index === step.index && theirs?.printed && theirs.text === mine.text;
      });
      if (twin) {
        step.status = "DEDUP";
        step.twin = { label: twin.label, status: twin.status };
      }
    }
  }
  // printed stages the layout did not know (or no Dockerfile given)
  for (const stage of stageOrder) {
    const of = stageTotal.get(stage) ?? 0;
    for (let i = 1; i <= of; i++) {
      const key = `${stage}\u0000${i}`;
      if (done.has(key)) continue;
      const p = printed.get(key);
      result.push(
        p ?? { stage, index: i, of, label: stepLabel(stage, i, of), instruction: "(not printed)", status: missing("") },
      );
    }
  }
  return result;
}

export function formatSteps(steps: readonly BuiltStep[]): string {
  return steps
    .map((s) => `${s.status}\t${s.label} ${s.instruction}${s.twin ? ` (= ${s.twin.label}: ${s.twin.status})` : ""}`)
    .join("\n");
}

export function effectiveStatus(step: BuiltStep): BuildStatus {
  return step.status === "DEDUP" && step.twin ? step.twin.status : step.status;
}

// ------------------------------------------------------------------------------ tar / image trees

interface TarEntry {
  path: string;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  linkname: string;
  data: Buffer;
}

function tarString(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return (nul < 0 ? s : s.subarray(0, nul)).toString("utf8");
}

function tarNumber(b: Buffer, start: number, len: number): number {
  if (b[start] & 0x80) {
    // base-256
    let n = 0;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + b[i];
    return n;
  }
  const s = tarString(b, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function normalizeTarPath(p: string): string {
  return p.replace(/^\.?\/+/, "").replace(/\/+$/, "");
}

function readTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let paxPath: string | undefined;
  let paxLink: string | undefined;
  let paxSize: number | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const typeflag = String.fromCharCode(h[156] || 0x30);
    const size = paxSize ?? tarNumber(h, 124, 12);
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (typeflag === "x") {
      for (const rec of parsePax(data)) {
        if (rec[0] === "path") paxPath = rec[1];
        else if (rec[0] === "linkpath") paxLink = rec[1];
        else if (rec[0] === "size") paxSize = Number(rec[1]);
      }
      continue;
    }
    if (typeflag === "g") continue;
    if (typeflag === "L" || typeflag === "K") {
      const v = data.toString("utf8").replace(/\0+$/, "");
      if (typeflag === "L") longName = v;
      else longLink = v;
      continue;
    }
    const magic = tarString(h, 257, 6);
    const prefix = magic.startsWith("ustar") ? tarString(h, 345, 155) : "";
    const name = tarString(h, 0, 100);
    const path = paxPath ?? longName ?? (prefix ? `${prefix}/${name}` : name);
    out.push({
      path: normalizeTarPath(path),
      typeflag,
      mode: tarNumber(h, 100, 8) & 0o7777,
      uid: tarNumber(h, 108, 8),
      gid: tarNumber(h, 116, 8),
      linkname: paxLink ?? longLink ?? tarString(h, 157, 100),
      data,
    });
    paxPath = paxLink = longName = longLink = undefined;
    paxSize = undefined;
  }
  return out;
}

function parsePax(data: Buffer): [string, string][] {
  const out: [string, string][] = [];
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(data.subarray(off, sp).toString("utf8"));
    if (!len) break;
    const rec = data.subarray(sp + 1, off + len - 1).toString("utf8");
    const eq = rec.indexOf("=");
    if (eq > 0) out.push([rec.slice(0, eq), rec.slice(eq + 1)]);
    off += len;
  }
  return out;
}

function manifestLayers(manifest: unknown): string[] {
  if (Array.isArray(manifest) && manifest.length > 0) {
    const first: unknown = manifest[0];
    if (typeof first === "object" && first !== null && "Layers" in first) {
      const layers: unknown = first.Layers;
      if (Array.isArray(layers) && layers.every((l): l is string => typeof l === "string")) return layers;
    }
  }
  throw new Error("docker image save: unexpected manifest.json");
}

function applyLayer(tree: Tree, layer: Buffer): void {
  const entries = readTar(layer);
  const removeUnder = (dir: string, self: boolean): void => {
    const prefix = `${dir}/`;
    for (const k of [...tree.keys()]) if ((self && k === dir) || k.startsWith(prefix)) tree.delete(k);
  };
  // whiteouts apply to the layers below, before this layer's own entries
  for (const e of entries) {
    const slash = e.path.lastIndexOf("/");
    const dir = slash < 0 ? "" : e.path.slice(0, slash);
    const base = e.path.slice(slash + 1);
    if (base === ".wh..wh..opq") removeUnder(dir ? `/${dir}` : "", false);
    else if (base.startsWith(".wh.")) removeUnder(`${dir ? `/${dir}` : ""}/${base.slice(4)}`, true);
  }
  for (const e of entries) {
    if (!e.path || e.path === ".") continue;
    if (e.path.split("/").pop()?.startsWith(".wh.")) continue;
    const key = `/${e.path}`;
    const common = { mode: e.mode, uid: e.uid, gid: e.gid };
    switch (e.typeflag) {
      case "0":
      case "7":
        tree.set(key, { type: "file", ...common, size: e.data.length, sha256: sha256(e.data) });
        break;
      case "1": {
        const target = tree.get(`/${normalizeTarPath(e.linkname)}`);
        tree.set(key, { ...(target ?? { type: "file" }), ...common });
        break;
      }
      case "2":
        tree.set(key, { type: "symlink", ...common, target: e.linkname });
        break;
      case "5":
        // a directory entry in an upper layer replaces a non-directory, keeps the children
        tree.set(key, { type: "dir", ...common });
        break;
      default:
        tree.set(key, { type: "other", ...common });
    }
  }
}

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export function diffTrees(a: Tree, b: Tree): string[] {
  const out: string[] = [];
  const keys = new Set([...a.keys(), ...b.keys()]);
  for (const k of [...keys].sort()) {
    const x = a.get(k);
    const y = b.get(k);
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(k);
  }
  return out;
}
