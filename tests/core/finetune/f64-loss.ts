// An independent plain-TypeScript float64 forward of the LoRA training loss (no ONNX), for central finite differences:
// Molmo2 decoder (QK-norm, rotate-half RoPE, GQA, SwiGLU, prefill mask) + PEFT LoRA, Σ wᵢ·CEᵢ / Σ wᵢ.
import { readF32, type Checkpoint } from '../../../src-main/core/molmo2/weights.js';
import { referenceEmbed } from '../../../src-main/core/molmo2/reference/llm.js';
import { loraTargets, type LoraParams, type LoraSpec } from '../../../src-main/core/finetune/lora.js';
import type { TrainExample } from '../../../src-main/core/finetune/train-session.js';

type F = Float64Array;

/** out[S,N] = x[S,K]·W[N,K]ᵀ. */
function lin(x: F, S: number, K: number, W: ArrayLike<number>, N: number): F {
  const out = new Float64Array(S * N);
  for (let s = 0; s < S; s++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += x[s * K + k]! * W[n * K + k]!;
      out[s * N + n] = acc;
    }
  }
  return out;
}

function rms(x: F, D: number, w: ArrayLike<number>, eps: number): F {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    let ms = 0;
    for (let i = 0; i < D; i++) ms += x[r * D + i]! ** 2;
    const inv = 1 / Math.sqrt(ms / D + eps);
    for (let i = 0; i < D; i++) out[r * D + i] = x[r * D + i]! * inv * w[i]!;
  }
  return out;
}

/** Loss of one example in float64 for the given LoRA parameters. */
export class F64Loss {
  private W = new Map<string, Float32Array>();
  constructor(
    private ck: Checkpoint,
    private spec: LoraSpec,
  ) {}

  private w(n: string): Float32Array {
    let t = this.W.get(n);
    if (!t) this.W.set(n, (t = readF32(this.ck, n)));
    return t;
  }

  private loraLin(x: F, S: number, weight: string, params: LoraParams, inF: number, outF: number): F {
    const key = `base_model.model.${weight.replace(/\.weight$/, '')}`;
    const r = this.spec.rank;
    const y = lin(x, S, inF, this.w(weight), outF);
    const u = lin(x, S, inF, params.get(`${key}.lora_A.weight`)!, r);
    const z = lin(u, S, r, params.get(`${key}.lora_B.weight`)!, outF);
    const s = this.spec.alpha / r;
    for (let i = 0; i < y.length; i++) y[i] = y[i]! + s * z[i]!;
    return y;
  }

