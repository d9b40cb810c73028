"""A retrieval re-ranker: one positive among K candidates per query, where InfoNCE is the loss.

Synthetic data: each query and candidate has a latent vector; a pair's features are their
elementwise product and absolute difference plus noise columns, and the positive of each
group of K candidates is the one with the highest affinity (the dot product plus a
non-linear term) after Gumbel noise, so a group has exactly one label 1. Every model trains
with the same trees, stops early on validation NDCG@5 (``--patience`` rounds) and is scored
on held-out queries: MRR and recall@1 / @5 (the hit rate at k, one positive per group).
``listwise_softmax`` over τ (InfoNCE) runs beside ``pairwise_logistic``, ``pairwise_hinge``
and the built-ins; means over seeds.

    python benchmarks/contrastive.py                 # 3 seeds, 2,000 training queries x 20
    python benchmarks/contrastive.py --seeds 1 --queries 500
"""

from __future__ import annotations

import argparse

import numpy as np
from ranking import LIGHTGBM_BUILTINS, XGBOOST_BUILTINS, predict, run_lightgbm, run_xgboost

from boostobj.metrics import recall, reciprocal_rank

LOSSES = ["listwise_softmax:temperature=0.25", "listwise_softmax:temperature=0.5",
          "listwise_softmax", "listwise_softmax:temperature=2", "pairwise_logistic",
          "pairwise_hinge"]


def retrieval_data(n_queries, candidates=20, latent=8, noise_features=4, seed=0):
    """Features, one positive (1) per group of ``candidates`` rows, and the group sizes."""
    rng = np.random.default_rng(seed)
    query = np.repeat(rng.normal(size=(n_queries, latent)), candidates, axis=0)
    candidate = rng.normal(size=(n_queries * candidates, latent))
    affinity = np.sum(query * candidate, axis=1) + np.sin(2 * query[:, 0] * candidate[:, 1])
    noisy = (affinity + rng.gumbel(size=affinity.size)).reshape(n_queries, candidates)
    y = np.zeros(noisy.shape)
    y[np.arange(n_queries), np.argmax(noisy, axis=1)] = 1.0
    X = np.column_stack([query * candidate, np.abs(query - candidate),
                         rng.normal(size=(affinity.size, noise_features))])
    return X, y.reshape(-1), np.full(n_queries, candidates)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--max-rounds", type=int, default=500)
    parser.add_argument("--patience", type=int, default=30)
    args = parser.parse_args(argv)
    models = ([("LightGBM", name, run_lightgbm) for name in [*LIGHTGBM_BUILTINS, *LOSSES]]
              + [("XGBoost", name, run_xgboost) for name in [*XGBOOST_BUILTINS, *LOSSES]])
    results = {(booster, name): [] for booster, name, _ in models}
    for seed in range(args.seeds):
        X, y, group = retrieval_data(args.queries, args.candidates, seed=seed)
        Xv, yv, gv = retrieval_data(args.queries // 4, args.candidates, seed=1000 + seed)
        Xt, yt, gt = retrieval_data(args.queries // 2, args.candidates, seed=2000 + seed)
        for booster, name, run in models:
            model, kept = run(name, X, y, group, Xv, yv, gv, args.max_rounds, args.patience,
                              seed)
            score = predict(model, Xt)
            results[booster, name].append([reciprocal_rank(yt, score, gt),
                                           recall(yt, score, gt, 1), recall(yt, score, gt, 5),
                                           kept])
    print(f"retrieval re-ranking: 1 positive in {args.candidates} candidates; "
          f"{args.queries:,} training, {args.queries // 4:,} validation, "
          f"{args.queries // 2:,} test queries; {args.seeds} seeds; means")
    header = f"{'booster':9} {'objective':44}{'MRR':>8}{'R@1':>8}{'R@5':>8}{'rounds':>8}"
    print(header)
    print("-" * len(header))
    for (booster, name), rows in results.items():
        mean = np.mean(rows, axis=0)
        label = name if name in LIGHTGBM_BUILTINS or name in XGBOOST_BUILTINS \
            else f"boostobj {name}"
        print(f"{booster:9} {label:44}" + "".join(f"{v:8.4f}" for v in mean[:3])
              + f"{mean[3]:8.0f}")
    return results


if __name__ == "__main__":
    main()
