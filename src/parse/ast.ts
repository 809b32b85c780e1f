import { DockerfileParser, Instruction as AstInstruction, type Dockerfile } from "dockerfile-ast";
import { Parser } from "dockerfile-ast/lib/parser.js";

// The functions below stand in for private methods of dockerfile-ast while a
// parse runs, so package.json pins its exact version; test/perf-parse-ast.test.ts
// checks that the tree is the one dockerfile-ast builds on its own.

/**
 * dockerfile-ast scans an instruction's text for its arguments on every
 * getRawArguments() call: its own parse does it several times per
 * instruction that may take JSON, and builds most instructions twice (once
 * to look for heredocs, once to keep), and reading the tree does it once
 * more. withArgumentsMemo() runs `fn` with that scan done once per
 * instruction text: the result depends only on the document, the escape
 * character (one per document) and the instruction's two ranges, so it is
 * kept by where the instruction starts and reused while those match. Each
 * caller still gets its own copy of the list, since
 * ModifiableInstruction.getArguments() shifts the flags off it (the
 * Argument objects themselves are never changed). Nothing modifies the
 * instructions meanwhile, and the original method is back when `fn`
 * returns, with the memo (which lives for one parse) gone.
 */
export function withArgumentsMemo<T>(fn: () => T): T {
  const proto = AstInstruction.prototype as unknown as { getRawArguments(this: object): unknown[] };
  const original = proto.getRawArguments;
  // By start position: one line and column pair as one number (a collision only costs a rescan).
  const byStart = new Map<number, ScannedArguments>();
  proto.getRawArguments = function memoized(this: object): unknown[] {
    const ins = this as RangedInstruction;
    const r = ins.range;
    const k = ins.instructionRange;
    const key = r.start.line * 0x200000 + r.start.character;
    let m = byStart.get(key);
    if (m === undefined || m.document !== ins.document || !sameSpan(m.range, r) || !sameSpan(m.instructionRange, k)) {
      m = { document: ins.document, range: r, instructionRange: k, args: original.call(this) };
      byStart.set(key, m);
    }
    return m.args.slice();
  };
  try {
    return fn();
  } finally {
    proto.getRawArguments = original;
  }
}

/** The private fields of dockerfile-ast's Instruction that getRawArguments() reads. */
interface RangedInstruction {
  document: unknown;
  range: Span;
  instructionRange: Span;
}

interface ScannedArguments {
  document: unknown;
  range: Span;
  instructionRange: Span;
  args: unknown[];
}

function sameSpan(a: Span, b: Span): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/**
 * dockerfile-ast's parse ends with Dockerfile.organizeComments(), which
 * hands each comment to the build stage whose range holds it by asking
 * every stage for its range, a range rebuilt from the stage's
 * instructions on each call: comments x stages range constructions, the
 * largest cost of a long multi-stage file (4 of 6 s at 40,000 lines).
 *
 * parseAst() runs the same parse with an organizeComments() that gives the
 * same result in O(comments x log stages): stage ranges are computed once
 * (they depend only on the stage's instructions, which no longer change)
 * and, since stages follow one another in the file, the one stage that can
 * hold a comment is found by binary search. When the ranges are not in
 * strict order (never seen, but the original would then give a comment to
 * several stages) every stage is checked, as in the original. The
 * replacement is installed only for the duration of the call.
 *
 * It also builds each instruction once where dockerfile-ast builds it twice:
 * its parser builds an instruction that has arguments to look for heredocs
 * in it, then, when none moved the end, builds it again from the very same
 * arguments to keep. Building one is most of the parse (an exec-form
 * instruction scans its JSON in its constructor). While parseAst runs, the
 * parser's createInstruction() returns the instruction it has just built
 * when asked again for the same one (same parser, file, keyword text, escape
 * character and offsets): the heredoc check only reads it, and the
 * instruction kept is the same in every property.
 */
