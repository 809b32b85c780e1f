import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import rule from "../../rules/context-not-ignored/index.js";
import { lintSource } from "../../src/lint.js";
import { tempTree } from "../helpers/cli.js";

// `.git` and `node_modules` cannot live in a fixture folder under version control: these contexts are made on the fly.
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lintIn(files: Record<string, string>, dockerfile: string): string[] {
  const dir = tempTree(files);
  made.push(dir);
  return lintSource(dockerfile, { rules: [rule], filePath: join(dir, "Dockerfile"), config: null, context: dir }).findings.map((f) => f.message);
}

const node = "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY . .\n";

describe("context-not-ignored with .git and node_modules on disk", () => {
  it("reports .git and node_modules when there is no .dockerignore", () => {
    const messages = lintIn({ ".git/HEAD": "ref: refs/heads/main\n", "node_modules/a/index.js": "", "package.json": "{}", "index.js": "" }, node);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("`.git` (changes on every commit)");
    expect(messages[0]).toContain("`node_modules`");
    expect(messages[0]).toContain("create .dockerignore");
  });

  it("reports a nested node_modules that a root-only pattern misses", () => {
    const messages = lintIn(
      { ".dockerignore": ".git\nnode_modules\n", ".git/HEAD": "", "web/node_modules/a/index.js": "", "web/package.json": "{}", "package.json": "{}" },
      node,
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("`web/node_modules`");
    expect(messages[0]).toContain("`**/node_modules`");
    expect(messages[0]).not.toContain("`.git`");
  });

  it("is silent when .dockerignore excludes them", () => {
    const files = { ".dockerignore": ".git\n**/node_modules\n", ".git/HEAD": "", "node_modules/a/index.js": "", "package.json": "{}" };
    expect(lintIn(files, node)).toEqual([]);
  });

  it("is silent for a COPY that does not reach them", () => {
    const files = { ".git/HEAD": "", "node_modules/a/index.js": "", "package.json": "{}", "src/index.js": "" };
    expect(lintIn(files, "FROM node:20\nCOPY src/ /app/src/\n")).toEqual([]);
  });

  it("is silent without a context on disk", () => {
    expect(lintSource(node, { rules: [rule], config: null, context: null }).findings).toEqual([]);
  });
});
