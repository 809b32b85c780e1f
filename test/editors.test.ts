import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/fixtures.js";
import { BIN, cli, tempTree } from "./helpers/cli.js";

/**
 * The editor setups of docs/editors.md, taken from the document as written
 * and run in real editors: Vim with ALE (its command linter, its language
 * server client, its fixer) and Vim's own `:make`, Emacs with flycheck and
 * with eglot. .ci/run installs them from Debian's packages; elsewhere the
 * tests run when the editors are there. Each editor must show the findings
 * the CLI reports for the same file.
 */

const DOCS = readFileSync(join(ROOT, "docs/editors.md"), "utf8");
const BAD = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
const ALE = "/usr/share/vim-ale";
const ELPA = "/usr/share/emacs/site-lisp/elpa";

const found = (cmd: string): boolean => spawnSync(cmd, ["--version"], { encoding: "utf8" }).status === 0;
const vimWithAle = found("vim") && existsSync(join(ALE, "plugin/ale.vim"));
const emacsWithPackages = found("emacs") && ["flycheck", "eglot", "dockerfile-mode"].every((p) => existsSync(ELPA) && readdirSync(ELPA).some((d) => d.startsWith(p + "-")));

/** The code blocks of one language in the part of docs/editors.md from `from` up to `to`. */
function snippets(from: string, to: string, lang: string): string[] {
  const start = DOCS.indexOf(from);
  const end = DOCS.indexOf(to, start + 1);
  expect(start, from).toBeGreaterThanOrEqual(0);
  expect(end, to).toBeGreaterThan(start);
  const blocks = [...DOCS.slice(start, end).matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
  expect(blocks.length, `${lang} blocks after "${from}"`).toBeGreaterThan(0);
  return blocks;
}

/** A project with a Dockerfile, and a PATH where `layerlint` is this checkout's command. */
function project(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = tempTree({ Dockerfile: BAD, "package.json": "{}" });
  mkdirSync(join(dir, "bin"));
  symlinkSync(BIN, join(dir, "bin", "layerlint"));
  return { dir, env: { ...process.env, HOME: dir, PATH: `${join(dir, "bin")}:${process.env.PATH}`, NO_COLOR: "1" } };
}

/** What the CLI reports for the project's Dockerfile, as sorted `line rule-id` strings. */
function cliFindings(dir: string): string[] {
  const out = JSON.parse(cli([join(dir, "Dockerfile"), "--format", "json"], { cwd: dir }).stdout) as { messages: { line: number; ruleId: string }[] }[];
  return out[0].messages.map((m) => `${m.line} ${m.ruleId}`).sort();
}

function run(cmd: string, args: string[], dir: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, args, { cwd: dir, env, encoding: "utf8", timeout: 60_000, input: "" });
  expect(r.error, `${cmd}: ${r.error?.message}`).toBeUndefined();
}

/** Lines `LINE RULE-ID` (or `LINE RULE-ID TYPE`) an editor script wrote to out.txt, sorted. */
function written(dir: string): string[] {
  const file = join(dir, "out.txt");
  expect(existsSync(file), "the editor wrote no result").toBe(true);
  return readFileSync(file, "utf8").split("\n").filter(Boolean).sort();
}

describe.skipIf(!vimWithAle && !process.env.CI)("Vim: the setups of docs/editors.md", () => {
  const [linters, fixer] = snippets("## Vim and Neovim with ALE", "Plain Vim without plugins", "vim");
  const [make] = snippets("Plain Vim without plugins", "## Neovim: the built-in LSP client", "vim");
  const vimrc = ["set nocompatible", `set runtimepath^=${ALE}`, "filetype plugin on", "let g:ale_lint_on_enter = 0", "let g:ale_lint_on_text_changed = 'never'", "runtime plugin/ale.vim"].join("\n");

  /** Runs ALE's linter `name` from the documented definitions and writes its findings. */
  function aleLint(name: string): string[] {
    const { dir, env } = project();
    writeFileSync(join(dir, "vimrc"), vimrc);
    writeFileSync(join(dir, "linters.vim"), linters);
    writeFileSync(
      join(dir, "run.vim"),
      [
        "source linters.vim",
        `let b:ale_linters = ['${name}']`,
        "ALELint",
        // ALE runs linters as jobs; sleeping lets Vim handle their output.
        "let s:n = 0",
        "while s:n < 300 && (ale#engine#IsCheckingBuffer(bufnr('')) || empty(ale#engine#GetLoclist(bufnr(''))))",
        "  sleep 100m",
        "  let s:n += 1",
        "endwhile",
        "call writefile(map(ale#engine#GetLoclist(bufnr('')), {_, e -> e.lnum . ' ' . get(e, 'code', '')}), 'out.txt')",
        "qa!",
      ].join("\n"),
    );
    run("vim", ["-N", "-u", "vimrc", "-i", "NONE", "--not-a-term", "-c", "set filetype=dockerfile", "-S", "run.vim", "Dockerfile"], dir, env);
    expect(written(dir)).toEqual(cliFindings(dir));
    return written(dir);
  }

  it("ALE's command linter (JSON on standard input) shows the CLI's findings", () => {
    expect(aleLint("layerlint")).toContain("3 copy-before-install");
  }, 90_000);

  it("ALE's language server client shows the CLI's findings", () => {
    expect(aleLint("layerlint_lsp")).toContain("3 copy-before-install");
  }, 90_000);

  it("ALE's fixer applies the safe fixes to the buffer, not the file", () => {
    const { dir, env } = project();
    writeFileSync(join(dir, "vimrc"), vimrc);
    writeFileSync(join(dir, "fixer.vim"), fixer);
    writeFileSync(
      join(dir, "run.vim"),
      ["source fixer.vim", "ALEFix", "let s:n = 0", "while s:n < 300 && getline(3) ==# 'COPY . .'", "  sleep 100m", "  let s:n += 1", "endwhile", "call writefile(getline(1, '$'), 'out.txt')", "qa!"].join("\n"),
    );
    run("vim", ["-N", "-u", "vimrc", "-i", "NONE", "--not-a-term", "-c", "set filetype=dockerfile", "-S", "run.vim", "Dockerfile"], dir, env);
    const fixed = readFileSync(join(dir, "out.txt"), "utf8");
    expect(fixed).toBe(cli(["--stdin", "--stdin-filename", join(dir, "Dockerfile"), "--fix-dry-run"], { cwd: dir, input: BAD }).stdout);
    expect(fixed).toContain("COPY package.json ./\nRUN npm ci");
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe(BAD);
  }, 90_000);

  it(":make with the GNU format fills the quickfix list", () => {
    const { dir, env } = project();
    writeFileSync(join(dir, "make.vim"), make);
    writeFileSync(join(dir, "run.vim"), ["source make.vim", "silent make", "call writefile(map(getqflist(), {_, e -> e.lnum . ' ' . e.type}), 'out.txt')", "qa!"].join("\n"));
    run("vim", ["-N", "-u", "NONE", "-i", "NONE", "--not-a-term", "-S", "run.vim", "Dockerfile"], dir, env);
    const types: Record<string, string> = { error: "e", warning: "w", info: "i" };
    const expected = JSON.parse(cli([join(dir, "Dockerfile"), "--format", "json"], { cwd: dir }).stdout)[0].messages.map((m: { line: number; severity: string }) => `${m.line} ${types[m.severity]}`);
    expect(written(dir)).toEqual(expected.sort());
  }, 90_000);
});

