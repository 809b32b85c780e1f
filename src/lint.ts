import { dirname } from "node:path";
import { findConfig, resolveRules, type LoadedConfig, type ResolveResult } from "./engine/config.js";
import { runRules, runWorkflowRules } from "./engine/runner.js";
import type { AnyRule, Finding, SeveritySetting } from "./engine/types.js";
import { fixLoop } from "./fix/apply.js";
import { buildModel, loadContext, type BuildContext, type CacheModel } from "./model/index.js";
import { parse, type ParsedDockerfile } from "./parse/index.js";
import { encode, fromString, type SourceText } from "./read.js";
import { sameItems } from "./memo.js";
import { parseWorkflow, type Workflow } from "./ci/workflow.js";

/**
 * The straight line from text to findings:
 * read → parse → model → rules → findings (→ fixes).
 * Rules are passed in: this module knows none by name.
 */
export interface LintOptions {
  /** Every rule layerlint knows (configuration may turn some off). */
  rules: readonly AnyRule[];
  /** The file's path: names it in output, finds its configuration and its default context. */
  filePath?: string;
  /** A configuration, null for none, or "auto" to look for one next to `filePath` (default). */
  config?: LoadedConfig | null | "auto";
  /** `--rule id=severity` settings, applied over the configuration. */
  cliRules?: Record<string, SeveritySetting>;
  /** The build context: a directory, a loaded context, or null for none. Defaults to the file's directory. */
  context?: string | BuildContext | null;
  target?: string;
  buildArgs?: Record<string, string>;
  /** The context is a guess (see CacheModelOptions.contextGuessed). */
  contextGuessed?: boolean;
}

export interface LintResult {
  filePath: string;
  source: SourceText;
  file: ParsedDockerfile;
  model: CacheModel;
  findings: Finding[];
  /** Configuration problems that are not fatal (unknown rule ids). */
  warnings: string[];
}

export function lintSource(source: SourceText | string, options: LintOptions): LintResult {
  return lintWithRules(source, options, options.rules);
}

/**
 * lintSource with the rule list passed on its own: the library's lint()
 * takes options without one, and would otherwise copy the caller's options
 * object for every file just to add the built-in list.
 */
export function lintWithRules(source: SourceText | string, options: Omit<LintOptions, "rules">, rules: readonly AnyRule[]): LintResult {
  const src = typeof source === "string" ? fromString(source) : source;
  const filePath = options.filePath ?? "<input>";
  const config = options.config === undefined || options.config === "auto" ? (options.filePath ? findConfig(dirname(options.filePath)) : null) : options.config;
  const { enabled, warnings } = rulesFor(rules, config, options.filePath ?? null, options.cliRules);
  const context = contextFor(options);
  const file = parse(src, filePath);
  const model = buildModel(file, { context, target: options.target, buildArgs: options.buildArgs, contextGuessed: options.contextGuessed });
  const findings = runRules(file, model, enabled, rules);
  if (src.replacedInvalidUtf8) {
    findings.unshift({
      ruleId: "layerlint",
      severity: "warning",
      message: "invalid UTF-8: the bad bytes were read as U+FFFD; save the file as UTF-8",
      range: { start: { line: 0, column: 0, offset: 0 }, end: { line: 0, column: 0, offset: 0 } },
    });
  }
  return { filePath, source: src, file, model, findings, warnings };
}

export interface WorkflowLintResult {
  filePath: string;
  source: SourceText;
  workflow: Workflow;
  findings: Finding[];
  warnings: string[];
}

/**
 * A GitHub Actions workflow through the rules that read workflows. Text
 * that is not valid YAML, or not a workflow, throws a UsageError naming
 * the file. The build context, target and build arguments are not used.
 */
export function lintWorkflowSource(source: SourceText | string, options: Omit<LintOptions, "context" | "target" | "buildArgs">): WorkflowLintResult {
  const src = typeof source === "string" ? fromString(source) : source;
  const filePath = options.filePath ?? "<input>";
  const config = options.config === undefined || options.config === "auto" ? (options.filePath ? findConfig(dirname(options.filePath)) : null) : options.config;
  const { enabled, warnings } = rulesFor(options.rules, config, options.filePath ?? null, options.cliRules);
  const workflow = parseWorkflow(src, filePath);
  return { filePath, source: src, workflow, findings: runWorkflowRules(workflow, enabled), warnings };
}