  private attention(qkv: F, S: number, l: number, types: ArrayLike<number>): F {
    const t = this.ck.config.text_config;
    const { head_dim: d, num_attention_heads: nq, num_key_value_heads: nkv } = t;
    const width = (nq + 2 * nkv) * d;
    const p = `model.transformer.blocks.${l}.self_attn.`;
    const heads = (off: number, n: number, norm: string) => {
      const out = new Float64Array(S * n * d);
      for (let s = 0; s < S; s++) out.set(qkv.subarray(s * width + off, s * width + off + n * d), s * n * d);
      const normed = t.use_qk_norm ? rms(out, d, this.w(`${p}${norm}.weight`), t.layer_norm_eps) : out;
      for (let s = 0; s < S; s++) {
        for (let h = 0; h < n; h++) {
          const b = (s * n + h) * d;
          const row = normed.slice(b, b + d);
          for (let i = 0; i < d / 2; i++) {
            const a = s / Math.pow(t.rope_theta, (2 * i) / d);
            normed[b + i] = row[i]! * Math.cos(a) - row[i + d / 2]! * Math.sin(a);
            normed[b + i + d / 2] = row[i + d / 2]! * Math.cos(a) + row[i]! * Math.sin(a);
          }
        }
      }
      return normed;
    };
    const q = heads(0, nq, 'q_norm');
    const k = heads(nq * d, nkv, 'k_norm');
    const out = new Float64Array(S * nq * d);
    const sc = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      for (let h = 0; h < nq; h++) {
        const kv = Math.floor(h / (nq / nkv));
        let mx = -Infinity;
        for (let j = 0; j < S; j++) {
          if (!(j <= s || (types[j] === 1 && types[s] === 1))) {
            sc[j] = -Infinity;
            continue;
          }
          let acc = 0;
          for (let i = 0; i < d; i++) acc += q[(s * nq + h) * d + i]! * k[(j * nkv + kv) * d + i]!;
          sc[j] = acc / Math.sqrt(d);
          mx = Math.max(mx, sc[j]!);
        }
        let z = 0;
        for (let j = 0; j < S; j++) z += sc[j] = Math.exp(sc[j]! - mx);
        for (let i = 0; i < d; i++) {
          let acc = 0;
          for (let j = 0; j < S; j++) acc += sc[j]! * qkv[j * width + (nq + nkv) * d + kv * d + i]!;
          out[(s * nq + h) * d + i] = acc / z;
        }
      }
    }
    return out;
  }

  /** Σ wᵢ·CEᵢ / Σ wᵢ. */
  loss(ex: TrainExample, params: LoraParams): number {
    const t = this.ck.config.text_config;
    const {
      hidden_size: H,
      intermediate_size: I,
      head_dim: d,
      num_attention_heads: nq,
      num_key_value_heads: nkv,
      layer_norm_eps: eps,
    } = t;
    const S = ex.ids.length;
    let h = Float64Array.from(referenceEmbed(this.ck, Array.from(ex.ids), ex.features.length ? ex.features : null));
    for (let l = 0; l < t.num_hidden_layers; l++) {
      const p = `model.transformer.blocks.${l}.`;
      const qkv = this.loraLin(
        rms(h, H, this.w(`${p}attn_norm.weight`), eps),
        S,
        `${p}self_attn.att_proj.weight`,
        params,
        H,
        (nq + 2 * nkv) * d,
      );
      const ao = this.loraLin(
        this.attention(qkv, S, l, ex.types),
        S,
        `${p}self_attn.attn_out.weight`,
        params,
        nq * d,
        H,
      );
      const h2 = h.map((v, i) => v + ao[i]!);
      const fp = this.loraLin(
        rms(h2, H, this.w(`${p}ff_norm.weight`), eps),
        S,
        `${p}mlp.ff_proj.weight`,
        params,
        H,
        2 * I,
      );
      const act = new Float64Array(S * I);
      for (let s = 0; s < S; s++) {
        for (let i = 0; i < I; i++) {
          const gt = fp[s * 2 * I + I + i]!;
          act[s * I + i] = fp[s * 2 * I + i]! * (gt / (1 + Math.exp(-gt)));
        }
      }
      const fo = this.loraLin(act, S, `${p}mlp.ff_out.weight`, params, I, H);
      h = h2.map((v, i) => v + fo[i]!);
    }
    const hf = rms(h, H, this.w('model.transformer.ln_f.weight'), eps);
    const lm = this.w('lm_head.weight');
    const V = t.vocab_size;
    let num = 0;
    let den = 0;
    for (let i = 0; i < ex.targets.length; i++) {
      const row = hf.subarray(ex.logitPositions[i]! * H, (ex.logitPositions[i]! + 1) * H);
      const logits = lin(row, 1, H, lm, V);
      let mx = -Infinity;
      for (const v of logits) mx = Math.max(mx, v);
      let z = 0;
      for (const v of logits) z += Math.exp(v - mx);
      num += ex.weights[i]! * (mx + Math.log(z) - logits[ex.targets[i]!]!);
      den += ex.weights[i]!;
    }
    return num / den;
  }
}

/** Keys of every LoRA tensor of the checkpoint. */
export const loraKeys = (ck: Checkpoint): string[] => loraTargets(ck).flatMap((t) => [t.keyA, t.keyB]);
