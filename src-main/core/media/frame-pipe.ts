// Receives ffmpeg's raw frames. Where mkfifo exists, through a named pipe read straight into the frame buffers (no
// 64 KB chunk allocated and copied per read: ≈ 6 000 per 370 MB, and the GCs they cause); else ffmpeg's stdout.
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, unlinkSync } from 'node:fs';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface FifoEnds {
  readFd: number;
  writeFd: number;
}

/** Named pipes for one media service; it remembers whether mkfifo works here. */
export interface FifoFactory {
  /** Whether named pipes can be used: not on Windows, not after mkfifo failed, not with MOLMOSCOPE_FRAME_PIPE=stdout. */
  available(): boolean;
  /**
   * A named pipe opened at both ends and already unlinked (the caller owns both fds); null where there is none. The
   * read end is non-blocking (for our own reads), or blocking with `blockingRead` (to hand to a child as its stdin).
   */
  open(blockingRead?: boolean): Promise<FifoEnds | null>;
}

/** A frame buffer; every byte is overwritten by the pipe, so it is not zero-filled (6 MB per 1080p frame). */
const freshFrame = (frameBytes: number) => new Uint8Array(Buffer.allocUnsafeSlow(frameBytes).buffer, 0, frameBytes);

/** A FifoFactory reading MOLMOSCOPE_FRAME_PIPE from `env`. */
export function createFifoFactory(env: NodeJS.ProcessEnv = process.env): FifoFactory {
  const state = { works: process.platform === 'win32' ? false : (null as boolean | null), seq: 0 };
  const available = () => state.works !== false && env.MOLMOSCOPE_FRAME_PIPE !== 'stdout';
  return {
    available,
    async open(blockingRead = false) {
      if (!available()) return null;
      const path = join(tmpdir(), `molmoscope-${process.pid}-${++state.seq}.fifo`);
      const ends = await makeFifo(path, blockingRead);
      state.works = ends !== null;
      return ends;
    },
  };
}

/** mkfifo at `path`, both ends opened, the path unlinked; null when any step fails. */
async function makeFifo(path: string, blockingRead: boolean): Promise<FifoEnds | null> {
  try {
    await new Promise<void>((res, rej) => execFile('mkfifo', ['-m', '600', path], (e) => (e ? rej(e) : res())));
  } catch {
    return null;
  }
  try {
    // The read end first (non-blocking, so the open returns at once); then the write end opens without waiting.
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    let writeFd = -1;
    try {
      writeFd = openSync(path, constants.O_WRONLY);
      // A writer exists now, so a blocking open of the read end returns at once.
      const ends = { readFd: blockingRead ? openSync(path, constants.O_RDONLY) : readFd, writeFd };
      if (blockingRead) closeSync(readFd);
      return ends;
    } catch (e) {
      closeSync(readFd);
      if (writeFd >= 0) closeSync(writeFd);
      throw e;
    }
  } catch {
    return null;
  } finally {
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  }
}

/** Frames of `frameBytes` read from a pipe's read end; a partial last frame is dropped. */
export async function* fdFrames(fd: number, frameBytes: number, onChunk: () => void): AsyncGenerator<Uint8Array> {
  const fresh = () => freshFrame(frameBytes);
  const ready: Uint8Array[] = [];
  let cur = fresh();
  let fill = 0;
  let done = false;
  let paused = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  // Frames of at least 64 KB (a pipe's capacity) are read straight into place: each read gets the unfilled rest of
  // the current frame as its buffer, so no byte is copied in JS. Smaller frames share one buffer and are copied out.
  const shared = frameBytes >= 1 << 16 ? null : Buffer.allocUnsafe(1 << 16);
  const got = (n: number) => {
    fill += n;
    if (fill === frameBytes) {
      ready.push(cur);
      cur = fresh();
      fill = 0;
    }
  };
  // `onread` is what net.connect passes to this constructor too; @types/node only declares it for connect. A buffer
  // function is asked for the next read's buffer after each callback.
  const opts: SocketConstructorOpts & { onread: OnReadOpts } = {
    fd,
    readable: true,
    writable: false,
    onread: {
      buffer: () => shared ?? cur.subarray(fill),
      callback: (nread: number, buf: Uint8Array) => {
        onChunk();
        if (!shared) got(nread);
        else {
          for (let off = 0; off < nread;) {
            const n = Math.min(frameBytes - fill, nread - off);
            cur.set(buf.subarray(off, off + n), fill);
            off += n;
            got(n);
          }
        }
        if (ready.length && !paused) {
          // Stop reading until the consumer has taken the frames (net.Socket stops the handle for onread sockets).
          paused = true;
          sock.pause();
          notify();
        }
        return true;
      },
    },
  };
  const sock = new Socket(opts);
  const finish = () => {
    done = true;
    notify();
  };
  sock.once('end', finish);
  sock.once('close', finish);
  sock.once('error', finish); // a read error ends the frames; the caller judges ffmpeg by its exit
  try {
    for (;;) {
      const f = ready.shift();
      if (f) {
        yield f;
        if (!ready.length && paused) {
          paused = false;
          sock.resume();
        }
        continue;
      }
      if (done) return;
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  } finally {
    sock.destroy();
  }
}

/** The same from a readable stream (ffmpeg's stdout where there is no named pipe). */
export async function* streamFrames(
  stream: Readable,
  frameBytes: number,
  onChunk: () => void,
): AsyncGenerator<Uint8Array> {
  const fresh = () => freshFrame(frameBytes);
  let cur = fresh();
  let fill = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    onChunk();
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(frameBytes - fill, chunk.length - off);
      cur.set(chunk.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === frameBytes) {
        yield cur;
        cur = fresh();
        fill = 0;
      }
    }
  }
}