/** Fixes a workflow until stable, as fixSource does a Dockerfile. */
export function fixWorkflowSource(
  source: SourceText | string,
  options: Omit<LintOptions, "context" | "target" | "buildArgs"> & { unsafe?: boolean },
): Omit<FixResult, "result"> & { result: WorkflowLintResult } {
  const src = typeof source === "string" ? fromString(source) : source;
  let last: WorkflowLintResult | undefined;
  const loop = fixLoop(src.text, (text) => (last = lintWorkflowSource({ ...src, text }, options)).findings, options.unsafe ?? false);
  const text = keepFinalNewline(src.text, loop.text);
  const result = last && last.source.text === text ? last : lintWorkflowSource({ ...src, text }, options);
  return { result, output: encode(src, text), changed: text !== src.text, fixCount: loop.fixCount, passes: loop.passes };
}

export interface FixResult {
  /** The lint result of the fixed text. */
  result: LintResult;
  /** The fixed text, BOM restored: the string to write back. */
  output: string;
  changed: boolean;
  fixCount: number;
  passes: number;
}

/** Lints and fixes until stable (see fixLoop); nothing is written. */
export function fixSource(source: SourceText | string, options: LintOptions & { unsafe?: boolean }): FixResult {
  const src = typeof source === "string" ? fromString(source) : source;
  // One context for every pass: walking the directory again would only cost time.
  const context = contextFor(options);
  const opts: LintOptions = { ...options, context };
  let last: LintResult | undefined;
  const lintText = (text: string): Finding[] => {
    last = lintSource({ ...src, text }, opts);
    return last.findings;
  };
  const loop = fixLoop(src.text, lintText, options.unsafe ?? false);
  const text = keepFinalNewline(src.text, loop.text);
  const result = last && last.source.text === text ? last : lintSource({ ...src, text }, opts);
  return { result, output: encode(src, text), changed: text !== src.text, fixCount: loop.fixCount, passes: loop.passes };
}

/** Fixes write whole lines; a file that did not end with a line break does not get one from them. */
export function keepFinalNewline(original: string, fixed: string): string {
  return original !== "" && !original.endsWith("\n") && fixed.endsWith("\n") ? fixed.replace(/\r?\n$/, "") : fixed;
}

/**
 * The last resolution of the rules, reused while the inputs stay the same:
 * linting many files with one set of options (the CLI, an editor, the
 * library in a loop) would otherwise rebuild the same maps for every file.
 * One entry only, so nothing grows. The rule list (and each rule in it)
 * and the configuration are compared by identity: configurations are read
 * from files and never changed in place. The `--rule` settings are compared
 * by content, since a caller may edit its object between calls. The file's
 * path only matters to a configuration with `overrides`.
 */
let lastRules: {
  /** The rules as they were, to notice a list changed in place. */
  ruleList: AnyRule[];
  config: LoadedConfig | null;
  filePath: string | null;
  cliEntries: [string, SeveritySetting][];
  result: ResolveResult;
} | null = null;

function rulesFor(rules: readonly AnyRule[], config: LoadedConfig | null, filePath: string | null, cliRules: Record<string, SeveritySetting> | undefined): ResolveResult {
  const last = lastRules;
  if (
    last !== null &&
    sameItems(last.ruleList, rules) &&
    last.config === config &&
    (last.filePath === filePath || !config?.data.overrides) &&
    sameEntries(last.cliEntries, cliRules)
  ) {
    // A fresh warnings array: callers may add to it.
    return { enabled: last.result.enabled, warnings: [...last.result.warnings] };
  }
  const result = resolveRules({ rules, config, filePath, cliRules });
  lastRules = { ruleList: [...rules], config, filePath, cliEntries: Object.entries(cliRules ?? {}), result: { enabled: result.enabled, warnings: [...result.warnings] } };
  return result;
}

function sameEntries(entries: readonly [string, SeveritySetting][], now: Record<string, SeveritySetting> | undefined): boolean {
  let n = 0;
  for (const key in now) {
    if (!Object.prototype.hasOwnProperty.call(now, key)) continue;
    const e = entries[n++];
    if (e === undefined || e[0] !== key || e[1] !== now[key]) return false;
  }
  return n === entries.length;
}

function contextFor(options: Omit<LintOptions, "rules">): BuildContext | null {
  if (options.context === null) return loadContext(null);
  if (options.context && typeof options.context === "object") return options.context;
  const dir = typeof options.context === "string" ? options.context : options.filePath && options.filePath !== "<input>" ? dirname(options.filePath) : null;
  return loadContext(dir, { dockerfilePath: options.filePath });
}
