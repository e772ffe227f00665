// Decoding only what the picked frames need. Sampling keeps 2 frames a second, but a plain decode decodes all of
// them; in H.264 and HEVC a non-reference picture (most B-frames of an x264 encode: 44 % of the frames of
// bench/media's file; 60 % of an x265 encode) is never used to predict another picture, and nothing after an IDR
// refers to anything before it. So the packets a
// picked frame cannot depend on are left out before the decoder sees them:
//   - every non-reference picture that is not itself picked;
//   - in each IDR period, everything after the last picked frame (in decode order) up to the next IDR;
//   - IDR periods with no picked frame, and everything before the first IDR used.
// The decoder then produces exactly the kept pictures, bit for bit as in a full decode, in presentation order; the
// picked frames are found among them by index. Where any of this cannot be established from the file (another
// codec or container, Annex B or unusual NAL framing, edit-list discards or cut-off packets inside the stretch,
// leading pictures before an IDR, no IDR in reach, too little to leave out), there is no plan and the plain decode
// runs.
import type { FrameIndex } from '../../api/units.js';
import type { FifoFactory } from './frame-pipe.js';
import { packetKinds, PacketKind } from './packet-kinds.js';
import type { PacketScan } from './packets.js';
import type { ProbeResult } from './probe.js';

export interface SkipPlan {
  /** Input seek for the demuxing process (container-relative seconds), lands at or before the first kept packet. */
  seekTo: number | null;
  /** A `noise` bitstream-filter `drop` expression: true for every packet to leave out (by byte position). */
  dropExpr: string;
  /** For each picked frame (in the order given), its index among the kept frames in presentation order. */
  rel: number[];
  /** Packets kept and packets between the first kept one and the last (for reporting). */
  kept: number;
  span: number;
}

/** Most IDRs looked back over for a decoding start before giving up (each step reads one packet's headers). */
const MAX_IDR_LOOKBACK = 64;
/** Leave out at least this share of the stretch, or a second process is not worth its start. */
const MIN_DROP_SHARE = 0.08;
/** Longest drop expression passed on a command line (Linux allows 128 KiB per argument). */
const MAX_EXPR_CHARS = 100_000;
/** The seek lands this far before the first kept packet's pts (covers the decode delay and ffmpeg's own 0.13 s). */
const SEEK_MARGIN_S = 2;

/** Whether frame skipping is possible at all for this stream. */
export function skipEligible(p: ProbeResult, scan: PacketScan, fifos: FifoFactory, env: NodeJS.ProcessEnv): boolean {
  // The two processes are joined by a named pipe (mkfifo); Windows has none.
  if (env.MOLMOSCOPE_FRAME_SKIP === '0' || !fifos.available()) return false;
  return (
    (p.codec === 'h264' || p.codec === 'hevc') && containerOf(p) !== null && scan.allPts && scan.packets.pos.length > 0
  );
}

/** The containers whose packet bytes packet-kinds.ts can find. */
function containerOf(p: ProbeResult): 'mp4' | 'mkv' | null {
  if (/(^|,)(mov|mp4)(,|$)/.test(p.container)) return 'mp4';
  if (/(^|,)matroska(,|$)/.test(p.container)) return 'mkv';
  return null;
}

/**
 * The plan for decoding the frames with presentation indices `frames` (sorted ascending, distinct) of `scan`, or null
 * when nothing can safely be left out (then the caller decodes normally).
 */
export async function planSkip(
  file: string,
  p: ProbeResult,
  scan: PacketScan,
  frames: readonly FrameIndex[],
): Promise<SkipPlan | null> {
  const pk = scan.packets;
  const codec = p.codec === 'hevc' ? 'hevc' : 'h264';
  const container = containerOf(p);
  if (!container) return null;
  const picks = pickedPackets(scan, frames);
  if (!picks) return null;
  const { picked, lo, hi } = picks;
  const start = await idrStart(codec, file, pk, lo, container);
  if (start < 0) return null;
  const read = await packetKinds(codec, file, pk.pos, pk.size, start, hi, container);
  if (!read) return null;
  const kinds = read.kind;
  // An HEVC sub-layer non-reference picture is unreferenced only if no higher sub-layer is decoded after it.
  let maxTid = 0;
  for (const t of read.tid) maxTid = Math.max(maxTid, t);
  for (let i = 0; i < kinds.length; i++)
    if (kinds[i] === PacketKind.NonRef && read.tid[i]! < maxTid) kinds[i] = PacketKind.Ref;
  if (!stretchIsPlannable(p, pk, start, hi)) return null;
  const keep = keptPackets(pk, kinds, picked, start, hi);
  if (!keep) return null;
  let kept = 0;
  for (const v of keep) kept += v;
  const span = hi - start + 1;
  if (span - kept < Math.max(4, MIN_DROP_SHARE * span)) return null;
  const dropExpr = dropExpression(keptRuns(pk, keep, start, hi));
  if (dropExpr.length > MAX_EXPR_CHARS) return null;
  const seekAbs = pk.pts[start]! - SEEK_MARGIN_S;
  const seekTo = seekAbs - p.formatStartTime > SEEK_MARGIN_S ? seekAbs - p.formatStartTime : null;
  return { seekTo, dropExpr, rel: keptRanks(pk, keep, start, hi, frames), kept, span };
}

type Packets = PacketScan['packets'];

