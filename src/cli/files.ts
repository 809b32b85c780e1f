import { closeSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync, fstatSync, type Stats } from "node:fs";
import { join, relative } from "node:path";
import ignore, { type Ignore } from "ignore";
import { fsError, UsageError } from "../errors.js";

export { fsError };
import { decode, type SourceText } from "../read.js";
import { compareStrings } from "../order.js";
import { NOT_A_DOCKERFILE } from "../names.js";
import { isWorkflowPath } from "../ci/names.js";

/**
 * Dockerfiles larger than this are refused: memory and time stay bounded.
 * The largest of 1,350 public Dockerfiles is 25 KB; at 10 MiB parsing alone
 * took 20 s and 1 GB.
 */
export const MAX_FILE_BYTES = 1024 * 1024;

const SKIP_DIRS = new Set(["node_modules", ".git"]);

/** Names layerlint treats as Dockerfiles when searching a directory. */
export function isDockerfileName(name: string): boolean {
  if (NOT_A_DOCKERFILE.test(name)) return false;
  return /^(Dockerfile|Containerfile)(\..+)?$/.test(name) || /\.(Dockerfile|dockerfile|Containerfile)$/.test(name);
}

/**
 * Expands the command line's paths: files are taken as given, directories
 * are searched for Dockerfiles (and the GitHub Actions workflows in their
 * `.github/workflows/`), skipping node_modules, .git and paths that the
 * directory's .gitignore files exclude.
 */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  lintedRoots.clear();
  namedPaths.clear();
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw fsError(e, p);
    }
    if (!st.isDirectory()) {
      out.push(p);
      namedPaths.add(p);
      if (!lintedRoots.has(p)) lintedRoots.set(p, process.cwd());
      continue;
    }
    const found = walk(p);
    if (!found.some((f) => !isWorkflowPath(f))) throw new UsageError("no Dockerfile found in this directory (looked for Dockerfile, Dockerfile.*, *.Dockerfile, *.dockerfile, Containerfile; not templates such as Dockerfile.template)", p);
    out.push(...found);
    for (const f of found) if (!lintedRoots.has(f)) lintedRoots.set(f, p);
  }
  return [...new Set(out)];
}

/** The paths of `expandPaths` named on the command line rather than found by a directory search. */
const namedPaths = new Set<string>();

/** Whether the user named this path: a workflow met by a directory search that cannot be read is skipped, a named one is an error. */
export function wasNamed(path: string): boolean {
  return namedPaths.has(path);
}

/** The tree each expanded path belongs to: the directory it was found in, or the working directory for a named file. */
const lintedRoots = new Map<string, string>();

/**
 * The linted tree of a path from `expandPaths`: `--fix` writes through a
 * symbolic link only to a target inside it (see writeFileAtomic).
 */
export function lintedRootOf(path: string): string {
  return lintedRoots.get(path) ?? process.cwd();
}

function walk(root: string): string[] {
  const out: string[] = [];
  const rootReal = realpathSync(root);
  const visit = (dir: string, ignores: { base: string; ig: Ignore }[], ancestors: Set<string>): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      throw fsError(e, dir);
    }
    const gitignore = entries.find((e) => e.name === ".gitignore" && e.isFile());
    if (gitignore) {
      try {
        ignores = [...ignores, { base: dir, ig: ignore().add(readFileSync(join(dir, ".gitignore"), "utf8")) }];
      } catch {
        // an unreadable .gitignore hides nothing
      }
    }
    const isIgnored = (path: string, isDir: boolean): boolean =>
      ignores.some(({ base, ig }) => {
        const rel = relative(base, path).split("\\").join("/");
        return rel !== "" && !rel.startsWith("..") && ig.ignores(isDir ? rel + "/" : rel);
      });
    for (const e of entries.sort((a, b) => compareStrings(a.name, b.name))) {
      const path = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = statSync(path);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "ELOOP") throw new UsageError("symbolic link loop", path);
          continue; // a dangling link names no Dockerfile
        }
      }
      if (isDir) {
        if (SKIP_DIRS.has(e.name) || isIgnored(path, true)) continue;
        const real = realpathSync(path);
        if (ancestors.has(real)) throw new UsageError(`symbolic link loop (points back to ${relative(rootReal, real) || "."})`, path);
        visit(path, ignores, new Set([...ancestors, real]));
      } else if (isFile && (isDockerfileName(e.name) || isWorkflowPath(path)) && !isIgnored(path, false)) {
        out.push(path);
      }
    }
  };
  visit(root, [], new Set([rootReal]));
  return out;
}

/** Reads a Dockerfile, turning every failure into one line naming the file. */
export function readDockerfile(path: string): SourceText {
  let fd: number;
  try {
    // Opening a FIFO blocks until someone writes to it: refuse anything that is not a plain file first.
    const kind = specialFileKind(statSync(path));
    if (kind) throw new UsageError(`not a regular file (${kind}); use - to read standard input`, path);
    fd = openSync(path, "r");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw fsError(e, path);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError("is a directory", path);
    if (st.size > MAX_FILE_BYTES) {
      throw new UsageError(`file too large (${(st.size / 1048576).toFixed(1)} MiB; the limit is ${MAX_FILE_BYTES / 1048576} MiB)`, path);
    }
    const buf = Buffer.alloc(st.size);
    let read = 0;
    while (read < st.size) {
      const n = readSync(fd, buf, read, st.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return decode(buf.subarray(0, read), path);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw fsError(e, path);
  } finally {
    closeSync(fd);
  }
}

function specialFileKind(st: Stats): string | null {
  if (st.isFIFO()) return "a named pipe";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return null;
}

/** Reads standard input up to the size limit. */
export async function readStdin(name: string): Promise<SourceText> {
  const chunks: Buffer[] = [];
  let size = 0;
  const add = (b: Buffer): void => {
    size += b.length;
    if (size > MAX_FILE_BYTES) throw new UsageError(`input too large (over ${MAX_FILE_BYTES / 1048576} MiB)`, name);
    chunks.push(b);
  };
  // Read with system calls, as an editor's pipe allows: process.stdin would
  // build Node's stream machinery, a few milliseconds of every run on save.
  // A non-blocking descriptor (EAGAIN) is read through the stream instead.
  let viaStream = process.platform === "win32";
  while (!viaStream) {
    const buffer = Buffer.allocUnsafe(65536);
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EAGAIN") throw fsError(e, name);
      viaStream = true;
      continue;
    }
    if (n === 0) break;
    add(buffer.subarray(0, n));
  }
  if (viaStream) for await (const chunk of process.stdin) add(chunk as Buffer);
  return decode(Buffer.concat(chunks), name);
}
