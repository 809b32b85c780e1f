import type { ImpactReport, ImpactStep } from "./index.js";

/**
 * The JSON contract: `{ dockerfile, commits, steps: [{ line, step, instruction, costClass, reruns, rerunsAfterFix }], stepsAfterFix: [{ line, step, instruction, costClass, reruns }] }`;
 * with `--timings`, each step adds `seconds` and the top `secondsRerun` and `secondsRerunAfterFix`.
 */
export function toJson(r: ImpactReport): string {
  const timed = hasTimings(r);
  return (
    JSON.stringify(
      {
        dockerfile: r.dockerfile,
        commits: r.commits,
        ...(timed ? { secondsRerun: r.secondsRerun, secondsRerunAfterFix: r.secondsRerunAfterFix } : {}),
        steps: r.steps.map((s) => ({
          line: s.line,
          step: s.step,
          instruction: s.instruction,
          costClass: s.costClass,
          reruns: s.reruns,
          rerunsAfterFix: s.rerunsAfterFix,
          ...(timed ? { seconds: s.seconds ?? null } : {}),
        })),
        stepsAfterFix: r.stepsAfterFix.map((s) => ({ line: s.line, step: s.step, instruction: s.instruction, costClass: s.costClass, reruns: s.reruns })),
      },
      null,
      2,
    ) + "\n"
  );
}

function hasTimings(r: ImpactReport): r is ImpactReport & { secondsRerun: number; secondsRerunAfterFix: number } {
  return r.secondsRerun !== undefined && r.secondsRerunAfterFix !== undefined;
}

const secs = (n: number): string => `${n < 10 ? n.toFixed(1) : Math.round(n).toString()} s`;

/** The time headline: "Fixes save 22.4 s of 30.1 s of re-runs over 10 commits (74%)". */
function timeSaved(r: ImpactReport): string | null {
  if (!hasTimings(r)) return null;
  const saved = Math.max(0, r.secondsRerun - r.secondsRerunAfterFix);
  const pct = r.secondsRerun > 0 ? ` (${Math.round((saved / r.secondsRerun) * 100)}%)` : "";
  return `Time saved by the fixes: ${secs(saved)} of ${secs(r.secondsRerun)} spent re-running steps over ${r.commits} commit${r.commits === 1 ? "" : "s"}${pct}; after fixes ${secs(r.secondsRerunAfterFix)}.`;
}

/** "`RUN npm ci`: 3.2 s × 9 of 10 commits = 28.8 s; after fixes 6.4 s". */
function timeLine(s: ImpactStep, commits: number): string | null {
  if (s.seconds === undefined || s.seconds === null || s.reruns === 0) return null;
  const after = s.seconds * (s.rerunsAfterFix ?? s.reruns);
  return `\`${s.instruction}\`: ${secs(s.seconds)} × ${s.reruns} of ${commits} commits = ${secs(s.seconds * s.reruns)}; after fixes ${secs(after)}`;
}

const ratio = (n: number | null, of: number): string => (n === null ? "rewritten" : `${n}/${of}`);

export function toTable(r: ImpactReport): string {
  const timed = hasTimings(r);
  const rows = r.steps.map((s) => [
    s.step,
    s.instruction,
    s.costClass,
    ratio(s.reruns, r.commits),
    ratio(s.rerunsAfterFix, r.commits),
    ...(timed ? [s.seconds === null || s.seconds === undefined ? "-" : secs(s.seconds)] : []),
  ]);
  const head = ["step", "instruction", "cost", "re-ran", "after fixes", ...(timed ? ["one run"] : [])];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const saved = timeSaved(r);
  const fixedRows = r.stepsAfterFix.map((s) => [s.step, s.instruction, s.costClass, ratio(s.reruns, r.commits), ""]);
  const after = fixedRows.length > 0 ? ["", "after fixes:", ...fixedRows.map((row) => line(row.map((c, i) => (i === 1 ? c.slice(0, widths[1]) : c))))] : [];
  return [`${r.dockerfile}: ${r.commits} commit${r.commits === 1 ? "" : "s"} replayed`, ...(saved ? [saved] : []), line(head), ...rows.map(line), ...after, ...summary(r)].join("\n") + "\n";
}

