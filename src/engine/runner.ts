import type { CacheModel } from "../model/index.js";
import type { Instruction, ParsedDockerfile, Stage } from "../parse/index.js";
import type { ResolvedRule } from "./config.js";
import { NOTHING_SUPPRESSED, readSuppressions } from "./suppress.js";
import type { AnyRule, Finding, InstructionVisitor, ReportDescriptor, RuleContext, Visitors } from "./types.js";
import { compareStrings } from "../order.js";

/** A rule threw: a bug in layerlint, reported with the rule's id. */
export class RuleError extends Error {
  constructor(
    readonly ruleId: string,
    override readonly cause: unknown,
  ) {
    super(`rule ${ruleId} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "RuleError";
  }
}

type Handler = { ruleId: string; fn: (arg?: Instruction | Stage) => void };

/**
 * Runs every enabled rule over the file in ONE walk: each rule's visitors
 * are registered by key, then the instructions are visited once in file
 * order, with stage and file events around them.
 */
export function runRules(
  file: ParsedDockerfile,
  model: CacheModel,
  enabled: readonly ResolvedRule[],
  allRules: readonly AnyRule[],
): Finding[] {
  const findings: Finding[] = [];
  const handlers = new Map<string, Handler[]>();

  for (const { rule, severity, options } of enabled) {
    const ctx: RuleContext = {
      id: rule.id,
      messages: rule.messages,
      file,
      model,
      options: options as RuleContext["options"],
      report(d: ReportDescriptor) {
        findings.push(toFinding(rule, severity, d));
      },
    };
    let visitors: Visitors;
    try {
      visitors = rule.create(ctx);
    } catch (e) {
      throw new RuleError(rule.id, e);
    }
    // Object.keys rather than Object.entries: no [key, value] pair per visitor, for every rule of every file.
    for (const key of Object.keys(visitors)) {
      const fn = (visitors as Record<string, unknown>)[key];
      if (typeof fn !== "function") continue;
      let list = handlers.get(key);
      if (list === undefined) handlers.set(key, (list = []));
      list.push({ ruleId: rule.id, fn: fn as Handler["fn"] });
    }
  }

  const emit = (key: string, arg?: Instruction | Stage): void => {
    const list = handlers.get(key);
    if (!list) return;
    for (const h of list) {
      try {
        h.fn(arg);
      } catch (e) {
        throw new RuleError(h.ruleId, e);
      }
    }
  };
  const visit = (ins: Instruction): void => {
    emit(ins.keyword, ins);
    emit("*", ins);
    // ONBUILD triggers are unwrapped here so that rules see `RUN` whether or not it is deferred.
    if (ins.trigger) visit(ins.trigger);
  };

  for (const ins of file.globalArgs) visit(ins);
  for (const stage of file.stages) {
    emit("stage:enter", stage);
    visit(stage.from);
    for (const ins of stage.instructions) visit(ins);
    emit("stage:exit", stage);
  }
  emit("file:exit");

  const suppressions = readSuppressions(file, allRules);
  const kept = suppressions.isSuppressed === NOTHING_SUPPRESSED ? findings : findings.filter((f) => !suppressions.isSuppressed(f));
  kept.push(...suppressions.problems);
  return kept.sort((a, b) => a.range.start.offset - b.range.start.offset || compareStrings(a.ruleId, b.ruleId));
}

function toFinding(rule: AnyRule, severity: Finding["severity"], d: ReportDescriptor): Finding {
  const range = d.range ?? d.node?.range;
  if (!range) throw new Error(`rule ${rule.id} reported a finding without a node or range`);
  const finding: Finding = { ruleId: rule.id, severity, message: d.message, range };
  if (d.fix && d.fix.edits.length > 0) {
    // Like ESLint and stylelint: a rule that does not declare itself fixable may not fix.
    if (rule.meta.fixable === false) throw new Error(`rule ${rule.id} is not fixable but returned a fix`);
    finding.fix = { edits: d.fix.edits, safety: d.fix.safety ?? rule.meta.fixable };
  }
  if (d.suggestions?.length) finding.suggestions = d.suggestions;
  return finding;
}

/** The keyword visitor type, re-exported for rules that build visitors programmatically. */
export type { InstructionVisitor };
