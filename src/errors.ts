/**
 * An error the user can act on: one line naming the file and the problem.
 * The CLI prints `layerlint: <path>: <message>` and exits 2, never a stack
 * trace (unless --debug).
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }

  /** The single line the CLI prints. */
  describe(): string {
    return this.path ? `${this.path}: ${this.message}` : this.message;
  }
}

const FS_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ELOOP: "symbolic link loop",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  EMFILE: "too many open files",
  ENOSPC: "no space left on the device",
  EROFS: "read-only file system",
  EDQUOT: "disk quota exceeded",
  EIO: "input/output error",
};

/**
 * A file-system error as one line naming the path: `verb` says what was
 * being done when it is not plain reading ("cannot write: permission denied").
 */
export function fsError(e: unknown, path: string, verb?: string): UsageError {
  const code = (e as NodeJS.ErrnoException | null)?.code ?? "";
  const problem = FS_PROBLEMS[code] ?? (e instanceof Error ? e.message.split("\n")[0] : String(e));
  return new UsageError(verb ? `${verb}: ${problem}` : FS_PROBLEMS[code] ? problem : `cannot read: ${problem}`, path);
}
