"""What the command line takes in: values checked against real limits with messages that say
them, big work refused by an estimate unless --force, progress on a terminal, atomic outputs."""
from __future__ import annotations

import io
import os
import signal

import pytest

from engine import cli, limits
from engine.files import atomic


def fails(capsys, *argv: str) -> str:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    "argv, words",
    [
        (("--lr", "-1e-3"), "learning rate must be >= 0, not -1e-3"),
        (("--lr", "-inf"), "learning rate must be a finite number, not '-inf'"),
        (("--lr", "-5"), "learning rate must be >= 0, not -5"),
        (("--momentum", "-0.5"), "momentum must be >= 0, not -0.5"),
        (("--l2", "-1e-9"), "L2 rate must be >= 0"),
        (("--init-range", "2e6"), "initial weight range must be <= 1e+06, not 2e6"),
        (("--init-range", "0"), "initial weight range must be > 0 and <= 1e+06, not 0"),
        (("--init-range", "-2"), "initial weight range must be >= 0, not -2"),
        (("--seed", str(2**31)), f"seed must be in 0..{limits.INT32_MAX}"),
        (("--seed", "-1"), "seed must be in 0..2147483647, not -1"),
        (("--batch", str(2**31)), f"batch size must be in 1..{limits.INT32_MAX}"),
        (("--lr", "1e7"), "learning rate must be <= 1e+06"),
    ],
)
def test_values_out_of_range_are_named_with_their_real_limit(capsys, tmp_path, argv, words):
    line = fails(capsys, "train", *argv, "--out", str(tmp_path))
    assert words in line and "expected one argument" not in line


def test_a_negative_value_after_an_option_is_its_value_not_an_option():
    parser = cli.build_parser()
    argv = ["train", "--lr", "-1e-3", "--hidden", "4", "--out", "-5"]
    assert cli.join_negative_values(parser, argv) == ["train", "--lr=-1e-3", "--hidden", "4", "--out=-5"]
    assert cli.join_negative_values(parser, ["train", "--force", "-1"]) == ["train", "--force", "-1"]  # a flag takes none


def test_a_network_too_big_for_memory_is_refused_with_the_estimate_unless_forced(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_MEMORY_BYTES", 10 * 2**20)  # 10 MB, so the test stays small
    line = fails(capsys, "train", "--hidden", "512,512", "--epochs", "0", "--out", str(tmp_path))
    assert "needs about" in line and "the limit is 10 MB" in line and "--force" in line
    assert not list(tmp_path.iterdir())  # refused before anything was written
    assert cli.main(["train", "--hidden", "512,512", "--epochs", "0", "--force", "--out", str(tmp_path)]) == 0


def test_very_long_work_is_refused_unless_forced(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "REFUSED_WORK", 1e6)
    line = fails(capsys, "train", "--epochs", "100", "--out", str(tmp_path))
    assert "multiply-adds" in line and "--force" in line
    line = fails(capsys, "gradcheck", "--hidden", "8,8")
    assert "multiply-adds" in line
    capsys.readouterr()
    assert cli.main(["train", "--epochs", "100", "--force", "--out", str(tmp_path)]) == 0


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_goes_to_stderr_only_when_it_is_a_terminal(monkeypatch):
    monkeypatch.setattr(cli, "PROGRESS_EVERY", 0.0)
    tty, pipe = Terminal(), io.StringIO()
    for stream in (tty, pipe):
        p = cli.Progress(10, stream)
        for done in range(1, 11):
            p.update(done, 0.5)
        p.done()
    assert "epoch 10/10" in tty.getvalue() and "epochs/s" in tty.getvalue() and tty.getvalue().endswith("\n")
    assert pipe.getvalue() == ""


def test_train_shows_progress_on_a_terminal(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "PROGRESS_EVERY", 0.0)
    tty = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", tty)
    assert cli.main(["train", "--epochs", "5", "--out", str(tmp_path)]) == 0
    assert "epoch 5/5" in tty.getvalue()


def test_a_failure_while_writing_an_output_leaves_no_temporary_file(capsys, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", boom)
    line = fails(capsys, "train", "--epochs", "2", "--out", str(tmp_path))
    assert "No space left on device" in line
    assert sorted(os.listdir(tmp_path)) == []  # no network.json, no .tmp


def test_an_exception_or_interrupt_inside_a_write_removes_the_temporary_file(tmp_path):
    target = tmp_path / "history.csv"
    target.write_text("old\n")

    def half_then(exc: BaseException):
        def fill(f):
            f.write(b"new, half")
            raise exc

        return fill

    for exc in (KeyboardInterrupt(), cli.Terminated(), ValueError("bug")):
        with pytest.raises(type(exc)):
            atomic.write_atomic_with(target, half_then(exc))
        assert os.listdir(tmp_path) == ["history.csv"] and target.read_text() == "old\n"


def test_sigterm_while_training_exits_143_without_temporary_files(capsys, tmp_path, monkeypatch):
    real = cli.write_outputs

    def terminated_while_writing(run, out):
        os.kill(os.getpid(), signal.SIGTERM)  # arrives as the outputs are being written
        return real(run, out)

    monkeypatch.setattr(cli, "write_outputs", terminated_while_writing)
    assert cli.main(["train", "--epochs", "2", "--out", str(tmp_path)]) == 143
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert signal.getsignal(signal.SIGTERM) is not cli._terminate  # the handler is put back


def test_a_long_gradcheck_says_so_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(cli, "NOTE_WORK", 1.0)
    tty = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", tty)
    assert cli.main(["gradcheck", "--hidden", "3", "--max-params", "20"]) == 0
    assert "checking 13 parameters" in tty.getvalue() and "--max-params" in tty.getvalue()  # 2-3-1: 13 in all
    monkeypatch.setattr(cli.sys, "stderr", io.StringIO())  # not a terminal: nothing extra
    assert cli.main(["gradcheck", "--hidden", "3", "--max-params", "20"]) == 0
    assert cli.sys.stderr.getvalue() == ""
