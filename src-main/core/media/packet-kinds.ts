// What each H.264 or HEVC packet of an MP4/MOV or Matroska file is to the decoder, read from its NAL unit headers: an IDR picture
// (decoding can start there; nothing after it refers to anything before it), a reference picture, or a
// non-reference picture (no other picture is predicted from it, so leaving it out changes no other frame).
// Packets in both are length-prefixed NAL units (ISO/IEC 14496-15); only the few header bytes after each length are
// read. In MP4 a packet's bytes start at its position; in Matroska the position is that of the block, whose header
// (track number, timecode, flags) comes first. Anything unusual gives no answer (null), and then nothing may be left
// out.
import { open, type FileHandle } from 'node:fs/promises';

export const PacketKind = { NonRef: 0, Ref: 1, Idr: 2 } as const;

export interface PacketKinds {
  /** PacketKind per packet. */
  kind: Uint8Array;
  /**
   * HEVC TemporalId per packet (0 for H.264). An HEVC "sub-layer non-reference" picture may still be referenced by
   * pictures of a higher sub-layer, so it is only unreferenced where no picture of a higher TemporalId follows.
   */
  tid: Uint8Array;
}

/** Bytes read at a packet's start: its first NAL headers (delimiter, parameter sets, a short SEI) in one read. */
const HEAD_BYTES = 512;
/** Packets read concurrently. */
const BATCH = 64;

/**
 * The kinds of packets `from`..`to` (inclusive) of a decode-order table (positions and sizes in the file), or null if
 * any of them is not a well-formed run of 4-byte-length-prefixed NAL units of `codec` with at least one slice.
 */
export async function packetKinds(
  codec: 'h264' | 'hevc',
  file: string,
  pos: Float64Array,
  size: Float64Array,
  from: number,
  to: number,
  container: 'mp4' | 'mkv' = 'mp4',
): Promise<PacketKinds | null> {
  const n = to - from + 1;
  const res = { kind: new Uint8Array(n), tid: new Uint8Array(n) };
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    for (let b = from; b <= to; b += BATCH) {
      const jobs: Promise<number>[] = [];
      for (let k = b; k <= Math.min(to, b + BATCH - 1); k++)
        jobs.push(packetKind(codec, container, fh, pos[k]!, size[k]!));
      const got = await Promise.all(jobs);
      for (let i = 0; i < got.length; i++) {
        if (got[i]! < 0) return null;
        res.kind[b - from + i] = got[i]! & 3;
        res.tid[b - from + i] = got[i]! >> 2;
      }
    }
    return res;
  } finally {
    await fh.close();
  }
}

/** Header bytes read per NAL unit: the 4-byte length, the NAL header (1 or 2 bytes) and the first slice byte. */
const NEED = { h264: 5, hevc: 7 } as const;

/** PacketKind | TemporalId << 2 of one packet, or -1 when it cannot be told. */
async function packetKind(
  codec: 'h264' | 'hevc',
  container: 'mp4' | 'mkv',
  fh: FileHandle,
  pos: number,
  size: number,
): Promise<number> {
  const need = NEED[codec];
  if (!(pos >= 0) || !(size >= need)) return -1;
  if (container === 'mkv') {
    const head = Buffer.allocUnsafe(12);
    const got = (await fh.read(head, 0, 12, pos)).bytesRead;
    const skip = matroskaBlockHeader(head.subarray(0, got));
    if (skip < 0) return -1;
    pos += skip;
  }
  let buf = Buffer.allocUnsafe(Math.min(HEAD_BYTES, size));
  let bufAt = 0; // offset in the packet of buf[0]
  let have = (await fh.read(buf, 0, buf.length, pos)).bytesRead;
  let picture = -1; // the packet's VCL kind | tid << 2, the same for all its slices
  let off = 0;
  while (off < size) {
    if (off + need > size) return -1;
    if (off + need > bufAt + have) {
      // The next header lies past what was read (a long slice or SEI before it): read there.
      buf = Buffer.allocUnsafe(Math.min(HEAD_BYTES, size - off));
      bufAt = off;
      have = (await fh.read(buf, 0, buf.length, pos + off)).bytesRead;
      if (have < need) return -1;
    }
    const at = off - bufAt;
    const len = buf.readUInt32BE(at);
    if (len === 0 || buf[at + 4]! & 0x80) return -1; // empty unit or forbidden_zero_bit: not this framing
    const kind = codec === 'h264' ? h264Unit(buf[at + 4]!) : hevcUnit(buf[at + 4]!, buf[at + 5]!, buf[at + 6]!);
    if (kind === -1) return -1;
    if (kind >= 0) {
      if (picture >= 0 && kind !== picture && codec === 'hevc') return -1; // slices of one picture disagree
      // H.264: a picture is a reference if any of its slices is (nal_ref_idc is the same in all of them by rule).
      picture = picture < 0 ? kind : Math.max(picture, kind);
    }
    off += 4 + len;
  }
  return off === size ? picture : -1;
}

