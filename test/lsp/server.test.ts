import { unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileChangeType } from "vscode-languageserver-protocol";
import { cli, tempTree } from "../helpers/cli.js";
import { LspClient, onlyRules, onlyRulesFile, wholeLine } from "./client.js";

const BAD = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
const DOCS = "https://github.com/layerlint/layerlint/blob/main/rules/copy-before-install/README.md";

let client: LspClient;

beforeEach(() => {
  client = new LspClient();
});

afterEach(() => {
  client.kill();
});

describe("language server: lifecycle and diagnostics", () => {
  it("initializes with its capabilities and exits cleanly after shutdown", async () => {
    const init = await client.initialize();
    expect(init.serverInfo?.name).toBe("layerlint");
    expect(init.capabilities.hoverProvider).toBe(true);
    expect(init.capabilities.codeActionProvider).toEqual({ codeActionKinds: ["quickfix", "source.fixAll.layerlint"] });
    // The client said it can register watchers: the server watches configuration files.
    const reg = await client.until(() => client.registrations.find((r) => r.method === "workspace/didChangeWatchedFiles"), "watcher registration");
    expect(JSON.stringify(reg.registerOptions)).toContain(".layerlintrc.json");
    expect(await client.shutdown()).toBe(0);
  });

  it("publishes exact diagnostics on open, with rule id, docs link and severity", async () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}", "src/index.js": "" });
    await client.initialize([dir]);
    const m = client.mark();
    const uri = await client.open(join(dir, "Dockerfile"), BAD);
    const [d, ...rest] = await client.diagnostics(uri, m);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({
      range: { start: { line: 2, character: 0 }, end: { line: 2, character: 8 } },
      severity: 2,
      source: "layerlint",
      code: "copy-before-install",
      codeDescription: { href: DOCS },
    });
    expect(d.message).toContain("`RUN npm ci` re-runs");
    expect(await client.shutdown()).toBe(0);
  });

  it("re-lints on change after a quiet time, once for a burst of edits, and clears on close", async () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}" });
    await client.initialize([dir]);
    let m = client.mark();
    const uri = await client.open(join(dir, "Dockerfile"), BAD);
    expect(await client.diagnostics(uri, m)).toHaveLength(1);
    m = client.mark();
    // Type `# ` in front of `COPY . .` one character at a time, then undo it.
    await client.edit(uri, [{ range: wholeLine(2), newText: "#" }]);
    await client.edit(uri, [{ range: { start: { line: 2, character: 1 }, end: { line: 2, character: 1 } }, newText: " " }]);
    const after = await client.diagnostics(uri, m);
    expect(after).toEqual([]);
    const burst = client.published.slice(m).filter((p) => p.uri === uri);
    expect(burst.map((p) => p.version)).toEqual([3]);
    m = client.mark();
    await client.replaceText(uri, BAD.replace("COPY . .", "  COPY . ."));
    const indented = await client.diagnostics(uri, m);
    expect(indented[0].range).toEqual({ start: { line: 2, character: 2 }, end: { line: 2, character: 10 } });
    m = client.mark();
    await client.close(uri);
    expect(await client.diagnostics(uri, m)).toEqual([]);
    expect(await client.shutdown()).toBe(0);
  });

  it("lints on save with a freshly read build context", async () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}", "index.js": "" });
    await client.initialize([dir]);
    let m = client.mark();
    const uri = await client.open(join(dir, "Dockerfile"), BAD);
    expect((await client.diagnostics(uri, m))[0].message).toMatch(/copy package\.json first$/);
    // A lock file appears next to the Dockerfile: the advice names it once the file is saved.
    writeFileSync(join(dir, "package-lock.json"), "{}");
    m = client.mark();
    await client.save(uri);
    expect((await client.diagnostics(uri, m))[0].message).toMatch(/copy package\.json and package-lock\.json first$/);
    expect(await client.shutdown()).toBe(0);
  });

  it("recognises Dockerfiles by name whatever the language id, and ignores other files", async () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}" });
    await client.initialize([dir]);
    const m = client.mark();
    const notes = await client.open(join(dir, "notes.txt"), BAD, "plaintext");
    const ignoreFile = await client.open(join(dir, "Dockerfile.dockerignore"), BAD, "ignore");
    const named = [
      await client.open(join(dir, "api.dockerfile"), BAD, "plaintext"),
      await client.open(join(dir, "web.Dockerfile"), BAD, "plaintext"),
      await client.open(join(dir, "Dockerfile.prod"), BAD, "plaintext"),
      await client.open(join(dir, "Containerfile"), BAD, "plaintext"),
      await client.open("untitled:Untitled-1", BAD, "dockerfile"),
    ];
    // The unsaved buffer has no configuration (it is in no directory), so every rule runs there.
    for (const uri of named) expect((await client.diagnostics(uri, m)).filter((d) => d.code === "copy-before-install")).toHaveLength(1);
    const uris = new Set(client.published.slice(m).map((p) => p.uri));
    expect(uris.has(notes)).toBe(false);
    expect(uris.has(ignoreFile)).toBe(false);
    expect(await client.codeActions(notes, wholeLine(2))).toEqual([]);
    expect(await client.hover(notes, { line: 0, character: 1 })).toBeNull();
    expect(await client.shutdown()).toBe(0);
  });
});

