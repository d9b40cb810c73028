"""The shipped data sets and the CSV reader."""

import numpy as np
import pytest

from boostobj import datasets


def test_datasets_load():
    diamonds = datasets.load("diamonds")
    assert diamonds.X.shape == (53940, 9) and diamonds.y.shape == (53940,)
    assert diamonds.target_name == "price" and np.all(diamonds.y > 0)
    assert diamonds.categories["cut"][0] == "Fair"
    cut = diamonds.X[:, diamonds.feature_names.index("cut")]
    assert set(np.unique(cut)) == set(range(5))
    mcycle = datasets.load("mcycle")
    assert mcycle.X.shape == (133, 1) and mcycle.feature_names == ["times"]
    assert np.all(np.isfinite(mcycle.y))
    pima = datasets.load("pima")
    assert pima.X.shape == (532, 7) and set(np.unique(pima.y)) == {0.0, 1.0}
    assert pima.y.sum() == 177 and pima.target_name == "type"
    assert (pima.split == "train").sum() == 200 and (pima.split == "test").sum() == 332
    with pytest.raises(ValueError, match="Unknown dataset 'iris'; available: diamonds, lambdarank, mcycle, pima"):
        datasets.load("iris")


def test_the_shipped_learning_to_rank_data_loads_with_its_groups():
    data = datasets.load("lambdarank")
    assert data.X.shape == (3005 + 768, 300)
    assert data.group.sum() == data.y.size and data.group.size == 201 + 50
    assert (data.split == "train").sum() == 3005
    assert set(np.unique(data.y)) == {0.0, 1.0, 2.0, 3.0, 4.0}
    assert "lambdarank" in datasets.available()


def test_read_csv_types_missing_cells_and_text(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("\ufeffa, b ,colour,y\n1.5,NA,red,1\n,2,,2\n3,4,blue,NaN\n")
    data = datasets.read_csv(path, "y")
    assert data.feature_names == ["a", "b", "colour"] and data.name == "mixed"
    assert data.categories == {"colour": ["blue", "red"]}
    expected = np.array([[1.5, np.nan, 1.0], [np.nan, 2.0, np.nan], [3.0, 4.0, 0.0]])
    assert np.array_equal(data.X, expected, equal_nan=True)
    assert np.array_equal(data.y, [1.0, 2.0, np.nan], equal_nan=True)
    features_only = datasets.read_csv(path)
    assert features_only.y is None and features_only.X.shape == (3, 4)
    with pytest.raises(ValueError, match=r"no column 'z'; columns: a, b, colour, y"):
        datasets.read_csv(path, "z")
    with pytest.raises(FileNotFoundError):
        datasets.read_csv(tmp_path / "absent.csv", "y")
