import type { Position, Range } from "./types.js";

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** Line and column (0-based) to a full position; columns past the line are clamped. */
export function positionAt(lineStarts: number[], textLength: number, line: number, column: number): Position {
  if (line >= lineStarts.length) {
    const last = lineStarts.length - 1;
    return { line: last, column: textLength - lineStarts[last], offset: textLength };
  }
  const offset = Math.min(lineStarts[line] + column, textLength);
  return { line, column: offset - lineStarts[line], offset };
}

export function positionOfOffset(lineStarts: number[], offset: number): Position {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, column: offset - lineStarts[lo], offset };
}

export function rangeOfOffsets(lineStarts: number[], start: number, end: number): Range {
  return { start: positionOfOffset(lineStarts, start), end: positionOfOffset(lineStarts, end) };
}

/** The end of line `line` before its line break (CR and LF excluded). */
export function lineEndOffset(text: string, lineStarts: number[], line: number): number {
  let end = line + 1 < lineStarts.length ? lineStarts[line + 1] - 1 : text.length;
  if (end > lineStarts[line] && text.charCodeAt(end - 1) === 13) end--;
  return end;
}
