// Renders the checkpoint's own chat_template.jinja with @huggingface/jinja (never re-implemented by hand).
// Messages follow the HF processor's shape: content is a string or a list of {type:'text'|'image'|'video'} parts.
import { Template } from '@huggingface/jinja';
import { AppError } from '../../../api/errors.js';

export type ContentPart = { type: 'text'; text: string; style?: string } | { type: 'image' } | { type: 'video' };
export interface ChatMessage {
  role: 'user' | 'assistant' | 'subtitle';
  content: string | ContentPart[];
}

const cache = new Map<string, Template>();

/** Renders messages through a chat template source, as transformers' apply_chat_template(tokenize=False) does. */
export function renderChat(
  templateSource: string,
  messages: ChatMessage[],
  opts: { addGenerationPrompt?: boolean; bosToken?: string; eosToken?: string } = {},
): string {
  let t = cache.get(templateSource);
  if (!t) {
    try {
      t = new Template(templateSource);
    } catch (err) {
      throw new AppError('MODEL_INVALID', `chat template does not parse: ${(err as Error).message}`);
    }
    cache.set(templateSource, t);
  }
  // A text part without a style must not carry the key at all: the template tests `style is defined`.
  const msgs = messages.map((m) => ({
    role: m.role,
    content:
      typeof m.content === 'string'
        ? m.content
        : m.content.map((p) =>
            p.type === 'text' && p.style === undefined ? { type: 'text', text: p.text } : { ...p },
          ),
  }));
  try {
    return t.render({
      messages: msgs,
      add_generation_prompt: opts.addGenerationPrompt ?? true,
      bos_token: opts.bosToken ?? '',
      eos_token: opts.eosToken ?? '',
    });
  } catch (err) {
    throw new AppError('INVALID_INPUT', `chat template rejected the conversation: ${(err as Error).message}`);
  }
}