describe("language server: code actions", () => {
  it("offers a quick fix that applies the rule's fix", async () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}", "package-lock.json": "{}", "index.js": "" });
    await client.initialize([dir]);
    let m = client.mark();
    const uri = await client.open(join(dir, "Dockerfile"), BAD);
    const diagnostics = await client.diagnostics(uri, m);
    const actions = await client.codeActions(uri, { start: { line: 2, character: 3 }, end: { line: 2, character: 3 } }, undefined, diagnostics);
    const titles = actions.map((a) => a.title);
    expect(titles).toEqual(["Fix this copy-before-install problem", "Ignore copy-before-install for this instruction", "Fix all safe layerlint problems"]);
    expect(actions[0]).toMatchObject({ kind: "quickfix", isPreferred: true, diagnostics });
    m = client.mark();
    const fixed = await client.apply(uri, actions[0]);
    expect(fixed.getText()).toBe("FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n");
    expect(await client.diagnostics(uri, m)).toEqual([]);
    // Nothing to fix where there is no finding.
    expect(await client.codeActions(uri, wholeLine(0))).toEqual([]);
    expect(await client.shutdown()).toBe(0);
  });

  it("inserts an ignore comment indented like the instruction, or joins an existing one", async () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}" });
    await client.initialize([dir]);
    let m = client.mark();
    const text = "FROM node:20\nWORKDIR /app\n  COPY . .\nRUN npm ci\n";
    const uri = await client.open(join(dir, "Dockerfile"), text);
    await client.diagnostics(uri, m, (d) => d.length === 1);
    const ignore = (await client.codeActions(uri, wholeLine(2))).find((a) => a.title === "Ignore copy-before-install for this instruction");
    expect(ignore).toBeDefined();
    m = client.mark();
    const after = await client.apply(uri, ignore as NonNullable<typeof ignore>);
    expect(after.getText()).toBe("FROM node:20\nWORKDIR /app\n  # layerlint ignore=copy-before-install\n  COPY . .\nRUN npm ci\n");
    expect(await client.diagnostics(uri, m)).toEqual([]);

    // A comment already ignoring another rule gets this one appended (a made-up id is reported, so it shows too).
    m = client.mark();
    await client.replaceText(uri, "FROM node:20\n# layerlint ignore=some-other-rule\nCOPY . .\nRUN npm ci\n");
    await client.diagnostics(uri, m, (d) => d.some((x) => x.code === "copy-before-install"));
    const join2 = (await client.codeActions(uri, wholeLine(2))).find((a) => a.title.startsWith("Ignore"));
    const joined = await client.apply(uri, join2 as NonNullable<typeof join2>);
    expect(joined.getText()).toBe("FROM node:20\n# layerlint ignore=some-other-rule,copy-before-install\nCOPY . .\nRUN npm ci\n");
    expect(await client.shutdown()).toBe(0);
  });

  it("source.fixAll.layerlint applies every safe fix, like --fix", async () => {
    const text = "FROM node:20 AS deps\nWORKDIR /app\nCOPY . .\nRUN npm ci\n\nFROM python:3.12\nWORKDIR /srv\nCOPY . .\nRUN pip install -r requirements.txt\n";
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}", "requirements.txt": "", "main.py": "" });
    await client.initialize([dir]);
    let m = client.mark();
    const uri = await client.open(join(dir, "Dockerfile"), text);
    expect(await client.diagnostics(uri, m)).toHaveLength(2);
    // Only source actions were asked for: no quick fixes.
    const actions = await client.codeActions(uri, wholeLine(0), ["source.fixAll"]);
    expect(actions.map((a) => a.kind)).toEqual(["source.fixAll.layerlint"]);
    const expected = cli(["--stdin", "--stdin-filename", join(dir, "Dockerfile"), "--fix-dry-run"], { input: text }).stdout;
    expect(expected).not.toBe(text);
    m = client.mark();
    const fixed = await client.apply(uri, actions[0]);
    expect(fixed.getText()).toBe(expected);
    expect(await client.diagnostics(uri, m)).toEqual([]);
    // Nothing left to fix: no action, so fix-on-save is a no-op.
    expect(await client.codeActions(uri, wholeLine(0), ["source.fixAll.layerlint"])).toEqual([]);
    expect(await client.shutdown()).toBe(0);
  });

  it("keeps CRLF line endings and a BOM in fixes and positions", async () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}" });
    await client.initialize([dir]);
    const m = client.mark();
    const text = "\uFEFFFROM node:20\r\nWORKDIR /app\r\nCOPY . .\r\nRUN npm ci\r\n";
    const uri = await client.open(join(dir, "Dockerfile"), text);
    const [d] = await client.diagnostics(uri, m);
    expect(d.range).toEqual({ start: { line: 2, character: 0 }, end: { line: 2, character: 8 } });
    // On line 0 the BOM is a character of the editor's buffer.
    expect((await client.hover(uri, { line: 0, character: 1 }))?.range).toEqual({ start: { line: 0, character: 1 }, end: { line: 0, character: 13 } });
    const [fixAll] = await client.codeActions(uri, wholeLine(0), ["source"]);
    const fixed = await client.apply(uri, fixAll);
    expect(fixed.getText()).toBe("\uFEFFFROM node:20\r\nWORKDIR /app\r\nCOPY package.json ./\r\nRUN npm ci\r\nCOPY . .\r\n");
    expect(await client.shutdown()).toBe(0);
  });
});

