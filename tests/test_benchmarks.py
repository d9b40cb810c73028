"""The benchmark scripts the README's tables come from run, at small size."""

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
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
