import { dirname } from "node:path";
import { clearConfigCache, findConfig, type LoadedConfig } from "../engine/config.js";
import type { AnyRule } from "../engine/types.js";
import { UsageError } from "../errors.js";
import { fixSource, lintSource, type FixResult, type LintOptions, type LintResult } from "../lint.js";
import { loadContext, type BuildContext } from "../model/index.js";
import { filePathOf } from "./documents.js";

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

  constructor(private readonly rules: readonly AnyRule[]) {}

  /** The function the server runs on every change (and the one the latency benchmark times). */
  lint(uri: string, text: string): DocumentLint {
    return this.withConfig(uri, (options) => lintSource(text, options));
  }

  /** Every safe fix, applied until the text is stable. */
  fix(uri: string, text: string, unsafe = false): FixResult {
    return this.withConfig(uri, (options) => fixSource(text, { ...options, unsafe })).result;
  }

  invalidate(): void {
    clearConfigCache();
    this.contexts.clear();
  }

  /** Drops the cached context of one document (on save: files may have been added next to it). */
  forget(uri: string): void {
    const path = filePathOf(uri);
    if (path) this.contexts.delete(path);
  }

  private withConfig<T>(uri: string, run: (options: LintOptions) => T): { result: T; configProblem: string | null } {
    const path = filePathOf(uri);
    const base: LintOptions = { rules: this.rules, filePath: path ?? uri, config: null, context: path ? this.contextOf(path) : null };
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

  private contextOf(path: string): BuildContext {
    let context = this.contexts.get(path);
    if (!context) {
      context = loadContext(dirname(path), { dockerfilePath: path });
      this.contexts.set(path, context);
    }
    return context;
  }
}

function describe(e: unknown): string {
  if (e instanceof UsageError) return e.describe();
  return e instanceof Error ? e.message : String(e);
}
