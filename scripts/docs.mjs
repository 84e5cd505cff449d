// Writes the generated reference docs (docs/config.md, docs/cli.md) from the compiled code.
import { writeFileSync, mkdirSync } from 'node:fs';
import { cliMarkdown, configMarkdown } from '../dist/src/cli/reference_docs.js';

mkdirSync('docs', { recursive: true });
writeFileSync('docs/config.md', configMarkdown());
writeFileSync('docs/cli.md', cliMarkdown());
console.log('wrote docs/config.md, docs/cli.md');