describe("language server: hovers", () => {
  it("shows the kind, the step label and the cache key of an instruction", async () => {
    const text = "FROM node:20 AS build\nARG GIT_SHA\nENV NODE_ENV=production\nWORKDIR /app\nCOPY package.json ./\nRUN --mount=type=cache,target=/root/.npm npm ci\n\nFROM nginx:1.27\nCOPY --from=build /app/dist /usr/share/nginx/html\n";
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}", "src/a.js": "" });
    await client.initialize([dir]);
    const m = client.mark();
    const uri = await client.open(join(dir, "Dockerfile"), text);
    await client.diagnostics(uri, m);
    const hoverText = async (line: number, character = 1): Promise<string> => {
      const h = await client.hover(uri, { line, character });
      const contents = h?.contents;
      if (!contents || typeof contents !== "object" || !("kind" in contents)) throw new Error(`no markdown hover at ${line}:${character}`);
      expect(contents.kind).toBe("markdown");
      return contents.value;
    };
    const run = await hoverText(5, 20);
    expect(run).toContain("**RUN** · creates a layer · step `[build 4/4]`");
    expect(run).toContain("the previous step `[build 3/4]` `COPY package.json ./`");
    expect(run).toMatch(/build args declared earlier in the stage: `GIT_SHA`/);
    expect(run).toContain("the environment: `NODE_ENV=production`");
    expect(run).toContain("`WORKDIR /app`");
    expect(run).toMatch(/Not in the key: the `type=cache` mount at `\/root\/.npm`/);
    const copy = await hoverText(4);
    expect(copy).toContain("**COPY** · creates a layer · step `[build 3/4]`");
    expect(copy).toContain("the content and mode of the context files `package.json` selects (1 file in the context now)");
    expect(await hoverText(3)).toContain("**WORKDIR** · file operation · step `[build 2/4]`");
    const env = await hoverText(2);
    expect(env).toContain("**ENV** · metadata only, no layer");
    expect(env).not.toContain("step `");
    expect(await hoverText(0)).toContain("the image `node:20` as its tag resolves");
    expect(await hoverText(8)).toContain("in stage `build`");
    // A blank line is no instruction.
    expect(await client.hover(uri, { line: 6, character: 0 })).toBeNull();
    const h = await client.hover(uri, { line: 5, character: 3 });
    expect(h?.range).toEqual({ start: { line: 5, character: 0 }, end: { line: 5, character: text.split("\n")[5].length } });
    expect(await client.shutdown()).toBe(0);
  });
});

