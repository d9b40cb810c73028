"""Every speed and memory figure of boostobj against what a user would run instead, in one run.

Each section is one of the benchmarks beside this file, run with the sizes below; every
ratio is between timings of the same section (medians of rotated repeats on the same
prebuilt data), so the machine's load moves numerators and denominators together:

1. renewed losses at 1,000,000 x 20, 100 rounds (``overhead.py --only quantile,
   absolute_error,huber``): quantile and L1 against each booster's built-in; Huber
   (``delta="auto"``, renewed) against the booster's squared error; each against a
   zero-cost custom objective (the floor of any Python objective);
2. every smooth loss at 400,000 x 20 (``overhead.py --rows 400000 --rounds 40``, the
   renewed ones left out): against the built-in twin and the zero-cost objective;
3. small fits (``drop_in_fits.py``): the drop-ins against their parent estimators;
4. the interval estimator against CQR on LightGBM's built-in quantile with the same trees
   and the same three models, as MAPIE's CQR fits them (``intervals.py``'s fit times,
   diamonds and the 5,000-row synthetic set);
5. the engines' idle threads: LightGBM quantile at 1,000,000 rows and the interval
   estimator at 43,000 and 3,000 rows, in fresh processes with OpenMP's default wait
   policy and with ``OMP_WAIT_POLICY=PASSIVE``, on an idle machine and with one other
   process spinning on a core;
6. peak memory of 10-class softmax at 1,000,000 rows (``memory.py``, separate processes).

    python benchmarks/speed.py                      # everything: about 21 minutes on 2 cores
    python benchmarks/speed.py --sections 1,5       # some sections
    python benchmarks/speed.py --rows 200000        # section 1 on fewer rows

Run it without ``OMP_WAIT_POLICY`` set (section 5 shows why: a passive wait slows the
engines themselves on an idle machine).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import drop_in_fits  # noqa: E402
import memory  # noqa: E402
import overhead  # noqa: E402

RENEWED = "quantile,absolute_error,huber"
SMOOTH = ("squared_error,pseudo_huber,poisson,logistic,softmax,fair")

# One training in a fresh process (OpenMP reads its wait policy when the engine loads),
# timed inside it, the data built before the clock starts.
WAIT_CHILD = r"""
import json, sys, time, warnings
sys.path.insert(0, sys.argv[1])
warnings.simplefilter("ignore")
import numpy as np
job, rows = sys.argv[2], int(sys.argv[3])
if job == "lightgbm quantile":
    from overhead import make_data
    import lightgbm as lgb
    import boostobj.lightgbm as bl
    X, targets = make_data(rows, 20)
    data = lgb.Dataset(X, targets["real"], free_raw_data=False,
                       params={"verbose": -1}).construct()
    params = {"num_leaves": 63, "learning_rate": 0.1, "verbose": -1, "num_threads": 2}
    fit = lambda: bl.train("quantile:alpha=0.9", params, data, 40)
else:  # the interval estimator (3 LightGBM models, 400 trees) on diamonds rows
    from boostobj import QuantileIntervalRegressor, datasets
    diamonds = datasets.load("diamonds")
    order = np.random.default_rng(0).permutation(diamonds.y.size)[:rows]
    X, y = diamonds.X[order], diamonds.y[order]
    model = QuantileIntervalRegressor((0.05, 0.95), n_estimators=400, learning_rate=0.05,
                                      n_jobs=2, random_state=0)
    fit = lambda: model.fit(X, y)
