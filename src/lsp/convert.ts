import { DiagnosticSeverity, type Diagnostic, type Position as LspPosition, type Range as LspRange, type TextEdit as LspTextEdit } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Finding, Severity, TextEdit } from "../engine/types.js";
import { ruleDocsUrl } from "../formatters/types.js";
import type { Position, Range } from "../parse/index.js";

/**
 * layerlint positions are 0-based lines and UTF-16 columns, like LSP's, over
 * the text without its BOM. An editor that keeps a BOM in the buffer sees
 * every offset one later and line 0 one column further right.
 */
export function bomLength(text: string): number {
  return text.charCodeAt(0) === 0xfeff ? 1 : 0;
}

export function toLspPosition(p: Position, bom: number): LspPosition {
  return { line: p.line, character: p.line === 0 ? p.column + bom : p.column };
}

export function toLspRange(r: Range, bom: number): LspRange {
  return { start: toLspPosition(r.start, bom), end: toLspPosition(r.end, bom) };
}

const SEVERITY: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export const DIAGNOSTIC_SOURCE = "layerlint";

/** `knownRules`: ids that have a docs page (the engine's own findings, `layerlint`, have none). */
export function toDiagnostic(f: Finding, bom: number, knownRules: ReadonlySet<string>): Diagnostic {
  const d: Diagnostic = {
    range: toLspRange(f.range, bom),
    severity: SEVERITY[f.severity],
    source: DIAGNOSTIC_SOURCE,
    code: f.ruleId,
    message: f.message,
  };
  if (knownRules.has(f.ruleId)) d.codeDescription = { href: ruleDocsUrl(f.ruleId) };
  return d;
}

/** Offset edits over the BOM-less text to LSP edits over the document. */
export function toLspEdits(doc: TextDocument, edits: readonly TextEdit[]): LspTextEdit[] {
  const bom = bomLength(doc.getText());
  return edits.map((e) => ({
    range: { start: doc.positionAt(e.range[0] + bom), end: doc.positionAt(e.range[1] + bom) },
    newText: e.text,
  }));
}

/**
 * One edit that turns the document into `next`, covering only the part
 * that differs, so the editor keeps the cursor and folds outside it.
 */
export function minimalEdit(doc: TextDocument, next: string): LspTextEdit[] {
  const prev = doc.getText();
  if (prev === next) return [];
  let start = 0;
  const shorter = Math.min(prev.length, next.length);
  while (start < shorter && prev.charCodeAt(start) === next.charCodeAt(start)) start++;
  // Never split a CRLF or a surrogate pair: back up to the start of the line.
  while (start > 0 && prev.charCodeAt(start - 1) !== 10) start--;
  let endPrev = prev.length;
  let endNext = next.length;
  while (endPrev > start && endNext > start && prev.charCodeAt(endPrev - 1) === next.charCodeAt(endNext - 1)) {
    endPrev--;
    endNext--;
  }
  // Forward to a line start too, for the same reason.
  while (endPrev < prev.length && endPrev > 0 && prev.charCodeAt(endPrev - 1) !== 10) {
    endPrev++;
    endNext++;
  }
  return [{ range: { start: doc.positionAt(start), end: doc.positionAt(endPrev) }, newText: next.slice(start, endNext) }];
}
