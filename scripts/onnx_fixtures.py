#!/usr/bin/python3
"""Writes the ONNX import fixtures under test/fixtures/onnx/ (tests read them without PyTorch).

Small random-weight PyTorch CTR models (DeepFM, DCN, an MLP with BatchNorm and Dropout, a
self-attention block) exported with torch.onnx.export in the three input styles seen in the wild:
  fields - one int64 [B] input per categorical field plus one float [B] input per numeric feature
           (torch-rechub style);
  matrix - one int64 [B, F] tensor of ids and one float [B, N] tensor of numeric features;
  flat   - one float [B, F + N] tensor that the model slices, casting the id columns (DeepCTR-Torch).
Each at opsets 13 and 17, with a dynamic batch axis. For each model NAME it writes NAME.onnx,
NAME.inputs.npz (the graph inputs by name, plus a random 0/1 `label`) and NAME.expected.npz
(PyTorch's outputs by output name).

Run with Debian's PyTorch: apt-get install python3-torch; /usr/bin/python3 scripts/onnx_fixtures.py
"""
import io
import os
import sys

import numpy as np
import torch
from torch import nn

VOCABS = [5, 7, 4]
N_DENSE = 2
DIM = 4
ROWS = 8
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx')


class FrontEnd(nn.Module):
    """Turns the graph inputs of one style into per-field id vectors [B] and a dense block [B, N]."""

    def __init__(self, style):
        super().__init__()
        self.style = style

    def forward(self, *xs):
        F = len(VOCABS)
        if self.style == 'fields':
            return list(xs[:F]), torch.stack(xs[F:], dim=1)
        if self.style == 'matrix':
            ids, dense = xs
            return [ids[:, f] for f in range(F)], dense
        (x,) = xs
        return [x[:, f].long() for f in range(F)], x[:, F:F + N_DENSE]


class Embeddings(nn.Module):
    """One table per field, or one table shared by every field (gathered once per field)."""

    def __init__(self, dim, shared=False):
        super().__init__()
        self.shared = shared
        if shared:
            self.table = nn.Embedding(max(VOCABS), dim)
        else:
            self.tables = nn.ModuleList([nn.Embedding(v, dim) for v in VOCABS])

    def forward(self, ids):
        if self.shared:
            return torch.stack([self.table(i) for i in ids], dim=1)
        return torch.stack([t(i) for t, i in zip(self.tables, ids)], dim=1)  # [B, F, dim]


def mlp(din, hidden, batch_norm=False, dropout=0.0):
    layers = []
    for h in hidden:
        layers.append(nn.Linear(din, h))
        if batch_norm:
            layers.append(nn.BatchNorm1d(h))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
        din = h
    return nn.Sequential(*layers)


class DeepFM(nn.Module):
    def __init__(self, style):
        super().__init__()
        self.front = FrontEnd(style)
        self.emb = Embeddings(DIM)
        self.first = Embeddings(1)
        self.dense_first = nn.Linear(N_DENSE, 1)
        self.deep = mlp(len(VOCABS) * DIM + N_DENSE, [8, 6])
        self.out = nn.Linear(6, 1)

    def forward(self, *xs):
        ids, dense = self.front(*xs)
        e = self.emb(ids)
        first = self.first(ids).sum(dim=1) + self.dense_first(dense)
        s = e.sum(dim=1)
        fm = 0.5 * (s.pow(2) - (e * e).sum(dim=1)).sum(dim=1, keepdim=True)
        deep = self.out(self.deep(torch.cat([e.flatten(1), dense], dim=1)))
        return torch.sigmoid(first + fm + deep)


class DCN(nn.Module):
    def __init__(self, style, layers=2):
        super().__init__()
        self.front = FrontEnd(style)
        self.emb = Embeddings(DIM)
        d = len(VOCABS) * DIM + N_DENSE
        self.w = nn.ParameterList([nn.Parameter(torch.randn(d, 1) * 0.3) for _ in range(layers)])
        self.b = nn.ParameterList([nn.Parameter(torch.randn(d) * 0.1) for _ in range(layers)])
        self.deep = mlp(d, [8])
        self.out = nn.Linear(d + 8, 1)

    def forward(self, *xs):
        ids, dense = self.front(*xs)
        x0 = torch.cat([self.emb(ids).reshape(dense.shape[0], -1), dense], dim=1)
        x = x0
        for w, b in zip(self.w, self.b):
            x = x0 * torch.matmul(x, w) + b + x
        return torch.sigmoid(self.out(torch.cat([x, self.deep(x0)], dim=1)))


