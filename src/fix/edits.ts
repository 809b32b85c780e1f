import type { TextEdit } from "../engine/types.js";
import type { Instruction, ParsedDockerfile } from "../parse/index.js";

/**
 * Edit builders for rules. They work on whole lines so that a fix never
 * splits a continuation or a heredoc, and they write the file's own line
 * ending.
 */

/** Offset of the start of the line holding `offset`. */
export function lineStart(file: ParsedDockerfile, offset: number): number {
  const i = file.text.lastIndexOf("\n", offset - 1);
  return i + 1;
}

/** Offset just past the line break of the line holding `offset` (or the end of the text). */
export function nextLineStart(file: ParsedDockerfile, offset: number): number {
  const i = file.text.indexOf("\n", offset);
  return i === -1 ? file.text.length : i + 1;
}

/** The indentation in front of an instruction's keyword. */
export function indentOf(file: ParsedDockerfile, ins: Instruction): string {
  const start = lineStart(file, ins.range.start.offset);
  return file.text.slice(start, ins.range.start.offset);
}

/** The whole lines an instruction occupies, line break included (one is added at the end of the file). */
export function instructionLines(file: ParsedDockerfile, ins: Instruction): { start: number; end: number; text: string } {
  const start = lineStart(file, ins.range.start.offset);
  const end = nextLineStart(file, ins.range.end.offset);
  let text = file.text.slice(start, end);
  // A last line cut between CR and LF gets only the LF it lacks.
  if (!/\n$/.test(text)) text += text.endsWith("\r") ? "\n" : file.source.eol;
  return { start, end, text };
}

/** Inserts whole lines before an instruction, indented like it. */
export function insertLinesBefore(file: ParsedDockerfile, ins: Instruction, lines: readonly string[]): TextEdit {
  const at = lineStart(file, ins.range.start.offset);
  const indent = indentOf(file, ins);
  return { range: [at, at], text: lines.map((l) => indent + l + file.source.eol).join("") };
}

/** Inserts text (already complete lines with line breaks) before an instruction's first line. */
export function insertTextBefore(file: ParsedDockerfile, ins: Instruction, text: string): TextEdit {
  const at = lineStart(file, ins.range.start.offset);
  return { range: [at, at], text };
}

/** Removes an instruction's whole lines. */
export function deleteInstruction(file: ParsedDockerfile, ins: Instruction): TextEdit {
  const { start, end } = instructionLines(file, ins);
  return { range: [start, end], text: "" };
}

/**
 * Moves an instruction (its whole lines) to just before another one. The
 * two edits form one fix, so they are applied together or not at all.
 */
export function moveInstructionBefore(file: ParsedDockerfile, ins: Instruction, before: Instruction): TextEdit[] {
  return moveInstructionsTo(file, [ins], lineStart(file, before.range.start.offset));
}

/**
 * Moves instructions (their whole lines, in the order given) to `at`, the
 * start of a line or the end of the text (a last line without a line break
 * gets one first). One fix: applied together or not at all.
 */
export function moveInstructionsTo(file: ParsedDockerfile, moved: readonly Instruction[], at: number): TextEdit[] {
  let text = at === 0 || file.text[at - 1] === "\n" ? "" : file.source.eol;
  const edits: TextEdit[] = [];
  for (const m of moved) {
    const lines = instructionLines(file, m);
    text += lines.text;
    edits.push({ range: [lines.start, lines.end], text: "" });
  }
  return [{ range: [at, at], text }, ...edits];
}
