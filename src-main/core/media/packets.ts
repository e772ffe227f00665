// Reads a video stream's packet table with ffprobe (demux only, no decoding) and turns it into the frame timeline:
// the display times of every frame in presentation order, which is what "the frame displayed at t" is searched in.
import { AppError } from '../../api/errors.js';
import { runCollect, type ChildTracker } from './process.js';

export interface PacketScan {
  /** Display start of every complete frame, seconds, sorted ascending (presentation order). */
  times: Float64Array;
  /** End of the last complete frame (its start + duration), seconds. */
  end: number;
  /** Whether every packet carried a pts (false for AVI, whose frames only have decode timestamps). */
  allPts: boolean;
  /** Packets whose bytes lie past the end of the file (a truncated file), not counted in `times`. */
  incomplete: number;
  /** ffprobe's stderr complaints, if any (partial file, invalid data). */
  warnings: string;
  /**
   * Every packet as demuxed (decode order), for planning which packets a decode can leave out: byte position and size
   * in the file (-1 when unknown), presentation timestamp in seconds (NaN without pts), and the index into `times` of
   * the frame it decodes to, or -1 for a packet without a frame there (discarded by an edit list, cut off, no pts).
   */
  packets: { pos: Float64Array; size: Float64Array; pts: Float64Array; frame: Int32Array; key: Uint8Array };
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
  opts: {
    streamIndex: number;
    timeBase: [number, number];
    sizeBytes: number;
    interval?: string;
    signal?: AbortSignal;
    timeoutMs?: number;
    children?: ChildTracker;
  },
): Promise<PacketScan> {
  const args = [
    '-v',
    'error',
    '-select_streams',
    String(opts.streamIndex),
    '-show_entries',
    'packet=pts,dts,duration,size,pos,flags',
    '-of',
    'compact=p=0',
  ];
  if (opts.interval) args.push('-read_intervals', opts.interval);
  args.push('-i', file);
  const r = await runCollect(ffprobe, args, {
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    maxStdout: 1 << 30,
    children: opts.children,
  });
  if (r.code !== 0 && r.stdout.length === 0)
    throw new AppError('UNREADABLE', `ffprobe could not read packets: ${lastLine(r.stderr)}`);
  const rows: PacketFields[] = [];
  for (const line of r.stdout.toString('utf8').split('\n')) if (line) rows.push(Object.fromEntries(parseLine(line)));
  return packetTimeline(rows, opts.timeBase, opts.sizeBytes, r.stderr);
}

/** The frame timeline of one stream's packets in file order (as ffprobe read them), with ffprobe's stderr. */
export function packetTimeline(
  rows: Iterable<PacketFields>,
  timeBase: [number, number],
  sizeBytes: number,
  stderr: string,
): PacketScan {
  const [num, den] = timeBase;
  const starts: number[] = [];
  const durs: number[] = [];
  // Decode-order arrays over every packet; `src` maps each frame (entry of `starts`) to its packet.
  const list = Array.isArray(rows) ? (rows as PacketFields[]) : [...rows];
  const n = list.length;
  const packets = {
    pos: new Float64Array(n),
    size: new Float64Array(n),
    pts: new Float64Array(n),
    frame: new Int32Array(n).fill(-1),
    key: new Uint8Array(n),
  };
  const src: number[] = [];
  let allPts = true;
  let incomplete = 0;
  // On a cut-off file the demuxer reports the last packet with the bytes it got ("partial file"), so a packet that
  // reaches the end of the file is then incomplete even though pos + size fits.
  const partialFile = /partial file/i.test(stderr);
  for (let k = 0; k < n; k++) {
    const m = list[k]!;
    const flags = m.flags ?? '';
    const pos = Number(m.pos);
    const size = Number(m.size);
    packets.pos[k] = Number.isFinite(pos) && pos >= 0 ? pos : -1;
    packets.size[k] = Number.isFinite(size) ? size : -1;
    packets.pts[k] = (toNumber(m.pts) * num) / den;
    packets.key[k] = flags.includes('K') ? 1 : 0;
    if (flags.includes('D')) continue; // discarded by an edit list: the decoder drops these frames
    if (
      Number.isFinite(pos) &&
      Number.isFinite(size) &&
      (pos + size > sizeBytes || (partialFile && pos + size >= sizeBytes))
    ) {
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
    src.push(k);
  }
  const order = starts.map((_, i) => i).sort((a, b) => starts[a]! - starts[b]!);
  const times = new Float64Array(order.length);
  let endTicks = -Infinity;
  order.forEach((j, i) => {
    times[i] = (starts[j]! * num) / den;
    endTicks = Math.max(endTicks, starts[j]! + durs[j]!);
    packets.frame[src[j]!] = i;
  });
  return {
    times,
    end: order.length ? (endTicks * num) / den : 0,
    allPts,
    incomplete,
    warnings: stderr.trim(),
    packets,
  };
}

/** A timestamp field as a number; absent or "N/A" is NaN (Number(undefined) is NaN, Number('') would be 0). */
function toNumber(v: string | number | undefined): number {
  return v === undefined || v === '' ? NaN : Number(v);
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
