// The text form of a preview report: per table an aligned table of rows, then its error
// records, then its counters; sinks and unrouted lines last.
import type { Plain } from '../../runtime/display.ts';
import type { PreviewError, PreviewReport, PreviewTable } from '../../runtime/preview.ts';

const MAX_CELL = 40;
const MAX_RAW = 100;

/** One line of text: control characters made visible, cut to `max` characters. */
export function oneLine(text: string, max: number): string {
  const visible = text.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const chars = [...visible];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : visible;
}

function cell(v: Plain): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return oneLine(v, MAX_CELL);
  if (typeof v === 'object') return oneLine(JSON.stringify(v), MAX_CELL);
  return String(v);
}

function width(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    // CJK, Hangul, fullwidth forms and emoji take two columns in a terminal.
    n +=
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0x1f300 && cp <= 0x1faff)
        ? 2
        : 1;
  }
  return n;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

/** An aligned text table; numeric columns are right-aligned. */
export function textTable(headers: string[], rows: Plain[][]): string {
  const cells = rows.map((r) => r.map(cell));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number'),
  );
  const widths = headers.map((h, i) => Math.max(width(h), ...cells.map((r) => width(r[i]!))));
  const line = (r: string[]) =>
    r
      .map((c, i) => pad(c, widths[i]!, numeric[i]!))
      .join(' | ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)].join('\n');
}

function errorLines(errors: PreviewError[], limit: number): string[] {
  const out: string[] = [];
  for (const e of errors.slice(0, limit)) {
    const where = e.line === null ? '' : `line ${e.line}  `;
    const field = e.field === undefined ? '' : `  [${e.field}]`;
    out.push(`  ${where}${e.code}${field}  ${e.message}`);
    out.push(`      raw: ${oneLine(e.raw, MAX_RAW)}`);
  }
  if (errors.length > limit) out.push(`  … ${errors.length - limit} more`);
  return out;
}

function counterLine(t: PreviewTable): string {
  const c = t.counters;
  const user = Object.entries(c.user).map(([k, v]) => `${k}=${v}`);
  return `  in ${c.recordsIn}, out ${c.recordsOut}, dropped ${c.recordsDropped}, errored ${c.recordsErrored}${user.length ? `; counters: ${user.join(', ')}` : ''}`;
}

export function renderReport(report: PreviewReport, limit: number): string {
  const out: string[] = [];
  for (const [name, t] of Object.entries(report.tables)) {
    out.push(`== table ${name} (source ${t.source})`);
    if (t.rows.length === 0) out.push('  (no rows)');
    else {
      const shown = t.rows.slice(0, limit);
      const headers = t.columns.map((c) => c.name);
      out.push(
        textTable(
          headers,
          shown.map((r) => headers.map((h) => r[h] ?? null)),
        ),
      );
      if (t.rows.length > limit) out.push(`… ${t.rows.length - limit} more rows (--limit)`);
    }
    if (t.errors.length > 0) {
      out.push(`errors (${t.errors.length}):`);
      out.push(...errorLines(t.errors, limit));
    }
    out.push(counterLine(t), '');
  }
  const sinks = Object.entries(report.sinks);
  if (sinks.length > 0) {
    out.push('== sinks');
    const w = Math.max(...sinks.map(([n]) => n.length));
    for (const [name, s] of sinks) {
      out.push(
        `  ${name.padEnd(w)}  (table ${s.table}) in ${s.recordsIn}, out ${s.recordsOut}, dropped ${s.recordsDropped}`,
      );
    }
    out.push('');
  }
  for (const [name, s] of Object.entries(report.sources)) {
    if (s.unrouted > 0) out.push(`source ${name}: ${s.unrouted} line(s) matched no table's filter`);
    if (s.errors.length > 0) {
      out.push(`source ${name}: ${s.errors.length} line(s) failed before routing:`);
      out.push(...errorLines(s.errors, limit));
    }
  }
  return out.join('\n').trimEnd();
}
