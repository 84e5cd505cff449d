/** Splitting one delimited text line into cells; no Node built-ins, so the browser page uses it too. */

/** Splits one header/first line into strings (quotes handled like the data rows). */
export function splitLine(line: string, sep: string, quotes: boolean): string[] {
  if (!quotes || !line.includes('"')) return line.split(sep);
  const out: string[] = [];
  let cur = '';
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inQ) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else inQ = false;
      } else cur += ch;
    } else if (ch === '"' && cur === '') inQ = true;
    else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
