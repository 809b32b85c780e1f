import { existsSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent } from "node:fs";
import { isAbsolute, join, posix, relative, resolve, sep } from "node:path";
import dockerignoreModule, { type Ignore } from "@balena/dockerignore";
import picomatch from "picomatch";

/**
 * The build context as BuildKit sees it: a directory (when there is one on
 * disk) filtered by `.dockerignore`. `.dockerignore` matching uses
 * @balena/dockerignore, a port of Docker's own fileutils matcher (`**`,
 * `!` re-includes, leading `/`, trailing `/`, `..` cleaning), because
 * near-miss reimplementations are where context bugs come from.
 */
export interface BuildContext {
  /** Absolute directory, or null when linting text with no context (stdin). */
  readonly root: string | null;
  /** The ignore file that applies, relative to the root, if any. */
  readonly ignoreFile: string | null;
  readonly ignorePatterns: readonly string[];
  /** Whether a context-relative path is excluded by the ignore file. */
  isIgnored(path: string): boolean;
  /** Every file BuildKit would send, or null when there is no context on disk. */
  files(): readonly string[] | null;
  /** Whether the path exists in the context directory (ignored or not). */
  exists(path: string): boolean;
}

/** Files past this many are not listed: a linter must not stall on a huge tree. */
const MAX_FILES = 200_000;

// The package is CommonJS (`module.exports = factory`) while its types declare
// an ES default export; at run time the default import is the factory.
const dockerignore = dockerignoreModule as unknown as (options?: { ignorecase?: boolean }) => Ignore;

export interface ContextOptions {
  /** Path of the Dockerfile, for the `<Dockerfile>.dockerignore` variant. */
  dockerfilePath?: string;
  /** Ignore patterns to use instead of reading them from disk. */
  ignoreText?: string;
}

export function loadContext(root: string | null, options: ContextOptions = {}): BuildContext {
  // No directory and no ignore text: every such context is the same empty,
  // unchanging one (linting text alone asks for it once per file).
  if (root === null && options.ignoreText === undefined) return (noContext ??= readContext(null, {}));
  return readContext(root, options);
}

let noContext: BuildContext | undefined;

function readContext(root: string | null, options: ContextOptions): BuildContext {
  let ignoreFile: string | null = null;
  let ignoreText = options.ignoreText ?? null;
  if (ignoreText === null && root !== null) {
    // BuildKit prefers `<Dockerfile name>.dockerignore` next to the Dockerfile.
    const candidates: string[] = [];
    if (options.dockerfilePath) candidates.push(options.dockerfilePath + ".dockerignore");
    candidates.push(join(root, ".dockerignore"));
    for (const c of candidates) {
      if (existsSync(c)) {
        ignoreText = readFileSync(c, "utf8");
        ignoreFile = relativeToRoot(root, c);
        break;
      }
    }
  }
  const patterns = parseIgnore(ignoreText ?? "");
  const matcher = dockerignore({ ignorecase: false }).add(patterns);
  const hasNegation = patterns.some((p) => p.startsWith("!"));
  let listed: string[] | null | undefined;

  const isIgnored = (path: string): boolean => {
    const p = cleanPath(path);
    return p !== "" && matcher.ignores(p);
  };

  return {
    root,
    ignoreFile,
    ignorePatterns: patterns,
    isIgnored,
    files() {
      if (listed !== undefined) return listed;
      listed = root === null ? null : walk(root, isIgnored, hasNegation);
      return listed;
    },
    exists(path) {
      return root !== null && existsSync(join(root, cleanPath(path)));
    },
  };
}

/**
 * The ignore file's name as messages show it: relative to the root, or as
 * given when it lies outside. Computed on resolved paths: slicing the
 * string by the root's length cut `.dockerignore` to `ockerignore` when the
 * root was `.` (`join(".", ".dockerignore")` has no `./` prefix).
 */
function relativeToRoot(root: string, file: string): string {
  const rel = relative(resolve(root), resolve(file));
  if (rel === "" || rel === ".." || rel.startsWith(".." + sep) || isAbsolute(rel)) return file;
  return rel.split(sep).join("/");
}

function parseIgnore(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

function walk(root: string, isIgnored: (p: string) => boolean, hasNegation: boolean): string[] {
  const out: string[] = [];
  eachEntry(root, "", (rel, e) => {
    if (out.length >= MAX_FILES) return "stop";
    const ignored = isIgnored(rel);
    // An ignored directory can only hold sent files when a `!` pattern re-includes them.
    if (e.isDirectory()) return !ignored || hasNegation ? "descend" : "next";
    if (ignored) return "next";
    if (e.isSymbolicLink()) {
      try {
        if (statSync(join(root, rel)).isDirectory()) return "next";
      } catch {
        // A dangling link is still sent as a link.
      }
    }
    out.push(rel);
    return "next";
  });
  return out.sort();
}

/**
 * Reads the directories below `start` (context-relative, "" for the root),
 * depth first, handing each entry to `visit`, which says whether to look
 * inside it (a directory), go on, or stop. Unreadable directories are skipped.
 */
function eachEntry(root: string, start: string, visit: (rel: string, entry: Dirent) => "descend" | "next" | "stop"): void {
  const stack = [start];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let entries;
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const rel = dir === "" ? e.name : `${dir}/${e.name}`;
      const next = visit(rel, e);
      if (next === "stop") return;
      if (next === "descend") stack.push(rel);
    }
  }
}

