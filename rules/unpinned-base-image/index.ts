import { defineRule } from "../../src/engine/define.js";
import { argDeclarations, referencedVariables } from "../../src/model/index.js";
import type { Instruction, ParsedDockerfile } from "../../src/parse/index.js";

export default defineRule({
  id: "unpinned-base-image",
  meta: {
    description: "A FROM image without a tag or with the latest tag: a moved tag re-runs the whole stage",
    severity: "info",
    fixable: false,
    options: {
      requireDigest: {
        type: "boolean",
        default: false,
        description: "Also report FROM images that have a tag but no @sha256: digest",
      },
    },
    sources: { hadolint: ["DL3006", "DL3007"], buildkit: [], tally: ["hadolint/DL3006", "hadolint/DL3007"] },
  },
  messages: {
    untagged: (d: { ref: string; via: string }) =>
      `\`${d.ref}\`${d.via} has no tag, so it means \`latest\`: when that tag moves, every step of the stage re-runs and the image changes with no Dockerfile change; pin a version tag`,
    latest: (d: { ref: string; via: string }) =>
      `\`${d.ref}\`${d.via} follows \`latest\`: when that tag moves, every step of the stage re-runs and the image changes with no Dockerfile change; pin a version tag`,
    noDigest: (d: { ref: string; via: string }) =>
      `\`${d.ref}\`${d.via} has no digest: if the tag is re-pushed, every step of the stage re-runs; pin it with \`@sha256:...\``,
  },
  create(ctx) {
    const { model } = ctx;
    return {
      FROM(ins: Instruction) {
        if (ins.onbuild) return;
        const info = model.info(ins);
        const image = info?.inputs.image;
        if (!info || !image || image.stage || info.stage.baseStage) return;
        const ref = image.ref;
        // An unset ARG leaves the reference unknown; `scratch` is no image.
        if (ref === "" || ref.includes("$") || ref.toLowerCase() === "scratch") return;
        // A placeholder (`REPLACE-ME`, `gcr.io/<project>/app`) is no image reference at all: the build fails on it, whatever its tag.
        if (!isReference(ref)) return;
        if (hasUnsetVariable(ctx.file, info.stage.base)) return;
        // `FROM ${BASE}` may name an earlier stage once expanded.
        const named = model.stage(ref);
        if (named && named.index < info.stage.index && named.name !== null) return;
        if (image.digest) return;
        const data = { ref, via: ref === info.stage.base ? "" : ` (from \`${info.stage.base}\`)` };
        if (image.tag === null) ctx.report({ node: ins, message: ctx.messages.untagged(data) });
        else if (image.tag === "latest") ctx.report({ node: ins, message: ctx.messages.latest(data) });
        else if (ctx.options.requireDigest) ctx.report({ node: ins, message: ctx.messages.noDigest(data) });
      },
    };
  },
});

/**
 * Whether a text can be an image reference: a registry host (any case),
 * lower-case repository path components, an optional tag and digest.
 */
function isReference(ref: string): boolean {
  const at = ref.indexOf("@");
  const name = at === -1 ? ref : ref.slice(0, at);
  const lastSlash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const repo = colon > lastSlash ? name.slice(0, colon) : name;
  const parts = repo.split("/");
  // The first part is a registry host when it has a dot or a port, or is localhost.
  const path = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.slice(1) : parts;
  return path.length > 0 && path.every((p) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(p));
}

/**
 * Whether the reference uses a global ARG with no default: its value comes
 * from `--build-arg`, so the tag the build uses is unknown here.
 */
function hasUnsetVariable(file: ParsedDockerfile, base: string): boolean {
  if (!base.includes("$")) return false;
  const defaults = new Map<string, string | undefined>();
  for (const ins of file.globalArgs) for (const a of argDeclarations(ins)) defaults.set(a.name, a.defaultValue);
  for (const name of referencedVariables(base)) {
    const value = defaults.get(name);
    if (value === undefined || value === "") return true;
  }
  return false;
}
