"""Learning to rank on LightGBM's example data: boostobj's ranking losses beside the built-ins.

Each seed splits the 201 training queries of ``rank.train`` 80 / 20 into training and
validation queries (whole queries, never inside one). Every model trains on the same rows
with the same trees and learning rate, stops early when NDCG@5 on the validation queries has
not risen for ``--patience`` rounds, and is scored on the 50 queries of ``rank.test``:
NDCG@1/3/5/10 and MRR (``boostobj.metrics``; equal to LightGBM's and XGBoost's own NDCG on
the same scores, tested). The table shows means over the seeds (± the standard deviation of
NDCG@5) and the rounds kept.

    python benchmarks/ranking.py               # 5 seeds
    python benchmarks/ranking.py --seeds 2 --max-rounds 50
    python benchmarks/ranking.py --data graded # grades 0-6: the exponential gain's case

``--speed`` times one boosting round instead, at 1,000,000 rows in groups of 100 (graded
labels 0-4), for each boostobj loss, LightGBM's ``lambdarank`` and a zero-cost custom
objective on the same data and trees: medians of rotated repeats, and the ratios to
``lambdarank`` and to the zero-cost objective (the booster's own share of a round).

    python benchmarks/ranking.py --speed
    python benchmarks/ranking.py --speed --rows 200000 --group-size 1000   # Σ n² x 10
"""

from __future__ import annotations

import argparse
import statistics
import time

import lightgbm as lgb
import numpy as np
import xgboost as xgb

import boostobj
import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj import datasets
from boostobj.metrics import ndcg, reciprocal_rank

BOOSTOBJ_LOSSES = ["listwise_softmax:temperature=0.25", "listwise_softmax:temperature=0.5",
                   "listwise_softmax", "listwise_softmax:temperature=2",
                   "listwise_softmax:gain=exponential",
                   "listwise_softmax:temperature=0.5,gain=exponential", "pairwise_logistic",
                   "pairwise_hinge"]
LIGHTGBM_BUILTINS = {"lambdarank": {"objective": "lambdarank"},
                     "rank_xendcg": {"objective": "rank_xendcg"}}
XGBOOST_BUILTINS = {"rank:ndcg": {"objective": "rank:ndcg"},
                    "rank:pairwise": {"objective": "rank:pairwise"}}
LIGHTGBM_PARAMS = {"num_leaves": 31, "learning_rate": 0.1, "min_data_in_leaf": 20,
                   "verbose": -1, "num_threads": 0}
XGBOOST_PARAMS = {"max_depth": 6, "eta": 0.1, "tree_method": "hist"}
METRICS = ("NDCG@1", "NDCG@3", "NDCG@5", "NDCG@10", "MRR")


def split_queries(group, seed, fraction=0.2):
    """Row masks of training and validation queries, and their group sizes."""
    rng = np.random.default_rng(seed)
    valid = rng.uniform(size=group.size) < fraction
    rows = np.repeat(valid, group)
    return ~rows, rows, group[~valid], group[valid]


def scores(y, score, group):
    return [ndcg(y, score, group, k) for k in (1, 3, 5, 10)] + [reciprocal_rank(y, score, group)]


def run_lightgbm(objective, X, y, group, Xv, yv, gv, rounds, patience, seed):
    params = dict(LIGHTGBM_PARAMS, seed=seed)
    train = lgb.Dataset(X, y, group=group)
    valid = lgb.Dataset(Xv, yv, group=gv, reference=train)
    if objective in LIGHTGBM_BUILTINS:
        params.update(LIGHTGBM_BUILTINS[objective], metric="ndcg", eval_at=[5])
        booster = lgb.train(params, train, rounds, valid_sets=[valid],
                            callbacks=[lgb.early_stopping(patience, verbose=False)])
    else:
        booster = bl.train(objective, params, train, rounds, valid_sets=[valid],
                           extra_metrics=("ndcg@5",), stopping_metric="ndcg@5",
                           early_stopping_rounds=patience)
    return booster, booster.best_iteration


def run_xgboost(objective, X, y, group, Xv, yv, gv, rounds, patience, seed):
    params = dict(XGBOOST_PARAMS, seed=seed)
    train = xgb.DMatrix(X, y, group=group)
    valid = xgb.DMatrix(Xv, yv, group=gv)
    if objective in XGBOOST_BUILTINS:
        params.update(XGBOOST_BUILTINS[objective], eval_metric="ndcg@5")
        booster = xgb.train(params, train, rounds, evals=[(valid, "valid")],
                            early_stopping_rounds=patience, verbose_eval=False)
    else:
        booster = bx.train(objective, params, train, rounds, evals=[(valid, "valid")],
                           extra_metrics=("ndcg@5",), stopping_metric="ndcg@5",
                           early_stopping_rounds=patience, verbose_eval=False)
    return booster, booster.best_iteration + 1


def predict(booster, X):
    if isinstance(booster, xgb.Booster):
        return booster.predict(xgb.DMatrix(X), iteration_range=(0, booster.best_iteration + 1))
    return booster.predict(X, num_iteration=booster.best_iteration)


def graded_data(seed=0, n_train=120, n_test=40, size=20, n_features=10):
    """A graded set of our own: queries of ``size`` documents, grades 0-6 from a latent
    relevance (a linear signal plus an interaction plus noise) cut at fixed shares, so that
    most documents are 0-1 and few reach 5-6, as in web search judgments."""
    rng = np.random.default_rng(1000 + seed)
    n = (n_train + n_test) * size
    X = rng.normal(size=(n, n_features))
    latent = X[:, 0] + 0.7 * X[:, 1] + 0.5 * X[:, 2] * X[:, 3] + 0.8 * rng.normal(size=n)
    cuts = np.quantile(latent, [0.45, 0.7, 0.85, 0.93, 0.97, 0.99])
    y = np.searchsorted(cuts, latent).astype(np.float64)
    rows = n_train * size
    group = np.full(n_train + n_test, size)
    return (X[:rows], y[:rows], group[:n_train]), (X[rows:], y[rows:], group[n_train:])


