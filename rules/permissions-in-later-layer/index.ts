import { defineRule } from "../../src/engine/define.js";
import type { TextEdit } from "../../src/engine/types.js";
import { deleteInstruction } from "../../src/fix/edits.js";
import { commandWords, splitCommands } from "../../src/model/index.js";
import type { Instruction } from "../../src/parse/index.js";
import { covers, shipsInImage } from "../../src/model/reads.js";
import { posix } from "node:path";

interface Recursive {
  program: "chown" | "chmod";
  /** The owner (`app:app`) or mode (`755`, `g+w`). */
  value: string;
  targets: string[];
  text: string;
}

export default defineRule({
  id: "permissions-in-later-layer",
  meta: {
    description: "A recursive chown or chmod over files a COPY/ADD brought in duplicates every one of them in a new layer",
    severity: "warning",
    fixable: "unsafe",
    sources: { hadolint: [], buildkit: [], tally: [] },
  },
  messages: {
    duplicated: (d: { command: string; copy: string; line: number; flag: string; createdAfter: string | null }) =>
      `\`${d.command}\` rewrites every file \`${d.copy}\` (line ${d.line}) copied, so the image holds each of them twice; ${d.createdAfter === null ? "" : `create \`${d.createdAfter}\` before that copy and `}set it on the copy with \`${d.flag}\``,
  },
  create(ctx) {
    const { model, file } = ctx;
    return {
      RUN(ins) {
        if (ins.onbuild || !ins.stage || !shipsInImage(model, ins.stage)) return;
        const workdir = model.info(ins)?.inputs.workdir ?? "/";
        const commands = splitCommands(model.script(ins)).map((c) => ({ c, words: commandWords(c) }));
        const recursive = commands.map(({ c, words }) => parseRecursive(words, workdir, c.text)).filter((r): r is Recursive => r !== null);
        if (recursive.length === 0) return;
        const stage = ins.stage;
        const before = stage.instructions.slice(0, stage.instructions.indexOf(ins));
        for (const r of recursive) {
          const copies = before.filter((i) => (i.keyword === "COPY" || i.keyword === "ADD") && coveredCopy(i, r) && !alreadySet(i, r));
          if (copies.length === 0) continue;
          const copy = copies[copies.length - 1];
          const flag = r.program === "chown" ? `--chown=${r.value}` : `--chmod=${r.value}`;
          // COPY --chown fails on a user or group that does not exist yet when the copy runs.
          const createdAfter = r.program === "chown" ? ownerCreatedAfter(copies[0], ins, r.value) : null;
          ctx.report({
            node: ins,
            message: ctx.messages.duplicated({ command: oneLine(r.text), copy: oneLine(copy.source), line: copy.range.start.line + 1, flag, createdAfter }),
            fix: commands.length === 1 && createdAfter === null ? fixFor(ins, r, copies, before) : null,
          });
          return;
        }
      },
    };

    /**
     * Whether the copy already gives its files what the command sets: the
     * same `--chown`/`--chmod`, or root ownership, which a COPY without
     * `--chown` gives. The command then changes nothing on them.
     */
    function alreadySet(copy: Instruction, r: Recursive): boolean {
      const flag = copy.flags.find((f) => f.name.toLowerCase() === r.program);
      if (flag) return flag.value === r.value;
      return r.program === "chown" && /^(root|0)(:(root|0))?$/.test(r.value);
    }

    /** The user or group of `owner` that a RUN from `copy` up to `ins` (included) creates, or null. */
    function ownerCreatedAfter(copy: Instruction, ins: Instruction, owner: string): string | null {
      const names = owner.split(":").filter((n) => n !== "" && !/^[0-9]+$/.test(n));
      if (names.length === 0 || !ins.stage) return null;
      const list = ins.stage.instructions;
      for (const i of list.slice(list.indexOf(copy) + 1, list.indexOf(ins) + 1)) {
        if (i.keyword !== "RUN") continue;
        for (const c of splitCommands(model.script(i))) {
          const words = commandWords(c);
          if (!USER_TOOLS.has(words[0] ?? "")) continue;
          const created = names.find((n) => words.slice(1).includes(n));
          if (created !== undefined) return created;
        }
      }
      return null;
    }

    function coveredCopy(copy: Instruction, r: Recursive): boolean {
      const dest = model.info(copy)?.inputs.destination;
      return dest !== undefined && r.targets.some((t) => covers(t, dest));
    }

    /**
     * Adds the flag to the copies and deletes the RUN, when the RUN is that
     * one command, its target is exactly the copies' destination, no RUN
     * between them could have added files there, and the copies do not set
     * the flag already. Unsafe: COPY --chown/--chmod leaves alone what was
     * in the directory before (and the directory itself if it existed),
     * which the recursive command changed.
     */
    function fixFor(ins: Instruction, r: Recursive, copies: Instruction[], before: Instruction[]): { edits: TextEdit[] } | null {
      if (r.targets.length !== 1) return null;
      if (r.program === "chmod" && !/^[0-7]{3,4}$/.test(r.value)) return null;
      if (r.value.includes("$") && r.program === "chmod") return null;
      const first = before.indexOf(copies[0]);
      if (before.slice(first).some((i) => i.keyword === "RUN" || i.keyword === "WORKDIR")) return null;
      const edits: TextEdit[] = [];
      for (const c of copies) {
        const dest = model.info(c)?.inputs.destination ?? "";
        if (stripSlash(dest) !== stripSlash(r.targets[0])) return null;
        if (c.flags.some((f) => f.name.toLowerCase() === r.program)) return null;
        const at = c.keywordRange.end.offset;
        edits.push({ range: [at, at], text: ` --${r.program}=${r.value}` });
      }
      edits.push(deleteInstruction(file, ins));
      return { edits };
    }
  },
});

/** Commands that create users or groups. */
const USER_TOOLS = new Set(["useradd", "adduser", "groupadd", "addgroup"]);

function parseRecursive(words: readonly string[], workdir: string, text: string): Recursive | null {
  const program = words[0];
  if (program !== "chown" && program !== "chmod") return null;
  const opts = words.slice(1).filter((w) => w.startsWith("-"));
  if (!opts.some((o) => o === "--recursive" || /^-[a-zA-Z]*R/.test(o))) return null;
  const positional = words.slice(1).filter((w) => !w.startsWith("-"));
  if (positional.length < 2) return null;
  const [value, ...paths] = positional;
  if (paths.some((p) => p.includes("$") || /[*?[]/.test(p))) return null;
  return { program, value, targets: paths.map((p) => posix.resolve(workdir, p)), text };
}

function stripSlash(p: string): string {
  return p.length > 1 ? p.replace(/(?<!\/)\/+$/, "") : p;
}

function oneLine(s: string): string {
  const t = s.replace(/(?:(?<!\s)\s+)?\\?\r?\n\s*/g, " ").replace(/\s+/g, " ");
  return t.length > 60 ? t.slice(0, 57) + "..." : t;
}
