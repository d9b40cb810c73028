"""Training on a 2-worker dask cluster against one process, on the same two cores.

For each case the same rows train once in one process (2 booster threads) and once on a
``distributed.LocalCluster`` of 2 worker processes with 1 thread each (loopback), through
boostobj's dask adapters. Printed side by side: the training time (building the booster's
dataset plus training; medians over the repeats, the order rotating between repeats) and
their ratio, the loss on held-out rows of both models, and the peak resident memory of the
one process and of each worker. The one-process runs happen in a child process each, so
their peak memory is their own; a cluster is started afresh for each distributed run and
closed after it (the data persisted on its workers, as a user's collections would be), so
no idle worker shares the cores with a one-process run.

    python benchmarks/dask_cluster.py              # 1,000,000 x 20, 100 rounds, 3 repeats
    python benchmarks/dask_cluster.py --rows 100000 --repeats 1

(Not ``dask.py``: in this folder that name would shadow the dask package for every script.)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

# The environment before distributed is imported: starting a LocalCluster sets
# MALLOC_TRIM_THRESHOLD_=65536 and OMP_NUM_THREADS=1 in this process's environment (for its
# workers), and a one-process run started with them took 13.4 s where it takes 8.1 s.
CLEAN_ENVIRONMENT = dict(os.environ)


# (booster, loss): huber ("auto" scale) and quantile renew their leaves, which the
# LightGBM dask estimators refuse; they run on XGBoost only.
CASES = [
    ("xgboost", "squared_error"),
    ("xgboost", "huber"),
    ("xgboost", "quantile:alpha=0.9"),
    ("xgboost", "logistic"),
    ("lightgbm", "squared_error"),
    ("lightgbm", "logistic"),
]


def make_data(n_rows, n_features, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features)).astype(np.float32)
    signal = X[:, 0] + 0.5 * np.sin(3 * X[:, 1]) + 0.25 * X[:, 2] * X[:, 3]
    y_real = signal + rng.standard_t(3, size=n_rows)
    y_binary = (signal + rng.logistic(size=n_rows) > 0.5).astype(np.float64)
    return X, {"real": y_real, "binary": y_binary}


def data_for(spec, n_rows, n_features, seed):
    X, targets = make_data(n_rows, n_features, seed)
    return X, targets["binary" if spec == "logistic" else "real"]


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def test_loss(spec, raw_score, args):
    import boostobj

    X_test, y_test = data_for(spec, args.rows // 5, args.features, seed=1)
    return boostobj.get_loss(spec).metric(y_test, np.asarray(raw_score, dtype=np.float64))


def run_single(booster, spec, args):
    """One process: build the dataset and train (timed), then the held-out loss."""
    X, y = data_for(spec, args.rows, args.features, seed=0)
    X_test, _ = data_for(spec, args.rows // 5, args.features, seed=1)
    start = time.perf_counter()
    if booster == "xgboost":
        import xgboost as xgb

        import boostobj.xgboost as bx

        model = bx.train(spec, {"max_depth": 6, "eta": 0.1, "nthread": 2, "tree_method": "hist"},
                         xgb.DMatrix(X, label=y, nthread=2), args.rounds)
        seconds = time.perf_counter() - start
        raw = model.predict(xgb.DMatrix(X_test), output_margin=True)
    else:
        import lightgbm as lgb

        import boostobj.lightgbm as bl

        model = bl.train(spec, {"num_leaves": 63, "learning_rate": 0.1, "num_threads": 2,
                                "verbose": -1}, lgb.Dataset(X, y), args.rounds)
        seconds = time.perf_counter() - start
        raw = model.predict(X_test, raw_score=True)
    return {"seconds": seconds, "test_loss": test_loss(spec, raw, args), "peak_mb": peak_mb()}


def worker_peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_dask(client, booster, spec, args, X_d, y_d):
    start = time.perf_counter()
    if booster == "xgboost":
        import xgboost as xgb
        from xgboost import dask as xgb_dask

        import boostobj.xgboost as bx

        dtrain = xgb_dask.DaskDMatrix(client, X_d, y_d)
        model = bx.dask_train(client, spec, {"max_depth": 6, "eta": 0.1, "tree_method": "hist"},
                              dtrain, args.rounds, verbose_eval=False)["booster"]
        seconds = time.perf_counter() - start
        X_test, _ = data_for(spec, args.rows // 5, args.features, seed=1)
        raw = model.predict(xgb.DMatrix(X_test), output_margin=True)
    else:
        import boostobj.lightgbm as bl

        cls = bl.DaskLGBMClassifier if spec == "logistic" else bl.DaskLGBMRegressor
        model = cls(loss=spec, n_estimators=args.rounds, num_leaves=63, learning_rate=0.1,
                    n_jobs=1, verbose=-1)
        model.client = client
        model.fit(X_d, y_d)
        seconds = time.perf_counter() - start
        X_test, _ = data_for(spec, args.rows // 5, args.features, seed=1)
        raw = model.booster_.predict(X_test, raw_score=True)
    return {"seconds": seconds, "test_loss": test_loss(spec, raw, args)}


def single_in_child(booster, spec, args):
    command = [sys.executable, __file__, "--single", booster, spec, "--rows", str(args.rows),
               "--features", str(args.features), "--rounds", str(args.rounds)]
    output = subprocess.run(command, check=True, capture_output=True, text=True,
                            env=CLEAN_ENVIRONMENT).stdout
    return json.loads(output.strip().splitlines()[-1])


def dask_in_cluster(booster, spec, args):
    """A fresh 2-worker cluster with the rows persisted on it, one timed training, and each
    worker's peak memory in that run; the cluster is closed before the next run."""
    import dask
    import dask.array as da
    import distributed

    X, y = data_for(spec, args.rows, args.features, seed=0)
    # dask's workers get MALLOC_TRIM_THRESHOLD_=65536 by default, which turns off glibc's
    # adaptive mmap threshold: every fresh array over 128 KiB is mapped and faulted in
    # anew (10 numpy adds of 500,000 rows: 25 ms on a worker, 4 ms without).
    trim = {} if args.worker_malloc == "dask" else {
        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
    os.environ.clear()
    os.environ.update(CLEAN_ENVIRONMENT)  # the last cluster's settings stay in os.environ
    with dask.config.set(trim), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     host="127.0.0.1", dashboard_address=None,
                                     worker_dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        chunk = -(-args.rows // 4)
        X_d = client.persist(da.from_array(X, chunks=(chunk, X.shape[1])))
        y_d = client.persist(da.from_array(y, chunks=chunk))
        distributed.wait([X_d, y_d])
        del X, y
        result = run_dask(client, booster, spec, args, X_d, y_d)
        result["peak_worker_mb"] = sorted(client.run(worker_peak_mb).values())
    return result


def bench_case(booster, spec, args):
    single, spread = [], []
    for repeat in range(args.repeats):
        order = ["single", "dask"] if repeat % 2 == 0 else ["dask", "single"]
        for mode in order:
            if mode == "single":
                single.append(single_in_child(booster, spec, args))
            else:
                spread.append(dask_in_cluster(booster, spec, args))
    one = statistics.median(run["seconds"] for run in single)
    two = statistics.median(run["seconds"] for run in spread)
    loss_one, loss_two = single[-1]["test_loss"], spread[-1]["test_loss"]
    return {"booster": booster, "loss": spec, "one_s": one, "dask_s": two, "ratio": two / one,
            "loss_one": loss_one, "loss_dask": loss_two,
            "loss_diff_pct": 100.0 * (loss_two - loss_one) / abs(loss_one),
            "peak_one_mb": max(run["peak_mb"] for run in single),
            "peak_worker_mb": max((run["peak_worker_mb"] for run in spread), key=max)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="loss specs to run (default: all)")
    parser.add_argument("--worker-malloc", choices=["dask", "glibc"], default="dask",
                        help="dask: the workers' default MALLOC_TRIM_THRESHOLD_=65536; "
                             "glibc: unset, glibc's own adaptive thresholds")
    parser.add_argument("--single", nargs=2, metavar=("BOOSTER", "LOSS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.single:
        print(json.dumps(run_single(*args.single, args)))
        return None
    print(f"{args.rows:,} rows x {args.features} features, {args.rounds} rounds; one process "
          f"with 2 threads vs 2 dask workers with 1 thread each (malloc: "
          f"{args.worker_malloc}); median of {args.repeats}")
    header = (f"{'booster':9} {'loss':19} {'one s':>7} {'dask s':>7} {'ratio':>6} "
              f"{'test loss one':>14} {'dask':>10} {'diff':>7} {'peak MB one':>12} "
              f"{'per worker':>14}")
    print(header)
    results = []
    for booster, spec in CASES:
        if args.only and spec not in args.only:
            continue
        r = bench_case(booster, spec, args)
        results.append(r)
        workers = "/".join(f"{mb:.0f}" for mb in r["peak_worker_mb"])
        print(f"{booster:9} {spec:19} {r['one_s']:7.2f} {r['dask_s']:7.2f} {r['ratio']:5.2f}x "
              f"{r['loss_one']:14.5f} {r['loss_dask']:10.5f} {r['loss_diff_pct']:+6.2f}% "
              f"{r['peak_one_mb']:12.0f} {workers:>14}", flush=True)
    return results


if __name__ == "__main__":
    main()
