import { defineRule } from "../../src/engine/define.js";
import { cacheMountFlag } from "../../src/ecosystems/index.js";
import { uncachedTools, type UncachedTool } from "../../src/model/cache-mounts.js";
import type { TextEdit } from "../../src/engine/types.js";
import { nextLineStart } from "../../src/fix/edits.js";
import type { Instruction, ParsedDockerfile, Stage } from "../../src/parse/index.js";
import { isWindowsStage } from "../../src/model/windows.js";

export default defineRule({
  id: "missing-cache-mount",
  meta: {
    description: "An install or build step without a cache mount for its download or build cache, so a re-run downloads everything again",
    severity: "info",
    fixable: "unsafe",
    sources: { hadolint: [], buildkit: [], tally: ["tally/prefer-package-cache-mounts"] },
  },
  messages: {
    noMount: (d: { command: string; tools: string; flags: string; owner: string; setup: string; cleanup: string }) =>
      `\`${d.command}\` runs ${d.tools} without a cache mount: whenever this step re-runs it starts from an empty cache and downloads (or compiles) everything again; add \`${d.flags}\`${d.owner}${d.setup}${d.cleanup}`,
  },
  create(ctx) {
    const { model, file } = ctx;
    const windows = new Map<Stage, boolean>();
    return {
      RUN(ins: Instruction) {
        if (ins.onbuild) return;
        // Docker's Windows builds have no cache mounts, and the tables' targets are Linux paths.
        if (ins.stage) {
          let w = windows.get(ins.stage);
          if (w === undefined) windows.set(ins.stage, (w = isWindowsStage(model, ins.stage)));
          if (w) return;
        }
        const tools = uncachedTools(model, ins);
        if (tools.length === 0) return;
        // A plain loop: flatMap is several times slower here, and this runs for most RUNs that install.
        const flags: string[] = [];
        for (const t of tools) for (const m of t.mounts) flags.push(cacheMountFlag(m));
        const setups = [...new Set(tools.map((t) => t.setup).filter((s): s is string => s !== null))];
        ctx.report({
          node: ins,
          message: ctx.messages.noMount({
            command: shortCommand(tools[0]),
            tools: listWords(tools.map((t) => t.name)),
            flags: flags.join(" "),
            owner: ownerNote(tools),
            setup: setups.length > 0 ? ` and run \`${setups.join(" && ")}\` first in the same RUN` : "",
            cleanup: tools.some((t) => t.cleansCache) ? ", and drop this RUN's cleanup of that cache, which would empty the mount" : "",
          }),
          fix: fixFor(file, ins, tools, flags, setups),
        });
      },
    };
  },
});

/**
 * Adds the mounts after `RUN` and, for apt, the removal of Debian's
 * docker-clean hook in front of the command. Offered for the shell form
 * only (a heredoc or exec form has no place for the setup command), only
 * where the table's target is the cache's real place (root user, no
 * variable moving it), and only when the RUN does not delete the cache.
 *
 * The edit rewrites the whole instruction (to the end of its last line)
 * rather than inserting at one point: another rule's fix that appends a
 * cache cleanup to this RUN then overlaps it and waits for the next pass,
 * where one of the two no longer applies, instead of both landing at once.
 */
function fixFor(file: ParsedDockerfile, ins: Instruction, tools: readonly UncachedTool[], flags: readonly string[], setups: readonly string[]): { edits: TextEdit[] } | null {
  if (tools.some((t) => t.targetUncertain || t.cleansCache)) return null;
  const from = ins.keywordRange.end.offset;
  const to = nextLineStart(file, ins.range.end.offset);
  let rest = file.text.slice(from, to);
  if (setups.length > 0) {
    if (ins.json || ins.heredocs.length > 0 || ins.args.length === 0) return null;
    const at = ins.args[0].range.start.offset - from;
    if (rest.slice(at, at + 2) === "<<") return null;
    rest = rest.slice(0, at) + setups.join(" && ") + " && " + rest.slice(at);
  }
  return { edits: [{ range: [from, to], text: " " + flags.join(" ") + rest }] };
}

/** A non-root USER needs the mount to be its own, or the tool cannot write to it. */
function ownerNote(tools: readonly UncachedTool[]): string {
  const user = tools.find((t) => t.user !== null)?.user;
  return user === undefined ? "" : ` with \`uid=\` and \`gid=\` set to the ids of \`${user}\` (a cache mount belongs to root otherwise)`;
}

function shortCommand(tool: UncachedTool): string {
  const t = tool.command.text.replace(/(?:(?<!\s)\s+)?\\\s*\n\s*/g, " ").replace(/\s+/g, " ");
  return t.length > 60 ? t.slice(0, 57) + "..." : t;
}

function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return items.slice(0, -1).join(", ") + " and " + items[items.length - 1];
}
