import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressReporter, formatCount, formatDuration } from '../../src/train/progress.js';

function fakeStream(isTTY: boolean, columns = 120) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (s: string) => writes.push(s) } };
}

function clock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

test('formatting helpers', () => {
  assert.equal(formatDuration(59.6), '1:00');
  assert.equal(formatDuration(3723), '1:02:03');
  assert.equal(formatDuration(Infinity), '?');
  assert.equal(formatCount(950), '950');
  assert.equal(formatCount(12345), '12.3k');
  assert.equal(formatCount(4_560_000), '4.56M');
});

test('on a TTY: one line redrawn in place, throttled, with speed, ETA and running loss', () => {
  const { writes, stream } = fakeStream(true);
  const c = clock();
  const p = new ProgressReporter({ stream, epochs: 10, now: c.now });
  assert.equal(p.mode, 'tty');
  p.startEpoch(2, 1000);
  c.t = 50;
  p.step(100, 0.8); // within 100 ms of the start: not drawn
  assert.equal(writes.length, 0);
  c.t = 1000;
  p.step(100, 0.4); // 200 samples in 1 s
  assert.equal(writes.length, 1);
  const line = writes[0];
  assert.ok(line.startsWith('\r') && line.endsWith('\x1b[K') && !line.includes('\n'), JSON.stringify(line));
  assert.match(
    line,
    /epoch 2\/10 {2}\[#{6}\.{24}\] {2}20\.0% {2}200\/1000 {2}200 samples\/s {2}ETA 0:04 {2}loss 0\.6000/,
  );
  c.t = 1050;
  p.step(100, 0.6);
  assert.equal(writes.length, 1, 'throttled');
  // an evaluation clears the bar, prints a full line, then redraws the bar
  p.evaluation({ epoch: 2, step: 3, auc: 0.8, logloss: 0.45 });
  assert.equal(writes[1], '\r\x1b[Keval  epoch 2  step 3  auc 0.800000  logloss 0.450000\n');
  assert.match(writes[2], /^\r.*300\/1000/);
  p.endEpoch();
  assert.equal(writes[3], '\r\x1b[K');
  assert.match(writes[4], /^epoch 2\/10 done {2}300 samples in 0:01 {2}286 samples\/s {2}loss 0\.6000\n$/);
});

test('without a TTY: plain lines at a modest interval, no control characters', () => {
  const { writes, stream } = fakeStream(false);
  const c = clock();
  const p = new ProgressReporter({ stream, now: c.now });
  assert.equal(p.mode, 'plain');
  p.startEpoch(1, 0);
  for (let i = 1; i <= 100; i++) {
    c.t = i * 500; // a batch every 0.5 s for 50 s: lines at 10, 20, 30, 40, 50 s
    p.step(64, 0.5);
  }
  assert.equal(writes.length, 5);
  for (const w of writes) {
    assert.ok(w.endsWith('\n'));
    assert.doesNotMatch(w, /[\r\x1b]/);
  }
  assert.equal(writes[0], 'epoch 1  1280  128 samples/s  loss 0.5000\n');
  p.evaluation({ auc: 0.75 });
  p.log('saved checkpoint');
  p.endEpoch();
  assert.deepEqual(writes.slice(5), [
    'eval  auc 0.750000\n',
    'saved checkpoint\n',
    'epoch 1 done  6400 samples in 0:50  128 samples/s  loss 0.5000\n',
  ]);
});

test('json mode: one JSON object per evaluation, nothing for progress', () => {
  const { writes, stream } = fakeStream(true);
  const c = clock();
  const p = new ProgressReporter({ stream, mode: 'json', now: c.now });
  p.startEpoch(1, 100);
  for (let i = 1; i <= 10; i++) {
    c.t = i * 1000;
    p.step(10, 0.3);
  }
  p.endEpoch();
  assert.equal(writes.length, 0);
  p.evaluation({ epoch: 1, step: 10, auc: 0.8123, logloss: 0.44 });
  p.log('early stop');
  assert.deepEqual(
    writes.map((w) => JSON.parse(w)),
    [
      { event: 'eval', epoch: 1, step: 10, auc: 0.8123, logloss: 0.44 },
      { event: 'log', message: 'early stop' },
    ],
  );
  assert.ok(writes.every((w) => w.endsWith('\n') && w.indexOf('\n') === w.length - 1));
});
