// Branded units: seconds, frame indices, 0–1000 model coordinates and pixels are different types.
// Construct them only through these helpers so a mix-up fails to type-check.
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A time in seconds (media time, from the start of the recording). */
export type Seconds = Brand<number, 'Seconds'>;
/** A 0-based index of a frame of a video stream, in presentation order (media/decode, media/frame-skip). */
export type FrameIndex = Brand<number, 'FrameIndex'>;
/** A coordinate on Molmo2's 0–1000 normalised scale (x by width, y by height of its own image). */
export type ModelCoord = Brand<number, 'ModelCoord'>;
/** A coordinate in pixels of the original image or frame. */
export type Pixels = Brand<number, 'Pixels'>;
/** A token id of the Molmo2 tokenizer (what Molmo2Tokenizer.encode gives, the checkpoint's special ids). */
export type TokenId = Brand<number, 'TokenId'>;

export const seconds = (n: number): Seconds => n as Seconds;
export const frameIndex = (n: number): FrameIndex => n as FrameIndex;
export const modelCoord = (n: number): ModelCoord => n as ModelCoord;
export const pixels = (n: number): Pixels => n as Pixels;
export const tokenId = (n: number): TokenId => n as TokenId;
