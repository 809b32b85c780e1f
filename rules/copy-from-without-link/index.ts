import { defineRule } from "../../src/engine/define.js";
import { flagValue } from "../../src/model/index.js";
import type { Instruction } from "../../src/parse/index.js";

export default defineRule({
  id: "copy-from-without-link",
  meta: {
    description: "COPY --from in the final stage without --link: a changed base image or earlier step copies the files again",
    severity: "info",
    enabledByDefault: false,
    fixable: "unsafe",
    sources: { hadolint: [], buildkit: [], tally: [] },
  },
  messages: {
    noLink: (d: { copy: string }) =>
      `\`${d.copy}\` has no \`--link\`: its layer is keyed on the layers below it, so a new base image or any change above re-copies the files; add \`--link\` to keep it as an independent layer`,
  },
  create(ctx) {
    const { model } = ctx;
    return {
      COPY(ins: Instruction) {
        if (ins.onbuild || !model.target || ins.stage !== model.target) return;
        if (flagValue(ins, "from") === null || flagValue(ins, "link") !== null) return;
        if (isWindowsStage(model.info(model.target.from)?.inputs.image?.ref ?? model.target.base)) return;
        const at = ins.keywordRange.end.offset;
        ctx.report({
          node: ins,
          message: ctx.messages.noLink({ copy: firstLine(ins.source) }),
          fix: { edits: [{ range: [at, at], text: " --link" }] },
        });
      },
    };
  },
});

/** BuildKit cannot link layers for Windows images. */
function isWindowsStage(ref: string): boolean {
  return /windows|nanoserver|servercore|ltsc20/i.test(ref);
}

function firstLine(s: string): string {
  const line = s.split(/\r?\n/)[0].replace(/(?<!\s)\s*\\$/, "");
  return line.length > 80 ? line.slice(0, 77) + "..." : line;
}
