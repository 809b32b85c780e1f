import { spawn, type ChildProcess } from "node:child_process";
import { pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";
import {
  CodeActionRequest,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DidSaveTextDocumentNotification,
  ExitNotification,
  FileChangeType,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  type CodeAction,
  type Command,
  type Diagnostic,
  type Hover,
  type InitializeResult,
  type Position,
  type PublishDiagnosticsParams,
  type Range,
  type Registration,
  type TextEdit,
  type WorkspaceFolder,
} from "vscode-languageserver-protocol";
import { TextDocument } from "vscode-languageserver-textdocument";
import { BIN, cli } from "../helpers/cli.js";

/** How long a test waits for the server before failing (it answers in milliseconds; CI machines can be slow to start it). */
export const WAIT_MS = 10_000;

/**
 * A real LSP client over stdio: spawns `layerlint lsp --stdio` from the
 * built CLI and speaks JSON-RPC to it, keeping every notification the
 * server sends so tests can wait for the ones they expect.
 */
export class LspClient {
  readonly process: ChildProcess;
  readonly connection: MessageConnection;
  readonly published: PublishDiagnosticsParams[] = [];
  readonly logs: string[] = [];
  readonly registrations: Registration[] = [];
  private readonly docs = new Map<string, TextDocument>();
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor() {
    this.process = spawn(process.execPath, [BIN, "lsp", "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    this.exited = new Promise((resolve) => this.process.on("exit", (code) => resolve(code)));
    this.process.stderr?.on("data", (d: Buffer) => this.logs.push(`stderr: ${d.toString()}`));
    if (!this.process.stdout || !this.process.stdin) throw new Error("no stdio pipes");
    this.connection = createMessageConnection(new StreamMessageReader(this.process.stdout), new StreamMessageWriter(this.process.stdin));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      this.wake();
    });
    this.connection.onNotification(LogMessageNotification.type, (p) => {
      this.logs.push(p.message);
      this.wake();
    });
    this.connection.onRequest(RegistrationRequest.type, (p) => {
      this.registrations.push(...p.registrations);
      this.wake();
    });
    this.connection.listen();
  }

  async initialize(folders: string[] = []): Promise<InitializeResult> {
    const workspaceFolders: WorkspaceFolder[] = folders.map((f, i) => ({ uri: pathToFileURL(f).href, name: `root${i}` }));
    const result = await this.timed(
      this.connection.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: workspaceFolders[0]?.uri ?? null,
        workspaceFolders,
        capabilities: {
          workspace: { didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true },
          textDocument: {
            publishDiagnostics: { codeDescriptionSupport: true, versionSupport: true },
            codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix", "source", "source.fixAll"] } } },
            hover: { contentFormat: ["markdown", "plaintext"] },
          },
        },
      }),
      "initialize",
    );
    await this.connection.sendNotification(InitializedNotification.type, {});
    return result;
  }

  /** Opens a document; returns its URI. */
  async open(path: string, text: string, languageId = "dockerfile"): Promise<string> {
    const uri = path.includes(":") && !path.startsWith("/") ? path : pathToFileURL(path).href;
    this.docs.set(uri, TextDocument.create(uri, languageId, 1, text));
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
    return uri;
  }

  /** Sends edits as incremental changes (the sync kind the server asks for). */
  async edit(uri: string, edits: TextEdit[]): Promise<TextDocument> {
    const doc = this.doc(uri);
    const next = TextDocument.update(doc, edits.map((e) => ({ range: e.range, text: e.newText })), doc.version + 1);
    this.docs.set(uri, next);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: next.version },
      contentChanges: edits.map((e) => ({ range: e.range, text: e.newText })),
    });
    return next;
  }

  /** Replaces the whole text (as one incremental change over the full range). */
  async replaceText(uri: string, text: string): Promise<TextDocument> {
    const doc = this.doc(uri);
    return this.edit(uri, [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(doc.getText().length) }, newText: text }]);
  }

  async save(uri: string): Promise<void> {
    await this.connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri } });
  }

  async close(uri: string): Promise<void> {
    this.docs.delete(uri);
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async filesChanged(paths: string[], type: FileChangeType = FileChangeType.Changed): Promise<void> {
    await this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: paths.map((p) => ({ uri: pathToFileURL(p).href, type })) });
  }

  doc(uri: string): TextDocument {
    const d = this.docs.get(uri);
    if (!d) throw new Error(`not open: ${uri}`);
    return d;
  }

  /** How many diagnostics notifications have arrived so far: pass it to `diagnostics` to wait for a newer one. */
  mark(): number {
    return this.published.length;
  }

  /** The first diagnostics for `uri` published after `since` that `accept` takes. */
  async diagnostics(uri: string, since: number, accept: (d: Diagnostic[], p: PublishDiagnosticsParams) => boolean = () => true): Promise<Diagnostic[]> {
    return (await this.until(() => this.published.slice(since).find((p) => p.uri === uri && accept(p.diagnostics, p)), `diagnostics for ${uri}`)).diagnostics;
  }

  async codeActions(uri: string, range: Range, only?: string[], diagnostics: Diagnostic[] = []): Promise<CodeAction[]> {
    const result = await this.timed(
      this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics, ...(only ? { only } : {}) } }),
      "codeAction",
    );
    return (result ?? []).filter((a: Command | CodeAction): a is CodeAction => "kind" in a || "edit" in a);
  }

  /** Applies a code action's edit to the client's copy and sends it to the server as the user would. */
  async apply(uri: string, action: CodeAction): Promise<TextDocument> {
    const edits = action.edit?.changes?.[uri];
    if (!edits) throw new Error(`action "${action.title}" has no edit for ${uri}`);
    // A workspace edit's ranges all refer to the text before it, unlike a didChange's, which apply in turn.
    return this.replaceText(uri, TextDocument.applyEdits(this.doc(uri), edits));
  }

  async hover(uri: string, position: Position): Promise<Hover | null> {
    return this.timed(this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position }), "hover");
  }

  async shutdown(): Promise<number | null> {
    await this.timed(this.connection.sendRequest(ShutdownRequest.type), "shutdown");
    await this.connection.sendNotification(ExitNotification.type);
    const code = await this.timed(this.exited, "exit");
    this.connection.dispose();
    return code;
  }

  /** Ends the server however the test went (a failed test must not leave it running). */
  kill(): void {
    this.connection.dispose();
    if (this.process.exitCode === null) this.process.kill();
  }

  async until<T>(probe: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; server log:\n${this.logs.join("\n")}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  private timed<T>(p: Thenable<T> | Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; server log:\n${this.logs.join("\n")}`)), WAIT_MS);
      // A server that died answers nothing: say so at once, with what it printed.
      if (what !== "exit") {
        void this.exited.then((code) => {
          clearTimeout(t);
          reject(new Error(`the server exited (${code}) while waiting for ${what}; its output:\n${this.logs.join("\n")}`));
        });
      }
      Promise.resolve(p).then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}

export const ZERO: Position = { line: 0, character: 0 };

export function wholeLine(line: number): Range {
  return { start: { line, character: 0 }, end: { line, character: 0 } };
}

let allRuleIds: string[] | undefined;

/**
 * A configuration with every rule off but `ids` (at their default
 * severity unless given): these tests are about the server and the
 * command lines, so they must not change when a new rule lands.
 */
export function onlyRules(ids: Record<string, string> | string[]): { rules: Record<string, string> } {
  if (!allRuleIds) {
    const r = cli(["--list-rules", "--format", "json"]);
    allRuleIds = (JSON.parse(r.stdout) as { id: string }[]).map((x) => x.id);
  }
  const wanted: Record<string, string> = Array.isArray(ids) ? Object.fromEntries(ids.map((id) => [id, "warning"])) : ids;
  return { rules: Object.fromEntries(allRuleIds.map((id) => [id, wanted[id] ?? "off"])) };
}

/** `.layerlintrc.json` text for `onlyRules`. */
export function onlyRulesFile(ids: Record<string, string> | string[] = ["copy-before-install"]): string {
  return JSON.stringify(onlyRules(ids));
}
