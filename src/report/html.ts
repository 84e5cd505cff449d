/** A self-contained HTML report: a title, notes, tables and inline SVG charts. */
export interface HtmlTable {
  caption: string;
  columns: string[];
  rows: (string | number)[][];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function htmlReport(title: string, notes: string[], tables: HtmlTable[], charts: string[]): string {
  const table = (t: HtmlTable): string =>
    `<table><caption>${esc(t.caption)}</caption><thead><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>` +
    `<tbody>${t.rows.map((r) => `<tr>${r.map((v) => `<td>${esc(String(v))}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1000px; color: #222; }
table { border-collapse: collapse; margin: 1rem 0 2rem; }
caption { text-align: left; font-weight: 600; margin-bottom: .4rem; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.charts svg { margin: 0 1rem 1rem 0; border: 1px solid #eee; }
</style></head><body>
<h1>${esc(title)}</h1>
${notes.map((n) => `<p>${esc(n)}</p>`).join('\n')}
${tables.map(table).join('\n')}
<div class="charts">${charts.join('\n')}</div>
</body></html>
`;
}
