#!/usr/bin/python3
"""A DeepFM trained in PyTorch on criteo_80k and exported to ONNX: the user's side of `bench onnx`.

What a PyTorch team brings to slimctr: a model trained in their own code, `torch.onnx.export`ed with
a dynamic batch axis, and NumPy files of graph inputs (`np.savez`). Written here from scratch in the
style of the common CTR codebases: one embedding table per categorical field, FM over the field
embeddings, a first-order term, and an MLP over the embeddings and the numeric features.

Split (docs/results.md): rows 1-56,000 train, 56,001-64,000 validation, 64,001-80,000 test. Ids: per
field, values seen at least 3 times in the training rows, in order of first appearance, from 1; 0 for
the rest. Numeric features: log1p of the value (negatives and missing as 0).

Writes into OUT: model.onnx (inputs `ids` int64 [B, 26] and `dense` float32 [B, 13], output `prob`
[B]), train.npz, valid.npz and test.npz (the two inputs plus `label`), and meta.json (sizes, training
time and PyTorch's validation/test AUC).

Run with Debian's PyTorch (apt-get install python3-torch): /usr/bin/python3 bench/lib/pytorch_deepfm.py DATA OUT
[--epochs N] [--hidden 400,400,400] [--dim 16] [--threads N]
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn

FIELDS, DENSE = 26, 13
SPLITS = {'train': (0, 56000), 'valid': (56000, 64000), 'test': (64000, 80000)}


def read_criteo(path):
    labels, dense, cats = [], [], []
    with open(path, encoding='utf8') as f:
        for line in f:
            cols = line.rstrip('\n').split('\t')
            labels.append(float(cols[0]))
            dense.append([np.log1p(max(float(v), 0.0)) if v else 0.0 for v in cols[1:14]])
            cats.append(cols[14:40])
    return np.array(labels, np.float32), np.array(dense, np.float32), cats


def encode(cats, train_end, min_count=3):
    counts = [dict() for _ in range(FIELDS)]
    for row in cats[:train_end]:
        for f, v in enumerate(row):
            counts[f][v] = counts[f].get(v, 0) + 1
    vocab = [{} for _ in range(FIELDS)]
    for row in cats[:train_end]:
        for f, v in enumerate(row):
            if counts[f][v] >= min_count and v not in vocab[f]:
                vocab[f][v] = len(vocab[f]) + 1
    ids = np.array([[vocab[f].get(v, 0) for f, v in enumerate(row)] for row in cats], np.int64)
    return ids, [len(v) + 1 for v in vocab]


class DeepFM(nn.Module):
    def __init__(self, vocabs, dim, hidden):
        super().__init__()
        self.embed = nn.ModuleList(nn.Embedding(v, dim) for v in vocabs)
        self.first = nn.ModuleList(nn.Embedding(v, 1) for v in vocabs)
        self.dense_first = nn.Linear(DENSE, 1)
        layers, width = [], len(vocabs) * dim + DENSE
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, 1))
        self.mlp = nn.Sequential(*layers)
        for e in self.embed:
            nn.init.normal_(e.weight, std=1e-2)
        for e in self.first:
            nn.init.zeros_(e.weight)

    def forward(self, ids, dense):
        e = torch.stack([t(ids[:, f]) for f, t in enumerate(self.embed)], dim=1)  # [B, F, D]
        first = torch.cat([t(ids[:, f]) for f, t in enumerate(self.first)], dim=1).sum(1) + self.dense_first(dense)[:, 0]
        fm = 0.5 * (e.sum(1).pow(2) - e.pow(2).sum(1)).sum(1)
        deep = self.mlp(torch.cat([e.flatten(1), dense], dim=1))[:, 0]
        return torch.sigmoid(first + fm + deep)


def auc(y, p):
    order = np.argsort(p, kind='mergesort')
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    # average ranks over ties
    _, inv, counts = np.unique(p, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, ranks)
    ranks = sums[inv] / counts[inv]
    pos = y == 1
    return float((ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('data')
    ap.add_argument('out')
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--hidden', default='400,400,400')
    ap.add_argument('--dim', type=int, default=16)
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    y, dense, cats = read_criteo(a.data)
    ids, vocabs = encode(cats, SPLITS['train'][1])
    parts = {k: (ids[s:e], dense[s:e], y[s:e]) for k, (s, e) in SPLITS.items()}
    for k, (i, d, l) in parts.items():
        np.savez(os.path.join(a.out, f'{k}.npz'), ids=i, dense=d, label=l)
    model = DeepFM(vocabs, a.dim, [int(h) for h in a.hidden.split(',')])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ti, td, ty = (torch.from_numpy(x) for x in parts['train'])
    started = time.time()
    for _ in range(a.epochs):
        model.train()
        perm = torch.randperm(len(ty))
        for s in range(0, len(ty), 1024):
            b = perm[s:s + 1024]
            loss = nn.functional.binary_cross_entropy(model(ti[b], td[b]), ty[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = time.time() - started
    model.eval()
    meta = {'vocabs': vocabs, 'dim': a.dim, 'hidden': a.hidden, 'epochs': a.epochs, 'train_seconds': seconds,
            'params': sum(p.numel() for p in model.parameters()), 'torch': torch.__version__}
    with torch.no_grad():
        for k in ('valid', 'test'):
            i, d, l = parts[k]
            meta[f'{k}_auc'] = auc(l, model(torch.from_numpy(i), torch.from_numpy(d)).numpy())
    example = (torch.from_numpy(parts['test'][0][:4]), torch.from_numpy(parts['test'][1][:4]))
    torch.onnx.export(model, example, os.path.join(a.out, 'model.onnx'), input_names=['ids', 'dense'],
                      output_names=['prob'], opset_version=17,
                      dynamic_axes={'ids': {0: 'batch'}, 'dense': {0: 'batch'}, 'prob': {0: 'batch'}})
    with open(os.path.join(a.out, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == '__main__':
    main()
