import { defineRule } from "../../src/engine/define.js";
import type { TextEdit } from "../../src/engine/types.js";
import { instructionLines, lineStart } from "../../src/fix/edits.js";
import type { Instruction, ParsedDockerfile, Stage } from "../../src/parse/index.js";
import { indexIn, overlaps, runEffects, type RunEffects } from "../../src/model/reads.js";

/** Metadata a RUN does not see, so a RUN may move past it. */
const INERT_METADATA = new Set(["LABEL", "EXPOSE", "MAINTAINER", "STOPSIGNAL", "HEALTHCHECK", "CMD", "ENTRYPOINT"]);

/**
 * Top-level directories that package managers and user tools write to:
 * a copy landing there could be read or overwritten by such a RUN.
 */
const SYSTEM_DIRS = new Set(["etc", "usr", "var", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "opt", "root", "boot", "run", "tmp", "dev", "proc", "sys", "mnt", "media", "nix", "snap"]);

export default defineRule({
  id: "independent-run-after-copy",
  meta: {
    description: "A RUN that reads nothing a preceding broad COPY/ADD brought in re-runs on every source edit",
    severity: "warning",
    fixable: "safe",
    sources: { hadolint: [], buildkit: [], tally: [] },
  },
  messages: {
    independent: (d: { run: string; copy: string; line: number }) =>
      `\`${d.run}\` reads nothing \`${d.copy}\` (line ${d.line}) brings in, yet runs after it and so re-runs on every source edit; move it above the COPY`,
  },
  create(ctx) {
    const { model, file } = ctx;
    const LOOK_BACK = 50;
    // Positions found by binary search, so that a long stage costs no scan per RUN.
    const positionIn = (stage: Stage, ins: Instruction): number => indexIn(stage.instructions, ins);
    const positionInFile = (ins: Instruction): number => indexIn(file.instructions, ins);
    return {
      RUN(ins) {
        if (ins.onbuild || !ins.stage) return;
        if (ins.mounts.some((m) => m.type === "bind")) return;
        const list = ins.stage.instructions;
        // The copies, RUNs and inert metadata just above the RUN; anything else (ENV, ARG, USER, WORKDIR, SHELL) ends the block:
        // it would change what the RUN sees. A later independent step (`COPY . .`, `RUN uv sync`, `RUN apt-get install ...`) is found past the RUNs between.
        const at = positionIn(ins.stage, ins);
        let from = at;
        // At most LOOK_BACK instructions up: a stage of thousands of COPY/RUN pairs would otherwise cost a scan per RUN.
        while (from > 0 && at - from < LOOK_BACK && (list[from - 1].keyword === "COPY" || list[from - 1].keyword === "ADD" || list[from - 1].keyword === "RUN" || INERT_METADATA.has(list[from - 1].keyword))) from--;
        // One slice of the run of instructions found, in file order (not an unshift per instruction).
        const block: Instruction[] = at < 0 ? [] : list.slice(from, at);
        // The nearest broad COPY above the RUN (the one it would move above).
        let broadIndex = -1;
        for (let k = block.length - 1; k >= 0; k--) {
          if ((block[k].keyword === "COPY" || block[k].keyword === "ADD") && copiesTree(block[k])) {
            broadIndex = k;
            break;
          }
        }
        if (broadIndex === -1) return;
        const copy = block[broadIndex];
        const passed = block.slice(broadIndex).filter((i) => i.keyword === "COPY" || i.keyword === "ADD");
        const passedRuns = block.slice(broadIndex).filter((i) => i.keyword === "RUN");
        const fx = runEffects(model, ins);
        if (!fx.understood || fx.touched.length + fx.systemCommands.length === 0 && !fx.system) return;
        if (!passed.every((c) => independentOf(fx, c))) return;
        // Moving past a RUN changes what both see (the other RUN may use what this one installs): unsafe.
        if (passedRuns.some((r) => r.mounts.some((m) => m.type === "bind") || !runEffects(model, r).understood && r.json)) return;
        ctx.report({
          node: ins,
          message: ctx.messages.independent({ run: oneLine(`RUN ${ins.argText}`), copy: oneLine(copy.source), line: copy.range.start.line + 1 }),
          fix: { edits: moveWithComments(file, ins, copy, previousInstructionEnd(file, positionInFile(ins), ins)), safety: passedRuns.length === 0 ? "safe" : "unsafe" },
        });
      },
    };

    /**
     * Whether a COPY/ADD brings in a tree from the context (the context
     * itself, a directory, a glob) rather than named files: a tree changes
     * on every source edit, named configuration files rarely.
     */
    function copiesTree(copy: Instruction): boolean {
      if (!model.isBroadCopy(copy)) return false;
      const sources = (model.info(copy)?.inputs.sources ?? []).filter((s) => s.kind === "context").map((s) => s.path.replace(/^\.\//, ""));
      const files = model.copiedFiles(copy);
      return sources.some((s) => {
        if (s === "" || s === "." || s === "./" || /[*?[]/.test(s)) return true;
        const dir = s.replace(/(?<!\/)\/+$/, "");
        if (files) return files.some((f) => f.startsWith(dir + "/"));
        return s.endsWith("/") || !/\.[A-Za-z0-9]+$/.test(dir);
      });
    }

    /** Whether a RUN neither reads nor writes where a COPY/ADD puts its files. */
    function independentOf(fx: RunEffects, copy: Instruction): boolean {
      const dest = model.info(copy)?.inputs.destination;
      if (!dest) return false;
      const d = dest.length > 1 ? dest.replace(/(?<!\/)\/+$/, "") : dest;
      if (d === "/") return false;
      if (fx.touched.some((t) => overlaps(t.path, d))) return false;
      if (fx.system && isSystemPath(d, fx)) return false;
      return true;
    }
  },
});

function isSystemPath(dest: string, fx: RunEffects): boolean {
  const parts = dest.split("/").filter(Boolean);
  const top = parts[0] ?? "";
  if (top === "usr" && parts[1] === "src" && parts.length > 2 && !/^linux/.test(parts[2])) return false;
  // A project folder under /tmp (`WORKDIR /tmp/build`) is the build's own, not a system folder.
  if (top === "tmp" && parts.length > 1) return false;
  if (top === "home") {
    // Package managers never write to /home; user tools create home directories there.
    return fx.systemCommands.length === 0 || fx.touched.some((t) => t.path.startsWith("/home"));
  }
  return SYSTEM_DIRS.has(top);
}

/**
 * Moves the RUN, with the comment lines directly above it, to just before
 * the COPY: the comments describe the RUN and ignore comments must stay
 * on it.
 */
function moveWithComments(file: ParsedDockerfile, run: Instruction, before: Instruction, prevEnd: number): TextEdit[] {
  const lines = instructionLines(file, run);
  let start = lines.start;
  while (start > 0) {
    const prevLineStart = lineStart(file, start - 1);
    const text = file.text.slice(prevLineStart, start);
    if (!/^\s*#/.test(text) || prevLineStart < prevEnd) break;
    start = prevLineStart;
  }
  const moved = file.text.slice(start, lines.end) + (/\n$/.test(lines.text) && lines.end <= file.text.length && file.text.slice(start, lines.end).endsWith("\n") ? "" : file.text.slice(start, lines.end).endsWith("\r") ? "\n" : file.source.eol);
  const at = lineStart(file, before.range.start.offset);
  return [
    { range: [at, at], text: moved },
    { range: [start, lines.end], text: "" },
  ];
}

/**
 * Where the instruction before `ins` (at `position` in the file's list)
 * ends, 0 for none. Instructions follow one another in the file, so the
 * nearest one before it that ends before it starts ends last.
 */
function previousInstructionEnd(file: ParsedDockerfile, position: number, ins: Instruction): number {
  for (let n = position - 1; n >= 0; n--) {
    const end = file.instructions[n].range.end.offset;
    if (end < ins.range.start.offset) return end;
  }
  return 0;
}

function oneLine(s: string): string {
  const t = s.replace(/(?:(?<!\s)\s+)?\\?\r?\n\s*/g, " ").replace(/\s+/g, " ");
  return t.length > 60 ? t.slice(0, 57) + "..." : t;
}
