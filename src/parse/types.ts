import type { SourceText } from "../read.js";

/**
 * Positions are 0-based inside layerlint (like LSP); every output format
 * adds 1. `offset` indexes the text without its BOM, so CRLF and LF twins
 * share lines and columns but not offsets.
 */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A word of an instruction's arguments, as written (quotes kept). */
export interface Word {
  value: string;
  range: Range;
}

export interface Flag {
  /** Without the leading `--`. */
  name: string;
  value: string | null;
  range: Range;
}

/** One `--mount=` flag of a RUN, split into its options. */
export interface Mount {
  type: string;
  target: string | null;
  source: string | null;
  /** `from=` names a stage or an image; bind and cache mounts may use it. */
  from: string | null;
  options: Readonly<Record<string, string>>;
  range: Range;
}

export interface Heredoc {
  name: string;
  /** The body as the builder receives it (`<<-` tabs removed). */
  body: string;
  /** `<<-`: leading tabs are stripped from the body. */
  stripTabs: boolean;
  /** A quoted delimiter (`<<"EOF"`) turns off variable expansion in the body. */
  quoted: boolean;
  /** From the first body line to the end of the closing delimiter. */
  range: Range;
}

export interface Instruction {
  /** Position in `ParsedDockerfile.instructions` (triggers get their own ids). */
  id: number;
  /** Upper-case keyword (`run` is `RUN`). */
  keyword: string;
  /** The whole instruction, heredoc bodies included. */
  range: Range;
  keywordRange: Range;
  flags: Flag[];
  mounts: Mount[];
  /** Argument words after the flags; heredoc bodies and delimiters excluded. */
  args: Word[];
  /**
   * The arguments as one logical line: continuations joined, comment lines
   * inside continuations dropped, flags and heredoc bodies removed. This is
   * the text the builder sees for the instruction's own line.
   */
  argText: string;
  /** The exec form's strings, when the arguments are a JSON array of strings. */
  json: string[] | null;
  heredocs: Heredoc[];
  /** The stage the instruction belongs to; null for ARGs before the first FROM. */
  stage: Stage | null;
  /** For ONBUILD: the trigger it wraps. */
  trigger: Instruction | null;
  /** For a trigger: the ONBUILD that wraps it. */
  onbuild: Instruction | null;
  /** The instruction's source text, exactly as in the file. */
  source: string;
}

export interface Stage {
  index: number;
  /** The `AS name`, lower-cased as BuildKit compares it; null when unnamed. */
  name: string | null;
  from: Instruction;
  /** The base reference as written (variables not yet substituted). */
  base: string;
  /** The earlier stage this one is based on, when `FROM <stage>`. */
  baseStage: Stage | null;
  /** The stage's instructions after its FROM, in order. */
  instructions: Instruction[];
}

export interface Comment {
  /** Text after the `#`, trimmed. */
  text: string;
  range: Range;
}

export interface Directives {
  syntax: string | null;
  escape: string;
  check: string | null;
}

/** A problem the parser itself found: reported by the `syntax` rule. */
export interface ParseProblem {
  message: string;
  range: Range;
}

export interface ParsedDockerfile {
  path: string;
  source: SourceText;
  /** The text the positions refer to (no BOM). */
  text: string;
  lineStarts: number[];
  directives: Directives;
  comments: Comment[];
  /** ARGs before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
  /** Every top-level instruction in file order (triggers are reached through ONBUILD). */
  instructions: Instruction[];
  problems: ParseProblem[];
}
