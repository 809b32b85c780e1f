import type { ImpactReport, ImpactStep } from "./index.js";

/** The JSON contract: `{ dockerfile, commits, steps: [{ line, step, instruction, costClass, reruns, rerunsAfterFix }], stepsAfterFix: [{ line, step, instruction, costClass, reruns }] }`. */
export function toJson(r: ImpactReport): string {
  return (
    JSON.stringify(
      {
        dockerfile: r.dockerfile,
        commits: r.commits,
        steps: r.steps.map((s) => ({
          line: s.line,
          step: s.step,
          instruction: s.instruction,
          costClass: s.costClass,
          reruns: s.reruns,
          rerunsAfterFix: s.rerunsAfterFix,
        })),
        stepsAfterFix: r.stepsAfterFix.map((s) => ({ line: s.line, step: s.step, instruction: s.instruction, costClass: s.costClass, reruns: s.reruns })),
      },
      null,
      2,
    ) + "\n"
  );
}

const ratio = (n: number | null, of: number): string => (n === null ? "rewritten" : `${n}/${of}`);

export function toTable(r: ImpactReport): string {
  const rows = r.steps.map((s) => [s.step, s.instruction, s.costClass, ratio(s.reruns, r.commits), ratio(s.rerunsAfterFix, r.commits)]);
  const head = ["step", "instruction", "cost", "re-ran", "after fixes"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const fixedRows = r.stepsAfterFix.map((s) => [s.step, s.instruction, s.costClass, ratio(s.reruns, r.commits), ""]);
  const after = fixedRows.length > 0 ? ["", "after fixes:", ...fixedRows.map((row) => line(row.map((c, i) => (i === 1 ? c.slice(0, widths[1]) : c))))] : [];
  return [`${r.dockerfile}: ${r.commits} commit${r.commits === 1 ? "" : "s"} replayed`, line(head), ...rows.map(line), ...after, ...summary(r)].join("\n") + "\n";
}

export function toMarkdown(r: ImpactReport): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|").replace(/`/g, "'");
  return [
    `### layerlint impact: \`${esc(r.dockerfile)}\``,
    "",
    `Replayed the last ${r.commits} commit${r.commits === 1 ? "" : "s"} that touched the build context.`,
    "",
    "| step | instruction | cost | re-ran | after fixes |",
    "| --- | --- | --- | ---: | ---: |",
    ...r.steps.map((s) => `| ${esc(s.step)} | \`${esc(s.instruction)}\` | ${s.costClass} | ${ratio(s.reruns, r.commits)} | ${ratio(s.rerunsAfterFix, r.commits)} |`),
    "",
    ...(r.stepsAfterFix.length > 0
      ? ["The Dockerfile after `layerlint --fix`:", "", "| step | instruction | cost | re-ran |", "| --- | --- | --- | ---: |", ...r.stepsAfterFix.map((s) => `| ${esc(s.step)} | \`${esc(s.instruction)}\` | ${s.costClass} | ${ratio(s.reruns, r.commits)} |`), ""]
      : []),
    ...summary(r).map((l) => `> ${l}`),
    "",
  ].join("\n");
}

/** The expensive steps in words: "`RUN npm ci`: re-ran in 47 of 50 commits; after fixes: 2 of 50". */
function summary(r: ImpactReport): string[] {
  const costly = r.steps.filter((s) => s.costClass !== "cheap" && s.reruns > 0);
  if (costly.length === 0) return ["No expensive step re-ran in these commits."];
  return costly.map(
    (s) =>
      `\`${s.instruction}\`: re-ran in ${s.reruns} of ${r.commits} commits` +
      (s.rerunsAfterFix === null ? "; rewritten by the fixes" : s.rerunsAfterFix !== s.reruns ? `; after fixes: ${s.rerunsAfterFix} of ${r.commits}` : ""),
  );
}

const htmlEsc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Green for a step that stays cached, through amber, to red for one that re-runs on every commit. */
function heat(n: number | null, of: number): string {
  if (n === null || of === 0) return "#d0d4da";
  const t = n / of;
  const hue = Math.round(120 * (1 - t));
  return `hsl(${hue} 70% ${t === 0 ? 80 : 62}%)`;
}

/**
 * A self-contained page (no network, no script): per stage, the layer
 * stack as two columns — before and after the fixes — each step coloured
 * by how often it re-ran.
 */
export function toHtml(r: ImpactReport): string {
  const stages = new Map<string, ImpactStep[]>();
  for (const s of r.steps) stages.set(s.stage, [...(stages.get(s.stage) ?? []), s]);
  const stack = (steps: ImpactStep[], pick: (s: ImpactStep) => number | null, title: string): string =>
    `<div class="stack"><h3>${title}</h3>${[...steps]
      .reverse()
      .map(
        (s) =>
          `<div class="layer" style="background:${heat(pick(s), r.commits)}" title="${htmlEsc(s.instruction)}"><span class="label">${htmlEsc(s.step)}</span> <code>${htmlEsc(s.instruction)}</code><span class="count">${ratio(pick(s), r.commits)}</span></div>`,
      )
      .join("")}<div class="layer base">base image</div></div>`;
  const sections = [...stages.entries()]
    .map(
      ([name, steps]) =>
        `<section><h2>${stages.size === 1 ? "layers" : `stage ${htmlEsc(name)}`}</h2><div class="pair">${stack(steps, (s) => s.reruns, "now")}${stack(steps, (s) => s.rerunsAfterFix, "after fixes")}</div></section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>layerlint impact: ${htmlEsc(r.dockerfile)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d232b;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin:24px 0 8px}h3{font-size:13px;margin:0 0 6px;color:#555}
.pair{display:flex;gap:24px;flex-wrap:wrap}.stack{flex:1;min-width:320px}
.layer{display:flex;gap:8px;align-items:center;padding:6px 10px;margin:2px 0;border-radius:4px;border:1px solid rgba(0,0,0,.12)}
.layer code{flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:12px}
.label{font-family:monospace;font-size:12px;color:#333}.count{font-weight:600;font-variant-numeric:tabular-nums}
.base{background:#eceff3;color:#666;justify-content:center}
.legend span{display:inline-block;padding:2px 8px;margin-right:4px;border-radius:3px}
</style></head><body>
<h1>layerlint impact: <code>${htmlEsc(r.dockerfile)}</code></h1>
<p>${r.commits} commit${r.commits === 1 ? "" : "s"} that touched the build context, replayed through the cache model. Each box is a build step (the base image at the bottom); its colour says how often it re-ran.</p>
<p class="legend"><span style="background:${heat(0, 1)}">never</span><span style="background:${heat(1, 2)}">half the commits</span><span style="background:${heat(1, 1)}">every commit</span></p>
${sections}
<ul>${summary(r).map((l) => `<li>${htmlEsc(l).replace(/`([^`]*)`/g, "<code>$1</code>")}</li>`).join("")}</ul>
</body></html>
`;
}
