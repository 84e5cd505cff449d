import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { configReference, referenceRows } from '../../src/config/reference.js';
import { trainingSchema } from '../../src/config/training.js';

test('the reference table lists every key with type, default and description', () => {
  const md = configReference(trainingSchema, 'training');
  const lines = md.trim().split('\n');
  assert.equal(lines[0], '| key | type | default | description |');
  assert.equal(lines.length, 2 + Object.keys(trainingSchema.shape).length);
  assert.ok(
    lines.includes(
      '| `training.optimizer` | one of adam\\|adagrad\\|sgd | `"adam"` | Optimizer for all parameters (embeddings use its sparse variant). |',
    ),
  );
  assert.ok(lines.some((l) => l.startsWith('| `training.lr_decay_factor` | positive number <= 1 | `0.1` |')));
  for (const key of Object.keys(trainingSchema.shape)) {
    const row = lines.find((l) => l.startsWith(`| \`training.${key}\``));
    assert.ok(row, key);
    assert.doesNotMatch(row!, /\|\s*\|$/, `${key} has a description`);
  }
});

test('nested sections flatten to dotted keys; meta descriptions, optional and required keys show', () => {
  const s = z.object({
    model: z.object({
      hidden: z.array(z.number().int()).default([1]).meta({ description: 'layer widths' }),
      dropout: z.number().min(0).max(1).optional().describe('drop rate'),
      kind: z.string().describe('model family'),
    }),
  });
  assert.deepEqual(referenceRows(s), [
    { key: 'model.hidden', type: 'list of integers', default: '[1]', description: 'layer widths' },
    { key: 'model.dropout', type: 'non-negative number <= 1', default: '(unset)', description: 'drop rate' },
    { key: 'model.kind', type: 'string', default: '(required)', description: 'model family' },
  ]);
  assert.match(configReference(s), /\| `model\.kind` \| string \| \(required\) \| model family \|/);
});
