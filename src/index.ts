/**
 * layerlint's library API, for tools that embed it:
 *
 *   import { lint, applyFixes } from "layerlint";
 *   const { findings } = lint(text, { filePath: "Dockerfile" });
 *
 * Everything is synchronous and reads the disk only for the build context
 * and configuration of `filePath` (pass `config: null, context: null` to
 * lint text alone).
 */
import { rules as builtinRules } from "../rules/index.js";
import { fixSource, lintWithRules, lintWorkflowSource, type FixResult, type LintOptions, type LintResult, type WorkflowLintResult } from "./lint.js";
import type { SourceText } from "./read.js";

export type { FixResult, LintOptions, LintResult, WorkflowLintResult } from "./lint.js";
export type { Workflow, WorkflowJob, WorkflowStep, WorkflowEntry, ImageBuild, RunnerKind } from "./ci/workflow.js";
export type { AnyRule, Finding, Fix, RuleContext, RuleMeta, Severity, SeveritySetting, Suggestion, TextEdit, Visitors } from "./engine/types.js";
export type { ParsedDockerfile, Instruction, Stage, Range, Position } from "./parse/index.js";
export type { CacheModel, StepInfo, StepInputs, StepKind } from "./model/index.js";
export { defineRule } from "./engine/define.js";
export { parse } from "./parse/index.js";
export { buildModel } from "./model/index.js";
export { explain, type ExplainOptions, type ExplainReport, type ExplainInstruction, type ExplainStage } from "./explain.js";
export { decode, fromString } from "./read.js";
export { UsageError } from "./errors.js";

/** Every built-in rule. */
export const rules = builtinRules;

export type ApiOptions = Omit<LintOptions, "rules"> & { rules?: LintOptions["rules"] };

/** Lints a Dockerfile's text. */
export function lint(text: string | SourceText, options: ApiOptions = {}): LintResult {
  return lintWithRules(text, options, options.rules ?? builtinRules);
}

/** Applies fixes until the text is stable (safe ones only, unless `unsafe`); returns the new text. */
export function applyFixes(text: string | SourceText, options: ApiOptions & { unsafe?: boolean } = {}): FixResult {
  return fixSource(text, { ...options, rules: options.rules ?? builtinRules });
}

/** Lints a GitHub Actions workflow's text with the rules that read workflows; invalid YAML throws a UsageError. */
export function lintWorkflow(text: string | SourceText, options: Omit<ApiOptions, "context" | "target" | "buildArgs"> = {}): WorkflowLintResult {
  return lintWorkflowSource(text, { ...options, rules: options.rules ?? builtinRules });
}
