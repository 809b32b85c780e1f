import { DockerfileParser, Instruction as AstInstruction, type Dockerfile } from "dockerfile-ast";

/**
 * dockerfile-ast scans an instruction's text for its arguments on every
 * getArguments() call: its own parse does it twice per instruction that
 * may take JSON, and reading the tree once more. withArgumentsMemo() runs
 * `fn` with that scan done once per instruction; each caller still gets
 * its own copy of the list, since ModifiableInstruction.getArguments()
 * shifts the flags off it. Nothing modifies the instructions meanwhile,
 * and the original method is back when `fn` returns.
 */
export function withArgumentsMemo<T>(fn: () => T): T {
  const proto = AstInstruction.prototype as unknown as { getRawArguments(this: object): unknown[] };
  const original = proto.getRawArguments;
  const scanned = new WeakMap<object, unknown[]>();
  proto.getRawArguments = function memoized(this: object): unknown[] {
    let args = scanned.get(this);
    if (!args) scanned.set(this, (args = original.call(this)));
    return args.slice();
  };
  try {
    return fn();
  } finally {
    proto.getRawArguments = original;
  }
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
 */
export function parseAst(text: string): Dockerfile {
  const proto = dockerfilePrototype();
  const original = proto.organizeComments;
  proto.organizeComments = organizeComments;
  try {
    return DockerfileParser.parse(text);
  } finally {
    proto.organizeComments = original;
  }
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
