"""PyTorch DeepFM and DCN written from the papers, shared by bench/torch_ctr.py (`bench -- fidelity`)
and bench/torch_onnx.py (`bench -- onnx`).

- inputs: one nn.Embedding(vocab, D, sparse=True) per categorical field; each numeric feature a
  field of its own, value x a learned D-vector;
- DeepFM: first-order weights (an nn.Embedding(vocab, 1, sparse=True) per field, a weight per
  numeric value, a bias) + FM pairwise term + MLP (ReLU) over the flattened fields;
- DCN: x0 = flattened fields; cross layers x_{l+1} = x0 (x_l . w_l) + b_l + x_l; an MLP (ReLU)
  in parallel; a Linear over [cross output, MLP output].

Both return the logit. `optimizers` gives the training setup both benches use: SparseAdam for
the tables, Adam for the dense parameters, at the same learning rate.
"""
import torch
import torch.nn as nn


def mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers)


class Fields(nn.Module):
    """[B, F, D]: categorical embeddings, then numeric value x vector."""

    def __init__(self, vocab, nd, dim):
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(v, dim, sparse=True) for v in vocab)
        self.numeric = nn.Parameter(torch.zeros(nd, dim)) if nd else None

    def forward(self, ids, dense):
        parts = [torch.stack([t(ids[:, f]) for f, t in enumerate(self.tables)], 1)]
        if self.numeric is not None:
            parts.append(dense.unsqueeze(2) * self.numeric)
        return torch.cat(parts, 1)


class DeepFM(nn.Module):
    def __init__(self, vocab, nd, dim, hidden):
        super().__init__()
        self.fields = Fields(vocab, nd, dim)
        self.first = nn.ModuleList(nn.Embedding(v, 1, sparse=True) for v in vocab)
        self.first_numeric = nn.Parameter(torch.zeros(nd, 1)) if nd else None
        self.bias = nn.Parameter(torch.zeros(1))
        width = (len(vocab) + nd) * dim
        self.deep = mlp([width] + hidden)
        self.deep_out = nn.Linear(hidden[-1] if hidden else width, 1)

    def forward(self, ids, dense):
        emb = self.fields(ids, dense)
        first = sum(t(ids[:, f]).squeeze(1) for f, t in enumerate(self.first)) + self.bias
        if self.first_numeric is not None:
            first = first + (dense @ self.first_numeric).squeeze(1)
        s = emb.sum(1)
        fm = 0.5 * (s * s - (emb * emb).sum(1)).sum(1)
        deep = self.deep_out(self.deep(emb.flatten(1))).squeeze(1)
        return first + fm + deep


class DCN(nn.Module):
    def __init__(self, vocab, nd, dim, hidden, cross):
        super().__init__()
        self.fields = Fields(vocab, nd, dim)
        width = (len(vocab) + nd) * dim
        self.cross_w = nn.ParameterList(nn.Parameter(torch.zeros(width)) for _ in range(cross))
        self.cross_b = nn.ParameterList(nn.Parameter(torch.zeros(width)) for _ in range(cross))
        self.deep = mlp([width] + hidden)
        self.out = nn.Linear(width + (hidden[-1] if hidden else width), 1)

    def forward(self, ids, dense):
        x0 = self.fields(ids, dense).flatten(1)
        x = x0
        for w, b in zip(self.cross_w, self.cross_b):
            x = x0 * (x @ w).unsqueeze(1) + b + x
        return self.out(torch.cat([x, self.deep(x0)], 1)).squeeze(1)


def optimizers(model, lr):
    sparse = [p for m in model.modules() if isinstance(m, nn.Embedding) for p in m.parameters()]
    ids_sparse = {id(p) for p in sparse}
    dense = [p for p in model.parameters() if id(p) not in ids_sparse]
    return [torch.optim.SparseAdam(sparse, lr=lr), torch.optim.Adam(dense, lr=lr)]