/**
 * Bytes of a Matroska (Simple)Block header before the frame: the track number (an EBML variable-length integer),
 * a 2-byte timecode and a flags byte; -1 for a laced block (several frames in one) or a malformed header.
 */
function matroskaBlockHeader(b: Buffer): number {
  if (b.length < 4 || b[0] === 0) return -1;
  const vlen = Math.clz32(b[0]!) - 23; // leading zero bits of the first byte + 1
  if (vlen > 8 || b.length < vlen + 3) return -1;
  const flags = b[vlen + 2]!;
  if (flags & 0x06) return -1; // lacing
  return vlen + 3;
}

/** H.264 NAL unit: its picture kind, -2 for a non-picture unit, -1 for what is not handled. */
function h264Unit(header: number): number {
  const type = header & 0x1f;
  const refIdc = (header >> 5) & 3;
  if (type === 5) return refIdc ? PacketKind.Idr : -1; // an IDR always has nal_ref_idc > 0
  if (type === 1) return refIdc ? PacketKind.Ref : PacketKind.NonRef;
  // Data partitions, SVC/MVC slices: never left out.
  if (type === 2 || type === 3 || type === 4 || type === 14 || type === 20 || type === 21) return -1;
  return -2;
}

/** HEVC NAL unit (two header bytes and the first slice-header byte): kind | tid << 2, -2 non-picture, -1 not handled. */
function hevcUnit(h0: number, h1: number, slice: number): number {
  const type = (h0 >> 1) & 0x3f;
  const layer = ((h0 & 1) << 5) | (h1 >> 3);
  const tidPlus1 = h1 & 7;
  if (layer !== 0 || tidPlus1 === 0) return -1; // layered (e.g. multiview) streams are not handled
  const tid = tidPlus1 - 1;
  if (type < 32) {
    if (type === 19 || type === 20) {
      // IDR. An IDR with no_output_of_prior_pics_flag discards pictures still waiting for output, which would make a
      // decode that left out the frames after them lose them: not handled.
      // (The flag follows first_slice_segment_in_pic_flag in every IRAP slice segment.)
      if (slice & 0x40) return -1;
      return PacketKind.Idr | (tid << 2);
    }
    // BLA pictures (their leading pictures are never output) and reserved types: not handled.
    if ((type >= 10 && type <= 18) || type >= 22) return -1;
    // TRAIL_N, TSA_N, STSA_N, RADL_N, RASL_N: sub-layer non-reference pictures; CRA and the _R types: references.
    return (type <= 8 && type % 2 === 0 ? PacketKind.NonRef : PacketKind.Ref) | (tid << 2);
  }
  // End of sequence (the next CRA acts as a BLA) and reserved non-VCL types: not handled; the rest carry no picture.
  if (type === 36 || (type >= 41 && type <= 47)) return -1;
  return -2;
}
