import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { buildModel, contextSourcePaths, sourceExistsIn } from "../model/index.js";
import { parse } from "../parse/index.js";
import { fromString } from "../read.js";
import type { Declaration, SourceKind } from "./types.js";
import { mayBuildImages } from "../ci/names.js";

export type { Declaration, SourceKind } from "./types.js";

/**
 * Which builds use a Dockerfile: read → (this) → lint. For each Dockerfile,
 * the configuration files of its repository that name it (compose, bake,
 * devcontainer, CI workflows, Makefiles, scripts) say with which context,
 * target and build arguments it is built. Each repository's files are
 * listed once and each file is read and parsed once per process (an index
 * shared by every Dockerfile of a run); the parsers are loaded only when a
 * repository has such a file.
 */

/** One way a Dockerfile is built. */
export interface Build {
  /** The context directory, absolute. */
  context: string;
  target?: string;
  args: Record<string, string>;
  /** Where it comes from, for people: `docker/compose.yaml#services.api` (relative to the working directory), `structure`, `guess`, `command line`. */
  source: string;
  /** Nothing declares the build and the structural test could not tell: the context is the Dockerfile's folder, a guess. */
  guessed: boolean;
}

export interface Discovery {
  /** The repository searched. */
  root: string;
  /** The distinct builds to lint with, in the order found; never empty. */
  builds: Build[];
  /** Declarations naming this Dockerfile that could not be resolved (not used). */
  unknown: Declaration[];
  /** Configuration files or declarations skipped, with why (shown with --debug). */
  problems: string[];
}

export interface DiscoverOptions {
  /** The directory layerlint was started in (labels are relative to it). */
  cwd?: string;
  /** Look at each configuration file's size and time again, and re-read the changed ones (the language server). */
  recheck?: boolean;
  /** Name sources relative to the repository instead of the working directory (an editor has no meaningful one). */
  labelsFromRepository?: boolean;
}

/** Counts of work done, for tests that check each file is read once. */
export const discoveryStats = { reads: 0, listings: 0 };

export async function discoverBuilds(dockerfile: string, text: string, options: DiscoverOptions = {}): Promise<Discovery> {
  const cwd = options.cwd ?? process.cwd();
  const path = resolve(cwd, dockerfile);
  const root = repositoryOf(path, cwd);
  const index = await indexOf(root, options.recheck ?? false);
  const { declarations } = index;
  const labelBase = options.labelsFromRepository ? root : cwd;
  const problems = index.problems.map((p) => `${relativePath(labelBase, p.file)}${p.at ? `#${p.at}` : ""}: ${p.message}: skipped`);
  const builds: Build[] = [];
  const unknown: Declaration[] = [];
  for (const d of declarations) {
    if (d.dockerfile !== path) continue;
    if (d.unknown !== undefined || d.context === null) unknown.push(d);
    else builds.push({ context: d.context, ...(d.target !== undefined ? { target: d.target } : {}), args: d.args, source: label(d, labelBase), guessed: false });
  }
  if (builds.length === 0) {
    const found = structuralContext(path, text, root);
    builds.push({ context: found ?? dirname(path), args: {}, source: found ? "structure" : "guess", guessed: found === null });
  }
  return { root, builds: distinct(builds), unknown, problems };
}

/** `docker/compose.yaml#services.api`: the file relative to the working directory, and where in it. */
export function label(d: Declaration, cwd: string): string {
  return `${relativePath(cwd, d.file)}#${d.at}`;
}

export function relativePath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === "" ? "." : rel.split(sep).join("/");
}

/** Builds that differ in context, target or arguments; the first source of each is kept. */
export function distinct(builds: readonly Build[]): Build[] {
  const seen = new Map<string, Build>();
  for (const b of builds) {
    const key = buildKey(b);
    if (!seen.has(key)) seen.set(key, b);
  }
  return [...seen.values()];
}

