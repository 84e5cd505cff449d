import type { Command } from '../command.js';
import { configReference } from '../../config/reference.js';
import { MODELS, findModel } from '../../models/registry.js';
import { UsageError } from '../../util/errors.js';
import { parseFlags } from '../flags.js';

/** The listing: per model its name, summary and options table (key, type, default, description). */
export function modelsReference(names?: readonly string[]): string {
  const entries = names?.length ? names.map((n) => findModel(n) ?? bad(n)) : MODELS;
  return entries
    .map((m) => {
      const options = configReference(m.options, 'model');
      const body = options.split('\n').length > 3 ? options : '(no options)\n';
      return `## ${m.name}\n\n${m.summary}\n\nmodel.name: ${m.name}\n\n${body}`;
    })
    .join('\n');
}

function bad(name: string): never {
  throw new UsageError(`unknown model '${name}'; available: ${MODELS.map((m) => m.name).join(', ')}`);
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list the models and their options',
  usage: `Usage: slimctr models [NAME ...]

Lists every model of the zoo (or the named ones) with a one-line summary and its options as a
Markdown table: key, type, default, description. Set them in the config's model section or on
the command line (--model.embedding_dim=16).`,
  flags: [],
  async run(argv) {
    process.stdout.write(modelsReference(parseFlags('models', [], argv, { positionals: true }).positionals));
    return 0;
  },
};
