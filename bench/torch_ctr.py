"""Independent PyTorch DeepFM and DCN for `npm run bench -- fidelity`.

Reads the rows slimctr encoded (ids int32, dense float32, labels float32 per split, raw files
written by bench/fidelity.ts) and the initial weights of slimctr's model for the same seed (one
float32 file and a JSON index), so both start from the same numbers. The models
(bench/torch_models.py) are written from the papers, not from slimctr's code.

Training: BCE with logits (mean over the batch), torch.optim.SparseAdam for the tables and Adam
for the dense parameters at the same learning rate, a fresh uniform permutation of the training
rows each epoch (torch.randperm, seeded; or the orders given with --order), validation AUC after every epoch; on no improvement
the learning rate is multiplied by 0.1 (after lr_patience epochs) and training stops after
early_stop_patience epochs; the best epoch's weights are scored on the test split (scikit-learn
roc_auc_score and log_loss). Prints one JSON line.
"""
import argparse
import copy
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import log_loss, roc_auc_score

from torch_models import DCN, DeepFM, optimizers


def load_split(folder, name, meta):
    n = meta['rows'][name]
    ids = np.fromfile(os.path.join(folder, f'{name}.ids.i32'), dtype=np.int32).reshape(n, meta['nc'])
    dense = np.fromfile(os.path.join(folder, f'{name}.dense.f32'), dtype=np.float32).reshape(n, meta['nd'])
    labels = np.fromfile(os.path.join(folder, f'{name}.labels.f32'), dtype=np.float32)
    return torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(dense), torch.from_numpy(labels)


def load_init(model, folder, names, kind, hidden, cross):
    """Copies slimctr's initial tensors (row-major [in, out] matrices) into the torch modules."""
    index = json.load(open(os.path.join(folder, 'init.json')))
    raw = np.fromfile(os.path.join(folder, 'init.f32'), dtype=np.float32)

    def get(name):
        e = index[name]
        return torch.from_numpy(raw[e['offset']:e['offset'] + int(np.prod(e['shape']))].reshape(e['shape']).copy())

    def linear(dst, prefix):
        dst.weight.data.copy_(get(f'{prefix}.W').t())
        dst.bias.data.copy_(get(f'{prefix}.b'))

    used = set()
    with torch.no_grad():
        for f, t in enumerate(model.fields.tables):
            t.weight.copy_(get(f'inputs.{names[f]}'))
        if model.fields.numeric is not None:
            model.fields.numeric.copy_(get('inputs.numeric'))
        hidden_linears = [m for m in model.deep if isinstance(m, nn.Linear)]
        for i, lin in enumerate(hidden_linears):
            linear(lin, f'mlp.layer{i}')
        if kind == 'deepfm':
            for f, t in enumerate(model.first):
                t.weight.copy_(get(f'linear.{names[f]}'))
            if model.first_numeric is not None:
                model.first_numeric.copy_(get('linear.numeric'))
            model.bias.copy_(get('linear.bias'))
            linear(model.deep_out, 'mlp.out')
        else:
            for l in range(cross):
                model.cross_w[l].copy_(get(f'cross.w{l}').reshape(-1))
                model.cross_b[l].copy_(get(f'cross.b{l}'))
            linear(model.out, 'out')
    n_torch = sum(p.numel() for p in model.parameters())
    n_file = sum(int(np.prod(e['shape'])) for e in index.values())
    if n_torch != n_file:
        raise SystemExit(f'parameter counts differ: torch {n_torch}, slimctr {n_file}')


def scores(model, split, batch):
    ids, dense, labels = split
    out = []
    model.eval()
    with torch.no_grad():
        for s in range(0, len(labels), batch):
            out.append(model(ids[s:s + batch], dense[s:s + batch]))
    logits = torch.cat(out).double()
    p = torch.sigmoid(logits).clamp(1e-7, 1 - 1e-7).numpy()
    y = labels.numpy()
    return float(roc_auc_score(y, logits.numpy())), float(log_loss(y, p, labels=[0, 1]))


def main():
    a = argparse.ArgumentParser()
    a.add_argument('--data', required=True)
    a.add_argument('--model', choices=['deepfm', 'dcn'], required=True)
    a.add_argument('--dim', type=int, default=16)
    a.add_argument('--hidden', default='400,400,400')
    a.add_argument('--cross', type=int, default=3)
    a.add_argument('--lr', type=float, default=1e-3)
    a.add_argument('--batch', type=int, default=2048)
    a.add_argument('--epochs', type=int, default=10)
    a.add_argument('--lr-patience', type=int, default=1)
    a.add_argument('--decay', type=float, default=0.1)
    a.add_argument('--patience', type=int, default=2)
    a.add_argument('--seed', type=int, default=1)
    a.add_argument('--threads', type=int, default=1)
    a.add_argument('--order', help='int32 file: the training rows\' order for every epoch (else torch.randperm)')
    o = a.parse_args()
    torch.set_num_threads(o.threads)
    torch.manual_seed(o.seed)
    meta = json.load(open(os.path.join(o.data, 'meta.json')))
    train, val, test = (load_split(o.data, s, meta) for s in ('train', 'validation', 'test'))
    hidden = [int(h) for h in o.hidden.split(',') if h]
    if o.model == 'deepfm':
        model = DeepFM(meta['vocab'], meta['nd'], o.dim, hidden)
    else:
        model = DCN(meta['vocab'], meta['nd'], o.dim, hidden, o.cross)
    load_init(model, o.data, meta['names'], o.model, hidden, o.cross)
    opts = optimizers(model, o.lr)
    loss_fn = nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(o.seed)
    best = None
    since_best = plateau = 0
    history = []
    started = time.time()
    n = len(train[2])
    orders = np.fromfile(o.order, dtype=np.int32).reshape(-1, n) if o.order else None
    for epoch in range(1, o.epochs + 1):
        model.train()
        perm = torch.from_numpy(orders[epoch - 1].astype(np.int64)) if orders is not None else torch.randperm(n, generator=gen)
        total = 0.0
        for s in range(0, n, o.batch):
            idx = perm[s:s + o.batch]
            loss = loss_fn(model(train[0][idx], train[1][idx]), train[2][idx])
            for opt in opts:
                opt.zero_grad()
            loss.backward()
            for opt in opts:
                opt.step()
            total += float(loss) * len(idx)
        auc, ll = scores(model, val, 8192)
        history.append({'epoch': epoch, 'train_loss': total / n, 'val_auc': auc, 'val_logloss': ll, 'lr': opts[0].param_groups[0]['lr']})
        if best is None or auc > best['auc']:
            best = {'auc': auc, 'epoch': epoch, 'state': copy.deepcopy(model.state_dict())}
            since_best = plateau = 0
            continue
        since_best += 1
        plateau += 1
        if o.lr_patience > 0 and plateau >= o.lr_patience:
            plateau = 0
            for opt in opts:
                for g in opt.param_groups:
                    g['lr'] *= o.decay
        if o.patience > 0 and since_best >= o.patience:
            break
    model.load_state_dict(best['state'])
    test_auc, test_ll = scores(model, test, 8192)
    print(json.dumps({'test_auc': test_auc, 'test_logloss': test_ll, 'best_epoch': best['epoch'], 'epochs': len(history),
                      'seconds': time.time() - started, 'history': history, 'params': sum(p.numel() for p in model.parameters())}))


if __name__ == '__main__':
    main()