export function buildKey(b: Pick<Build, "context" | "target" | "args">): string {
  return JSON.stringify([b.context, b.target ?? null, Object.entries(b.args).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))]);
}

/**
 * The repository that holds a file: the nearest folder with `.git`; without
 * one, the working directory if it holds the file, else the file's folder.
 */
export function repositoryOf(path: string, cwd: string): string {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) break;
  }
  const rel = relative(cwd, path);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel) ? cwd : dirname(path);
}

/**
 * The structural test: the nearest folder, from the Dockerfile's up to the
 * repository root, in which every COPY/ADD source of the context exists.
 * Sources that exist anywhere (`.`, `*`) tell nothing; with none left, or
 * no such folder, the answer is null (inconclusive).
 */
export function structuralContext(dockerfile: string, text: string, root: string): string | null {
  let sources: string[];
  try {
    const model = buildModel(parse(fromString(text), dockerfile), { context: null });
    sources = contextSourcePaths(model).filter((s) => !/^(\.?\/?|\.?\/?\*)$/.test(s.trim()));
  } catch {
    return null;
  }
  if (sources.length === 0) return null;
  for (let dir = dirname(dockerfile); ; dir = dirname(dir)) {
    if (sources.every((s) => sourceExistsIn(dir, s))) return dir;
    if (dir === root || dirname(dir) === dir || !(dir + sep).startsWith(root + sep)) return null;
  }
}

/** A configuration file or a declaration that was skipped, and why. */
interface Problem {
  file: string;
  at?: string;
  message: string;
}

interface RepoIndex {
  declarations: Declaration[];
  problems: Problem[];
}

interface FileEntry {
  stamp: string;
  result: Promise<{ declarations: Declaration[]; problem: string | null }>;
}

const filesByRoot = new Map<string, string[]>();
const entries = new Map<string, FileEntry>();

/** Forgets what was read, so that the next discovery lists and reads again (the language server, on a change of files). */
export function forgetBuilds(path?: string): void {
  if (path === undefined) {
    filesByRoot.clear();
    entries.clear();
    return;
  }
  entries.delete(resolve(path));
  // A new or removed file changes the listing of its repository.
  for (const root of filesByRoot.keys()) if ((resolve(path) + sep).startsWith(root + sep)) filesByRoot.delete(root);
}

async function indexOf(root: string, recheck: boolean): Promise<RepoIndex> {
  let files = filesByRoot.get(root);
  if (!files) {
    files = configFiles(root);
    filesByRoot.set(root, files);
  }
  const declarations: Declaration[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    let entry = entries.get(file);
    const stamp = recheck || !entry ? stampOf(file) : entry.stamp;
    if (!entry || entry.stamp !== stamp) {
      entry = { stamp, result: readDeclarations(file, root) };
      entries.set(file, entry);
    }
    const r = await entry.result;
    if (r.problem) problems.push({ file, message: r.problem });
    for (const d of r.declarations) {
      const why = problemOf(d, root);
      if (why) problems.push({ file, at: d.at, message: why });
      else declarations.push(d);
    }
  }
  return { declarations, problems };
}

function problemOf(d: Declaration, root: string): string | null {
  const inside = (p: string): boolean => p === root || p.startsWith(root + sep);
  if (d.context !== null && !inside(d.context)) return `the context ${d.context} is outside the repository`;
  if (d.dockerfile !== null && !inside(d.dockerfile)) return `the Dockerfile ${d.dockerfile} is outside the repository`;
  if (d.dockerfile !== null && d.unknown === undefined && !existsSync(d.dockerfile)) return `the Dockerfile ${relativePath(root, d.dockerfile)} does not exist`;
  return null;
}

function stampOf(file: string): string {
  try {
    const st = statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return "missing";
  }
}

