import { defineRule } from "../../src/engine/define.js";
import { flagValue, type CacheModel } from "../../src/model/index.js";
import { isWindowsStage } from "../../src/model/windows.js";
import type { Instruction, Stage } from "../../src/parse/index.js";

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
    // Both depend only on the target stage: worked out once per file, at the first COPY --from.
    let windows: boolean | undefined;
    let emptyBase: boolean | undefined;
    return {
      COPY(ins: Instruction) {
        const target = model.target;
        if (ins.onbuild || !target || ins.stage !== target) return;
        if (flagValue(ins, "from") === null || flagValue(ins, "link") !== null) return;
        // BuildKit cannot link layers for Windows images.
        if ((windows ??= isWindowsStage(model, target))) return;
        // The first step on an empty base that never changes (scratch): its key
        // is already only the copied files, so --link gains nothing.
        if (model.info(ins)?.inputs.parent === null && (emptyBase ??= startsEmpty(model, target))) return;
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

/**
 * Whether a stage starts from an empty filesystem: `FROM scratch`, or FROM a
 * stage that itself starts empty and has no step (no layer, no WORKDIR, no
 * ONBUILD trigger run: the model counts all of them as steps below later ones).
 */
function startsEmpty(model: CacheModel, stage: Stage): boolean {
  for (let s = stage; ; ) {
    const base = model.baseStage(s);
    if (!base) return (model.info(s.from)?.inputs.image?.ref ?? s.base).toLowerCase() === "scratch";
    if (model.stageInfos(base).some((i) => i.step !== null)) return false;
    s = base;
  }
}

function firstLine(s: string): string {
  const line = s.split(/\r?\n/)[0].replace(/(?<!\s)\s*\\$/, "");
  return line.length > 80 ? line.slice(0, 77) + "..." : line;
}
