"""The benchmark scripts the documentation's tables come from run, at small size."""

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


sys.path.append(str(BENCHMARKS))


@pytest.mark.dask
def test_dask_benchmark_runs_at_small_size(capsys):
    pytest.importorskip("distributed")
    import dask_cluster

    results = dask_cluster.main(["--rows", "4000", "--rounds", "3", "--repeats", "1", "--only",
                           "squared_error"])
    assert [(r["booster"], r["loss"]) for r in results] == [("xgboost", "squared_error"),
                                                           ("lightgbm", "squared_error")]
    for r in results:
        assert r["one_s"] > 0 and r["dask_s"] > 0 and len(r["peak_worker_mb"]) == 2
        assert abs(r["loss_diff_pct"]) < 10
    assert "per worker" in capsys.readouterr().out


def test_overhead_benchmark_runs_at_small_size(capsys):
    import overhead

    overhead.main(["--rows", "3000", "--rounds", "2", "--repeats", "1", "--only", "softmax"])
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("xgboost") for line in lines)
    assert any(line.startswith("lightgbm") and line.endswith("%") for line in lines)


def test_memory_benchmark_runs_in_separate_processes():
    import memory

    results = memory.main(["--rows", "3000", "--rounds", "1", "--repeats", "1"])
    for booster in ("xgboost", "lightgbm"):
        peak = results[booster]
        assert set(peak) == {"built-in", "zero-cost", "boostobj"}
        assert all(value > 50 for value in peak.values())  # MB: a whole Python process


def test_ranking_benchmarks_run_at_small_size(capsys):
    import contrastive
    import ranking

    ranking.main(["--seeds", "1", "--max-rounds", "5", "--patience", "2"])
    ranking.main(["--speed", "--rows", "2000", "--group-size", "20", "--rounds", "1",
                  "--repeats", "1"])
    contrastive.main(["--seeds", "1", "--queries", "40", "--max-rounds", "3"])
    out = capsys.readouterr().out
    assert "boostobj pairwise_hinge" in out and "x lambdarank" in out and "R@1" in out


ROOT = Path(__file__).resolve().parents[2]


def test_losses_on_diamonds_benchmark_at_small_size(capsys):
    module = runpy.run_path(str(ROOT / "benchmarks" / "losses_diamonds.py"))
    rows = module["run"](rounds=15, rows=3000)
    rmse = {(spec, booster, label): value for spec, booster, label, value, *_ in rows}
    # Identical losses give identical models: squared error is its own built-in twin.
    for booster in ("xgboost", "lightgbm"):
        assert rmse[("squared_error", booster, "boostobj")] == pytest.approx(
            rmse[("squared_error", booster, "built-in")], rel=1e-3)
    assert all(np.isfinite(r[3]) for r in rows)
    assert "test RMSE" in capsys.readouterr().out


def test_intervals_benchmark_runs_at_small_size(capsys):
    import runpy
    from pathlib import Path
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "intervals.py"
    results = runpy.run_path(str(path))["main"](
        ["--datasets", "mcycle", "--splits", "1", "--skip-gbr", "--only", "boostobj LightGBM",
         "CQR on LightGBM built-in"])
    rows = results["mcycle"]
    assert rows["boostobj LightGBM, mondrian"][5] == 0.0  # no crossing
    assert rows["boostobj LightGBM, cv+"][0] >= 0.9
    assert "CQR on LightGBM built-in" in capsys.readouterr().out


def test_robust_sinc_benchmark_runs(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import robust_sinc

    summaries = robust_sinc.main(["--seeds", "1", "--rounds", "40", "--jobs", "1", "--png", ""])
    two_sided = summaries["two-sided"]
    ours = two_sided[("lightgbm", "huber", 1.0)]["rmse"][0]
    assert ours == pytest.approx(two_sided[("lightgbm", "huber", 1000.0)]["rmse"][0], rel=1e-6)
    assert ours < two_sided[("lightgbm", "squared_error", 1.0)]["rmse"][0]


def test_drop_in_fits_benchmark_runs_at_small_size(capsys):
    import drop_in_fits

    drop_in_fits.main(["--rows", "60", "--rounds", "3", "--repeats", "1"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| XGB")
            or line.startswith("| LGBM")]
    assert len(rows) == 20 and all(float(row.split("|")[4]) > 0 for row in rows)


def test_robust_defaults_benchmark_runs_at_small_size(capsys):
    import robust_defaults

    results = robust_defaults.main(["--seeds", "1", "--rounds", "5", "--losses", "huber"])
    assert set(results) == {("xgboost", "huber", 1.0), ("xgboost", "huber", 1000.0),
                            ("lightgbm", "huber", 1.0)}
    assert "| `huber` |" in capsys.readouterr().out


def test_speed_benchmark_runs_at_small_size(capsys):
    import speed

    speed.main(["--sections", "1", "--rows", "2000", "--rounds", "3", "--repeats", "1"])
    speed.wait_policy(1, busy=0, jobs=[("intervals", 300)])
    out = capsys.readouterr().out
    assert "## 1. Renewed losses" in out and "huber" in out
    assert "| intervals | 300 |" in out


def test_distribution_benchmark_runs_at_small_size(capsys):
    import distributions

    results = distributions.main(["--datasets", "mcycle", "--splits", "1", "--no-peers",
                                  "--only", "normal (XGBoost)", "student_t"])
    rows = results["mcycle"]
    assert set(rows) == {"boostobj normal (XGBoost)", "boostobj student_t"}
    for values in rows.values():
        nll, crps, coverage, score, fit_seconds, _ = values
        assert np.isfinite(nll) and 0 < crps < 1 and 0.5 < coverage <= 1 and fit_seconds > 0
    assert "| mcycle | boostobj student_t |" in capsys.readouterr().out
