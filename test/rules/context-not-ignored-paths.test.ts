import { rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadContext } from "../../src/model/context.js";
import { lintSource } from "../../src/lint.js";
import { tempTree } from "../helpers/cli.js";
import rule from "../../rules/context-not-ignored/index.js";

// `.git`, `node_modules` and `coverage/` cannot live in a fixture folder under
// version control (git refuses `.git`, the repository's .gitignore skips the
// others): these contexts are made on the fly.
const made: string[] = [];
const cwd = process.cwd();
afterEach(() => {
  process.chdir(cwd);
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = tempTree(files);
  made.push(dir);
  return dir;
}

function lintIn(dir: string, dockerfile: string, context: string = dir, filePath = join(dir, "Dockerfile")): string[] {
  return lintSource(dockerfile, { rules: [rule], filePath, config: null, context }).findings.map((f) => f.message);
}

const node = "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY . .\n";
const go = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app ./...\n";

describe("the ignore file's name in messages", () => {
  // `cd ctx && layerlint Dockerfile` gives the context root ".".
  const roots: [string, (dir: string) => { cwd: string; root: string }][] = [
    [".", (dir) => ({ cwd: dir, root: "." })],
    ["./", (dir) => ({ cwd: dir, root: "./" })],
    ["ctx", (dir) => ({ cwd: dirname(dir), root: basename(dir) })],
    ["ctx/", (dir) => ({ cwd: dirname(dir), root: basename(dir) + "/" })],
    ["./ctx", (dir) => ({ cwd: dirname(dir), root: "./" + basename(dir) })],
    ["absolute", (dir) => ({ cwd: dirname(dir), root: dir })],
  ];
  for (const [name, at] of roots) {
    it(`is .dockerignore for a context root given as ${name}`, () => {
      const dir = tree({ ".dockerignore": ".git\n", "node_modules/a/index.js": "", "package.json": "{}" });
      const { cwd: where, root } = at(dir);
      process.chdir(where);
      expect(loadContext(root).ignoreFile).toBe(".dockerignore");
      const messages = lintIn(dir, node, root, "Dockerfile");
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain("not excluded by .dockerignore");
      expect(messages[0]).toContain("add `node_modules` to .dockerignore");
    });
  }

  it("is <Dockerfile>.dockerignore for the Dockerfile's own ignore file, with a relative root", () => {
    const dir = tree({ "Dockerfile.dockerignore": ".git\n", "node_modules/a/index.js": "", "package.json": "{}" });
    process.chdir(dir);
    expect(loadContext(".", { dockerfilePath: "Dockerfile" }).ignoreFile).toBe("Dockerfile.dockerignore");
    expect(lintIn(dir, node, ".", "Dockerfile")[0]).toContain("not excluded by Dockerfile.dockerignore");
  });
});

describe("directories whose contents .dockerignore all excludes", () => {
  const files = {
    ".git/HEAD": "ref: refs/heads/main\n",
    ".git/objects/ab/cdef": "",
    "node_modules/left-pad/index.js": "",
    "packages/web/node_modules/react/index.js": "",
    "packages/web/src/index.js": "",
    "package.json": "{}",
  };

  for (const ignore of [".git/*\nnode_modules/**\npackages/*/node_modules/**\n", ".git/**\n**/node_modules/**\n"]) {
    it(`are not reported: ${ignore.trim().split("\n").join(", ")}`, () => {
      // Only the empty directory entry is sent, and BuildKit's content hash of a directory leaves its mtime out.
      expect(lintIn(tree({ ...files, ".dockerignore": ignore }), node)).toEqual([]);
    });
  }

  it("are reported when a ! exception sends a file inside again", () => {
    const messages = lintIn(tree({ ...files, ".dockerignore": ".git/*\n!.git/HEAD\n**/node_modules/**\n!**/node_modules/left-pad/**\n" }), node);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("`.git` (changes on every commit)");
    expect(messages[0]).toContain("`node_modules` (changes with every local install)");
    expect(messages[0]).not.toContain("packages/web/node_modules");
  });

  it("are reported when only some of the contents are excluded", () => {
    const messages = lintIn(tree({ ...files, ".dockerignore": ".git/objects\n**/node_modules/**/*.js\n" }), node);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("`.git`");
    // The package directories are still sent, and appear with every install.
    expect(messages[0]).toContain("`node_modules`");
  });
});

describe("coverage and .git are more than a name", () => {
  it("does not report a Go package named coverage, a file named coverage or a submodule's .git file", () => {
    const dir = tree({
      ".dockerignore": ".git\n",
      ".git/HEAD": "ref: refs/heads/main\n",
      "go.mod": "module example.com/s\n",
      "pkg/coverage/coverage.go": "package coverage\n",
      "scripts/coverage": "#!/bin/sh\ngo test -cover ./...\n",
      "vendor/lib/.git": "gitdir: ../../.git/modules/vendor/lib\n",
    });
    expect(lintIn(dir, go)).toEqual([]);
  });

  it("reports a submodule's .git directory and a coverage directory next to a package.json", () => {
    const dir = tree({
      ".dockerignore": ".git\nnode_modules\n",
      "package.json": "{}",
      "coverage/lcov.info": "",
      "web/package.json": "{}",
      "web/coverage/lcov.info": "",
      "lib/coverage/coverage.js": "",
      "vendor/lib/.git/HEAD": "ref: refs/heads/main\n",
    });
    const messages = lintIn(dir, node);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("`coverage` (changes on every local build)");
    expect(messages[0]).toContain("`web/coverage`");
    expect(messages[0]).toContain("`vendor/lib/.git` (changes on every commit)");
    expect(messages[0]).not.toContain("lib/coverage`");
  });
});