def quality(seeds, rounds, patience, data_name="lambdarank"):
    if data_name == "graded":
        (X, y, group), (X_test, y_test, group_test) = graded_data()
        described = (f"a graded set of our own (grades 0-6, {group.size} training and "
                     f"{group_test.size} test queries of {group[0]} documents)")
    else:
        data = datasets.load("lambdarank")
        train_rows = data.split == "train"
        n_train_groups = int(np.searchsorted(np.cumsum(data.group), train_rows.sum()) + 1)
        X, y, group = data.X[train_rows], data.y[train_rows], data.group[:n_train_groups]
        X_test, y_test, group_test = data.X[~train_rows], data.y[~train_rows], \
            data.group[n_train_groups:]
        described = "rank.test (50 queries, 768 rows)"
    models = ([("LightGBM", name, run_lightgbm) for name in [*LIGHTGBM_BUILTINS,
                                                             *BOOSTOBJ_LOSSES]]
              + [("XGBoost", name, run_xgboost) for name in [*XGBOOST_BUILTINS,
                                                           *BOOSTOBJ_LOSSES]])
    results = {(booster, name): [] for booster, name, _ in models}
    for seed in range(seeds):
        fit, held, group_fit, group_held = split_queries(group, seed)
        for booster, name, run in models:
            model, kept = run(name, X[fit], y[fit], group_fit, X[held], y[held], group_held,
                              rounds, patience, seed)
            results[booster, name].append(scores(y_test, predict(model, X_test), group_test)
                                          + [kept])
    print(f"{described}; {seeds} seeds of an 80/20 query split of the training queries; "
          f"early stopping on validation NDCG@5 ({patience} rounds); means")
    header = f"{'booster':9} {'objective':44}" + "".join(f"{m:>8}" for m in METRICS) + \
        f"{'±NDCG@5':>9}{'rounds':>8}"
    print(header)
    print("-" * len(header))
    for (booster, name), rows in results.items():
        table = np.array(rows)
        mean = table.mean(axis=0)
        label = name if name in LIGHTGBM_BUILTINS or name in XGBOOST_BUILTINS \
            else f"boostobj {name}"
        spread = float(np.std(table[:, 2]))
        print(f"{booster:9} {label:44}" + "".join(f"{v:8.4f}" for v in mean[:5])
              + f"{spread:9.4f}{mean[5]:8.0f}")
    return results


def speed_data(n_rows, group_size, n_features=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features)).astype(np.float32)
    signal = X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + rng.normal(size=n_rows)
    y = np.clip(np.round(signal + 1.5), 0, 4)
    return X, y, np.full(n_rows // group_size, group_size)


def speed(n_rows, group_size, rounds, repeats):
    """Seconds per round: each boostobj loss, lambdarank and a zero-cost objective (the
    booster's custom-objective path alone: preallocated gradients of listwise_softmax at
    0), on one prebuilt Dataset."""
    X, y, group = speed_data(n_rows, group_size)
    dataset = lgb.Dataset(X, y, group=group, params={"verbose": -1}, free_raw_data=False)
    dataset.construct()
    params = dict(LIGHTGBM_PARAMS)
    losses = ["listwise_softmax", "pairwise_logistic", "pairwise_hinge"]
    cases = ["lambdarank", "zero-cost", *losses]
    fixed = [np.asarray(part, dtype=np.float32) for part in
             boostobj.get_loss("listwise_softmax").gradient_hessian(y, np.zeros(y.size),
                                                                    group=group)]

    def zero_cost(predictions, train_set):
        return fixed

    def run(case):
        start = time.perf_counter()
        if case == "lambdarank":
            lgb.train(dict(params, objective="lambdarank", metric="None"), dataset, rounds)
        elif case == "zero-cost":
            lgb.train(dict(params, objective=zero_cost, metric="None"), dataset, rounds)
        else:
            bl.train(case, params, dataset, rounds)
        return (time.perf_counter() - start) / rounds

    times = {case: [] for case in cases}
    for repeat in range(repeats):
        for case in cases[repeat % len(cases):] + cases[:repeat % len(cases)]:
            times[case].append(run(case))
    medians = {case: statistics.median(values) for case, values in times.items()}
    print(f"one LightGBM round, {n_rows:,} rows in groups of {group_size} "
          f"({n_rows // group_size:,} groups; pairwise cells Σ n² = "
          f"{int(np.sum(group.astype(np.int64) ** 2)):,}), {rounds} rounds x {repeats} "
          "rotated repeats, medians")
    for case in cases:
        print(f"  {case:20} {medians[case] * 1000:8.1f} ms/round   "
              f"{medians[case] / medians['lambdarank']:5.2f} x lambdarank   "
              f"{medians[case] / medians['zero-cost']:5.2f} x zero-cost")
    return medians


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--max-rounds", type=int, default=500)
    parser.add_argument("--patience", type=int, default=30)
    parser.add_argument("--data", choices=("lambdarank", "graded"), default="lambdarank",
                        help="LightGBM's example (grades 0-4) or a graded set of our own "
                        "(grades 0-6)")
    parser.add_argument("--speed", action="store_true", help="time rounds at 1M rows instead")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--group-size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if args.speed:
        return speed(args.rows, args.group_size, args.rounds, args.repeats)
    return quality(args.seeds, args.max_rounds, args.patience, args.data)


if __name__ == "__main__":
    main()
