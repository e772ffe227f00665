#!/usr/bin/python3
"""Bench: the same LoRA training step in PyTorch on this CPU, through Allen AI's HF port (olmo/hf_model, unmodified)
loaded by the shared reference harness (../shared/tools/reference-harness/fixtures/common.py): text-only sequence of
S tokens, loss = mean CE over the last 32 positions, backward to the LoRA tensors (rank R, alpha 2R, all four modules),
fp32, plain autograd (no gradient checkpointing). Prints one JSON line: {S, ms (median of 3), peak_rss}.

usage: FIXTURE_REF=<molmo2 checkout> FIXTURE_THREADS=2 python3 torch_step.py CKPT S [R]
"""
import json
import os
import resource
import sys
import time

HARNESS = os.environ.get("REFERENCE_HARNESS", "/work/shared/tools/reference-harness")  # the shared harness
sys.path.insert(0, os.path.join(os.path.abspath(HARNESS), "fixtures"))
import common as C  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Lora(nn.Module):
    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        self.a = nn.Parameter(torch.randn(r, base.in_features) * 0.02)
        self.b = nn.Parameter(torch.randn(base.out_features, r) * 0.02)
        self.s = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.a.t()) @ self.b.t() * self.s


def main():
    ckpt, S = sys.argv[1], int(sys.argv[2])
    r = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    model, _, _ = C.build_model(ckpt)
    for p in model.parameters():
        p.requires_grad_(False)
    torch.manual_seed(1)
    params = []
    for blk in model.model.transformer.blocks:
        for parent, name in ((blk.self_attn, "att_proj"), (blk.self_attn, "attn_out"), (blk.mlp, "ff_proj"), (blk.mlp, "ff_out")):
            m = Lora(getattr(parent, name), r, 2 * r)
            setattr(parent, name, m)
            params += [m.a, m.b]
    times = []
    for i in range(4):
        g = torch.Generator().manual_seed(i)
        ids = torch.randint(100, 50100, (1, S), generator=g)
        pos = torch.arange(S - 33, S - 1)
        t0 = time.time()
        out = model(input_ids=ids, token_type_ids=torch.zeros_like(ids), use_cache=False, logits_to_keep=pos)
        loss = F.cross_entropy(out.logits[0], ids[0, pos + 1])
        loss.backward()
        times.append((time.time() - t0) * 1000)
        for p in params:
            p.grad = None
    ms = sorted(times[1:])[1]
    print(json.dumps({"S": S, "ms": ms, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


main()
