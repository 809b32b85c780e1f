import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { chmodSync, chownSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { realFs, writeFileAtomic, type WriteFs } from "../src/fix/write.js";
import { BIN, cli, tempTree } from "./helpers/cli.js";

/**
 * `--fix` never damages a file: writes are atomic (a temporary file in the
 * same directory, then a rename), a failing or killed write leaves the
 * original, and line endings, BOM, final newline, mode and owner survive.
 */

/** A Dockerfile with a safe fix (the broad COPY moves after the install). */
const FIXABLE = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";


const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: injected`), { code });

describe("atomic writes with an injected failure", () => {
  const original = "FROM alpine:3.20\nRUN true\n";
  const replacement = "FROM alpine:3.20\nRUN false\n".repeat(1000);

  const failures: [string, Partial<WriteFs>, RegExp][] = [
    ["the disk fills up half-way through the write", {
      writeSync: (fd, buffer, offset) => {
        // Half the bytes reach the temporary file, then the disk is full.
        if (offset === 0) return fs.writeSync(fd, buffer, 0, Math.floor(buffer.length / 2));
        throw errno("ENOSPC");
      },
    }, /cannot write: no space left on the device/],
    ["fsync fails (an I/O error)", { fsyncSync: () => { throw errno("EIO"); } }, /cannot write: input\/output error/],
    ["the rename fails", { renameSync: () => { throw errno("EACCES"); } }, /cannot write: permission denied/],
    ["the temporary file cannot be created", { openSync: () => { throw errno("EROFS"); } }, /cannot write: read-only file system/],
  ];

  for (const [name, override, message] of failures) {
    it(`${name}: the original is intact and no temporary file is left`, () => {
      const dir = tempTree({ Dockerfile: original });
      const p = join(dir, "Dockerfile");
      let error: unknown;
      try {
        writeFileAtomic(p, replacement, { fs: { ...realFs, ...override } });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).describe()).toMatch(message);
      expect((error as UsageError).describe()).toContain(p);
      expect(readFileSync(p, "utf8")).toBe(original);
      expect(readdirSync(dir)).toEqual(["Dockerfile"]);
    });
  }

  it("a short write is completed, not truncated", () => {
    const dir = tempTree({ Dockerfile: original });
    const p = join(dir, "Dockerfile");
    // Each call writes at most 7 bytes, as a slow or interrupted file system may.
    writeFileAtomic(p, replacement, { fs: { ...realFs, writeSync: (fd, buffer, offset) => fs.writeSync(fd, buffer, offset, Math.min(7, buffer.length - offset)) } });
    expect(readFileSync(p, "utf8")).toBe(replacement);
    expect(readdirSync(dir)).toEqual(["Dockerfile"]);
  });

  it("a process killed at any moment of --fix leaves the original or the fixed file, never a mix", async () => {
    // Big enough that reading, linting and writing take a while, so the kills land at different stages.
    const body = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n" + "LABEL a=b\n".repeat(5_000);
    const dir = tempTree({ Dockerfile: body, "package.json": "{}" });
    const p = join(dir, "Dockerfile");
    // What an uninterrupted --fix writes, from a twin directory.
    const twin = tempTree({ Dockerfile: body, "package.json": "{}" });
    cli([join(twin, "Dockerfile"), "--fix"]);
    const fixedText = readFileSync(join(twin, "Dockerfile"), "utf8");
    expect(fixedText).not.toBe(body);
    const seen = new Set<string>();
    for (const delay of [30, 100, 200, 350, 500]) {
      writeFileSync(p, body);
      const child = spawn(process.execPath, [BIN, p, "--fix"], { stdio: "ignore" });
      // Listen before waiting: the run may finish before the kill, and its exit must not be missed.
      const exited = new Promise((r) => child.once("exit", r));
      await new Promise((r) => setTimeout(r, delay));
      child.kill("SIGKILL");
      await exited;
      const now = readFileSync(p, "utf8");
      expect(now === body || now === fixedText, `after a kill at ${delay} ms the file is neither`).toBe(true);
      seen.add(now === body ? "original" : "fixed");
    }
    // A killed write may leave its temporary file behind, never a damaged Dockerfile.
    for (const f of readdirSync(dir)) expect(f).toMatch(/^(Dockerfile|package\.json|\.Dockerfile\.layerlint-\d+-\d+\.tmp)$/);
  }, 60_000);
});

describe("--fix keeps the file's shape", () => {
  const fixOnDisk = (content: string | Buffer): { path: string; before: Buffer; after: Buffer } => {
    const dir = tempTree({ Dockerfile: content, "package.json": "{}" });
    const path = join(dir, "Dockerfile");
    const before = readFileSync(path);
    const r = cli([path, "--fix"]);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    return { path, before, after: readFileSync(path) };
  };

  it("LF stays LF, with a final newline", () => {
    const { before, after } = fixOnDisk(FIXABLE);
    expect(after.equals(before)).toBe(false);
    expect(after.toString()).not.toContain("\r");
    expect(after.toString().endsWith("\n")).toBe(true);
  });

  it("CRLF stays CRLF and the BOM stays", () => {
    const { before, after } = fixOnDisk("\uFEFF" + FIXABLE.replace(/\n/g, "\r\n"));
    const text = after.toString("utf8");
    expect(after.equals(before)).toBe(false);
    expect(text.startsWith("\uFEFF")).toBe(true);
    expect(text.slice(1)).not.toContain("\uFEFF");
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
  });

  it("no final newline stays without one", () => {
    for (const eol of ["\n", "\r\n"]) {
      const { before, after } = fixOnDisk(FIXABLE.replace(/\n/g, eol).replace(/\r?\n$/, ""));
      const text = after.toString("utf8");
      expect(after.equals(before)).toBe(false);
      expect(text.endsWith("\n")).toBe(false);
      if (eol === "\n") expect(text).not.toContain("\r");
    }
  });

  it("mixed line endings: lines the fix does not touch keep theirs", () => {
    const mixed = "FROM node:20\r\nWORKDIR /app\nCOPY . .\nRUN npm ci\n# keep\r\n";
    const { after } = fixOnDisk(mixed);
    const text = after.toString("utf8");
    expect(text.startsWith("FROM node:20\r\n")).toBe(true);
    expect(text).toContain("# keep\r\n");
  });

  it("the mode (setgid and executable bits included) and the owner stay", () => {
    const dir = tempTree({ Dockerfile: FIXABLE, "package.json": "{}" });
    const p = join(dir, "Dockerfile");
    const asRoot = process.getuid?.() === 0;
    // chown clears setgid: change the owner first.
    if (asRoot) chownSync(p, 65534, 65534);
    chmodSync(p, 0o2751);
    // The umask must not narrow the mode of the rewritten file.
    const r = spawnSync("sh", ["-c", `umask 077 && "${process.execPath}" "${BIN}" "${p}" --fix`], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(readFileSync(p, "utf8")).not.toBe(FIXABLE);
    const st = statSync(p);
    expect(st.mode & 0o7777).toBe(0o2751);
    if (asRoot) expect([st.uid, st.gid]).toEqual([65534, 65534]);
  });
});

describe("--fix and symbolic links", () => {
  it("a link inside the linted tree: the target is fixed, the link stays a link", () => {
    const dir = tempTree({ "shared/base.Dockerfile": FIXABLE, "svc/package.json": "{}", "shared/package.json": "{}" });
    symlinkSync(join("..", "shared", "base.Dockerfile"), join(dir, "svc", "Dockerfile"));
    const r = cli([join(dir, "svc", "Dockerfile"), "--fix"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(lstatSync(join(dir, "svc", "Dockerfile")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, "svc", "Dockerfile"))).toBe(join("..", "shared", "base.Dockerfile"));
    expect(readFileSync(join(dir, "shared", "base.Dockerfile"), "utf8")).not.toBe(FIXABLE);
  });

  it("a link found by a directory walk that leaves the tree: refused, the target untouched", () => {
    const outside = tempTree({ "Dockerfile": FIXABLE, "package.json": "{}" });
    const tree = tempTree({ "package.json": "{}" });
    symlinkSync(join(outside, "Dockerfile"), join(tree, "Dockerfile"));
    const r = cli([tree, "--fix"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/Dockerfile: not written: it is a symbolic link to .*outside the linted tree/);
    expect(readFileSync(join(outside, "Dockerfile"), "utf8")).toBe(FIXABLE);
    expect(lstatSync(join(tree, "Dockerfile")).isSymbolicLink()).toBe(true);
  });

  it("a named link whose target is outside the working directory: refused", () => {
    const outside = tempTree({ "Dockerfile": FIXABLE, "package.json": "{}" });
    const cwd = tempTree({ "package.json": "{}" });
    symlinkSync(join(outside, "Dockerfile"), join(cwd, "Dockerfile"));
    const r = cli(["Dockerfile", "--fix"], { cwd });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/outside the linted tree/);
    expect(readFileSync(join(outside, "Dockerfile"), "utf8")).toBe(FIXABLE);
  });

  it("the same refusal through the library's writer", () => {
    const outside = tempTree({ "Dockerfile": "FROM a\n" });
    const tree = tempTree({});
    symlinkSync(join(outside, "Dockerfile"), join(tree, "Dockerfile"));
    expect(() => writeFileAtomic(join(tree, "Dockerfile"), "FROM b\n", { root: tree })).toThrow(/outside the linted tree/);
    writeFileAtomic(join(tree, "Dockerfile"), "FROM b\n", { root: outside });
    expect(readFileSync(join(outside, "Dockerfile"), "utf8")).toBe("FROM b\n");
  });
});