class MLP(nn.Module):
    """Shared table, BatchNorm and Dropout (inference forms in the export), tanh and leaky relu."""

    def __init__(self, style):
        super().__init__()
        self.front = FrontEnd(style)
        self.emb = Embeddings(DIM, shared=True)
        self.body = mlp(len(VOCABS) * DIM + N_DENSE, [10, 6], batch_norm=True, dropout=0.2)
        self.act = nn.LeakyReLU(0.1)
        self.out = nn.Linear(6, 1)

    def forward(self, *xs):
        ids, dense = self.front(*xs)
        h = self.body(torch.cat([torch.flatten(self.emb(ids), 1), torch.tanh(dense)], dim=1))
        return torch.sigmoid(self.out(self.act(h)))


class Attention(nn.Module):
    """One self-attention block over the field embeddings: MatMul + Softmax, residual, LayerNorm."""

    def __init__(self, style, heads=2):
        super().__init__()
        self.front = FrontEnd(style)
        self.emb = Embeddings(DIM)
        self.heads = heads
        self.q = nn.Linear(DIM, DIM, bias=False)
        self.k = nn.Linear(DIM, DIM, bias=False)
        self.v = nn.Linear(DIM, DIM, bias=False)
        self.norm = nn.LayerNorm(DIM)
        self.out = nn.Linear(len(VOCABS) * DIM + N_DENSE, 1)

    def split(self, x):
        b, f, _ = x.shape
        return x.reshape(b, f, self.heads, DIM // self.heads).transpose(1, 2)  # [B, H, F, d]

    def forward(self, *xs):
        ids, dense = self.front(*xs)
        e = self.emb(ids)
        q, k, v = self.split(self.q(e)), self.split(self.k(e)), self.split(self.v(e))
        a = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / (DIM // self.heads) ** 0.5, dim=-1)
        h = torch.matmul(a, v).transpose(1, 2).reshape(e.shape)
        h = self.norm(torch.relu(h) + e)
        return torch.sigmoid(self.out(torch.cat([h.flatten(1), torch.exp(-dense.abs())], dim=1)))


MODELS = {'deepfm': DeepFM, 'dcn': DCN, 'mlp': MLP, 'attention': Attention}
STYLES = ['fields', 'matrix', 'flat']


def inputs_for(style, gen):
    ids = np.stack([gen.integers(0, v, ROWS) for v in VOCABS], axis=1).astype(np.int64)
    dense = gen.normal(size=(ROWS, N_DENSE)).astype(np.float32)
    if style == 'fields':
        named = {f'f{i}': ids[:, i] for i in range(len(VOCABS))}
        named.update({f'd{j}': dense[:, j] for j in range(N_DENSE)})
        return named
    if style == 'matrix':
        return {'ids': ids, 'dense': dense}
    return {'x': np.concatenate([ids.astype(np.float32), dense], axis=1)}


def randomize(model, gen):
    """Random weights, and running statistics far from (0, 1) so BatchNorm does something."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(gen.normal(scale=0.5, size=tuple(p.shape)).astype(np.float32)))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.copy_(torch.from_numpy(gen.normal(size=m.num_features).astype(np.float32)))
                m.running_var.copy_(torch.from_numpy(gen.uniform(0.5, 2, size=m.num_features).astype(np.float32)))


def export(name, cls, style, opset, seed):
    gen = np.random.default_rng(seed)
    torch.manual_seed(seed)
    model = cls(style)
    randomize(model, gen)
    model.eval()
    named = inputs_for(style, gen)
    args = tuple(torch.from_numpy(a) for a in named.values())
    with torch.no_grad():
        expected = model(*args).numpy()
    buf = io.BytesIO()
    names = list(named)
    torch.onnx.export(model, args, buf, input_names=names, output_names=['prob'], opset_version=opset,
                      dynamic_axes={n: {0: 'batch'} for n in names + ['prob']}, do_constant_folding=True)
    with open(os.path.join(OUT, f'{name}.onnx'), 'wb') as f:
        f.write(buf.getvalue())
    named['label'] = gen.integers(0, 2, ROWS).astype(np.float32)
    save = np.savez_compressed if seed % 2 else np.savez  # both zip methods (deflate, stored)
    save(os.path.join(OUT, f'{name}.inputs.npz'), **named)
    np.savez(os.path.join(OUT, f'{name}.expected.npz'), prob=expected)


def main():
    os.makedirs(OUT, exist_ok=True)
    seed = 0
    for model_name, cls in MODELS.items():
        for style in STYLES:
            for opset in (13, 17):
                seed += 1
                name = f'{model_name}_{style}_op{opset}'
                export(name, cls, style, opset, seed)
                print(name, os.path.getsize(os.path.join(OUT, f'{name}.onnx')), 'bytes')
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f'{total} bytes in {OUT}')
    if total > 1 << 20:
        sys.exit('fixtures exceed 1 MB')


if __name__ == '__main__':
    main()