/** The packets (decode order) of the picked frames, and the first and last of them; null if one has no packet. */
function pickedPackets(
  scan: PacketScan,
  frames: readonly FrameIndex[],
): { picked: Set<number>; lo: number; hi: number } | null {
  const pk = scan.packets;
  const packetOf = new Int32Array(scan.times.length).fill(-1);
  for (let k = 0; k < pk.pos.length; k++) if (pk.frame[k]! >= 0) packetOf[pk.frame[k]!] = k;
  const picked = new Set<number>();
  let lo = pk.pos.length;
  let hi = -1;
  for (const f of frames) {
    const k = packetOf[f]!;
    if (k < 0) return null;
    picked.add(k);
    lo = Math.min(lo, k);
    hi = Math.max(hi, k);
  }
  return hi < 0 ? null : { picked, lo, hi };
}

/** The decoding start: the last IDR at or before packet `lo` in decode order (-1 when none within reach). */
async function idrStart(
  codec: 'h264' | 'hevc',
  file: string,
  pk: Packets,
  lo: number,
  container: 'mp4' | 'mkv',
): Promise<number> {
  let tries = 0;
  for (let k = lo; k >= 0 && tries < MAX_IDR_LOOKBACK; k--) {
    if (!pk.key[k]) continue;
    tries++;
    const one = await packetKinds(codec, file, pk.pos, pk.size, k, k, container);
    if (one && one.kind[0] === PacketKind.Idr) return k;
  }
  return -1;
}

/** Whether packets start..hi can be planned: pts reorder as the decoder does, every packet has a frame and a position. */
function stretchIsPlannable(p: ProbeResult, pk: Packets, start: number, hi: number): boolean {
  // Kept frames are ranked by pts, the decoder outputs them in picture order: the two agree only when pts reorder
  // exactly when the decoder does. (A careless remux that wrote pts = dts for a B-frame stream does not: no plan.)
  let ptsReorder = false;
  for (let k = start + 1; k <= hi; k++) if (pk.pts[k]! < pk.pts[k - 1]!) ptsReorder = true;
  if (ptsReorder !== p.reorderDelay > 0) return false;
  for (let k = start; k <= hi; k++) {
    // A packet the decoder would see but our timeline does not (edit-list discard, cut off): indices would shift.
    if (pk.frame[k]! < 0 || !(pk.pos[k]! >= 0)) return false;
  }
  // The drop ranges are byte ranges: they hold exactly the packets meant only if byte positions grow with decode
  // order, everywhere in the scan (a packet outside the stretch inside a range would be decoded too).
  let prevPos = -1;
  for (let k = 0; k < pk.pos.length; k++) {
    if (pk.pos[k]! < 0) continue;
    if (!(pk.pos[k]! > prevPos)) return false;
    prevPos = pk.pos[k]!;
  }
  return true;
}

/**
 * Per packet of start..hi, 1 to keep: per IDR period, the reference pictures up to its last picked packet, and the
 * picked packets. Null when a picture after an IDR is shown before it (a leading picture: not planned).
 */
function keptPackets(
  pk: Packets,
  kinds: Uint8Array,
  picked: Set<number>,
  start: number,
  hi: number,
): Uint8Array | null {
  const keep = new Uint8Array(hi - start + 1);
  let periodStart = start;
  while (periodStart <= hi) {
    let next = periodStart + 1;
    while (next <= hi && kinds[next - start] !== PacketKind.Idr) next++;
    let last = -1;
    for (let k = periodStart; k < next; k++) if (picked.has(k)) last = k;
    const idrPts = pk.pts[periodStart]!;
    for (let k = periodStart; k <= last; k++) {
      // A picture after the IDR shown before it would be a leading picture: not expected in H.264; do not guess.
      if (pk.pts[k]! < idrPts) return null;
      if (picked.has(k) || kinds[k - start] !== PacketKind.NonRef) keep[k - start] = 1;
    }
    periodStart = next;
  }
  return keep;
}

/** Index of each picked frame among the kept frames in presentation order. */
function keptRanks(pk: Packets, keep: Uint8Array, start: number, hi: number, frames: readonly FrameIndex[]): number[] {
  const keptFrames: number[] = [];
  for (let k = start; k <= hi; k++) if (keep[k - start]) keptFrames.push(pk.frame[k]!);
  keptFrames.sort((a, b) => a - b);
  const rank = new Map<number, number>();
  keptFrames.forEach((f, i) => rank.set(f, i));
  return frames.map((f) => rank.get(f)!);
}

/** Runs of kept packets as byte ranges [first pos, last pos]; everything outside them is dropped. */
function keptRuns(pk: Packets, keep: Uint8Array, start: number, hi: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (let k = start; k <= hi; k++) {
    if (!keep[k - start]) continue;
    const prev = runs[runs.length - 1];
    if (prev && k > start && keep[k - 1 - start]) prev[1] = pk.pos[k]!;
    else runs.push([pk.pos[k]!, pk.pos[k]!]);
  }
  return runs;
}

/**
 * `noise` bsf drop expression: 1 unless pos lies in one of the sorted, disjoint byte ranges (a binary decision tree on
 * pos). Commas are escaped for ffmpeg's filter-list syntax.
 */
export function dropExpression(runs: ReadonlyArray<readonly [number, number]>): string {
  const node = (a: number, b: number): string => {
    if (a === b) return `1-between(pos\\,${runs[a]![0]}\\,${runs[a]![1]})`;
    const mid = (a + b + 1) >> 1;
    return `if(lt(pos\\,${runs[mid]![0]})\\,${node(a, mid - 1)}\\,${node(mid, b)})`;
  };
  return runs.length ? node(0, runs.length - 1) : '1';
}
