/**
 * The config reference as a Markdown table generated from the schema itself (key, type, default,
 * description from `.describe()` / `.meta({ description })`), so docs cannot drift from code.
 */
import type { z } from 'zod';
import { objectShape, typeLabel, unwrap } from './schema_walk.js';

export interface ReferenceRow {
  key: string;
  type: string;
  default: string;
  description: string;
}

/** One row per leaf key, nested objects flattened to dotted keys, in declaration order. */
export function referenceRows(schema: z.ZodType, prefix = ''): ReferenceRow[] {
  const shape = objectShape(schema);
  if (!shape) throw new Error('internal: referenceRows: the schema must be an object schema (every section is one)');
  const rows: ReferenceRow[] = [];
  for (const [name, field] of Object.entries(shape)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (objectShape(field)) {
      rows.push(...referenceRows(field, key));
      continue;
    }
    const u = unwrap(field);
    rows.push({
      key,
      type: typeLabel(field),
      default: u.hasDefault ? JSON.stringify(u.default) : u.optional ? '(unset)' : '(required)',
      description: u.description ?? '',
    });
  }
  return rows;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The Markdown table for `schema`; `prefix` puts keys under a section name (e.g. "training"). */
export function configReference(schema: z.ZodType, prefix = ''): string {
  const rows = referenceRows(schema, prefix);
  const lines = ['| key | type | default | description |', '|---|---|---|---|'];
  for (const r of rows) {
    const def = r.default.startsWith('(') ? r.default : `\`${r.default}\``;
    lines.push(`| \`${cell(r.key)}\` | ${cell(r.type)} | ${cell(def)} | ${cell(r.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}
