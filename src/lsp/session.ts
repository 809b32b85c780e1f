import { dirname } from "node:path";
import { clearConfigCache, findConfig, type LoadedConfig } from "../engine/config.js";
import type { AnyRule } from "../engine/types.js";
import { UsageError } from "../errors.js";
import { fixSource, lintSource, type FixResult, type LintOptions, type LintResult } from "../lint.js";
import { loadContext, type BuildContext } from "../model/index.js";
import { filePathOf } from "./documents.js";
import { buildKey, discoverBuilds, forgetBuilds, type Build } from "../builds/index.js";

/** The outcome of linting one editor document. */
export interface DocumentLint {
  result: LintResult;
  /** Why the configuration was not used (it is invalid); the document was linted with the defaults. */
  configProblem: string | null;
}

/**
 * Lints editor documents as the CLI lints files: the build context is the
 * document's directory and the configuration is the nearest one walking up
 * from it, so every root of a multi-root workspace gets its own. Contexts
 * are kept between re-lints because listing a context directory costs far
 * more than linting; `invalidate()` forgets them and the configuration
 * lookups when files on disk change.
 */
export class LintSession {
  private readonly contexts = new Map<string, BuildContext>();
  /** The build each document is linted with (the first discovered); absent until discovery has answered. */
  private readonly builds = new Map<string, Build>();
  private readonly discovering = new Set<string>();

  /** `onBuild` is told when a document's discovered build differs from the one it was linted with, to lint it again. */
  constructor(
    private readonly rules: readonly AnyRule[],
    private readonly onBuild: (uri: string) => void = () => {},
  ) {}

  /** The build a document is linted with, once discovered. */
  buildOf(uri: string): Build | undefined {
    const path = filePathOf(uri);
    return path ? this.builds.get(path) : undefined;
  }

  /** The function the server runs on every change (and the one the latency benchmark times). */
  lint(uri: string, text: string): DocumentLint {
    return this.withConfig(uri, text, (options) => lintSource(text, options));
  }

  /** Every safe fix, applied until the text is stable. */
  fix(uri: string, text: string, unsafe = false): FixResult {
    return this.withConfig(uri, text, (options) => fixSource(text, { ...options, unsafe })).result;
  }

  invalidate(): void {
    clearConfigCache();
    this.contexts.clear();
    this.builds.clear();
    forgetBuilds();
  }

  /** Drops the cached context and build of one document (on save: files may have been added next to it). */
  forget(uri: string): void {
    const path = filePathOf(uri);
    if (!path) return;
    for (const key of this.contexts.keys()) if (key.startsWith(path + "\0")) this.contexts.delete(key);
    this.builds.delete(path);
    forgetBuilds(path);
  }

  /**
   * Discovery is asynchronous (an HCL bake file is parsed by WebAssembly)
   * and linting is not: a document is linted with its folder as a guessed
   * context until discovery answers, then again if the build differs.
   * Each discovery looks at the configuration files' times again, so a
   * changed compose file is read again.
   */
  private discover(uri: string, path: string, text: string): void {
    if (this.builds.has(path) || this.discovering.has(path)) return;
    this.discovering.add(path);
    discoverBuilds(path, text, { recheck: true, labelsFromRepository: true }).then(
      ({ builds }) => {
        this.discovering.delete(path);
        this.builds.set(path, builds[0]);
        if (buildKey(builds[0]) !== buildKey(guess(path))) this.onBuild(uri);
      },
      () => this.discovering.delete(path),
    );
  }

  private withConfig<T>(uri: string, text: string, run: (options: LintOptions) => T): { result: T; configProblem: string | null } {
    const path = filePathOf(uri);
    if (path) this.discover(uri, path, text);
    const build = path ? (this.builds.get(path) ?? guess(path)) : null;
    const base: LintOptions = {
      rules: this.rules,
      filePath: path ?? uri,
      config: null,
      context: path && build ? this.contextOf(path, build.context) : null,
      ...(build ? { target: build.target, buildArgs: build.args, contextGuessed: build.guessed } : {}),
    };
    if (!path) return { result: run(base), configProblem: null };
    let config: LoadedConfig | null;
    try {
      config = findConfig(dirname(path));
    } catch (e) {
      return { result: run(base), configProblem: describe(e) };
    }
    try {
      return { result: run({ ...base, config }), configProblem: null };
    } catch (e) {
      // Bad rule settings are only found when the rules are resolved.
      if (!(e instanceof UsageError)) throw e;
      return { result: run(base), configProblem: describe(e) };
    }
  }

  private contextOf(path: string, dir: string): BuildContext {
    const key = `${path}\0${dir}`;
    let context = this.contexts.get(key);
    if (!context) {
      context = loadContext(dir, { dockerfilePath: path });
      this.contexts.set(key, context);
    }
    return context;
  }
}

/** The build used before discovery answers: the document's folder, guessed. */
function guess(path: string): Build {
  return { context: dirname(path), args: {}, source: "guess", guessed: true };
}

function describe(e: unknown): string {
  if (e instanceof UsageError) return e.describe();
  return e instanceof Error ? e.message : String(e);
}