function readText(path: string): string | null {
  discoveryStats.reads++;
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Reads one configuration file; a file that cannot be read or parsed gives no declarations and a problem. */
async function readDeclarations(file: string, root: string): Promise<{ declarations: Declaration[]; problem: string | null }> {
  const kind = kindOf(file, root);
  const text = kind === null ? null : readText(file);
  if (kind === null || text === null) return { declarations: [], problem: kind === null ? null : "cannot be read" };
  try {
    return { declarations: await parseSource(kind, file, text, root), problem: null };
  } catch (e) {
    return { declarations: [], problem: (e instanceof Error ? e.message : String(e)).split("\n")[0].replace(/:$/, "") };
  }
}

async function parseSource(kind: SourceKind, file: string, text: string, root: string): Promise<Declaration[]> {
  switch (kind) {
    case "compose":
      return (await import("./compose.js")).composeDeclarations(file, text, readText);
    case "bake":
      return (await import("./bake.js")).bakeDeclarations(file, text);
    case "devcontainer":
      return (await import("./devcontainer.js")).devcontainerDeclarations(file, text);
    // A workflow that names no image builder declares no build: it is not parsed (nor the YAML parser loaded).
    case "github":
      return mayBuildImages(text) ? (await import("./workflows.js")).workflowDeclarations(file, text, root) : [];
    case "gitlab":
      return mayBuildImages(text) ? (await import("./workflows.js")).gitlabDeclarations(file, text, root) : [];
    case "make":
      return (await import("./make.js")).makeDeclarations(file, text);
    case "script":
      return (await import("./make.js")).scriptDeclarations(file, text, root);
  }
}

const COMPOSE = /^(docker-)?compose([.-][\w.-]*)?\.ya?ml$/;
const BAKE = /^docker-bake([.-][\w.-]*)?\.(hcl|json)$/;
const MAKE = /^(GNUmakefile|[Mm]akefile|.+\.mk)$/;

export function kindOf(file: string, root: string): SourceKind | null {
  const name = basename(file);
  const rel = relativePath(root, file);
  if (COMPOSE.test(name)) return "compose";
  if (BAKE.test(name)) return "bake";
  if (name === ".devcontainer.json" || (name === "devcontainer.json" && rel.split("/").includes(".devcontainer"))) return "devcontainer";
  if (/^\.github\/workflows\/[^/]+\.ya?ml$/.test(rel)) return "github";
  if (name === ".gitlab-ci.yml" || name === ".gitlab-ci.yaml") return "gitlab";
  if (MAKE.test(name)) return "make";
  if (name.endsWith(".sh")) return "script";
  return null;
}

/** Whether a changed file may change the builds discovered (a configuration file, or a `.env` that a compose file reads). */
export function isBuildFile(path: string): boolean {
  const p = path.split(sep).join("/");
  return basename(p) === ".env" || kindOf(p, p.includes("/.github/workflows/") ? p.slice(0, p.indexOf("/.github/workflows/")) : dirname(p)) !== null;
}

/** Folders never searched: dependencies, VCS data; hidden folders other than these. */
const SKIP = new Set(["node_modules", "vendor", "bower_components", "__pycache__"]);
const HIDDEN_KEPT = new Set([".github", ".devcontainer", ".gitlab", ".docker", ".ci", ".circleci", ".buildkite"]);
/** Folders listed before giving up: a linter must not stall on a huge tree. */
const MAX_DIRS = 20_000;

function configFiles(root: string): string[] {
  discoveryStats.listings++;
  const out: string[] = [];
  const stack = [root];
  let dirs = 0;
  while (stack.length > 0 && dirs++ < MAX_DIRS) {
    const dir = stack.pop() as string;
    let list;
    try {
      list = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of list) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (SKIP.has(e.name) || (e.name.startsWith(".") && !HIDDEN_KEPT.has(e.name))) continue;
        stack.push(path);
      } else if ((e.isFile() || e.isSymbolicLink()) && kindOf(path, root) !== null) out.push(path);
    }
  }
  return out.sort();
}
