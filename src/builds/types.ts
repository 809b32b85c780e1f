/** Where a build is declared: the kinds of files discovery reads. */
export type SourceKind = "compose" | "bake" | "devcontainer" | "github" | "gitlab" | "make" | "script";

/**
 * One build that a configuration file declares. Paths are absolute; a
 * declaration with `unknown` set could not be resolved (a matrix variable,
 * `$(shell ...)`) and is shown but never used to lint.
 */
export interface Declaration {
  kind: SourceKind;
  /** The configuration file. */
  file: string;
  /** Where in it: `services.api`, `target.app`, `jobs.build.steps[2]`. */
  at: string;
  dockerfile: string | null;
  context: string | null;
  target?: string;
  args: Record<string, string>;
  unknown?: string;
}

/** Reads a configuration file's text (counted, so that tests can check each file is read once). */
export type ReadText = (path: string) => string | null;
