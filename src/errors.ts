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
