import { describeKind, type CacheModel, type CopySource, type StepInfo } from "../model/index.js";
import type { Instruction } from "../parse/index.js";

/**
 * What an instruction is to the build cache, as Markdown: its kind, its
 * `[stage i/n]` label and what its cache key is made of (cache-semantics.md).
 */
export function describeInstruction(model: CacheModel, ins: Instruction): string {
  const info = model.info(ins);
  const keyword = `**${ins.keyword}**`;
  if (!info) {
    if (ins.stage === null && ins.keyword === "ARG") return `${keyword} · global build argument, before the first FROM\n\nUsable in FROM lines; a stage sees it only if it declares it again with \`ARG\`.`;
    return `${keyword} · ${ins.onbuild ? "ONBUILD trigger: runs in builds that use this image as their base" : "not part of a stage"}`;
  }
  const head = [keyword, info.kind ? describeKind(info.kind) : "unknown instruction", info.label ? `step \`${info.label}\`` : null].filter(Boolean).join(" · ");
  const lines = info.kind === "metadata" || info.kind === null ? metadataEffect(info) : keyParts(model, info);
  return [head, ...lines].join("\n\n");
}

function keyParts(model: CacheModel, info: StepInfo): string[] {
  const { inputs, instruction: ins } = info;
  const key: string[] = [];
  const notKey: string[] = [];
  if (inputs.parent) key.push(`the previous step ${stepName(model, inputs.parent)}: if it re-runs with a different result, this step re-runs`);
  switch (ins.keyword) {
    case "FROM": {
      const image = inputs.image;
      if (image?.stage) key.push(`the result of stage \`${image.stage.name ?? image.stage.index}\``);
      else if (image?.digest) key.push(`the image \`${image.ref}\`, pinned by its digest`);
      else if (image) key.push(`the image \`${image.ref}\` as its tag resolves when the base is pulled: a moved tag re-runs every step of the stage`);
      key.push("every later step of the stage builds on it");
      break;
    }
    case "RUN": {
      key.push(ins.heredocs.length > 0 ? "the command text, heredoc bodies included" : "the command text");
      const args = inputs.args ?? [];
      if (args.length > 0) key.push(`build args declared earlier in the stage: ${codeList(args.map((a) => (a.value === undefined ? a.name : `${a.name}=${a.value}`)))} (a new value re-runs this step, even if the command never reads it)`);
      const env = inputs.envValues ? Object.entries(inputs.envValues).map(([k, v]) => `${k}=${v}`) : (inputs.env ?? []);
      if (env.length > 0) key.push(`the environment: ${codeList(env)}`);
      if (inputs.user) key.push(`\`USER ${inputs.user}\``);
      key.push(`\`WORKDIR ${inputs.workdir ?? "/"}\``);
      if (inputs.shell) key.push(`\`SHELL ${JSON.stringify(inputs.shell)}\``);
      if (inputs.network !== null && inputs.network !== undefined) key.push(`\`--network=${inputs.network}\``);
      for (const m of inputs.bindMounts ?? []) key.push(`the content of the bind mount ${m.from ? `from \`${m.from}\` ` : ""}\`${m.source ?? "."}\`${m.target ? ` at \`${m.target}\`` : ""}`);
      for (const m of inputs.unkeyedMounts ?? []) notKey.push(`the \`type=${m.type}\` mount${m.target ? ` at \`${m.target}\`` : ""}`);
      break;
    }
    case "COPY":
    case "ADD":
      key.push(...(inputs.sources ?? []).map((s) => sourcePart(model, ins, s, inputs.fromStage?.name ?? inputs.fromImage ?? null)));
      if (inputs.sources?.some((s) => s.kind === "context")) {
        key.push(model.context.ignoreFile ? `\`${model.context.ignoreFile}\` decides which files count` : "no `.dockerignore`: every file under the source paths counts");
        notKey.push("modification times (`touch` changes nothing)");
      }
      if (inputs.destination) key.push(`the destination \`${inputs.destination}\``);
      break;
    case "WORKDIR":
      key.push(`the path \`${inputs.destination ?? ins.argText}\``);
      break;
  }
  const out = [`Cache key:\n${key.map((k) => `- ${k}`).join("\n")}`];
  if (notKey.length > 0) out.push(`Not in the key: ${notKey.join("; ")}`);
  // What BuildKit sees once variables are substituted: often the surprise is there.
  if (inputs.resolved && inputs.resolved !== ins.source) out.push(`As BuildKit keys it:\n\`\`\`dockerfile\n${clip(inputs.resolved, 600).replace(/`{3,}/g, "'''")}\n\`\`\``);
  return out;
}

function sourcePart(model: CacheModel, ins: Instruction, s: CopySource, from: string | null): string {
  switch (s.kind) {
    case "context": {
      const files = model.copiedFiles(ins);
      const count = files ? ` (${files.length} file${files.length === 1 ? "" : "s"} in the context now)` : "";
      return `the content and mode of the context files \`${s.path}\` selects${count}`;
    }
    case "stage":
      return `the content of \`${s.path}\` in stage \`${from ?? "?"}\` (the same bytes keep this step cached even when that stage re-ran)`;
    case "image":
      return `the content of \`${s.path}\` in the image \`${from ?? "?"}\``;
    case "url":
      return ins.flags.some((f) => f.name.toLowerCase() === "checksum")
        ? `the download \`${s.path}\`, pinned by \`--checksum\``
        : `the content of \`${s.path}\`, fetched again on every build`;
    case "git":
      return `the commit \`${s.path}\` points to, fetched on every build`;
    case "heredoc":
      return `the heredoc text \`${s.path}\``;
  }
}

function metadataEffect(info: StepInfo): string[] {
  const ins = info.instruction;
  const note = "Not a build step: it never re-runs and makes no layer.";
  switch (ins.keyword) {
    case "ARG":
      return [note, "Every later RUN of this stage has these build args in its cache key: a new value re-runs them all, used or not. Declare it just before its first use."];
    case "ENV":
      return [note, "The environment it sets is in the cache key of every later RUN in this stage and in stages built on it."];
    case "USER":
    case "SHELL":
      return [note, `Every later RUN of this stage has \`${ins.keyword}\` in its cache key.`];
    case "ONBUILD":
      return [note, "Its trigger runs when another build uses this image as its base."];
    default:
      return info.kind === null ? ["BuildKit does not know this instruction."] : [note, "It only sets the image configuration."];
  }
}

function stepName(model: CacheModel, ins: Instruction): string {
  const label = model.info(ins)?.label;
  const text = ins.source.split(/\r?\n/)[0].replace(/(?<!\s)\s*\\$/, "");
  const short = text.length > 50 ? text.slice(0, 47) + "..." : text;
  return `${label ? `\`${label}\` ` : ""}\`${short.replace(/`/g, "'")}\``;
}

function codeList(items: readonly string[]): string {
  return [...new Set(items)].map((i) => `\`${i}\``).join(", ");
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 3) + "..." : text;
}
