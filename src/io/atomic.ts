/**
 * Atomic file replacement: write to a temp file in the target's folder, fsync it, rename it over
 * the target, fsync the folder. A crash (or a thrown error) at any point leaves the target either
 * as it was or fully replaced, never half-written; on error the temp file is removed.
 * Temp files in use are tracked so a signal handler can remove them (removeLiveTempFiles), and the
 * first temp file made in a folder sweeps that folder's stale ones (left by a killed process).
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { OutputError } from '../util/errors.js';

/** What can be written: a string (UTF-8), bytes, or a list of byte chunks written in order. */
export type AtomicData = string | Uint8Array | readonly Uint8Array[];

export interface AtomicWriteOptions {
  /** File mode for a new file (default 0o644, before umask). */
  mode?: number;
  /** Test hook: called after the temp file is written and fsynced, before the rename. */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

const REASONS: Record<string, (path: string) => string> = {
  ENOSPC: () => 'no space left on the device (ENOSPC)',
  EDQUOT: () => 'disk quota exceeded (EDQUOT)',
  ENOENT: (path) => `folder ${dirname(path)} does not exist (ENOENT)`,
  ENOTDIR: (path) => `a part of ${dirname(path)} is not a folder (ENOTDIR)`,
  EISDIR: () => 'it is a folder (EISDIR)',
  EACCES: () => 'permission denied (EACCES)',
  EPERM: () => 'operation not permitted (EPERM)',
  EROFS: () => 'read-only file system (EROFS)',
};

/** A system error while writing `path`, as an OutputError naming it (other errors pass through). */
export function writeFailure(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return err;
  return new OutputError(path, REASONS[code]?.(path) ?? (err as Error).message, code);
}

/** Temp files this process has made and not yet renamed or removed. */
const liveTemps = new Set<string>();
const sweptFolders = new Set<string>();
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user
  }
}

/** Removes temp files (named by tempPathFor) in `dir` whose writing process is gone; returns their names. */
function sweepStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/** The temp file name used for `path`: hidden, in the same folder, unique per call; tracked until released. */
export function tempPathFor(path: string): string {
  const dir = dirname(path);
  if (!sweptFolders.has(dir)) {
    sweptFolders.add(dir);
    sweepStaleTempFiles(dir);
  }
  const tag = `${process.pid}.${randomBytes(4).toString('hex')}`;
  const temp = join(dir, `.${basename(path)}.${tag}.tmp`);
  liveTemps.add(temp);
  return temp;
}

/** Stops tracking a temp file (renamed into place or removed). */
export function releaseTempPath(temp: string): void {
  liveTemps.delete(temp);
}

/** Removes every temp file this process is still writing (called on SIGINT / SIGTERM before exiting). */
export function removeLiveTempFiles(): void {
  for (const temp of liveTemps) removeQuietlySync(temp);
  liveTemps.clear();
}

function chunksOf(data: AtomicData): readonly Uint8Array[] {
  if (typeof data === 'string') return [Buffer.from(data, 'utf8')];
  if (data instanceof Uint8Array) return [data];
  return data;
}

/** fsync a folder so a rename inside it is durable; ignored where the platform cannot do it. */
function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    if (!isUnsupportedDirSync(err)) throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isUnsupportedDirSync(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'EBADF';
}

function removeQuietlySync(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Replaces `path` with `data` atomically (synchronous). */
export function writeFileAtomic(path: string, data: AtomicData, options: AtomicWriteOptions = {}): void {
  const temp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', options.mode ?? 0o644);
    for (const chunk of chunksOf(data)) {
      let off = 0;
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (options.beforeRename) {
      const r = options.beforeRename(temp);
      if (r instanceof Promise)
        throw new Error('internal: writeFileAtomic: beforeRename must be synchronous; use writeFileAtomicAsync');
    }
    renameSync(temp, path);
    releaseTempPath(temp);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    removeQuietlySync(temp);
    releaseTempPath(temp);
    throw writeFailure(path, err);
  }
  fsyncDirSync(dirname(path));
}

/** Replaces `path` with `data` atomically (asynchronous). */
export async function writeFileAtomicAsync(
  path: string,
  data: AtomicData,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = tempPathFor(path);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temp, 'wx', options.mode ?? 0o644);
    for (const chunk of chunksOf(data)) {
      let off = 0;
      while (off < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, off, chunk.byteLength - off);
        off += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await options.beforeRename?.(temp);
    await rename(temp, path);
    releaseTempPath(temp);
  } catch (err) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    releaseTempPath(temp);
    throw writeFailure(path, err);
  }
  let dir: Awaited<ReturnType<typeof open>> | undefined;
  try {
    dir = await open(dirname(path), 'r');
    await dir.sync();
  } catch (err) {
    if (!isUnsupportedDirSync(err)) throw err;
  } finally {
    await dir?.close();
  }
}