export function toMarkdown(r: ImpactReport): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|").replace(/`/g, "'");
  const saved = timeSaved(r);
  const timed = hasTimings(r);
  return [
    `### layerlint impact: \`${esc(r.dockerfile)}\``,
    "",
    ...(saved ? [`**${saved}**`, ""] : []),
    `Replayed the last ${r.commits} commit${r.commits === 1 ? "" : "s"} that touched the build context.`,
    "",
    `| step | instruction | cost | re-ran | after fixes |${timed ? " one run |" : ""}`,
    `| --- | --- | --- | ---: | ---: |${timed ? " ---: |" : ""}`,
    ...r.steps.map(
      (s) =>
        `| ${esc(s.step)} | \`${esc(s.instruction)}\` | ${s.costClass} | ${ratio(s.reruns, r.commits)} | ${ratio(s.rerunsAfterFix, r.commits)} |` +
        (timed ? ` ${s.seconds === null || s.seconds === undefined ? "-" : secs(s.seconds)} |` : ""),
    ),
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
  if (hasTimings(r)) {
    const timed = r.steps
      .filter((s) => (s.seconds ?? 0) > 0 && s.reruns > 0)
      .sort((a, b) => (b.seconds ?? 0) * b.reruns - (a.seconds ?? 0) * a.reruns)
      .map((s) => timeLine(s, r.commits))
      .filter((l): l is string => l !== null);
    if (timed.length > 0) return timed;
  }
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
  const timed = hasTimings(r);
  // Each step's share of the time spent re-running steps before the fixes, so both columns use one scale.
  const share = (s: ImpactStep, runs: number | null): string => {
    if (!timed || s.seconds === null || s.seconds === undefined) return "";
    const spent = s.seconds * (runs ?? s.reruns);
    const pct = r.secondsRerun > 0 ? (spent / r.secondsRerun) * 100 : 0;
    return `<span class="share" title="${secs(spent)}, ${pct.toFixed(0)}% of the re-run time before the fixes"><span class="bar" style="width:${Math.min(100, pct).toFixed(1)}%"></span></span><span class="time">${secs(spent)}</span>`;
  };
  const stack = (steps: ImpactStep[], pick: (s: ImpactStep) => number | null, title: string): string =>
    `<div class="stack"><h3>${title}</h3>${[...steps]
      .reverse()
      .map(
        (s) =>
          `<div class="layer" style="background:${heat(pick(s), r.commits)}" title="${htmlEsc(s.instruction)}"><span class="label">${htmlEsc(s.step)}</span> <code>${htmlEsc(s.instruction)}</code>${share(s, pick(s))}<span class="count">${ratio(pick(s), r.commits)}</span></div>`,
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
.share{width:80px;height:8px;background:rgba(0,0,0,.1);border-radius:4px;overflow:hidden}.bar{display:block;height:100%;background:#1d232b}
.time{font-size:12px;font-variant-numeric:tabular-nums;min-width:48px;text-align:right}.saved{font-size:16px;font-weight:600}
</style></head><body>
<h1>layerlint impact: <code>${htmlEsc(r.dockerfile)}</code></h1>
${timeSaved(r) ? `<p class="saved">${htmlEsc(timeSaved(r) ?? "")}</p>\n` : ""}<p>${r.commits} commit${r.commits === 1 ? "" : "s"} that touched the build context, replayed through the cache model. Each box is a build step (the base image at the bottom); its colour says how often it re-ran.</p>
<p class="legend"><span style="background:${heat(0, 1)}">never</span><span style="background:${heat(1, 2)}">half the commits</span><span style="background:${heat(1, 1)}">every commit</span></p>
${sections}
<ul>${summary(r).map((l) => `<li>${htmlEsc(l).replace(/`([^`]*)`/g, "<code>$1</code>")}</li>`).join("")}</ul>
</body></html>
`;
}
