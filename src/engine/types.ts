import type { Workflow, WorkflowJob, WorkflowStep } from "../ci/workflow.js";
import type { CacheModel } from "../model/index.js";
import type { Instruction, ParsedDockerfile, Range, Stage } from "../parse/index.js";

export type Severity = "error" | "warning" | "info";
export type SeveritySetting = Severity | "off";
export type Fixability = false | "safe" | "unsafe";

/** Replace `[start, end)` (offsets into the text without BOM) with `text`. */
export interface TextEdit {
  range: [number, number];
  text: string;
}

/** The edits of one fix are applied all together or not at all. */
export interface Fix {
  edits: TextEdit[];
  /** `safe` keeps the build's result; `unsafe` may change it. Defaults to the rule's `fixable`. */
  safety: "safe" | "unsafe";
}

export interface Suggestion {
  message: string;
  fix: Fix;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  range: Range;
  fix?: Fix;
  suggestions?: Suggestion[];
}

export type OptionType = "boolean" | "number" | "string" | "string[]";

export interface OptionSpec {
  type: OptionType;
  default: boolean | number | string | readonly string[];
  description: string;
}

export type OptionsSchema = Readonly<Record<string, OptionSpec>>;

/** The option values a schema describes, with their types. */
export type OptionValues<S extends OptionsSchema> = {
  readonly [K in keyof S]: S[K]["type"] extends "boolean"
    ? boolean
    : S[K]["type"] extends "number"
      ? number
      : S[K]["type"] extends "string"
        ? string
        : readonly string[];
};

/** Equivalent checks in other tools: their ignore comments are honoured. */
export interface RuleSources {
  hadolint?: readonly string[];
  buildkit?: readonly string[];
  tally?: readonly string[];
}

/** What a rule reads: a Dockerfile, or a GitHub Actions workflow that builds images. */
export type InputKind = "dockerfile" | "workflow";

export interface RuleMeta<S extends OptionsSchema = OptionsSchema> {
  /** One line, fixed: what the rule checks. */
  description: string;
  /** The kind of file the rule is run on (default `dockerfile`). */
  input?: InputKind;
  severity: Severity;
  /** A rule off by default must be enabled in the configuration. */
  enabledByDefault?: boolean;
  fixable: Fixability;
  options?: S;
  sources?: RuleSources;
}

export interface ReportDescriptor {
  /** The instruction the finding is about; its range is used unless `range` is given. */
  node?: Instruction;
  range?: Range;
  message: string;
  fix?: { edits: TextEdit[]; safety?: "safe" | "unsafe" } | null;
  suggestions?: Suggestion[];
}

export interface RuleContext<S extends OptionsSchema = OptionsSchema, M = Record<string, (...args: never[]) => string>> {
  readonly id: string;
  /** The rule's typed message builders. */
  readonly messages: M;
  /** The Dockerfile and its cache model (rules whose `meta.input` is `dockerfile`; reading them in a workflow rule throws). */
  readonly file: ParsedDockerfile;
  readonly model: CacheModel;
  /** The workflow (rules whose `meta.input` is `workflow`; reading it in a Dockerfile rule throws). */
  readonly workflow: Workflow;
  readonly options: OptionValues<S>;
  report(descriptor: ReportDescriptor): void;
}

export type InstructionVisitor = (ins: Instruction) => void;

/**
 * Visitors keyed by instruction keyword (`RUN`, `COPY`, ..., or `*` for
 * every instruction) and by event. ONBUILD triggers are visited as their
 * own keyword with `ins.onbuild` set.
 */
export type VisitedKeyword =
  | "FROM" | "RUN" | "COPY" | "ADD" | "WORKDIR" | "ARG" | "ENV" | "LABEL" | "USER" | "EXPOSE" | "CMD"
  | "ENTRYPOINT" | "VOLUME" | "STOPSIGNAL" | "HEALTHCHECK" | "SHELL" | "ONBUILD" | "MAINTAINER" | "*";

export type Visitors = { [K in VisitedKeyword]?: InstructionVisitor } & {
  "stage:enter"?: (stage: Stage) => void;
  "stage:exit"?: (stage: Stage) => void;
  "file:exit"?: () => void;
  /** Workflow rules: each step of each job, in file order. */
  "workflow:step"?: (step: WorkflowStep, job: WorkflowJob) => void;
};

export interface Rule<S extends OptionsSchema = OptionsSchema, M = Record<string, (...args: never[]) => string>> {
  id: string;
  meta: RuleMeta<S>;
  /** Typed message builders: each names the offending thing, the cost and the remedy. */
  messages: M;
  create(ctx: RuleContext<S, M>): Visitors;
}

/** Any rule, whatever its options and messages (`create` is a method, so this accepts every rule). */
export type AnyRule = Rule;