start = time.perf_counter()
fit()
print(json.dumps({"seconds": time.perf_counter() - start}))
"""
WAIT_JOBS = [("lightgbm quantile", 1_000_000), ("intervals", 43_000), ("intervals", 3_000)]


def section(title, command):
    print(f"\n## {title}\n\n    {command}\n", flush=True)


def wait_policy(repeats, busy, jobs=WAIT_JOBS):
    """Seconds per job and wait policy, medians of fresh processes; with ``busy`` processes
    spinning on a core each meanwhile (a shared machine)."""
    policies = ("default", "PASSIVE")
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(busy)]
    try:
        print(f"{busy} other busy process(es); 2 threads; seconds, medians of {repeats}")
        print("| job | rows | default (s) | PASSIVE (s) | PASSIVE / default |")
        print("|---|---|---|---|---|")
        for job, rows in jobs:
            seconds = {policy: [] for policy in policies}
            for repeat in range(repeats):
                for policy in policies[repeat % 2:] + policies[:repeat % 2]:
                    env = dict(os.environ)
                    env.pop("OMP_WAIT_POLICY", None)
                    if policy != "default":
                        env["OMP_WAIT_POLICY"] = policy
                    done = subprocess.run([sys.executable, "-c", WAIT_CHILD, str(HERE), job,
                                           str(rows)], env=env, capture_output=True, text=True,
                                          check=True)
                    seconds[policy].append(json.loads(done.stdout.splitlines()[-1])["seconds"])
            median = {policy: statistics.median(values) for policy, values in seconds.items()}
            print(f"| {job} | {rows:,} | {median['default']:.2f} | {median['PASSIVE']:.2f} | "
                  f"{median['PASSIVE'] / median['default']:.2f} |", flush=True)
    finally:
        for burner in burners:
            burner.kill()


def intervals_against_cqr(splits, threads):
    """Fit seconds of the interval estimator and of CQR on the built-in with the same three
    models (lower, upper, median, as MAPIE's CQR fits them), same splits."""
    import intervals

    reference = "CQR on LightGBM built-in, with a median model"
    results = intervals.run(names=("diamonds", "synthetic"), splits=splits, threads=threads,
                            skip_gbr=True, only=("boostobj LightGBM, mondrian",
                                                 "boostobj XGBoost, mondrian", reference))
    print("| data | method | fit (s) | / CQR, 3 built-in models |")
    print("|---|---|---|---|")
    for name, rows in results.items():
        cqr = rows[reference][6]  # the mean fit seconds over the splits
        for method, row in rows.items():
            print(f"| {name} | {method} | {row[6]:.2f} | {row[6] / cqr:.2f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default="1,2,3,4,5,6")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=100, help="section 1's rounds")
    parser.add_argument("--splits", type=int, default=3, help="section 4's random splits")
    args = parser.parse_args(argv)
    chosen = {int(number) for number in args.sections.split(",")}
    started = time.perf_counter()
    print(f"# boostobj speed, {time.strftime('%Y-%m-%d')}, OMP_WAIT_POLICY="
          f"{os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    if 1 in chosen:
        argv = ["--rows", str(args.rows), "--rounds", str(args.rounds), "--repeats",
                str(args.repeats), "--only", RENEWED]
        section("1. Renewed losses", "python benchmarks/overhead.py " + " ".join(argv))
        overhead.main(argv)
    if 2 in chosen:
        argv = ["--rows", "400000", "--rounds", "40", "--repeats", str(args.repeats),
                "--only", SMOOTH]
        section("2. Smooth losses", "python benchmarks/overhead.py " + " ".join(argv))
        overhead.main(argv)
    if 3 in chosen:
        argv = ["--repeats", "15"]
        section("3. Small fits", "python benchmarks/drop_in_fits.py " + " ".join(argv))
        drop_in_fits.main(argv)
    if 4 in chosen:
        section("4. Interval estimator against CQR on the built-in",
                "python benchmarks/intervals.py --datasets diamonds synthetic --splits "
                f"{args.splits} --skip-gbr")
        intervals_against_cqr(splits=args.splits, threads=2)
    if 5 in chosen:
        section("5. The engines' idle threads", "(fresh processes per job and policy)")
        wait_policy(args.repeats, busy=0)
        wait_policy(args.repeats, busy=1)
    if 6 in chosen:
        argv = ["--repeats", str(args.repeats)]
        section("6. Peak memory", "python benchmarks/memory.py " + " ".join(argv))
        memory.main(argv)
    print(f"\n(all sections: {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
