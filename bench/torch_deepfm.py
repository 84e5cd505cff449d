"""PyTorch reference for `npm run bench -- train`: the same DeepFM as slimctr's zoo model.

26 categorical fields, one nn.Embedding(vocab, 16, sparse=True) each, plus a 1-dim first-order
nn.Embedding(vocab, 1, sparse=True) each; 13 numeric features embedded as value x a learned
16-vector (slimctr's default numeric: embedding), a first-order weight per numeric value and a
bias. FM pairwise term over the 39 fields, MLP 624-400-400-400-1 ReLU, BCE with logits.
Optimizers: torch.optim.SparseAdam for the embedding tables (lazy Adam, as slimctr), Adam for
the dense parameters, lr 1e-3. Synthetic data by the same recipe as bench/train.ts.
Prints one JSON line: samples_per_s and mean forward / backward / optimizer ms per step.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn

FIELDS, NUMERIC, BATCH, DIM = 26, 13, 4096, 16


class DeepFM(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.emb = nn.ModuleList(nn.Embedding(vocab, DIM, sparse=True) for _ in range(FIELDS))
        self.w1 = nn.ModuleList(nn.Embedding(vocab, 1, sparse=True) for _ in range(FIELDS))
        for e in self.emb:
            nn.init.normal_(e.weight, std=1e-4)
        for e in self.w1:
            nn.init.zeros_(e.weight)
        self.num_vec = nn.Parameter(torch.randn(NUMERIC, DIM) * 0.01)
        self.num_w = nn.Parameter(torch.zeros(NUMERIC, 1))
        self.bias = nn.Parameter(torch.zeros(1))
        F = FIELDS + NUMERIC
        self.mlp = nn.Sequential(
            nn.Linear(F * DIM, 400), nn.ReLU(), nn.Linear(400, 400), nn.ReLU(),
            nn.Linear(400, 400), nn.ReLU(), nn.Linear(400, 1))

    def forward(self, ids, dense):
        B = ids.shape[0]
        cat = torch.stack([e(ids[:, f]) for f, e in enumerate(self.emb)], 1)  # [B, 26, D]
        num = dense.unsqueeze(2) * self.num_vec  # [B, 13, D]
        emb = torch.cat([cat, num], 1)  # [B, 39, D]
        first = torch.stack([w(ids[:, f]) for f, w in enumerate(self.w1)], 1).sum((1, 2)) + (dense @ self.num_w).squeeze(1) + self.bias
        s = emb.sum(1)
        fm = 0.5 * (s * s - (emb * emb).sum(1)).sum(1)
        deep = self.mlp(emb.reshape(B, -1)).squeeze(1)
        return first + fm + deep


def batches(count, vocab, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        u = rng.random((BATCH, FIELDS))
        ids = np.minimum(vocab - 1, np.floor(vocab ** u) - 1).astype(np.int64)
        dense = np.log1p(np.floor(50 ** rng.random((BATCH, NUMERIC)))).astype(np.float32)
        labels = (rng.random(BATCH) < 0.25).astype(np.float32)
        out.append((torch.from_numpy(ids), torch.from_numpy(dense), torch.from_numpy(labels)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--vocab', type=int, default=40000)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(7)
    model = DeepFM(a.vocab)
    sparse_params = [p for m in (model.emb, model.w1) for p in m.parameters()]
    sparse_ids = {id(p) for p in sparse_params}
    dense_params = [p for p in model.parameters() if id(p) not in sparse_ids]
    opt_s = torch.optim.SparseAdam(sparse_params, lr=1e-3)
    opt_d = torch.optim.Adam(dense_params, lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    data = batches(8, a.vocab, 1)
    t_f = t_b = t_o = 0.0

    def step(i, timed):
        nonlocal t_f, t_b, t_o
        ids, dense, y = data[i % len(data)]
        t0 = time.perf_counter()
        loss = loss_fn(model(ids, dense), y)
        t1 = time.perf_counter()
        opt_s.zero_grad(set_to_none=True)
        opt_d.zero_grad(set_to_none=True)
        loss.backward()
        t2 = time.perf_counter()
        opt_s.step()
        opt_d.step()
        t3 = time.perf_counter()
        if timed:
            t_f += t1 - t0
            t_b += t2 - t1
            t_o += t3 - t2
        return loss.item()

    for i in range(3):
        step(i, False)
    t0 = time.perf_counter()
    for i in range(a.steps):
        step(i, True)
    sec = time.perf_counter() - t0
    n = a.steps
    print(json.dumps({'threads': a.threads, 'samples_per_s': n * BATCH / sec, 'forward_ms': 1e3 * t_f / n,
                      'backward_ms': 1e3 * t_b / n, 'optim_ms': 1e3 * t_o / n, 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
