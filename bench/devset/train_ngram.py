"""Train the shipped character 4-gram model and calibrate its DGA thresholds, deterministically.

    .venv/bin/python bench/devset/train_ngram.py [--save-crossfit FILE.npy]

Thresholds are calibrated on benign data only, by cross-fitting on the training list: the list is
split into 10 folds (seeded); for each fold a model is trained on the other nine and the fold's
registered labels are scored exactly as the scorer scores them (``reg_bits``, the likelihood ratio
of a uniform string over the label's own alphabet against the model). Per label length the
threshold is the (1 - q) quantile of those out-of-fold scores, pooled over lengths L-2..L+2
(lengths >= 16 pooled together) so that a handful of odd names cannot move one length's bar. No
DGA family is looked at.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hunt_assets.analytics.dns import features as F  # noqa: E402
from hunt_assets.analytics.dns import ngram  # noqa: E402
from hunt_assets.analytics.dns.names import parse, to_binary_array  # noqa: E402

FOLDS = 10
SEED = 20240606
Q_DGA = 0.003  # out-of-fold share of popular registered labels at or above the DGA bar, per length
Q_SUSPICIOUS = 0.004  # ... at or above the "suspicious" bar (0.006 until stop 46: see the data README)
MIN_LEN_DGA = 6  # shorter labels are too short to judge by their characters
MIN_LEN_SUSPICIOUS = 7
POOL = 2
LONG = 16


def reg_bits(domains: list[str], model: ngram.NgramModel) -> tuple[np.ndarray, np.ndarray]:
    """(reg_bits, reg_len) of each domain's registered label, as the scorer computes them."""
    p = parse(to_binary_array(domains))
    f = F.compute(p, model, entropy=False)
    bits = -(f["reg_lp"] + f["reg_lp_n"] * np.log2(f["reg_alphabet"]))
    return np.where(f["reg_len"] > 0, bits, np.nan), f["reg_len"]


def cross_fitted_bits(
    domains: list[str], trainer: Callable[[list[str]], ngram.NgramModel] = ngram.train
) -> tuple[np.ndarray, np.ndarray]:
    fold = np.random.default_rng(SEED).integers(0, FOLDS, len(domains))
    bits = np.full(len(domains), np.nan)
    lens = np.zeros(len(domains), dtype=np.int64)
    arr = np.array(domains, dtype=object)
    for k in range(FOLDS):
        model = trainer(list(arr[fold != k]))
        idx = np.flatnonzero(fold == k)
        bits[idx], lens[idx] = reg_bits(list(arr[idx]), model)
    return bits, lens


def per_length(bits: np.ndarray, lens: np.ndarray, q: float, min_len: int) -> np.ndarray:
    """Threshold per label length 0..63 (NaN below ``min_len``)."""
    out = np.full(64, np.nan)
    ok = ~np.isnan(bits)
    capped = np.minimum(lens, LONG)
    for length in range(min_len, 64):
        sel = ok & (np.abs(capped - min(length, LONG)) <= POOL) & (lens >= min_len)
        out[length] = np.quantile(bits[sel], 1.0 - q)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--save-crossfit", metavar="NPY", help="also write the out-of-fold (bits, length) pairs")
    args = ap.parse_args(argv)
    domains = ngram.load_training_domains()
    bits, lens = cross_fitted_bits(domains)
    dga = per_length(bits, lens, Q_DGA, MIN_LEN_DGA)
    susp = np.fmin(per_length(bits, lens, Q_SUSPICIOUS, MIN_LEN_SUSPICIOUS), dga)
    model = ngram.train(domains, source=ngram.TRAIN_FILE)
    model = dataclasses.replace(model, dga_bits=dga, susp_bits=susp)
    out = ROOT / "hunt_assets" / "data" / ngram.MODEL_FILE
    ngram.save(model, str(out))
    ok = ~np.isnan(bits)
    at = np.minimum(lens, 63)
    fp_dga = ok & (bits >= np.nan_to_num(dga[at], nan=np.inf))
    fp_any = ok & (bits >= np.nan_to_num(susp[at], nan=np.inf))
    size = out.stat().st_size
    print(f"{out.relative_to(ROOT)}: order {ngram.ORDER}, {model.n_train_labels} training labels, {size:,} bytes")
    print(f"cross-fitted FPR on the training list: dga {fp_dga.mean():.4f}, dga or suspicious {fp_any.mean():.4f}")
    print("length  dga_bits  susp_bits")
    for length in range(MIN_LEN_SUSPICIOUS - 1, LONG + 1):
        print(f"{length:6d}  {dga[length]:8.2f}  {susp[length]:9.2f}")
    if args.save_crossfit:
        np.save(args.save_crossfit, np.stack([bits, lens.astype(float)]))


if __name__ == "__main__":
    main()
