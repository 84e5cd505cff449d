#!/usr/bin/python3
"""A DeepFM or DCN trained in PyTorch on criteo_80k and exported to ONNX: the user's side of `bench onnx`.

What a PyTorch team brings to slimctr: a model trained in their own code, `torch.onnx.export`ed with
a dynamic batch axis, and NumPy files of graph inputs (`np.savez`). The models are bench/torch_models.py's
(also used by `bench -- fidelity`), under a final Sigmoid.

Split (docs/results.md): rows 1-56,000 train, 56,001-64,000 validation, 64,001-80,000 test. Ids: per
field, values seen at least 3 times in the training rows, in order of first appearance, from 1; 0 for
the rest. Numeric features: log1p of the value (negatives and missing as 0).

Writes into OUT: MODEL.onnx (inputs `ids` int64 [B, 26] and `dense` float32 [B, 13], output `prob`
[B]), train.npz, valid.npz and test.npz (the two inputs plus `label`), and MODEL.json (sizes, training
time, validation AUC per epoch and PyTorch's validation/test AUC).

Run with Debian's PyTorch (apt-get install python3-torch): /usr/bin/python3 bench/torch_onnx.py DATA OUT
[--model deepfm|dcn] [--epochs N] [--patience N] [--hidden 400,400,400] [--dim 16] [--threads N]
"""
import argparse
import copy
import json
import os
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from torch_models import DCN, DeepFM, optimizers

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


def initialize(model):
    """slimctr's defaults: tables and numeric vectors N(0, 1e-4), first-order weights 0, cross weights U(+-1/sqrt(width))."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Embedding):
                nn.init.zeros_(m.weight) if m.embedding_dim == 1 else nn.init.normal_(m.weight, std=1e-4)
        nn.init.normal_(model.fields.numeric, std=1e-4)
        for w in getattr(model, 'cross_w', []):
            nn.init.uniform_(w, -w.numel() ** -0.5, w.numel() ** -0.5)


class Probability(nn.Module):
    """The exported graph: the model's logit under a final Sigmoid (fine-tuning takes its loss on that logit)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, ids, dense):
        return torch.sigmoid(self.model(ids, dense))


def probabilities(model, ids, dense):
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(ids), torch.from_numpy(dense)).numpy()


def train(model, parts, a):
    """Adam (SparseAdam for the tables), BCE, batch 1024; the best validation epoch of at most --epochs (stop after --patience worse ones)."""
    opts = optimizers(model, a.lr)
    ti, td, ty = (torch.from_numpy(x) for x in parts['train'])
    history, best, since = [], None, 0
    for epoch in range(1, a.epochs + 1):
        model.train()
        perm = torch.randperm(len(ty))
        for s in range(0, len(ty), a.batch):
            b = perm[s:s + a.batch]
            loss = nn.functional.binary_cross_entropy_with_logits(model(ti[b], td[b]), ty[b])
            for o in opts:
                o.zero_grad()
            loss.backward()
            for o in opts:
                o.step()
        i, d, l = parts['valid']
        val = float(roc_auc_score(l, probabilities(model, i, d)))
        history.append(val)
        if best is None or val > best[0]:
            best, since = (val, epoch, copy.deepcopy(model.state_dict())), 0
        else:
            since += 1
            if since >= a.patience:
                break
    model.load_state_dict(best[2])
    return best[1], history


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('data')
    ap.add_argument('out')
    ap.add_argument('--model', choices=['deepfm', 'dcn'], default='deepfm')
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--patience', type=int, default=1)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--batch', type=int, default=1024)
    ap.add_argument('--hidden', default='400,400,400')
    ap.add_argument('--dim', type=int, default=16)
    ap.add_argument('--cross', type=int, default=3)
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
    hidden = [int(h) for h in a.hidden.split(',')]
    if a.model == 'deepfm':
        model = DeepFM(vocabs, DENSE, a.dim, hidden)
    else:
        model = DCN(vocabs, DENSE, a.dim, hidden, a.cross)
    initialize(model)
    started = time.time()
    best_epoch, history = train(model, parts, a)
    exported = Probability(model).eval()
    meta = {'model': a.model, 'vocabs': vocabs, 'dim': a.dim, 'hidden': a.hidden, 'epochs': len(history),
            'best_epoch': best_epoch, 'valid_auc_by_epoch': history, 'train_seconds': time.time() - started,
            'params': sum(p.numel() for p in model.parameters()), 'torch': torch.__version__}
    for k in ('valid', 'test'):
        i, d, l = parts[k]
        meta[f'{k}_auc'] = float(roc_auc_score(l, probabilities(exported, i, d)))
    example = (torch.from_numpy(parts['test'][0][:4]), torch.from_numpy(parts['test'][1][:4]))
    torch.onnx.export(exported, example, os.path.join(a.out, f'{a.model}.onnx'), input_names=['ids', 'dense'],
                      output_names=['prob'], opset_version=17,
                      dynamic_axes={'ids': {0: 'batch'}, 'dense': {0: 'batch'}, 'prob': {0: 'batch'}})
    with open(os.path.join(a.out, f'{a.model}.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == '__main__':
    main()