describe.skipIf(!emacsWithPackages && !process.env.CI)("Emacs: the setups of docs/editors.md", () => {
  const [flycheck, eglot] = snippets("## Emacs", "## VS Code", "elisp");
  // Debian's elpa-* packages live outside the user's package directory.
  const prelude = `(setq package-directory-list (list "${ELPA}"))\n(package-initialize)\n(require 'dockerfile-mode)\n`;

  it("flycheck's checker (GNU format on standard input) shows the CLI's findings", () => {
    const { dir, env } = project();
    writeFileSync(
      join(dir, "run.el"),
      prelude +
        "(require 'flycheck)\n" +
        flycheck +
        `(find-file "Dockerfile")
(setq flycheck-checker 'dockerfile-layerlint)
(flycheck-mode 1)
(flycheck-buffer)
(let ((n 0)) (while (and (flycheck-running-p) (< n 300)) (accept-process-output nil 0.1) (setq n (1+ n))))
;; The errors are local to the Dockerfile's buffer: read them there, write them from a temporary one.
(let ((lines (mapcar (lambda (e) (format "%s %s\\n" (flycheck-error-line e) (flycheck-error-id e))) flycheck-current-errors)))
  (with-temp-file "out.txt" (apply #'insert lines)))
`,
    );
    run("emacs", ["--batch", "-Q", "-l", "run.el"], dir, env);
    expect(written(dir)).toEqual(cliFindings(dir));
  }, 90_000);

  it("eglot gets the CLI's findings, a hover and the quick fixes from the language server", () => {
    const { dir, env } = project();
    writeFileSync(
      join(dir, "run.el"),
      prelude +
        "(require 'eglot)\n" +
        eglot +
        `(find-file "Dockerfile")
;; eglot-ensure waits for the command loop, which a batch Emacs does not run.
(apply #'eglot (eglot--guess-contact))
(let ((n 0)) (while (and (< n 300) (null (flymake-diagnostics))) (accept-process-output nil 0.1) (setq n (1+ n))))
(let ((lines (mapcar (lambda (d)
                       (let ((text (flymake-diagnostic-text d)))
                         (string-match "\\\\[\\\\([a-z-]+\\\\)\\\\]" text)
                         (format "%s %s\\n" (line-number-at-pos (flymake-diagnostic-beg d)) (match-string 1 text))))
                     (flymake-diagnostics))))
  (with-temp-file "out.txt" (apply #'insert lines)))
(let* ((server (eglot-current-server))
       (hover (progn (goto-char (point-min)) (forward-line 3)
                     (jsonrpc-request server :textDocument/hover (eglot--TextDocumentPositionParams))))
       (actions (jsonrpc-request server :textDocument/codeAction
                                 (list :textDocument (eglot--TextDocumentIdentifier)
                                       :range (list :start (list :line 2 :character 0) :end (list :line 2 :character 0))
                                       :context (list :diagnostics [])))))
  (with-temp-file "hover.txt" (insert (plist-get (plist-get hover :contents) :value)))
  (with-temp-file "actions.txt" (dolist (a (append actions nil)) (insert (plist-get a :title) "\\n")))
  (eglot-shutdown server))
`,
    );
    run("emacs", ["--batch", "-Q", "-l", "run.el"], dir, env);
    expect(written(dir)).toEqual(cliFindings(dir));
    expect(readFileSync(join(dir, "hover.txt"), "utf8")).toContain("creates a layer");
    expect(readFileSync(join(dir, "actions.txt"), "utf8")).toContain("Fix this copy-before-install problem");
  }, 90_000);
});
