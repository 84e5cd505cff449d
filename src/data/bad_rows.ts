/** The bad-row policy: stop at the first bad row (default) or skip, count and keep examples. */
import { DataError } from '../util/errors.js';

export type BadRowPolicy = 'error' | 'skip';

export class BadRows {
  count = 0;
  readonly examples: DataError[] = [];

  constructor(
    readonly policy: BadRowPolicy = 'error',
    readonly maxExamples = 5,
  ) {}

  /** Records a bad row; throws the DataError when the policy is 'error'. */
  report(file: string, line: number, column: number, detail: string, snippet = ''): void {
    const err = new DataError(file, line, column, detail, snippet);
    if (this.policy === 'error') throw err;
    this.count++;
    // Keep the earliest lines: parse errors of a chunk are found before its encoding errors.
    const ex = this.examples;
    if (ex.length >= this.maxExamples && !earlier(err, ex[ex.length - 1])) return;
    ex.push(err);
    ex.sort((a, b) => (earlier(a, b) ? -1 : earlier(b, a) ? 1 : 0));
    if (ex.length > this.maxExamples) ex.pop();
  }

  /** What metrics.jsonl records: the count and the first examples' messages. */
  record(): { count: number; examples: string[] } {
    return { count: this.count, examples: this.examples.map((e) => e.message) };
  }

  /** One paragraph for the end of a run: how many rows were skipped and the first examples. */
  summary(): string {
    if (this.count === 0) return 'bad rows: 0';
    const lines = this.examples.map((e) => `  ${e.message.replace(/\n/g, '\n  ')}`);
    const more = this.count > this.examples.length ? `\n  ... and ${this.count - this.examples.length} more` : '';
    return `bad rows: ${this.count} skipped; first ${this.examples.length}:\n${lines.join('\n')}${more}`;
  }
}

function earlier(a: DataError, b: DataError): boolean {
  return a.file === b.file ? a.line < b.line : false;
}
