import { CodeActionKind, type CodeAction, type Diagnostic, type Range as LspRange, type TextEdit as LspTextEdit } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Finding, TextEdit } from "../engine/types.js";
import type { Instruction, ParsedDockerfile } from "../parse/index.js";
import { bomLength, DIAGNOSTIC_SOURCE, minimalEdit, toDiagnostic, toLspEdits } from "./convert.js";

/** The kind an editor's fix-on-save asks for (`editor.codeActionsOnSave`). */
export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.layerlint`;

export interface ActionInput {
  doc: TextDocument;
  file: ParsedDockerfile;
  findings: readonly Finding[];
  /** The range the editor asks about (the cursor or a selection). */
  range: LspRange;
  /** `context.only`: the kinds the editor wants; undefined for all. */
  only: readonly string[] | undefined;
  /** The diagnostics the editor shows there, so actions point at its own objects. */
  clientDiagnostics: readonly Diagnostic[];
  knownRules: ReadonlySet<string>;
  /** The document's text after every safe fix (computed only when asked for). */
  fixAll: () => string;
}

/** `wanted("quickfix")`: the editor asked for this kind, a parent of it, or for everything. */
function wantsKind(only: readonly string[] | undefined, kind: string, byDefault: boolean): boolean {
  if (!only || only.length === 0) return byDefault;
  return only.some((o) => kind === o || kind.startsWith(o + "."));
}

export function codeActions(input: ActionInput): CodeAction[] {
  const { doc, only } = input;
  const actions: CodeAction[] = [];
  if (wantsKind(only, FIX_ALL_KIND, false)) {
    const edits = minimalEdit(doc, input.fixAll());
    if (edits.length > 0) actions.push({ title: "Fix all safe layerlint problems", kind: FIX_ALL_KIND, edit: change(doc, edits) });
  }
  if (!wantsKind(only, CodeActionKind.QuickFix, true)) return actions;

  const bom = bomLength(doc.getText());
  const here = input.findings
    .map((f) => ({ f, diagnostic: toDiagnostic(f, bom, input.knownRules) }))
    // By lines: an editor asks with the cursor, which is often beside the underline on its line.
    .filter(({ diagnostic }) => sameLines(diagnostic.range, input.range));
  const ignored = new Set<string>();
  let anySafeFix = false;
  for (const { f, diagnostic } of here) {
    const shown = input.clientDiagnostics.find((d) => sameDiagnostic(d, diagnostic)) ?? diagnostic;
    if (f.fix) {
      anySafeFix ||= f.fix.safety === "safe";
      actions.push({
        title: f.fix.safety === "safe" ? `Fix this ${f.ruleId} problem` : `Fix this ${f.ruleId} problem (unsafe: may change what the build produces)`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [shown],
        isPreferred: f.fix.safety === "safe",
        edit: change(doc, toLspEdits(doc, f.fix.edits)),
      });
    }
    for (const s of f.suggestions ?? []) {
      actions.push({ title: s.message, kind: CodeActionKind.QuickFix, diagnostics: [shown], edit: change(doc, toLspEdits(doc, s.fix.edits)) });
    }
    if (!input.knownRules.has(f.ruleId)) continue;
    const ins = containingInstruction(input.file, f.range.start.offset);
    if (!ins || ignored.has(`${f.ruleId}@${ins.id}`)) continue;
    ignored.add(`${f.ruleId}@${ins.id}`);
    actions.push({
      title: `Ignore ${f.ruleId} for this instruction`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [shown],
      edit: change(doc, toLspEdits(doc, [ignoreEdit(input.file, ins, f.ruleId)])),
    });
  }
  if (anySafeFix) {
    const edits = minimalEdit(doc, input.fixAll());
    if (edits.length > 0) actions.push({ title: "Fix all safe layerlint problems", kind: CodeActionKind.QuickFix, edit: change(doc, edits) });
  }
  return actions;
}

function sameLines(a: LspRange, b: LspRange): boolean {
  return a.start.line <= b.end.line && b.start.line <= a.end.line;
}

function change(doc: TextDocument, edits: LspTextEdit[]): { changes: Record<string, LspTextEdit[]> } {
  return { changes: { [doc.uri]: edits } };
}

function sameDiagnostic(a: Diagnostic, b: Diagnostic): boolean {
  return (
    a.source === DIAGNOSTIC_SOURCE &&
    a.code === b.code &&
    a.range.start.line === b.range.start.line &&
    a.range.start.character === b.range.start.character &&
    a.range.end.line === b.range.end.line &&
    a.range.end.character === b.range.end.character
  );
}

/** The top-level instruction holding an offset: ignore comments apply to it (engine/suppress.ts). */
export function containingInstruction(file: ParsedDockerfile, offset: number): Instruction | undefined {
  let found: Instruction | undefined;
  for (const ins of file.instructions) {
    if (ins.range.start.offset > offset) break;
    found = ins;
  }
  return found && offset <= found.range.end.offset ? found : undefined;
}

const IGNORE_COMMENT = /^([ \t]*#[ \t]*layerlint[ \t]+ignore[ \t]*=[ \t]*)([^\s#]+)/i;

/**
 * `# layerlint ignore=<rule>` on the line before the instruction, indented
 * like it; when that line already is such a comment, the rule joins its list.
 */
export function ignoreEdit(file: ParsedDockerfile, ins: Instruction, ruleId: string): TextEdit {
  const line = ins.range.start.line;
  const lineStart = file.lineStarts[line];
  if (line > 0) {
    const prevStart = file.lineStarts[line - 1];
    const prev = file.text.slice(prevStart, lineStart).replace(/\r?\n$/, "");
    const m = IGNORE_COMMENT.exec(prev);
    if (m) {
      const end = prevStart + m[1].length + m[2].length;
      return { range: [end, end], text: `,${ruleId}` };
    }
  }
  const indent = file.text.slice(lineStart, ins.range.start.offset);
  return { range: [lineStart, lineStart], text: `${/^[ \t]*$/.test(indent) ? indent : ""}# layerlint ignore=${ruleId}${file.source.eol}` };
}
