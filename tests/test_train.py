"""python -m convkit.train as its user runs it, and the data it trains on."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from convkit import nn, train
from convkit.data import load_digits

ROOT = Path(__file__).resolve().parents[1]
RESULT = re.compile(r"^test accuracy: (\d\.\d{3}) \((\d+)/360\) in \d+\.\d s$")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "convkit.train", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def test_help_explains_every_option():
    out = run_cli("--help")
    assert out.returncode == 0
    for option in ["--epochs", "--seed", "--method", "fast", "loops", "--no-progress", "360 test"]:
        assert option in out.stdout, option


@pytest.mark.parametrize("args,says", [
    (["--epochs", "0"], "argument --epochs: must be a whole number >= 1; got '0'"),
    (["--epochs", "two"], "argument --epochs: must be a whole number >= 1; got 'two'"),
    (["--seed", "-1"], "argument --seed: must be a whole number >= 0; got '-1'"),
    (["--method", "gpu"], "argument --method: invalid choice: 'gpu'"),
    (["--learning-rate", "1"], "unrecognized arguments: --learning-rate 1"),
])
def test_bad_arguments_get_one_clear_line(args, says):
    out = run_cli(*args)
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("python -m convkit.train: error: ") and says in lines[0], lines


def test_one_epoch_prints_a_progress_bar_and_the_result_line():
    out = run_cli("--epochs", "1", "--seed", "3")
    assert out.returncode == 0, out.stderr
    assert RESULT.match(out.stdout.strip()), out.stdout
    assert "epoch 1/1" in out.stderr and "45/45" in out.stderr  # 1437 digits in batches of 32
    assert re.search(r"loss \d\.\d{3}, test accuracy \d\.\d{3}", out.stderr), out.stderr


def test_default_run_reaches_the_target_accuracy(capsys):
    """The CLI's own figure (its time goal is measured by benchmarks/train_runs.py, not here)."""
    assert train.main(["--no-progress"]) == 0
    line = capsys.readouterr().out.strip()
    m = RESULT.match(line)
    assert m, line
    assert float(m.group(1)) >= 0.97 and int(m.group(2)) >= 0.97 * 360, line


def test_training_is_reproducible_and_learns():
    data = load_digits()
    a = train.train(train.make_net(1, channels=(4, 8)), data, epochs=2, rng=1, progress=False)
    b = train.train(train.make_net(1, channels=(4, 8)), data, epochs=2, rng=1, progress=False)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert a.loss.shape == (90,) and a.train_acc.shape == a.test_acc.shape == (2,)
    assert a.test_acc[-1] > 0.5 and a.loss[-10:].mean() < 0.7 * a.loss[:10].mean()  # chance is 0.1
    c = train.train(train.make_net(2, channels=(4, 8)), data, epochs=1, rng=2, progress=False)
    assert not np.array_equal(c.loss, a.loss[:45])


def test_sgd_trains_too():
    data = load_digits()
    net = train.make_net(0, channels=(4, 8))
    h = train.train(net, data, epochs=2, optimizer=nn.SGD(net.parameters(), lr=0.05, momentum=0.9), progress=False)
    assert h.test_acc[-1] > 0.5


def test_the_split_is_fixed_and_disjoint():
    d = load_digits()
    assert d.x_train.shape == (1437, 1, 8, 8) and d.x_test.shape == (360, 1, 8, 8)
    assert d.x_train.min() == 0 and d.x_train.max() == 1
    assert sorted(np.unique(d.labels_test)) == list(range(10))
    again = load_digits()
    np.testing.assert_array_equal(d.x_test, again.x_test)
    train_rows = {row.tobytes() for row in d.x_train.reshape(1437, -1)}
    assert not any(row.tobytes() in train_rows for row in d.x_test.reshape(360, -1))  # no test image seen in training
