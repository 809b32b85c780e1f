import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";
import {
  DidOpenTextDocumentNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol";
import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { defineRule } from "../../src/engine/define.js";
import type { AnyRule } from "../../src/engine/types.js";
import { startServer } from "../../src/lsp/server.js";

/**
 * The server in this process, with rules the built CLI does not have: a
 * rule that throws must cost one document's lint, never the server.
 */
const throwsOnRun = defineRule({
  id: "throws-on-run",
  meta: { description: "A rule with a bug", severity: "warning", fixable: false },
  messages: {},
  create() {
    return {
      RUN() {
        throw new Error("boom");
      },
    };
  },
}) as unknown as AnyRule;

let client: MessageConnection | undefined;

afterEach(() => client?.dispose());

function serve(rules: readonly AnyRule[]): { client: MessageConnection; published: PublishDiagnosticsParams[]; logs: string[] } {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  startServer(server, { rules, version: "test", debounceMs: 10 });
  const c = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const published: PublishDiagnosticsParams[] = [];
  const logs: string[] = [];
  c.onNotification(PublishDiagnosticsNotification.type, (p) => {
    published.push(p);
  });
  c.onNotification(LogMessageNotification.type, (p) => {
    logs.push(p.message);
  });
  c.listen();
  client = c;
  return { client: c, published, logs };
}

async function until<T>(probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("language server: a failing rule", () => {
  it("becomes an internal-error diagnostic, is logged, and the server goes on", async () => {
    const { client: c, published, logs } = serve([throwsOnRun]);
    await c.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, capabilities: {} });
    await c.sendNotification(InitializedNotification.type, {});
    const bad = "file:///tmp/layerlint-in-process/Dockerfile";
    await c.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: bad, languageId: "dockerfile", version: 1, text: "FROM a\nRUN x\n" } });
    const p = await until(() => published.find((x) => x.uri === bad));
    expect(p.diagnostics).toHaveLength(1);
    expect(p.diagnostics[0]).toMatchObject({ code: "internal-error", severity: 1, source: "layerlint" });
    expect(p.diagnostics[0].message).toContain("throws-on-run");
    expect(logs.join("\n")).toContain("boom");
    // A request on the broken document answers (with nothing) instead of failing.
    expect(await c.sendRequest(HoverRequest.type, { textDocument: { uri: bad }, position: { line: 1, character: 1 } })).toBeNull();
    const good = "file:///tmp/layerlint-in-process/other.Dockerfile";
    await c.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: good, languageId: "dockerfile", version: 1, text: "FROM a\nCOPY . .\n" } });
    expect((await until(() => published.find((x) => x.uri === good))).diagnostics).toEqual([]);
  });
});
