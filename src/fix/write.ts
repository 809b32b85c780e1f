// Named imports: a namespace import makes the bundle copy every export of
// node:fs, which loads its streams (about 2 ms of start-up).
import { openSync, writeSync, fchmodSync, fchownSync, fsyncSync, closeSync, renameSync, unlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fsError, UsageError } from "../errors.js";

/**
 * The file-system calls a write makes, replaceable so that tests can make
 * one of them fail the way a full disk or a killed process would.
 */
export interface WriteFs {
  openSync: typeof openSync;
  writeSync: (fd: number, buffer: Buffer, offset: number) => number;
  fchmodSync: typeof fchmodSync;
  fchownSync: typeof fchownSync;
  fsyncSync: typeof fsyncSync;
  closeSync: typeof closeSync;
  renameSync: typeof renameSync;
  unlinkSync: typeof unlinkSync;
}

/** The real file system; tests wrap it to inject failures. */
export const realFs: WriteFs = {
  openSync,
  writeSync: (fd, buffer, offset) => writeSync(fd, buffer, offset),
  fchmodSync,
  fchownSync,
  fsyncSync,
  closeSync,
  renameSync,
  unlinkSync,
};

export interface WriteOptions {
  /**
   * The linted tree. A path that goes through a symbolic link is written
   * to the link's target only when the target lies inside this directory;
   * otherwise nothing is written (a link in a repository must not let
   * `--fix` rewrite a file elsewhere on the machine).
   */
  root?: string;
  /** For tests: the file-system calls to use. */
  fs?: WriteFs;
}

/**
 * Writes a file atomically: a temporary file in the same directory, then a
 * rename over the original, so an interrupted or failing write leaves the
 * original intact. The file's mode is kept. A symbolic link is written
 * through to its target (the link itself stays a link). Every failure is a
 * UsageError naming the file.
 */
export function writeFileAtomic(path: string, data: string, options: WriteOptions = {}): void {
  const io = options.fs ?? realFs;
  let target: string;
  let st: Stats;
  try {
    target = realpathSync(path);
    st = statSync(target);
  } catch (e) {
    throw fsError(e, path, "cannot write");
  }
  if (options.root !== undefined && target !== resolve(path)) {
    const root = realpathSync(options.root);
    const rel = relative(root, target);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      throw new UsageError(`not written: it is a symbolic link to ${target}, outside the linted tree ${root}`, path);
    }
  }
  const tmp = join(dirname(target), `.${basename(target)}.layerlint-${process.pid}-${Date.now()}.tmp`);
  let fd: number | null = null;
  try {
    fd = io.openSync(tmp, "wx", 0o600);
    const bytes = Buffer.from(data, "utf8");
    // writeSync may write less than asked: loop until every byte is out.
    for (let written = 0; written < bytes.length; ) written += io.writeSync(fd, bytes, written);
    // The umask narrowed open's mode: set the original owner (when allowed) and mode explicitly, after
    // the writes and in that order, since writing and changing the owner clear setuid and setgid.
    if (process.getuid?.() === 0 && (st.uid !== 0 || st.gid !== 0)) io.fchownSync(fd, st.uid, st.gid);
    io.fchmodSync(fd, st.mode & 0o7777);
    io.fsyncSync(fd);
    io.closeSync(fd);
    fd = null;
    io.renameSync(tmp, target);
  } catch (e) {
    if (fd !== null) {
      try {
        io.closeSync(fd);
      } catch {
        // already closed
      }
    }
    try {
      io.unlinkSync(tmp);
    } catch {
      // the temporary file was never created
    }
    throw fsError(e, path, "cannot write");
  }
}
