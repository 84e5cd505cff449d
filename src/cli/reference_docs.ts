/**
 * Reference documentation generated from the code, so it cannot drift: the YAML config
 * reference (from the zod schemas), the model zoo's options and the CLI reference (every
 * command's --help text). `npm run docs` writes docs/config.md and docs/cli.md; a test fails
 * when the committed files differ from what the code says.
 */
import { configReference } from '../config/reference.js';
import { trainingSchema } from '../config/training.js';
import { datasetSchema, featuresSchema } from '../data/index.js';
import { runSchema } from '../train/config.js';
import { commands } from './commands/index.js';
import { modelsReference } from './commands/models.js';

export function configMarkdown(): string {
  return [
    '# Config reference',
    '',
    'Generated from the schemas by `npm run docs` (do not edit by hand). A config is one YAML file',
    'with the sections below; any key can be overridden on the command line (`--training.lr=1e-3`).',
    '',
    '## dataset',
    '',
    configReference(datasetSchema, 'dataset'),
    '## features',
    '',
    configReference(featuresSchema, 'features'),
    '## training',
    '',
    configReference(trainingSchema, 'training'),
    '## run',
    '',
    configReference(runSchema, 'run'),
    '## model',
    '',
    "The `model` section is `name` plus that model's options:",
    '',
    modelsReference().replace(/^## /gm, '### '),
  ].join('\n');
}

export function cliMarkdown(): string {
  return [
    '# CLI reference',
    '',
    "Generated from each command's `--help` by `npm run docs` (do not edit by hand).",
    '',
    ...commands.map((c) => `## slimctr ${c.name}\n\n${c.summary}\n\n\`\`\`\n${c.usage.trimEnd()}\n\`\`\`\n`),
  ].join('\n');
}
