"""Peak memory of 10-class softmax training: boostobj, the built-in, a zero-cost objective.

Each measurement runs in a fresh Python process that builds the same data, trains, and
reports its peak resident set size (``VmHWM``; ``ru_maxrss`` where there is no /proc). The
zero-cost objective returns preallocated float32 gradients in the booster's layout: what
any custom objective costs in memory before it computes anything (the booster's copy of its
predictions, the gradient arrays it is handed). Runs rotate between the three; the table
shows medians.

    python benchmarks/memory.py                     # 1,000,000 x 20, 10 classes, 3 rounds
    python benchmarks/memory.py --rows 200000 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys
import numpy as np
booster, api, rows, features, classes, rounds, threads = sys.argv[1:]
rows, features, classes, rounds, threads = map(int, (rows, features, classes, rounds, threads))
rng = np.random.default_rng(0)
X = rng.normal(size=(rows, features)).astype(np.float32)
signal = X[:, 0] + 0.5 * np.sin(3 * X[:, 1])
cuts = np.quantile(signal, np.linspace(0, 1, classes + 1)[1:-1])
y = np.digitize(signal + rng.logistic(scale=0.3, size=rows), cuts).astype(np.float64)
if booster == "xgboost":
    import xgboost as xgb
    data = xgb.QuantileDMatrix(X, y, nthread=threads)
    params = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": threads}
else:
    import lightgbm as lgb
    data = lgb.Dataset(X, y, params={"verbose": -1, "num_threads": threads}).construct()
    params = {"num_leaves": 63, "learning_rate": 0.1, "verbose": -1, "num_threads": threads}
if api == "boostobj":
    import boostobj.lightgbm as bl, boostobj.xgboost as bx
if api == "zero-cost":
    order = "C" if booster == "xgboost" else "F"
    gradient = np.full((rows, classes), 0.01, dtype=np.float32, order=order)
    hessian = np.full((rows, classes), 0.1, dtype=np.float32, order=order)
    zero_cost = lambda predictions, dataset: (gradient, hessian)
del X
if booster == "xgboost" and api == "built-in":
    xgb.train({**params, "objective": "multi:softprob", "num_class": classes}, data, rounds)
elif booster == "xgboost" and api == "zero-cost":
    xgb.train({**params, "objective": "multi:softprob", "num_class": classes}, data, rounds,
              obj=zero_cost)
elif booster == "xgboost":
    bx.train("softmax:hessian=doubled", params, data, rounds)
elif api == "zero-cost":
    lgb.train({**params, "objective": zero_cost, "num_class": classes}, data, rounds)
elif api == "built-in":
    lgb.train({**params, "objective": "multiclass", "num_class": classes}, data, rounds)
else:
    bl.train("softmax", params, data, rounds)
# The high-water mark of this process's own memory: ru_maxrss also counts the parent's
# resident set at the fork that started it (a benchmark run from a big process reads big).
try:
    status = open("/proc/self/status").read()
    peak = int(status.split("VmHWM:")[1].split()[0])  # kB
except (OSError, IndexError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_mb": peak / 1024}))
"""


def measure(booster, api, args):
    out = subprocess.run([sys.executable, "-c", CHILD, booster, api, str(args.rows),
                          str(args.features), str(args.classes), str(args.rounds),
                          str(args.threads)], check=True, capture_output=True, text=True,
                         timeout=1800)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--booster", choices=["xgboost", "lightgbm", "both"], default="both")
    args = parser.parse_args(argv)
    print(f"{args.rows:,} rows x {args.features} features, {args.classes} classes, "
          f"{args.rounds} rounds, {args.threads} threads; peak RSS (MB), median of "
          f"{args.repeats} separate processes each")

    apis = ("built-in", "zero-cost", "boostobj")
    print(f"{'booster':<9} " + " ".join(f"{api:>10}" for api in apis)
          + f" {'ours / built-in':>16} {'ours / zero-cost':>17}")
    results = {}
    for booster in ("xgboost", "lightgbm"):
        if args.booster not in ("both", booster):
            continue
        runs = {api: [] for api in apis}
        for repeat in range(args.repeats):
            for api in apis[repeat % 3:] + apis[:repeat % 3]:
                runs[api].append(measure(booster, api, args)["peak_mb"])
        peak = {api: statistics.median(values) for api, values in runs.items()}
        results[booster] = peak
        print(f"{booster:<9} " + " ".join(f"{peak[api]:>10.0f}" for api in apis)
              + f" {peak['boostobj'] / peak['built-in']:>16.2f}"
              f" {peak['boostobj'] / peak['zero-cost']:>17.2f}", flush=True)
    return results


if __name__ == "__main__":
    main()