describe("language server: configuration and workspaces", () => {
  it("re-reads configuration files when they change", async () => {
    const dir = tempTree({ "package.json": "{}" });
    const rc = join(dir, ".layerlintrc.json");
    writeFileSync(rc, onlyRulesFile());
    await client.initialize([dir]);
    let m = client.mark();
    const uri = await client.open(join(dir, "Dockerfile"), BAD);
    expect((await client.diagnostics(uri, m)).map((d) => d.severity)).toEqual([2]);

    writeFileSync(rc, onlyRulesFile({ "copy-before-install": "error" }));
    m = client.mark();
    await client.filesChanged([rc], FileChangeType.Created);
    expect((await client.diagnostics(uri, m)).map((d) => d.severity)).toEqual([1]);

    writeFileSync(rc, onlyRulesFile({}));
    m = client.mark();
    await client.filesChanged([rc]);
    expect(await client.diagnostics(uri, m)).toEqual([]);

    // A broken file is shown, and the defaults apply meanwhile.
    writeFileSync(rc, "{ not json");
    m = client.mark();
    await client.filesChanged([rc]);
    const broken = await client.diagnostics(uri, m);
    expect(broken[0].code).toBe("configuration");
    expect(broken[0].message).toContain("invalid JSON");
    expect(broken.map((d) => d.code)).toContain("copy-before-install");

    // The rc file is deleted: package.json's "layerlint" key is the configuration now.
    unlinkSync(rc);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ layerlint: onlyRules({ "copy-before-install": "info" }) }));
    m = client.mark();
    await client.filesChanged([rc], FileChangeType.Deleted);
    expect((await client.diagnostics(uri, m)).map((d) => d.severity)).toEqual([3]);
    // Other files do not cost a re-lint.
    m = client.mark();
    await client.filesChanged([join(dir, "index.js")]);
    await client.hover(uri, { line: 0, character: 0 });
    await new Promise((r) => setTimeout(r, 300));
    expect(client.published.slice(m)).toEqual([]);
    expect(await client.shutdown()).toBe(0);
  });

  it("gives each root of a multi-root workspace its own configuration and context", async () => {
    const a = tempTree({ "package.json": JSON.stringify({ layerlint: onlyRules({ "copy-before-install": "error" }) }), "svc/main.js": "", "svc/package.json": "{}" });
    // JSON is YAML too.
    const b = tempTree({ ".layerlintrc.yaml": onlyRulesFile({ "copy-before-install": "info" }), "package.json": "{}" });
    await client.initialize([a, b]);
    const m = client.mark();
    const ua = await client.open(join(a, "svc", "Dockerfile"), BAD);
    const ub = await client.open(join(b, "Dockerfile"), BAD);
    expect((await client.diagnostics(ua, m)).map((d) => d.severity)).toEqual([1]);
    expect((await client.diagnostics(ub, m)).map((d) => d.severity)).toEqual([3]);
    expect(await client.shutdown()).toBe(0);
  });
});

