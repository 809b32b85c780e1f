import {
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeWatchedFilesNotification,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type Connection,
  type Diagnostic,
  type Hover,
  type InitializeResult,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { AnyRule } from "../engine/types.js";
import { codeActions, containingInstruction, FIX_ALL_KIND } from "./actions.js";
import { bomLength, DIAGNOSTIC_SOURCE, toDiagnostic } from "./convert.js";
import { affectsLinting, isDockerfileDocument } from "./documents.js";
import { describeInstruction } from "./hover.js";
import { LintSession, type DocumentLint } from "./session.js";
import { relativePath, type Build } from "../builds/index.js";
import { dirname } from "node:path";

export interface ServerOptions {
  rules: readonly AnyRule[];
  version: string;
  /** Quiet time after a keystroke before re-linting. */
  debounceMs?: number;
}

/**
 * The language server: diagnostics on open, change (debounced) and save;
 * quick fixes, ignore comments and `source.fixAll.layerlint`; hovers that
 * explain an instruction's place in the build cache. Every handler catches
 * its own errors and logs them: a bad input must never stop the server.
 */
export function startServer(connection: Connection, options: ServerOptions): void {
  const debounceMs = options.debounceMs ?? 150;
  // A document whose discovered build differs from its first lint is linted again.
  const session = new LintSession(options.rules, (uri) => {
    lastLint.delete(uri);
    const doc = documents.get(uri);
    if (doc) schedule(doc);
  });
  const knownRules = new Set(options.rules.map((r) => r.id));
  const documents = new TextDocuments(TextDocument);
  const timers = new Map<string, NodeJS.Timeout>();
  const lastLint = new Map<string, { version: number; lint: DocumentLint }>();
  const warned = new Set<string>();

  const guard = <T>(what: string, fallback: T, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      connection.console.error(`layerlint: ${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return fallback;
    }
  };

  const isLinted = (doc: TextDocument): boolean => isDockerfileDocument(doc.uri, doc.languageId);

  /** The lint of the document's current version, computed once per version. */
  const lintOf = (doc: TextDocument): DocumentLint => {
    const cached = lastLint.get(doc.uri);
    if (cached && cached.version === doc.version) return cached.lint;
    const lint = session.lint(doc.uri, doc.getText());
    lastLint.set(doc.uri, { version: doc.version, lint });
    for (const w of lint.result.warnings) {
      if (!warned.has(w)) connection.console.warn(`layerlint: ${w}`);
      warned.add(w);
    }
    return lint;
  };

  const publish = (doc: TextDocument): void => {
    cancel(doc.uri);
    if (!isLinted(doc)) return;
    let diagnostics: Diagnostic[];
    try {
      const lint = lintOf(doc);
      const bom = bomLength(doc.getText());
      diagnostics = lint.result.findings.map((f) => toDiagnostic(f, bom, knownRules));
      if (lint.configProblem) diagnostics.unshift(fileProblem(`invalid configuration, linted with the default rules: ${lint.configProblem}`, "configuration"));
    } catch (e) {
      connection.console.error(`layerlint: linting ${doc.uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
      diagnostics = [fileProblem(`internal error: ${message} (please report it; the server log has the details)`, "internal-error")];
    }
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  };

  const cancel = (uri: string): void => {
    const t = timers.get(uri);
    if (t) clearTimeout(t);
    timers.delete(uri);
  };

  const schedule = (doc: TextDocument): void => {
    cancel(doc.uri);
    timers.set(
      doc.uri,
      setTimeout(() => {
        timers.delete(doc.uri);
        // Re-read the document: more edits may have arrived since the timer was set.
        const current = documents.get(doc.uri);
        if (current) publish(current);
      }, debounceMs),
    );
  };

  const relintAll = (): void => {
    lastLint.clear();
    for (const doc of documents.all()) if (isLinted(doc)) schedule(doc);
  };

  let canWatchFiles = false;
  connection.onInitialize((params): InitializeResult => {
    canWatchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND] },
        hoverProvider: true,
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: "layerlint", version: options.version },
    };
  });

  connection.onInitialized(() => {
    if (!canWatchFiles) return;
    // Clients that cannot register watchers may still send these events from their own settings.
    connection.client
      .register(DidChangeWatchedFilesNotification.type, {
        watchers: [
          { globPattern: "**/{.layerlintrc.json,.layerlintrc.yaml,.layerlintrc.yml,package.json,.dockerignore,*.dockerignore}" },
          // The files that say how each Dockerfile is built (src/builds).
          { globPattern: "**/{compose*.yml,compose*.yaml,docker-compose*.yml,docker-compose*.yaml,docker-bake*.hcl,docker-bake*.json,devcontainer.json,.devcontainer.json,.gitlab-ci.yml,Makefile,makefile,GNUmakefile,*.mk,*.sh,.env}" },
          { globPattern: "**/.github/workflows/*.{yml,yaml}" },
        ],
      })
      .catch((e: unknown) => connection.console.warn(`layerlint: cannot watch configuration files: ${String(e)}`));
  });

  documents.onDidOpen((e) => guard("open", undefined, () => publish(e.document)));
  documents.onDidChangeContent((e) =>
    guard("change", undefined, () => {
      // Opening a document also fires a change; it was just linted.
      if (lastLint.get(e.document.uri)?.version === e.document.version) return;
      if (isLinted(e.document)) schedule(e.document);
    }),
  );
  documents.onDidSave((e) =>
    guard("save", undefined, () => {
      // Saving is when files next to the Dockerfile have most likely changed too.
      session.forget(e.document.uri);
      lastLint.delete(e.document.uri);
      publish(e.document);
    }),
  );
  documents.onDidClose((e) =>
    guard("close", undefined, () => {
      cancel(e.document.uri);
      lastLint.delete(e.document.uri);
      session.forget(e.document.uri);
      if (isLinted(e.document)) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    }),
  );

  connection.onDidChangeWatchedFiles((params) =>
    guard("watched files", undefined, () => {
      if (!params.changes.some((c) => affectsLinting(c.uri))) return;
      session.invalidate();
      relintAll();
    }),
  );

  connection.onCodeAction((params) =>
    guard<CodeAction[]>("code actions", [], () => {
      const doc = documents.get(params.textDocument.uri);
      if (!doc || !isLinted(doc)) return [];
      const lint = lintOf(doc);
      return codeActions({
        doc,
        file: lint.result.file,
        findings: lint.result.findings,
        range: params.range,
        only: params.context.only,
        clientDiagnostics: params.context.diagnostics,
        knownRules,
        fixAll: () => session.fix(doc.uri, doc.getText()).output,
      });
    }),
  );

  connection.onHover((params) =>
    guard<Hover | null>("hover", null, () => {
      const doc = documents.get(params.textDocument.uri);
      if (!doc || !isLinted(doc)) return null;
      const { result } = lintOf(doc);
      const offset = doc.offsetAt(params.position) - bomLength(doc.getText());
      const ins = containingInstruction(result.file, offset);
      if (!ins) return null;
      const bom = ins.range.start.line === 0 ? bomLength(doc.getText()) : 0;
      return {
        contents: { kind: "markdown", value: describeInstruction(result.model, ins) + buildNote(session.buildOf(doc.uri), result.filePath) },
        range: {
          start: { line: ins.range.start.line, character: ins.range.start.column + bom },
          end: { line: ins.range.end.line, character: ins.range.end.column + (ins.range.end.line === 0 ? bom : 0) },
        },
      };
    }),
  );

  connection.onShutdown(() => {
    for (const uri of [...timers.keys()]) cancel(uri);
  });

  documents.listen(connection);
  connection.listen();
}

/** Where the build context comes from, under every hover: the answer to "which files does COPY see?". */
function buildNote(build: Build | undefined, filePath: string): string {
  if (!build) return "\n\nBuild context: this document's folder (looking for the files that say how it is built)";
  const where = relativePath(dirname(filePath), build.context);
  const from =
    build.source === "guess"
      ? "a guess: nothing in the repository says how this Dockerfile is built"
      : build.source === "structure"
        ? "the nearest folder holding the files its COPY/ADD lines name"
        : `\`${build.source}\``;
  return `\n\nBuild context: \`${where}\`${where === "." ? " (this file's folder)" : ""}, from ${from}${build.target ? `; target \`${build.target}\`` : ""}`;
}

function fileProblem(message: string, code: string): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Error,
    source: DIAGNOSTIC_SOURCE,
    code,
    message,
  };
}
