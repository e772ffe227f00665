// Reads a video stream's packet table with ffprobe (demux only, no decoding) and turns it into the frame timeline:
// the display times of every frame in presentation order, which is what "the frame displayed at t" is searched in.
import { AppError } from '../../api/errors.js';
import { runCollect } from './process.js';

export interface PacketScan {
  /** Display start of every complete frame, seconds, sorted ascending (presentation order). */
  times: Float64Array;
  /** End of the last complete frame (its start + duration), seconds. */
  end: number;
  /** Whether every packet carried a pts (false for AVI, whose frames only have decode timestamps). */
  allPts: boolean;
  /** Indices (into `times`) of keyframes. */
  keyframes: number[];
  /** Packets whose bytes lie past the end of the file (a truncated file), not counted in `times`. */
  incomplete: number;
  /** ffprobe's stderr complaints, if any (partial file, invalid data). */
  warnings: string;
}

/** Parses `compact` ffprobe output (key=value|key=value) of packet entries. */
function parseLine(line: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of line.split('|')) {
    const i = kv.indexOf('=');
    if (i > 0) m.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return m;
}

/** One packet's fields as ffprobe prints them (compact: strings; JSON: numbers or strings; absent = N/A). */
export interface PacketFields {
  pts?: string | number;
  dts?: string | number;
  duration?: string | number;
  size?: string | number;
  pos?: string | number;
  flags?: string;
}

/** Scans the packets of video stream `streamIndex` (optionally only an interval); times are in seconds. */
export async function scanPackets(
  ffprobe: string,
  file: string,
  opts: { streamIndex: number; timeBase: [number, number]; sizeBytes: number; interval?: string; signal?: AbortSignal; timeoutMs?: number },
): Promise<PacketScan> {
  const args = ['-v', 'error', '-select_streams', String(opts.streamIndex), '-show_entries', 'packet=pts,dts,duration,size,pos,flags', '-of', 'compact=p=0'];
  if (opts.interval) args.push('-read_intervals', opts.interval);
  args.push('-i', file);
  const r = await runCollect(ffprobe, args, { signal: opts.signal, timeoutMs: opts.timeoutMs, maxStdout: 1 << 30 });
  if (r.code !== 0 && r.stdout.length === 0) throw new AppError('UNREADABLE', `ffprobe could not read packets: ${lastLine(r.stderr)}`);
  const rows: PacketFields[] = [];
  for (const line of r.stdout.toString('utf8').split('\n')) if (line) rows.push(Object.fromEntries(parseLine(line)));
  return packetTimeline(rows, opts.timeBase, opts.sizeBytes, r.stderr);
}

/** The frame timeline of one stream's packets in file order (as ffprobe read them), with ffprobe's stderr. */
export function packetTimeline(rows: Iterable<PacketFields>, timeBase: [number, number], sizeBytes: number, stderr: string): PacketScan {
  const [num, den] = timeBase;
  const starts: number[] = [];
  const durs: number[] = [];
  const keys: boolean[] = [];
  let allPts = true;
  let incomplete = 0;
  // On a cut-off file the demuxer reports the last packet with the bytes it got ("partial file"), so a packet that
  // reaches the end of the file is then incomplete even though pos + size fits.
  const partialFile = /partial file/i.test(stderr);
  for (const m of rows) {
    const flags = m.flags ?? '';
    if (flags.includes('D')) continue; // discarded by an edit list: the decoder drops these frames
    const pos = Number(m.pos);
    const size = Number(m.size);
    if (Number.isFinite(pos) && Number.isFinite(size) && (pos + size > sizeBytes || (partialFile && pos + size >= sizeBytes))) {
      incomplete++;
      continue;
    }
    let ts = toNumber(m.pts);
    if (!Number.isFinite(ts)) {
      allPts = false;
      ts = toNumber(m.dts);
      if (!Number.isFinite(ts)) continue;
    }
    const d = toNumber(m.duration);
    starts.push(ts);
    durs.push(Number.isFinite(d) ? d : 0);
    keys.push(flags.includes('K'));
  }
  const order = starts.map((_, i) => i).sort((a, b) => starts[a]! - starts[b]!);
  const times = new Float64Array(order.length);
  const keyframes: number[] = [];
  let endTicks = -Infinity;
  order.forEach((src, i) => {
    times[i] = (starts[src]! * num) / den;
    if (keys[src]) keyframes.push(i);
    endTicks = Math.max(endTicks, starts[src]! + durs[src]!);
  });
  return { times, end: order.length ? (endTicks * num) / den : 0, allPts, keyframes, incomplete, warnings: stderr.trim() };
}

/** A timestamp field as a number; absent or "N/A" is NaN (Number(undefined) is NaN, Number('') would be 0). */
function toNumber(v: string | number | undefined): number {
  return v === undefined || v === '' ? NaN : Number(v);
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
