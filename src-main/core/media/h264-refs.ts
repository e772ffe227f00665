// What each H.264 packet of an MP4/MOV file is to the decoder, read from its NAL unit headers: an IDR picture (decoding
// can start there; nothing after it refers to anything before it), a reference picture, or a non-reference picture
// (nal_ref_idc 0 in every slice: no other picture is predicted from it, so leaving it out changes no other frame).
// Packets in MP4 are length-prefixed NAL units (ISO/IEC 14496-15); only the one-byte header after each length is read.
import { open, type FileHandle } from 'node:fs/promises';

export const PacketKind = { NonRef: 0, Ref: 1, Idr: 2 } as const;

/** Bytes read at a packet's start: its first NAL headers (delimiter, parameter sets, a short SEI) in one read. */
const HEAD_BYTES = 512;
/** Packets read concurrently. */
const BATCH = 64;

/**
 * The kind of packets `from`..`to` (inclusive) of a decode-order table (positions and sizes in the file), or null if
 * any of them is not a well-formed run of 4-byte-length-prefixed H.264 NAL units with at least one slice (Annex B
 * start codes, another length size, slice extensions or a short read): then nothing may be left out.
 */
export async function h264PacketKinds(
  file: string, pos: Float64Array, size: Float64Array, from: number, to: number,
): Promise<Uint8Array | null> {
  const out = new Uint8Array(to - from + 1);
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    for (let b = from; b <= to; b += BATCH) {
      const jobs: Promise<number>[] = [];
      for (let k = b; k <= Math.min(to, b + BATCH - 1); k++) jobs.push(packetKind(fh, pos[k]!, size[k]!));
      const kinds = await Promise.all(jobs);
      for (let i = 0; i < kinds.length; i++) {
        if (kinds[i]! < 0) return null;
        out[b - from + i] = kinds[i]!;
      }
    }
    return out;
  } finally {
    await fh.close();
  }
}

/** PacketKind of one packet, or -1 when it cannot be told. */
async function packetKind(fh: FileHandle, pos: number, size: number): Promise<number> {
  if (!(pos >= 0) || !(size >= 5)) return -1;
  let buf = Buffer.allocUnsafe(Math.min(HEAD_BYTES, size));
  let bufAt = 0; // offset in the packet of buf[0]
  let have = (await fh.read(buf, 0, buf.length, pos)).bytesRead;
  let slices = 0;
  let ref = false;
  let idr = false;
  let off = 0;
  while (off < size) {
    if (off + 5 > size) return -1;
    if (off + 5 > bufAt + have) {
      // The next header lies past what was read (a long slice or SEI before it): read there.
      buf = Buffer.allocUnsafe(Math.min(HEAD_BYTES, size - off));
      bufAt = off;
      have = (await fh.read(buf, 0, buf.length, pos + off)).bytesRead;
      if (have < 5) return -1;
    }
    const len = buf.readUInt32BE(off - bufAt);
    const header = buf[off - bufAt + 4]!;
    if (len === 0 || header & 0x80) return -1; // empty unit or forbidden_zero_bit: not this framing
    const type = header & 0x1f;
    const refIdc = (header >> 5) & 3;
    if (type === 1 || type === 5) {
      slices++;
      if (refIdc) ref = true;
      if (type === 5) idr = true;
    } else if (type === 2 || type === 3 || type === 4 || type === 20 || type === 21) {
      return -1; // data partitions, SVC/MVC slices: not handled, so never left out
    }
    off += 4 + len;
  }
  if (off !== size || slices === 0) return -1;
  if (idr && !ref) return -1; // an IDR always has nal_ref_idc > 0
  return idr ? PacketKind.Idr : ref ? PacketKind.Ref : PacketKind.NonRef;
}
