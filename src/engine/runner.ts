import type { Workflow } from "../ci/workflow.js";
import type { CacheModel } from "../model/index.js";
import type { Instruction, ParsedDockerfile } from "../parse/index.js";
import type { ResolvedRule } from "./config.js";
import { NOTHING_SUPPRESSED, readSuppressions } from "./suppress.js";
import type { AnyRule, Finding, InputKind, InstructionVisitor, ReportDescriptor, RuleContext, Visitors } from "./types.js";
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

// Two fixed arguments rather than a rest parameter: no array per call on the walk's hot path.
type Visit = (a?: unknown, b?: unknown) => void;
type Handler = { ruleId: string; fn: Visit };
type Emit = (key: string, a?: unknown, b?: unknown) => void;

/**
 * Creates the enabled rules that read `input` and registers their visitors
 * by key; returns the findings list they report into and the emitter that
 * calls the visitors of a key.
 */
function startRules(
  input: InputKind,
  subject: { file: ParsedDockerfile; model: CacheModel } | { workflow: Workflow },
  enabled: readonly ResolvedRule[],
): { findings: Finding[]; emit: Emit } {
  const findings: Finding[] = [];
  const handlers = new Map<string, Handler[]>();
  // A rule sees only the input it declares: reading the other kind is a bug in the rule, said at once.
  const missing = (id: string, what: string): never => {
    throw new Error(`rule ${id} reads ${what}, but its meta.input is "${input}"`);
  };

  for (const { rule, severity, options } of enabled) {
    if ((rule.meta.input ?? "dockerfile") !== input) continue;
    const report = (d: ReportDescriptor): void => {
      findings.push(toFinding(rule, severity, d));
    };
    const opts = options as RuleContext["options"];
    const ctx: RuleContext =
      "workflow" in subject
        ? {
            id: rule.id,
            messages: rule.messages,
            options: opts,
            report,
            workflow: subject.workflow,
            get file() {
              return missing(rule.id, "the Dockerfile");
            },
            get model() {
              return missing(rule.id, "the cache model");
            },
          }
        : {
            id: rule.id,
            messages: rule.messages,
            options: opts,
            report,
            file: subject.file,
            model: subject.model,
            get workflow() {
              return missing(rule.id, "a workflow");
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

  const emit: Emit = (key, a, b) => {
    const list = handlers.get(key);
    if (!list) return;
    for (const h of list) {
      try {
        h.fn(a, b);
      } catch (e) {
        throw new RuleError(h.ruleId, e);
      }
    }
  };
  return { findings, emit };
}

const byPosition = (a: Finding, b: Finding): number => a.range.start.offset - b.range.start.offset || compareStrings(a.ruleId, b.ruleId);

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
  const { findings, emit } = startRules("dockerfile", { file, model }, enabled);
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
  return kept.sort(byPosition);
}

/** Runs the enabled workflow rules over a workflow: each step of each job, in file order. */
export function runWorkflowRules(workflow: Workflow, enabled: readonly ResolvedRule[]): Finding[] {
  const { findings, emit } = startRules("workflow", { workflow }, enabled);
  for (const job of workflow.jobs) for (const step of job.steps) emit("workflow:step", step, job);
  emit("file:exit");
  return findings.sort(byPosition);
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
