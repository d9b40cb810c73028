"""Inputs that crashed or gave a booster's raw message now fit, or are refused with one
clear ValueError naming the input."""

import errno

import numpy as np
import pandas as pd
import pytest

import boostobj
import boostobj.lightgbm as bl
import boostobj.xgboost as bx


@pytest.fixture(scope="module")
def ranking():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = rng.integers(0, 3, 60).astype(float)
    return X, y


@pytest.mark.parametrize("qid", [np.repeat([5, 4, 3, 2, 1, 0], 10),
                                 np.repeat(list("fedcba"), 10),
                                 pd.Categorical(np.repeat(list("fedcba"), 10))],
                         ids=["descending", "text", "categorical"])
def test_xgb_ranker_takes_contiguous_query_ids_of_any_order_and_kind(ranking, qid):
    X, y = ranking
    model = bx.XGBRanker(loss="listwise_softmax", n_estimators=3).fit(X, y, qid=qid)
    sizes = bx.XGBRanker(loss="listwise_softmax", n_estimators=3).fit(X, y, group=[10] * 6)
    np.testing.assert_allclose(model.predict(X), sizes.predict(X), rtol=1e-6)


def test_xgb_ranker_names_a_nan_label(ranking):
    X, y = ranking
    y = y.copy()
    y[3] = np.nan
    with pytest.raises(ValueError, match="listwise_softmax: y contains NaN.*at index 3"):
        bx.XGBRanker(loss="listwise_softmax", n_estimators=3).fit(X, y, qid=np.repeat(
            np.arange(6), 10))


def test_lgbm_ranker_names_group_sizes_that_do_not_add_up(ranking):
    X, y = ranking
    with pytest.raises(ValueError, match="group sizes add up to 50 rows, the data has 60"):
        bl.LGBMRanker(loss="listwise_softmax", n_estimators=3, verbose=-1).fit(
            X, y, group=[10] * 5)
    with pytest.raises(ValueError, match=r"eval_group\[0\] sizes add up to 40"):
        bl.LGBMRanker(loss="listwise_softmax", n_estimators=3, verbose=-1).fit(
            X, y, group=[10] * 6, eval_set=[(X, y)], eval_group=[[20, 20]])


def test_lgbm_classifier_names_the_eval_set_with_an_unseen_label():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    other = y.copy()
    other[0] = 2
    with pytest.raises(ValueError, match=r"eval_set\[1\] labels \[2\] are not among the "
                                         r"training classes \[0, 1\]"):
        bl.LGBMClassifier(loss="logistic", n_estimators=2, verbose=-1).fit(
            X, y, eval_set=[(X, y), (X, other)])


@pytest.mark.parametrize("estimator", [bl.LGBMRegressor(loss="huber", verbose=-1),
                                       bx.XGBRegressor(loss="huber")], ids=["lgb", "xgb"])
def test_weights_past_float32_are_explained(estimator):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    weight = np.ones(50)
    weight[3] = 1e39
    with pytest.raises(ValueError, match="above 3.4e38"):
        estimator.set_params(n_estimators=2).fit(X, X[:, 0], sample_weight=weight)


def test_pseudo_huber_is_finite_where_its_value_is():
    loss = boostobj.get_loss("pseudo_huber:delta=1")
    with np.errstate(all="raise"):
        value = loss.loss([0.0], [3e250])
        gradient, _ = loss.gradient_hessian([0.0], [3e250])
    assert value[0] == pytest.approx(3e250) and gradient[0] == pytest.approx(1.0)
    assert loss.loss([0.0], [1e-5])[0] == pytest.approx(5e-11)


def test_a_closed_dask_client_leaves_the_real_error():
    from boostobj._boosters.dask_collections import lost_workers

    class Closed:
        def scheduler_info(self):
            return {}  # what a closed client returns: no "workers"

    assert lost_workers(Closed(), {"tcp://a"}, wait=0.0) == set()


def test_a_full_disk_is_one_line(tmp_path):
    from boostobj.cli.errors import CommandError
    from boostobj.cli.files import write_atomically

    def full(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(CommandError, match="could not write .*out.txt: no space left"):
        write_atomically(tmp_path / "out.txt", full)
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_a_misspelt_parameter_warns_as_the_parent_does():
    # In a fresh process: another test may have sent LightGBM's log elsewhere.
    import subprocess
    import sys

    script = """
import numpy as np, lightgbm as lgb
import boostobj.lightgbm as bl
X = np.random.default_rng(0).normal(size=(100, 2))
model = lgb.LGBMRegressor if sys.argv[1] == "parent" else bl.LGBMRegressor
kwargs = {} if sys.argv[1] == "parent" else {"loss": "huber"}
model(learning_rat=0.3, n_estimators=2, **kwargs).fit(X, X[:, 0])
"""
    for who in ("parent", "ours"):
        done = subprocess.run([sys.executable, "-c", "import sys\n" + script, who],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "Unknown parameter: learning_rat" in done.stdout + done.stderr, who