export function parseAst(text: string): Dockerfile {
  const proto = dockerfilePrototype();
  const original = proto.organizeComments;
  const parserProto = Parser.prototype as unknown as ParserInternals;
  const originalCreate = parserProto.createInstruction;
  let last: LastInstruction | null = null;
  proto.organizeComments = organizeComments;
  parserProto.createInstruction = function createOnce(this: ParserInternals, dockerfile, instruction, start, instructionEnd, end) {
    if (
      last !== null &&
      last.parser === this &&
      last.dockerfile === dockerfile &&
      last.instruction === instruction &&
      last.start === start &&
      last.instructionEnd === instructionEnd &&
      last.end === end &&
      last.escape === this.escapeChar
    ) {
      return last.built;
    }
    const built = originalCreate.call(this, dockerfile, instruction, start, instructionEnd, end);
    last = { parser: this, dockerfile, instruction, start, instructionEnd, end, escape: this.escapeChar, built };
    return built;
  };
  try {
    return DockerfileParser.parse(text);
  } finally {
    proto.organizeComments = original;
    parserProto.createInstruction = originalCreate;
  }
}

/** The private shape of dockerfile-ast's Parser that createInstruction uses. */
interface ParserInternals {
  escapeChar: string | null;
  createInstruction(this: ParserInternals, dockerfile: unknown, instruction: string, start: number, instructionEnd: number, end: number): unknown;
}

interface LastInstruction {
  parser: ParserInternals;
  dockerfile: unknown;
  instruction: string;
  start: number;
  instructionEnd: number;
  end: number;
  escape: string | null;
  built: unknown;
}

interface Pos {
  line: number;
  character: number;
}
interface Span {
  start: Pos;
  end: Pos;
}
interface Template {
  getRange(): Span;
  addComment(comment: unknown): void;
}
/** The private shape of dockerfile-ast's Dockerfile class that organizeComments uses. */
interface DockerfileInternals {
  organizeComments(this: DockerfileInternals): void;
  getComments(): { getRange(): Span }[];
  initialInstructions: Template;
  buildStages: Template[];
}

let prototype: DockerfileInternals | null = null;

function dockerfilePrototype(): DockerfileInternals {
  prototype ??= Object.getPrototypeOf(DockerfileParser.parse("")) as DockerfileInternals;
  return prototype;
}

function organizeComments(this: DockerfileInternals): void {
  const comments = this.getComments();
  if (comments.length === 0) return;
  const initial = this.initialInstructions.getRange();
  const stages = this.buildStages;
  const ranges = stages.map((s) => s.getRange());
  const ordered = ranges.every((r, i) => i === 0 || compare(ranges[i - 1].end, r.start) < 0);
  for (const comment of comments) {
    const range = comment.getRange();
    if (isInsideRange(range.end, initial)) {
      this.initialInstructions.addComment(comment);
    } else if (ordered) {
      const i = lastStartingAtOrBefore(ranges, range.start);
      if (i >= 0 && isInsideRange(range.start, ranges[i])) stages[i].addComment(comment);
    } else {
      for (let i = 0; i < stages.length; i++) if (isInsideRange(range.start, ranges[i])) stages[i].addComment(comment);
    }
  }
}

function compare(a: Pos, b: Pos): number {
  return a.line - b.line || a.character - b.character;
}

function lastStartingAtOrBefore(ranges: readonly Span[], p: Pos): number {
  let lo = 0;
  let hi = ranges.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (compare(ranges[mid].start, p) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** dockerfile-ast's Util.isInsideRange, which its package does not export. */
function isInsideRange(position: Pos, range: Span): boolean {
  if (range.start.line === range.end.line) {
    return range.start.line === position.line && range.start.character <= position.character && position.character <= range.end.character;
  } else if (range.start.line === position.line) {
    return range.start.character <= position.character;
  } else if (range.end.line === position.line) {
    return position.character <= range.end.character;
  }
  return range.start.line < position.line && position.line < range.end.line;
}
