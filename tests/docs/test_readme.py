"""The README and the guide: the loss table is current, the command lines parse and name
shipped files, the links lead somewhere, and every Python snippet runs as written."""

import re
import shlex
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import boostobj
from boostobj import cli
from boostobj.losses import _ALIASES, _CLASSES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# The pages whose snippets run in a test of their own below (or, for the cluster, in
# tests/cluster, which starts one).
OWN_TESTS = {"objectives.md", "ranking.md", "cluster.md"}
# The guide's pages that show Python.
PAGES = sorted(path.name for path in (DOCS / "guide").glob("*.md")
               if "```python" in path.read_text())


def run_snippets(path, tmp_path, monkeypatch, main=False):
    """Run every ```python block of the page at ``path`` in order, in one module of its own
    (so its classes pickle), from ``tmp_path``; returns the module's namespace. Nothing the
    page shows may be deprecated in the boosters."""
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(), re.S)
    assert blocks, f"{path.name} has no Python snippet"
    monkeypatch.chdir(tmp_path)
    module = types.ModuleType("__main__" if main else f"snippets_{path.stem.replace('-', '_')}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    # A page may register a loss: the registry is as before once the page has run.
    monkeypatch.setattr("boostobj.losses._CLASSES", dict(_CLASSES))
    monkeypatch.setattr("boostobj.losses._ALIASES", dict(_ALIASES))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for block in blocks:
            exec(compile(block, str(path.relative_to(ROOT)), "exec"), module.__dict__)
    deprecated = [str(w.message) for w in caught
                  if issubclass(w.category, (DeprecationWarning, FutureWarning))]
    assert deprecated == []
    return module.__dict__


def test_loss_table_is_current():
    page = (DOCS / "guide" / "losses.md").read_text()
    table = re.search(r"<!-- loss-table:start -->\n(.*?)<!-- loss-table:end -->", page, re.S)
    assert table, "docs/guide/losses.md has no loss-table markers"
    assert table.group(1) == cli.losses.loss_table_markdown(), (
        "docs/guide/losses.md's loss table is stale: paste the output of `boostobj losses` "
        "between the markers")


def test_loss_table_lists_every_loss():
    table = cli.losses.loss_table_markdown()
    for name in boostobj.available_losses():
        assert f"| `{name}` |" in table


def test_command_lines_parse_and_name_shipped_files():
    code = []
    for path in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        inside = False
        for line in path.read_text().splitlines():
            if line.startswith("```"):
                inside = not inside
            elif inside:
                code.append(line)
    # Command lines, not the demo table's "boostobj on LightGBM ..." rows.
    names = "losses|intervals|fit|compare|plot-losses|demo"
    commands = re.findall(rf"^boostobj ((?:{names})\b[^#\n]*?)\s*(?:#.*)?$", "\n".join(code),
                          re.M)
    assert len(commands) >= 8
    for command in commands:
        args = cli.build_parser().parse_args(shlex.split(command))
        if hasattr(args, "data"):
            assert (ROOT / args.data).is_file(), command
        if getattr(args, "loss", None):
            boostobj.get_loss(args.loss)


def test_links_lead_to_files_and_headings():
    for path in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text()):
            if "://" in target:
                continue
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            assert linked.is_file(), f"{path.relative_to(ROOT)}: {target}"
            if anchor and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", linked.read_text(), re.M)
                slugs = {re.sub(r"[^\w\- ]", "", h.lower()).strip().replace(" ", "-")
                         for h in headings}
                assert anchor in slugs, f"{path.relative_to(ROOT)}: {target}"


def test_readme_is_short_and_its_snippets_run_as_written(tmp_path, monkeypatch, capsys):
    readme = ROOT / "README.md"
    assert len(readme.read_text().splitlines()) <= 200
    namespace = run_snippets(readme, tmp_path, monkeypatch)
    assert (tmp_path / "diamonds_pseudo_huber.json").is_file()
    out = capsys.readouterr().out
    assert 0.85 < float(re.search(r"coverage ([0-9.]+)", out).group(1)) < 0.95
    errors = {loss: float(error.replace(",", "")) for loss, error in
              re.findall(r"(\w+): test MAE ([0-9,]+) USD", out)}
    assert errors["huber"] < errors["squared_error"] / 10
    assert np.median(namespace["prediction"]) > 300


@pytest.mark.parametrize("page", [page for page in PAGES if page not in OWN_TESTS])
def test_guide_snippets_run_as_written(page, tmp_path, monkeypatch):
    run_snippets(DOCS / "guide" / page, tmp_path, monkeypatch)


def test_guide_ranking_snippet_runs_as_written(tmp_path, monkeypatch, capsys):
    run_snippets(DOCS / "guide" / "ranking.md", tmp_path, monkeypatch)
    assert 0.4 < float(capsys.readouterr().out.strip()) <= 1


def test_guide_objectives_snippets_run_as_written(tmp_path, monkeypatch):
    namespace = run_snippets(DOCS / "guide" / "objectives.md", tmp_path, monkeypatch)
    assert np.median(namespace["model"].predict(namespace["X_test"])) > 300
    assert (tmp_path / "boostobj-out" / "model.txt").is_file()
