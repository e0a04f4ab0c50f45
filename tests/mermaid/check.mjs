// Parses every Mermaid chart of `cutoff timeouts --format mermaid` (Markdown on standard
// input) with Mermaid itself, and checks the layout Mermaid computes against the marks
// cutoff wrote: a task is `crit` exactly when, laid out by Mermaid, it ends past a budget
// that bounds it: the pipeline budget, and the tasks budget (tasks) or the finally budget
// from their start (finally tasks). Run by .ci/run with mermaid
// and jsdom from npm; prints one line per chart and exits 1 on the first mismatch.
import { JSDOM } from 'jsdom';
import fs from 'node:fs';

const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const k of ['Element', 'HTMLElement', 'SVGElement', 'Node', 'DOMParser']) {
  if (!(k in globalThis)) globalThis[k] = dom.window[k];
}
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

const markdown = fs.readFileSync(0, 'utf8');
const charts = [...markdown.matchAll(/^#### (.*)\n\n```mermaid\n([\s\S]*?)```/gm)];
if (charts.length === 0) {
  console.error('no chart on standard input');
  process.exit(1);
}
let failed = 0;
for (const [, heading, text] of charts) {
  let tasks;
  try {
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    tasks = diagram.db.getTasks();
  } catch (e) {
    console.error(`FAILED ${heading}: Mermaid cannot parse it: ${e.message}\n${text}`);
    failed++;
    continue;
  }
  const byId = Object.fromEntries(tasks.map((t) => [t.id, t]));
  const minutes = (d) => +d / 60000;
  const end = (id) => (byId[id] ? minutes(byId[id].endTime) : undefined);
  const tasksBudget = end('tasks_budget');
  const pipeline = end('pipeline');
  const finallyLength = byId.finally_budget
    ? minutes(byId.finally_budget.endTime) - minutes(byId.finally_budget.startTime)
    : undefined;
  const problems = [];
  for (const t of tasks) {
    if (!/^[tf]\d+$/.test(t.id) || t.milestone || /no timeout/.test(t.task)) continue;
    const e = minutes(t.endTime);
    let past;
    if (t.id.startsWith('t')) {
      past = (tasksBudget !== undefined && e > tasksBudget) || (pipeline !== undefined && e > pipeline);
    } else {
      const length = e - minutes(t.startTime);
      past = (finallyLength !== undefined && length > finallyLength) || (pipeline !== undefined && e > pipeline);
    }
    if (past !== !!t.crit) {
      problems.push(`${t.id} "${t.task.trim()}" ends at ${e - minutes(tasks[0].startTime)} min: crit=${!!t.crit}, Mermaid's layout says ${past}`);
    }
  }
  if (problems.length) {
    failed++;
    console.error(`FAILED ${heading}:\n  ${problems.join('\n  ')}\n${text}`);
  } else {
    console.log(`ok: ${heading} (${tasks.length} bars)`);
  }
}
console.log(`${charts.length - failed} of ${charts.length} charts parse and match Mermaid's layout`);
process.exit(failed ? 1 : 0);