/** Entries looked at below one directory before giving up and assuming something is sent. */
const MAX_BELOW = 20_000;

/**
 * Whether BuildKit sends anything below a directory of the context: a file,
 * a link or a subdirectory. False for a path that is not a directory, and
 * for a directory whose contents `.dockerignore` all exclude (`.git/*`,
 * `node_modules/**`): only the empty directory entry is sent then, and
 * BuildKit's content hash of a directory leaves out its mtime. A `!`
 * exception can send something inside an excluded subdirectory again, so
 * with one the search goes on below excluded subdirectories too.
 */
export function sendsContentsOf(context: BuildContext, dir: string): boolean {
  if (context.root === null) return false;
  const hasNegation = context.ignorePatterns.some((p) => p.startsWith("!"));
  let budget = MAX_BELOW;
  let sends = false;
  eachEntry(context.root, cleanPath(dir), (rel, e) => {
    if (--budget < 0 || !context.isIgnored(rel)) {
      sends = true;
      return "stop";
    }
    return hasNegation && e.isDirectory() ? "descend" : "next";
  });
  return sends;
}

/** Whether a context-relative path is a directory on disk (following links, as the search for volatile paths does). */
export function isContextDirectory(context: BuildContext, path: string): boolean {
  if (context.root === null) return false;
  try {
    return statSync(join(context.root, cleanPath(path))).isDirectory();
  } catch {
    return false;
  }
}

/** Context-relative, forward slashes, no leading `/` or `./`, `..` cleaned away. */
export function cleanPath(path: string): string {
  let p = posix.normalize("/" + path.split("\\").join("/"));
  p = p.replace(/^\/+/, "").replace(/(?<!\/)\/+$/, "");
  return p === "." ? "" : p;
}

const GLOB_CHARS = /[*?[]/;

/**
 * Whether a context file is brought in by a COPY/ADD source. A source is a
 * path or a Go `filepath.Match` pattern (no `**`); a matched directory
 * brings in everything below it.
 */
export function sourceMatcher(source: string): (file: string) => boolean {
  const src = cleanPath(source);
  if (src === "") return () => true;
  if (!GLOB_CHARS.test(src)) return (file) => file === src || file.startsWith(src + "/");
  const segments = src.split("/").length;
  const isMatch = picomatch(src, { dot: true, noglobstar: true, nobrace: true, noextglob: true });
  return (file) => {
    const parts = file.split("/");
    if (parts.length < segments) return false;
    return isMatch(parts.slice(0, segments).join("/"));
  };
}

/**
 * Where a COPY/ADD source leads when it is a symlink, or lies below one:
 * BuildKit follows the source path, and each path a wildcard source matches
 * (measured: editing a linked file, a file of a linked folder, or the file
 * a link matched by `src/*.txt` points to re-runs the COPY), while links
 * inside a copied folder are copied as links. Context-relative targets, none
 * when nothing is followed.
 */
export function followedSources(context: BuildContext, source: string): string[] {
  const src = cleanPath(source);
  if (context.root === null || src === "") return [];
  const root = context.root;
  const follow = (path: string): string | null => {
    try {
      const real = realpathSync(root);
      const rel = relative(real, realpathSync(join(root, path)));
      if (rel === "" || rel === ".." || rel.startsWith(".." + sep) || isAbsolute(rel)) return null;
      const followed = rel.split(sep).join("/");
      return followed === path ? null : followed;
    } catch {
      return null;
    }
  };
  if (!GLOB_CHARS.test(src)) {
    const f = follow(src);
    return f === null ? [] : [f];
  }
  // The paths the pattern matches, one segment at a time (Go's filepath.Match has no `**`).
  let matches = [""];
  for (const segment of src.split("/")) {
    const next: string[] = [];
    const isMatch = GLOB_CHARS.test(segment) ? picomatch(segment, { dot: true, noglobstar: true, nobrace: true, noextglob: true }) : null;
    for (const dir of matches) {
      if (!isMatch) {
        next.push(dir === "" ? segment : `${dir}/${segment}`);
        continue;
      }
      let names: string[] = [];
      try {
        names = readdirSync(join(root, dir));
      } catch {
        continue;
      }
      for (const n of names) if (isMatch(n)) next.push(dir === "" ? n : `${dir}/${n}`);
    }
    matches = next;
  }
  const out: string[] = [];
  for (const m of matches) {
    const f = follow(m);
    if (f !== null && !out.includes(f)) out.push(f);
  }
  return out;
}

export function isGlob(source: string): boolean {
  return GLOB_CHARS.test(source);
}

/**
 * Whether a COPY/ADD source names something in the directory `root`: the
 * path itself, or for a pattern, an entry of its folder that matches it.
 */
export function sourceExistsIn(root: string, source: string): boolean {
  const src = cleanPath(source);
  if (!GLOB_CHARS.test(src)) return existsSync(join(root, src));
  const parts = src.split("/");
  const first = parts.findIndex((p) => GLOB_CHARS.test(p));
  const dir = join(root, ...parts.slice(0, first));
  try {
    const isMatch = picomatch(parts[first], { dot: true, nobrace: true, noextglob: true });
    return readdirSync(dir).some((name) => isMatch(name));
  } catch {
    return false;
  }
}
