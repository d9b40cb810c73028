"""The README: its loss table is current, its command lines parse, its snippets run as
written."""

import re
import warnings
from pathlib import Path

import numpy as np

import boostobj
from boostobj import cli

ROOT = Path(__file__).resolve().parents[2]


def test_readme_loss_table_is_current():
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- loss-table:start -->\n(.*?)<!-- loss-table:end -->", readme, re.S)
    assert table, "README has no loss-table markers"
    assert table.group(1) == cli.losses.loss_table_markdown(), (
        "README loss table is stale: paste the output of `boostobj losses` between the markers")


def test_loss_table_lists_every_loss():
    table = cli.losses.loss_table_markdown()
    for name in boostobj.available_losses():
        assert f"| `{name}` |" in table


def test_readme_command_lines_parse_and_name_shipped_files():
    import shlex

    readme = (ROOT / "README.md").read_text()
    inside, code = False, []
    for line in readme.splitlines():
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


def test_readme_ranking_snippet_runs_as_written(capsys):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Ranking and contrastive losses"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(code, "README ranking snippet", "exec"), {})
    assert [str(w.message) for w in caught
            if issubclass(w.category, (DeprecationWarning, FutureWarning))] == []
    assert 0.4 < float(capsys.readouterr().out.strip()) <= 1


def test_readme_quick_start_snippets_run_as_written(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Quick start"):readme.index("### Booster modes")]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) >= 6
    monkeypatch.chdir(tmp_path)
    namespace = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for block in blocks:
            exec(compile(block, "README quick start", "exec"), namespace)
    deprecated = [str(w.message) for w in caught
                  if issubclass(w.category, (DeprecationWarning, FutureWarning))]
    assert deprecated == []  # nothing the README shows is deprecated in the boosters
    assert np.median(namespace["model"].predict(namespace["X_test"])) > 300
    assert (tmp_path / "boostobj-out" / "model.txt").is_file()
