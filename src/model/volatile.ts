import { existsSync, readdirSync, statSync, type Dirent } from "node:fs";
import { join } from "node:path";
import type { Instruction } from "../parse/index.js";
import { cleanPath, type BuildContext } from "./context.js";
import type { CacheModel } from "./index.js";
import { compareStrings } from "../order.js";

/**
 * Paths in a build context that change without any change to the
 * project's sources (version control data, host-installed dependencies,
 * caches and build output) or that should never reach an image (secrets).
 * A COPY that sends them re-runs, with every step after it, whenever they
 * change.
 */
export type VolatileKind = "vcs" | "dependencies" | "cache" | "build-output" | "secret";

export interface VolatilePath {
  /** Context-relative path. */
  path: string;
  kind: VolatileKind;
}

/** Directory and file names that are volatile wherever they appear. */
const ALWAYS: Readonly<Record<string, VolatileKind>> = {
  ".git": "vcs",
  ".hg": "vcs",
  ".svn": "vcs",
  node_modules: "dependencies",
  __pycache__: "cache",
  ".pytest_cache": "cache",
  ".mypy_cache": "cache",
  ".ruff_cache": "cache",
  ".tox": "cache",
  ".nox": "cache",
  ".next": "build-output",
  ".nuxt": "build-output",
  ".turbo": "cache",
  ".parcel-cache": "cache",
  ".gradle": "cache",
  coverage: "build-output",
  ".nyc_output": "build-output",
  ".env": "secret",
  ".env.local": "secret",
  ".env.development.local": "secret",
  ".env.production.local": "secret",
  ".env.production": "secret",
  id_rsa: "secret",
  id_ed25519: "secret",
  ".ssh": "secret",
  ".aws": "secret",
};

/** How deep below a COPY's source the search goes: enough for monorepo packages, bounded for huge trees. */
const MAX_DEPTH = 4;
const MAX_ENTRIES = 20_000;

/**
 * The volatile paths on disk that a COPY/ADD brings in (not excluded by
 * `.dockerignore`), or an empty list when the context is not on disk.
 * `builds` says which build outputs the Dockerfile makes itself (`dist`
 * and `build` next to a package.json, `target` next to Cargo.toml or
 * pom.xml): copying the host's copy of those only busts the cache.
 */
export function volatilePathsCopied(model: CacheModel, ins: Instruction, builds: { js: boolean; rust: boolean; java: boolean }): VolatilePath[] {
  const root = model.context.root;
  if (root === null) return [];
  const sources = (model.info(ins)?.inputs.sources ?? []).filter((s) => s.kind === "context").map((s) => cleanPath(s.path));
  const found = new Map<string, VolatileKind>();
  let budget = MAX_ENTRIES;

  const consider = (rel: string, name: string, isDir: boolean, siblings: ReadonlySet<string>): boolean => {
    let kind: VolatileKind | undefined = ALWAYS[name];
    if (name === ".venv" || ((name === "venv" || name === "env") && isDir && existsSync(join(root, rel, "pyvenv.cfg")))) kind = "dependencies";
    if (isDir && (name === "dist" || name === "build") && builds.js && siblings.has("package.json")) kind = "build-output";
    if (isDir && name === "target" && ((builds.rust && siblings.has("Cargo.toml")) || (builds.java && siblings.has("pom.xml")))) kind = "build-output";
    if (!kind) return false;
    if (!model.context.isIgnored(rel) && model.copies(ins, rel)) found.set(rel, kind);
    return true;
  };

  const walk = (dir: string, depth: number): void => {
    if (budget <= 0) return;
    const entries = listDir(model.context, root, dir);
    if (!entries) return;
    budget -= entries.length;
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      const rel = dir === "" ? e.name : `${dir}/${e.name}`;
      const isDir = e.isDirectory() || (e.isSymbolicLink() && isDirectory(model.context, root, rel));
      // A volatile directory is reported as a whole, never searched inside.
      if (consider(rel, e.name, isDir, names)) continue;
      if (isDir && depth < MAX_DEPTH && !model.context.isIgnored(rel)) walk(rel, depth + 1);
    }
  };

  for (const source of sources) {
    if (/[*?[]/.test(source)) continue;
    const start = source === "" ? "" : source;
    if (start !== "" && !isDirectory(model.context, root, start)) continue;
    walk(start, 0);
  }
  return [...found.entries()].map(([path, kind]) => ({ path, kind })).sort((a, b) => compareStrings(a.path, b.path));
}

/**
 * Directory listings are kept per build context: the language server lints
 * the same context on every keystroke, and walking the disk each time made a
 * re-lint cost milliseconds per thousand files. A new context (a new CLI
 * run, or the server reloading it on save) reads the disk again.
 */
const listings = new WeakMap<BuildContext, Map<string, Dirent[] | null>>();
const directories = new WeakMap<BuildContext, Map<string, boolean>>();

function listDir(context: BuildContext, root: string, dir: string): Dirent[] | null {
  let cache = listings.get(context);
  if (!cache) listings.set(context, (cache = new Map()));
  if (!cache.has(dir)) {
    let entries: Dirent[] | null;
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      entries = null;
    }
    cache.set(dir, entries);
  }
  return cache.get(dir) ?? null;
}

function isDirectory(context: BuildContext, root: string, rel: string): boolean {
  let cache = directories.get(context);
  if (!cache) directories.set(context, (cache = new Map()));
  let known = cache.get(rel);
  if (known === undefined) {
    try {
      known = statSync(join(root, rel)).isDirectory();
    } catch {
      known = false;
    }
    cache.set(rel, known);
  }
  return known;
}
