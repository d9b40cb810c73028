"""Generated inputs (``generated_inputs.py``) for the command line and the drop-in
estimators, in fresh processes with a time bound: nothing crashes, every refusal is one
clear line or a ValueError naming what was refused, nothing the command reads is changed."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def generated(kind, seed, count, folder, timeout=240):
    """The records of ``count`` generated cases run in a fresh process."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, str(HERE / "generated_inputs.py"), kind, str(seed),
                           str(count), str(folder)], capture_output=True, text=True,
                          timeout=timeout)
    lines = [json.loads(line) for line in
             (folder / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    last = next((line for line in reversed(lines) if "started" in line), None)
    assert done.returncode == 0, (f"the process ended with {done.returncode} in case {last}:"
                                  f"\n{done.stderr[-2000:]}")
    records = [line for line in lines if "case" in line]
    assert len(records) == count
    return records


# A booster's C++ source path or stack trace in a message the user sees.
NATIVE = re.compile(r"\.(cc|cpp|h):\d+|/__w/|\[bt\]|Stack trace")


@pytest.mark.parametrize("seed", [0, 1])
def test_generated_command_lines_exit_cleanly(tmp_path, seed):
    for record in generated("cli", seed, 12, tmp_path):
        assert record["changed"] == [], record
        for outcome in record["outcomes"]:
            code, err = outcome["code"], outcome["stderr"]
            assert code in (0, 2), outcome
            if code == 2:
                lines = [line for line in err.splitlines() if line.startswith("boostobj ")]
                assert len(lines) == 1 and ": error: " in lines[0], outcome
                assert "unexpected error" not in lines[0], outcome
                assert not NATIVE.search(lines[0]), outcome


@pytest.mark.parametrize("seed", [0, 1])
def test_generated_estimator_inputs_fit_or_are_refused_clearly(tmp_path, seed):
    for record in generated("estimators", seed, 20, tmp_path):
        if record["outcome"] == "fitted":
            assert record["finite"], record
            continue
        if record["invalid_param"] and record["booster_error"]:
            continue  # the booster's own refusal of a negative value, as the parent's
        assert record["outcome"] == "ValueError", record
        message = record["message"]
        assert not NATIVE.search(message), record
        assert ("boostobj." in message or record["loss"].split(":")[0] in message
                or "sample_weight" in message), record
