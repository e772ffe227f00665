// The Molmo2 tokenizer loaded from a checkpoint's tokenizer.json through @huggingface/tokenizers.
// Special-token strings (e.g. "<im_patch>") encode to single ids; decoding can skip special tokens.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { AppError } from '../../../api/errors.js';
import { tokenId, type TokenId } from '../../../api/units.js';

export interface Molmo2Tokenizer {
  /** Encodes text; special-token strings become their single ids; no BOS/EOS is added. */
  encode(text: string): TokenId[];
  /** Decodes ids; skipSpecial drops special tokens (all Molmo2 visual tokens, <|im_end|>, …). */
  decode(ids: ArrayLike<number>, opts?: { skipSpecial?: boolean }): string;
  /** The id of a token string, or undefined. */
  idOf(token: string): TokenId | undefined;
  /** The token string of an id, or undefined. */
  tokenOf(id: TokenId): string | undefined;
}

function readJson(dir: string, file: string, required: boolean): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileSync(join(dir, file), 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('NOT_FOUND', `tokenizer file ${file} is missing in ${dir}`);
    throw new AppError('TOKENIZER_ERROR', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new AppError('TOKENIZER_ERROR', `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Loads tokenizer.json (+ tokenizer_config.json) from a checkpoint directory. */
export async function loadTokenizer(dir: string): Promise<Molmo2Tokenizer> {
  const tj = readJson(dir, 'tokenizer.json', true)!;
  const cfg = readJson(dir, 'tokenizer_config.json', false) ?? {};
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tj, cfg);
  } catch (err) {
    throw new AppError('TOKENIZER_ERROR', `tokenizer.json could not be loaded: ${(err as Error).message}`);
  }
  for (const t of ['<im_patch>', '<im_start>', '<im_end>', '<|image|>', '<|video|>']) {
    if (tok.token_to_id(t) === undefined) throw new AppError('TOKENIZER_ERROR', `tokenizer.json has no ${t} token; it is not a Molmo2 tokenizer`);
  }
  return {
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids.map(tokenId),
    decode: (ids, opts = {}) => tok.decode(Array.from(ids), { skip_special_tokens: opts.skipSpecial ?? false, clean_up_tokenization_spaces: false }),
    idOf: (t) => {
      const id = tok.token_to_id(t);
      return id === undefined ? undefined : tokenId(id);
    },
    tokenOf: (id) => tok.id_to_token(id),
  };
}
