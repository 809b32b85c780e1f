// The pure part of the real-world benchmark: labels in, counts out. Kept
// apart from score.mjs so the unit test can check the arithmetic without
// spawning layerlint or reading a corpus.

/** A label or finding key: one rule at one line of one file. */
export function keyOf(rule, line) {
  return `${rule}@${line}`;
}

/**
 * Compares what layerlint reported for one file with its labels.
 * `labels` are `{ line, rule, verdict }` with verdict `tp` (a right finding),
 * `fp` (a wrong finding) or `fn` (a finding an expert expects that layerlint
 * missed when the file was labelled). tp and fn both mean "should be
 * reported", fp "should not": a fixed miss counts as a true positive and a
 * fixed false positive simply stops counting. Findings of other rules than
 * `cacheRules` are ignored; a reported finding with no label is unjudged.
 */
export function compareFile(labels, reported, cacheRules) {
  const rules = new Set(cacheRules);
  const expected = new Map();
  for (const l of labels) {
    if (!rules.has(l.rule)) continue;
    expected.set(keyOf(l.rule, l.line), l);
  }
  const seen = new Set();
  const outcomes = [];
  const unjudged = [];
  for (const f of reported) {
    if (!rules.has(f.rule)) continue;
    const key = keyOf(f.rule, f.line);
    if (seen.has(key)) continue;
    seen.add(key);
    const label = expected.get(key);
    if (!label) unjudged.push({ rule: f.rule, line: f.line, message: f.message ?? "" });
    else outcomes.push({ rule: f.rule, line: f.line, outcome: label.verdict === "fp" ? "fp" : "tp", label });
  }
  for (const [key, label] of expected) {
    if (seen.has(key) || label.verdict === "fp") continue;
    outcomes.push({ rule: label.rule, line: label.line, outcome: "fn", label });
  }
  return { outcomes, unjudged };
}

/** Adds up outcomes per rule; precision and recall are null when undefined (0/0). */
export function tally(outcomes, cacheRules) {
  const rows = new Map(cacheRules.map((r) => [r, { rule: r, tp: 0, fp: 0, fn: 0 }]));
  const total = { rule: "overall", tp: 0, fp: 0, fn: 0 };
  for (const o of outcomes) {
    const row = rows.get(o.rule);
    if (!row) continue;
    row[o.outcome]++;
    total[o.outcome]++;
  }
  const withRates = (r) => ({
    ...r,
    precision: r.tp + r.fp ? r.tp / (r.tp + r.fp) : null,
    recall: r.tp + r.fn ? r.tp / (r.tp + r.fn) : null,
  });
  return { rules: [...rows.values()].map(withRates), overall: withRates(total) };
}

/** A context path as the repository root sees it: no "./", no trailing "/", "." for the root. */
export function normalizeContext(path) {
  if (path === null || path === undefined) return null;
  let p = String(path).replace(/\\/g, "/").replace(/\/+$/, "");
  while (p.startsWith("./")) p = p.slice(2);
  p = p.replace(/\/\.\//g, "/").replace(/\/\.$/, "");
  return p === "" ? "." : p;
}

/**
 * Whether discovered builds agree with the declared ones, counted by the
 * declaring source. A declared build is found when a discovered build has the
 * same context (and the same target when the declaration names one). For a
 * file nothing declares (source "none"), the labelled context is the one an
 * expert infers from the files the COPY lines name, and it is compared the
 * same way.
 */
export function compareBuilds(declared, discovered) {
  const found = [];
  for (const d of declared) {
    const ctx = normalizeContext(d.context);
    const hit = discovered.some(
      (b) => normalizeContext(b.context) === ctx && (d.target == null || b.target == null || b.target === d.target),
    );
    found.push({ source: d.source, context: ctx, target: d.target ?? null, found: hit });
  }
  return found;
}

export function tallyBuilds(results) {
  const bySource = new Map();
  for (const r of results) {
    const row = bySource.get(r.source) ?? { source: r.source, declared: 0, agreed: 0 };
    row.declared++;
    if (r.found) row.agreed++;
    bySource.set(r.source, row);
  }
  return [...bySource.values()].sort((a, b) => b.declared - a.declared);
}

export function fmtRate(x) {
  return x === null ? "  -  " : x.toFixed(2);
}
