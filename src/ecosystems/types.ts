import type { ShellCommand } from "../model/shell.js";

/**
 * The shape of one row of the package-manager table. Kept apart from the
 * table itself so that every file that adds rows (project package managers,
 * system package managers) can import it without an import cycle.
 */

/** A `--mount=type=cache` that keeps a tool's download or build cache between builds. */
export interface CacheMountSpec {
  /** Absolute path of the cache for the root user in the usual base image. */
  target: string;
  /** `locked` where two concurrent builds writing the cache would corrupt it; absent means BuildKit's default (`shared`). */
  sharing?: "shared" | "private" | "locked";
  /** The environment variable that moves this cache, for images that point it elsewhere. */
  env?: string;
}

/** The build context's files as seen from the directory an install runs in. */
export interface ProjectFiles {
  /** A file's text (path relative to the install's directory), or null when it is absent or not sent. */
  read(path: string): string | null;
  /** Every file sent with the context under the install's directory, relative to it. */
  list(): readonly string[];
}

export interface Ecosystem {
  id: string;
  /** What users call it, for messages. */
  name: string;
  /**
   * `project`: installs a project's dependencies as its manifests say (npm, pip, go, ...).
   * `system`: installs operating-system packages (apt, apk, ...); reads no project file.
   */
  kind: "project" | "system";
  /** Files the install reads and that must exist (relative to the project directory). */
  manifests: readonly string[];
  /**
   * Files the install reads when present (lock files, configuration). A
   * trailing `/` marks a directory. Without the context on disk, files are
   * copied with a pattern that may match nothing; directories cannot be.
   */
  optionalManifests: readonly string[];
  /** Download or build caches the tool fills (absolute paths for the root user). */
  cacheDirs: readonly string[];
  /** The cache mount(s) that keep `cacheDirs` out of the layer and between builds. */
  cacheMounts: readonly CacheMountSpec[];
  /** Commands that remove the cache in the same RUN (e.g. `npm cache clean --force`). */
  cleanup: readonly string[];
  /** Flags of the install command that keep it from writing a cache (e.g. `--no-cache-dir`). */
  noCacheFlags: readonly string[];
  /** Environment settings with the same effect as `noCacheFlags` (e.g. `PIP_NO_CACHE_DIR=1`). */
  noCacheEnv: readonly string[];
  /**
   * Every first word `matchInstall` can accept, when it accepts only these
   * exact names: commands are then matched against this row only when
   * their program is one of them. Absent: it is asked about every command
   * (rows that match a pattern, such as `python3.12 -m pip` or `./mvnw`).
   */
  programs?: readonly string[];
  /** Recognises an install or a build in one simple command's words (program first). */
  matchInstall(words: readonly string[]): InstallSpec | null;
  /**
   * Looks at the project's files on disk and refines what the command line
   * said: further manifests the install reads (workspace members,
   * requirement files included by others, module poms), or that it needs
   * the sources after all (a `prepare` script in package.json, `-e .` in a
   * requirements file), or that it is no install at all (null: `go build`
   * of a vendored module downloads nothing). Called only when the build
   * context is on disk; paths are relative to the command's directory.
   */
  onDisk?(files: ProjectFiles, spec: InstallSpec): InstallSpec | null;
}

export interface InstallSpec {
  /**
   * Manifests named on the command line (`pip install -r requirements/dev.txt`,
   * `mvn -s settings.xml`), relative to the command's directory; after
   * `onDisk`, also the further manifests found there.
   */
  manifests?: string[];
  /**
   * What this form of the command reads instead of the ecosystem's
   * `manifests` / `optionalManifests` (`pnpm fetch` reads only the lock
   * file; `pip install -r x` reads no pyproject).
   */
  reads?: { manifests: readonly string[]; optionalManifests: readonly string[] };
  /**
   * The command also needs the project's sources (it builds or installs the
   * project itself), so a manifest-only COPY cannot come before all of it.
   */
  needsSources: boolean;
  /** Why it needs the sources, in words for a message (`it installs the project itself`). */
  sourcesReason?: string;
  /** A dependency-only command that can run before the sources are copied (the known split). */
  dependencyOnly?: string;
  /**
   * False when the command installs named packages (`npm install -g typescript`,
   * `pip install flask`) and reads no manifest. Absent means true.
   */
  readsManifests?: boolean;
  /** The command compiles or packages the project (`go build`, `mvn package`) rather than only resolving dependencies. */
  builds?: boolean;
  /** The project directory the tool is pointed at by its own flags (`--prefix`, `-C`, `--cwd`, `-f dir/pom.xml`), as written. */
  projectDir?: string;
  /** The command turns off lifecycle scripts (`--ignore-scripts`), so none of them can need the sources. */
  skipsScripts?: boolean;
  /** Whether a cache-avoiding flag (`--no-cache-dir`, `--no-cache`) is on the command line. */
  noCache?: boolean;
}

export interface InstallMatch extends InstallSpec {
  ecosystem: Ecosystem;
  command: ShellCommand;
  /** The directory a `cd` earlier in the same script moved to, as written (relative to WORKDIR unless absolute). */
  cwd?: string;
}
