import { defineRule } from "../../src/engine/define.js";
import type { SystemCommand } from "../../src/ecosystems/system.js";
import { deleteInstruction } from "../../src/fix/edits.js";
import { chainOf, flagText, prependToRun, scriptSource } from "../../src/fix/run-edits.js";
import type { Instruction } from "../../src/parse/index.js";
import { referencedVariables } from "../../src/model/index.js";
import { laterInstructions, runEffects } from "../../src/model/reads.js";

/** Metadata that changes nothing an index update sees, so the update may move past it. */
const INERT_METADATA = new Set(["LABEL", "EXPOSE", "MAINTAINER", "STOPSIGNAL", "HEALTHCHECK", "CMD", "ENTRYPOINT"]);

export default defineRule({
  id: "update-without-install",
  meta: {
    description: "A package index update in a RUN that installs nothing stays cached, so later installs use a stale index",
    severity: "warning",
    fixable: "safe",
    sources: { hadolint: [], buildkit: [], tally: [] },
  },
  messages: {
    staleBefore: (d: { update: string; install: string; line: number }) =>
      `\`${d.update}\` runs in a RUN of its own: its layer stays cached, so \`${d.install}\` (line ${d.line}) installs from an index as old as that cache; update and install in the same RUN`,
    noInstall: (d: { update: string }) =>
      `\`${d.update}\` runs in a RUN that installs nothing: the index it downloads stays in the layer and goes stale in the cache; update in the RUN that installs`,
  },
  create(ctx) {
    const { model, file } = ctx;
    return {
      RUN(ins) {
        const fx = runEffects(model, ins);
        const updates = fx.systemCommands.filter((c) => c.action === "update");
        if (updates.length === 0 || !fx.understood) return;
        // A script that installs (or could) uses the index it has just fetched.
        if (fx.systemCommands.some((c) => c.action === "install" || c.action === "remove")) return;
        if (/\bdpkg\b|\bxargs\b/.test(model.script(ins))) return;
        const update = updates[0];
        const install = nextInstall(ins, update);
        if (!install) {
          ctx.report({ node: ins, message: ctx.messages.noInstall({ update: update.command.text }) });
          return;
        }
        ctx.report({
          node: ins,
          message: ctx.messages.staleBefore({ update: update.command.text, install: oneLine(install.command.text), line: install.ins.range.start.line + 1 }),
          fix: fixFor(ins, install.ins),
        });
      },
    };

    function nextInstall(ins: Instruction, update: SystemCommand): { ins: Instruction; command: SystemCommand["command"] } | null {
      for (const later of laterInstructions(model, ins)) {
        if (later.keyword !== "RUN") continue;
        const found = runEffects(model, later).systemCommands.find((c) => c.manager.id === update.manager.id && c.action === "install");
        if (found) return { ins: later, command: found.command };
      }
      return null;
    }

    /**
     * Moves the update into the install RUN when that RUN is the next step
     * of the stage, nothing that could change the update's environment
     * stands between them, and the two scripts join without changing what
     * happens on a failure.
     */
    function fixFor(updateRun: Instruction, installRun: Instruction): { edits: ReturnType<typeof deleteInstruction>[] } | null {
      if (updateRun.onbuild || installRun.onbuild || updateRun.stage !== installRun.stage || !updateRun.stage) return null;
      const list = updateRun.stage.instructions;
      const between = list.slice(list.indexOf(updateRun) + 1, list.indexOf(installRun));
      const updateVars = referencedVariables(updateRun.argText);
      for (const b of between) {
        if (INERT_METADATA.has(b.keyword)) continue;
        if (b.keyword === "ENV" || b.keyword === "ARG") {
          const names = b.args.map((w) => w.value.split("=")[0]);
          if (names.every((n) => !updateVars.has(n) && !/proxy|^APT/i.test(n))) continue;
        }
        return null;
      }
      if (flagText(file, updateRun) !== flagText(file, installRun)) return null;
      const source = scriptSource(file, updateRun);
      if (source === null || chainOf(updateRun.argText) !== "&&") return null;
      const prepend = prependToRun(file, installRun, source);
      if (!prepend) return null;
      return { edits: [deleteInstruction(file, updateRun), prepend] };
    }
  },
});

function oneLine(s: string): string {
  const first = s.replace(/(?:(?<!\s)\s+)?\\?\r?\n\s*/g, " ");
  return first.length > 60 ? first.slice(0, 57) + "..." : first;
}