describe("language server: robustness", () => {
  it("survives odd input and odd requests, and keeps answering", async () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}" });
    await client.initialize([dir]);
    const m = client.mark();
    const odd = [
      "",
      "\n\n\n",
      "FROM",
      "RUN <<EOF\nnever closed",
      "FROM a\nCOPY --from= . .\nRUN --mount=type=bind,from= x\nONBUILD ONBUILD RUN x\n",
      "FROM a\\\n",
      "# escape=`\nFROM a\nRUN a `\n b\n",
      "FROM a\nARG ${\nENV A=${B:-${C\nCOPY [\"a\", \nRUN [\"unterminated\n",
      "\u0000\u0001binary\uFFFD",
      "FROM 😀\nRUN echo 😀😀 && npm ci\nCOPY 😀 .\n",
    ];
    const uris: string[] = [];
    for (const [i, text] of odd.entries()) uris.push(await client.open(join(dir, `odd${i}.Dockerfile`), text));
    for (const uri of uris) await client.diagnostics(uri, m);
    for (const uri of uris) {
      await client.hover(uri, { line: 0, character: 2 });
      await client.hover(uri, { line: 999, character: 999 });
      await client.codeActions(uri, { start: { line: 0, character: 0 }, end: { line: 999, character: 0 } });
      await client.codeActions(uri, wholeLine(0), ["source.fixAll"]);
    }
    // Requests about documents that were never opened.
    expect(await client.hover("file:///nowhere/Dockerfile", { line: 0, character: 0 })).toBeNull();
    expect(await client.codeActions("file:///nowhere/Dockerfile", wholeLine(0))).toEqual([]);
    // Still linting after all that.
    const m2 = client.mark();
    const uri = await client.open(join(dir, "Dockerfile"), "FROM node:20\nCOPY . .\nRUN npm ci\n");
    expect(await client.diagnostics(uri, m2)).toHaveLength(1);
    expect(client.process.exitCode).toBeNull();
    // Nothing was caught either: odd input is handled, not survived.
    expect(client.logs.filter((l) => l.includes("failed"))).toEqual([]);
    expect(await client.shutdown()).toBe(0);
  });
});

describe("language server: discovered builds", () => {
  it("lints with the build a compose file declares, says so in the hover, and follows a change of the compose file", async () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}", "docker/Dockerfile": BAD, ".git/HEAD": "ref: refs/heads/main\n" });
    const compose = join(dir, "compose.yaml");
    writeFileSync(compose, "services:\n  api:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile\n");
    await client.initialize([dir]);
    const m = client.mark();
    const uri = await client.open(join(dir, "docker/Dockerfile"), BAD);
    // First linted with its own folder (no package.json there), then again with the root the compose file names.
    await client.diagnostics(uri, m, (d) => d.some((x) => x.code === "copy-before-install"));
    const hover = async (): Promise<string> => {
      const c = (await client.hover(uri, { line: 2, character: 1 }))?.contents;
      return c && typeof c === "object" && "value" in c ? c.value : "";
    };
    expect(await hover()).toContain("Build context: `..`, from `compose.yaml#services.api`");
    const m2 = client.mark();
    writeFileSync(compose, "services:\n  api:\n    build:\n      context: docker\n");
    await client.filesChanged([compose]);
    await client.diagnostics(uri, m2, (d) => !d.some((x) => x.code === "copy-before-install"));
    expect(await hover()).toContain("Build context: `.` (this file's folder), from `compose.yaml#services.api`");
    expect(await client.shutdown()).toBe(0);
  });
});
