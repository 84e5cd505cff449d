/**
 * The declarative flag tables (src/cli/flags.ts): each command's table makes its parser and its
 * --help; a bad flag exits 2 with `slimctr CMD: --flag: ...`, before any work is done.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { commands } from '../../src/cli/commands/index.js';
import { type Flag, parseFlags, POSITIVE_INT } from '../../src/cli/flags.js';
import { UsageError } from '../../src/util/errors.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const slimctr = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

const TABLE = [
  { name: 'model', kind: 'string', arg: 'PATH', required: true, help: 'the model' },
  { name: 'mode', kind: 'string', arg: 'M', choices: ['a', 'b'], default: 'a', help: 'a mode' },
  { name: 'batch', kind: 'number', arg: 'N', rule: POSITIVE_INT, default: 8, help: 'rows' },
  { name: 'json', kind: 'boolean', help: 'JSON' },
] as const satisfies readonly Flag[];

test('a flag table parses values, defaults, --name=value and booleans', () => {
  const { values } = parseFlags('x', TABLE, ['--model', 'm.st', '--batch=16', '--json']);
  assert.deepEqual(values, { model: 'm.st', mode: 'a', batch: 16, json: true });
  assert.equal(parseFlags('x', TABLE, ['--model=-', '--mode', 'b']).values.mode, 'b');
  assert.equal(parseFlags('x', TABLE, ['--model', '-']).values.model, '-', "'-' (standard input) is a value");
  const p = parseFlags('x', TABLE, ['--model', 'm', '--a.b=1', 'k'], { passthrough: true });
  assert.deepEqual(p.rest, ['--a.b=1', 'k'], 'passthrough keeps unknown flags and arguments in order');
});

test('flag errors are UsageErrors naming the flag', () => {
  const fails = (argv: string[], msg: RegExp) =>
    assert.throws(
      () => parseFlags('x', TABLE, argv),
      (e: unknown) => e instanceof UsageError && msg.test(e.message),
    );
  fails(['--model', 'm', '--bogus'], /^--bogus: unknown option \(see slimctr x --help\)$/);
  fails(['--model', 'm', '--mode', 'c'], /^--mode: must be one of a, b, got 'c'$/);
  fails(['--model'], /^--model: needs a value \(PATH\)$/);
  fails(['--model', '--json'], /^--model: needs a value/);
  fails(['--json'], /^--model: required/);
  fails(['--model', 'm', '--batch', '0'], /^--batch: must be a positive integer, got '0'$/);
  fails(['--model', 'm', '--batch='], /^--batch: must be a positive integer, got ''$/);
  fails(['--model', 'm', '--json=yes'], /^--json: takes no value/);
  fails(['--model', 'm', 'stray'], /^unexpected argument 'stray'/);
});

test('the CLI: an unknown flag, a bad choice and a missing value exit 2 with the command and the flag', () => {
  for (const [args, msg] of [
    [['eval', '--model', 'm', '--data', 'd', '--bogus'], /^slimctr eval: --bogus: unknown option/m],
    [
      ['compress', '--model', 'r', '--ratio', '4', '--method', 'pca'],
      /^slimctr compress: --method: must be one of afm, afm-act, svd, got 'pca'/m,
    ],
    [
      ['eval', '--model', 'm', '--bad-rows', 'maybe'],
      /^slimctr eval: --bad-rows: must be one of error, skip, got 'maybe'/m,
    ],
    [['predict', '--model', 'm', '--input'], /^slimctr predict: --input: needs a value/m],
    [['serve', '--model'], /^slimctr serve: --model: needs a value/m],
    [['info', '--bogus'], /^slimctr info: --bogus: unknown option/m],
    // --onnx=FILE picks the ONNX form like --onnx FILE (its --data is then checked, not refused as unknown).
    [
      ['predict', '--onnx=m.onnx', '--data', 'nowhere.npz', '--output', 'o.csv'],
      /^slimctr predict: --data nowhere.npz: no such file/m,
    ],
  ] as const) {
    const r = slimctr(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
});

test('every command has a flag table, and its --help lists every flag of it', () => {
  for (const cmd of commands) {
    const r = slimctr(cmd.name, '--help');
    assert.equal(r.status, 0, cmd.name);
    const listed = new Set([...r.stdout.matchAll(/^ {2}(--[\w-]+)/gm)].map((m) => m[1]));
    assert.deepEqual(
      cmd.flags.map((f) => `--${f.name}`).filter((f) => !listed.has(f)),
      [],
      `${cmd.name} --help lists every flag`,
    );
    assert.deepEqual(
      [...listed].filter((f) => !cmd.flags.some((g) => `--${g.name}` === f)),
      [],
      `${cmd.name} --help lists no flag it does not parse`,
    );
  }
});
