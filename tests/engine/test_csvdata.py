"""CSV import: tasks inferred from the target column, every bad row named by line number."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data import csvdata
from engine.data.csvdata import CsvError, load_csv, parse_csv
from engine.data.sources import CsvSource, PointsSource
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer


def write(tmp_path, text: str, name: str = "data.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_binary_numbers_give_a_planar_binary_set(tmp_path):
    rows = "\n".join(f"{i},{-i},{i % 2}" for i in range(10))
    data = load_csv(write(tmp_path, "a,b,label\n" + rows + "\n"), test_ratio=0.3, seed=1)
    assert data.task == "binary" and data.planar
    assert len(data.x_train) == 7 and len(data.x_test) == 3
    assert data.input_names == ("a", "b")
    assert isinstance(data.source, CsvSource) and data.source.path.endswith("data.csv")
    # every row kept, targets follow their rows
    x = np.vstack([data.x_train, data.x_test])
    y = np.vstack([data.y_train, data.y_test])
    assert sorted(x[:, 0]) == list(range(10))
    assert np.array_equal(y[:, 0], x[:, 0] % 2)


def test_class_names_two_and_many():
    two = parse_csv("f1,f2,f3,kind\n1,2,3,cat\n4,5,6,dog\n7,8,9,cat\n", test_ratio=0.0)
    assert two.task == "binary" and two.class_names == ("cat", "dog") and not two.planar
    assert two.y_train.shape == (3, 1)
    many = parse_csv("x,y,c\n0,0,red\n1,0,green\n0,1,blue\n1,1,red\n", test_ratio=0.0)
    assert many.task == "multiclass" and many.class_names == ("blue", "green", "red")
    assert many.y_train.shape == (4, 3) and np.array_equal(many.y_train.sum(axis=1), np.ones(4))
    red = many.y_train[np.all(many.x_train == (0, 0), axis=1)][0]
    assert red.argmax() == 2


def test_numbers_other_than_0_1_are_regression():
    data = parse_csv("x,y,height\n1,2,1.5\n2,3,-0.25\n3,4,7\n", test_ratio=0.0)
    assert data.task == "regression" and sorted(data.y_train[:, 0]) == [-0.25, 1.5, 7.0]


def test_every_bad_row_is_reported_with_its_line_number(tmp_path):
    text = (
        "x,y,label\n"  # 1
        "1,2,1\n"  # 2
        "3,oops,0\n"  # 3
        "\n"  # 4: blank, skipped
        "5,6\n"  # 5
        "7,8,1,9\n"  # 6
        "nan,1,0\n"  # 7
        "1,2,\n"  # 8
        "1,2,x\n"  # 9
        "4,4,1\n"  # 10
    )
    with pytest.raises(CsvError) as info:
        load_csv(write(tmp_path, text))
    problems = info.value.problems
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 5", "line 6", "line 7", "line 8", "line 9"]
    assert "'oops'" in problems[0] and "2 values, expected 3" in problems[1]
    assert "6 problems" in str(info.value) and "\n" not in str(info.value)


def test_many_problems_are_all_kept_but_the_message_stays_short():
    text = "a,b,t\n" + "".join(f"{i},bad,1\n" for i in range(40))
    with pytest.raises(CsvError) as info:
        parse_csv(text)
    assert len(info.value.problems) == 40
    assert "and 28 more problems" in str(info.value)


@pytest.mark.parametrize(
    "text,words",
    [
        ("", "empty"),
        ("x,y,t\n", "no data rows"),
        ("1,2,3\n4,5,6\n", "header row"),
        ("only\n1\n", "at least two columns"),
        ("x,x,t\n1,2,0\n", "repeated column"),
        ("x,,t\n1,2,0\n", "column 2 has no name"),
        ("x,y,t\n1,2,cat\n3,4,cat\n", "only one class"),
    ],
)
def test_file_level_problems(text, words):
    with pytest.raises(CsvError, match=words):
        parse_csv(text)


def test_unreadable_files(tmp_path, monkeypatch):
    with pytest.raises(CsvError, match="cannot read"):
        load_csv(tmp_path / "missing.csv")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("x,y,t\n1,2,\xe9\n".encode("latin-1"))
    with pytest.raises(CsvError, match="UTF-8"):
        load_csv(bad)
    monkeypatch.setattr(csvdata, "MAX_BYTES", 10)
    with pytest.raises(CsvError, match="MB"):
        load_csv(write(tmp_path, "x,y,t\n1,2,1\n3,4,0\n"))


def test_quoted_cells_semicolons_and_line_numbers():
    data = parse_csv('"x";"y";"t"\n1;2;"a b"\n3;4;c\n', test_ratio=0.0)
    assert data.class_names == ("a b", "c")
    with pytest.raises(CsvError, match="line 4"):
        parse_csv('x,y,t\n1,2,"multi\nline"\n3,bad,c\n')


def test_split_is_deterministic_and_follows_the_seed():
    text = "x,y,t\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(50))
    a, b, c = parse_csv(text, seed=3), parse_csv(text, seed=3), parse_csv(text, seed=4)
    assert np.array_equal(a.x_test, b.x_test)
    assert not np.array_equal(a.x_test, c.x_test)


def test_a_csv_set_trains(tmp_path):
    rng = np.random.default_rng(0)
    pts = rng.uniform(-3, 3, (80, 3))
    label = np.where(pts[:, 0] + pts[:, 1] - pts[:, 2] > 0, "yes", "no")
    text = "a,b,c,answer\n" + "".join(f"{p[0]},{p[1]},{p[2]},{l}\n" for p, l in zip(pts, label))
    data = load_csv(write(tmp_path, text), test_ratio=0.25)
    trainer = Trainer(NetworkSpec.stack(3, [3], 1, "tanh", "tanh"), data)
    trainer.step(60)
    assert trainer.evaluate().train_acc > 0.9


# ----- line endings, limits, names, and the fast reader against the row-by-row one ---------------
import os  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from engine import limits  # noqa: E402

FUZZ = settings(max_examples=int(os.environ.get("BPP_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


def slow_parse(text: str, **kw):
    """The row-by-row reader alone (the fast NumPy reader switched off)."""
    real = csvdata._fast_parse
    csvdata._fast_parse = lambda text, delimiter: None
    try:
        return parse_csv(text, **kw)
    finally:
        csvdata._fast_parse = real


def same_dataset(a, b) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("x_train", "y_train", "x_test", "y_test")) and (
        a.task, a.class_names, a.input_names, a.output_names, a.planar) == (b.task, b.class_names, b.input_names, b.output_names, b.planar)


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_lf_crlf_and_cr_only_line_endings_all_load_the_same(tmp_path, quoted):
    rows = ["x,y,label"] + [f"{i},{-i / 3},{'yes' if i % 3 else 'no'}" for i in range(12)]
    if quoted:
        rows[1] = '"0","0","no"'
    lf = load_csv(write(tmp_path, "\n".join(rows) + "\n", "lf.csv"))
    for ending in ("\r\n", "\r"):
        p = tmp_path / "other.csv"
        p.write_bytes((ending.join(rows) + ending).encode())
        assert same_dataset(load_csv(p), lf)
    with pytest.raises(CsvError, match="line 3"):  # line numbers still count CR-only lines
        parse_csv("x,y,t\r1,2,1\r3,bad,0\r")


def test_values_beyond_the_data_limit_are_named():
    with pytest.raises(CsvError, match=r"line 3: column 'y' is 1e13; values must lie within ±1e\+12"):
        parse_csv("x,y,t\n1,2,1\n3,1e13,0\n")
    with pytest.raises(CsvError, match="is not a finite number"):
        parse_csv("x,y,t\n1,2,1\n3,inf,0\n")


def test_more_rows_than_the_limit_are_refused(monkeypatch):
    monkeypatch.setattr(csvdata, "MAX_ROWS", 3)
    with pytest.raises(CsvError, match="more than 3 data rows; at most 3"):
        parse_csv("x,y,t\n1,2,1\n3,4,0\n5,6,1\n7,8,0\n")


def test_a_file_name_that_is_not_utf8_loads_and_its_points_are_kept_inline(tmp_path):
    """Such a name cannot be written into a project (JSON is UTF-8): the data is kept inline instead."""
    name = os.fsdecode(b"caf\xe9.csv")
    p = os.path.join(str(tmp_path), name)
    with open(p, "w") as f:
        f.write("x,y,t\n1,2,1\n3,4,0\n5,6,1\n")
    data = load_csv(p, test_ratio=0.0)
    assert isinstance(data.source, PointsSource) and data.x_train.shape == (3, 2)
    from engine.files.serialize import load_project, project_from_trainer, save_project, trainer_from_project

    t = Trainer(NetworkSpec.stack(2, [2], 1, features=("x", "y")), data)
    save_project(tmp_path / "p.json", project_from_trainer(t))
    back = trainer_from_project(load_project(tmp_path / "p.json"))
    assert np.array_equal(back.data.x_train, data.x_train)
    with pytest.raises(CsvError, match=r"gon\\xe9.csv: cannot read"):  # the message shows the name's bytes
        load_csv(os.path.join(str(tmp_path), os.fsdecode(b"gon\xe9.csv")))


def test_a_symlink_loop_and_a_directory_are_refused_with_one_line(tmp_path):
    loop = tmp_path / "loop.csv"
    os.symlink(loop, loop)
    for path, words in ((loop, "cannot read the file"), (tmp_path, "not a regular file")):
        with pytest.raises(CsvError, match=words) as info:
            load_csv(path)
        assert "\n" not in str(info.value)


cell = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(-1e3, 1e3, allow_nan=False).map(repr),
    st.sampled_from(["", " ", "a", "b", "yes", "no", "nan", "inf", "1e400", "1e13", "-0", " 2 ", "x y", '"q"', "1_0", "0x1"]),
)


@st.composite
def csv_texts(draw) -> str:
    width = draw(st.integers(1, 4))
    names = ["x", "y", "z", "t", "", "1", "label", "\"q\"", "\"a,b\"", "\"un"]
    header = draw(st.lists(st.sampled_from(names), min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cell, min_size=width - 1, max_size=width + 1), max_size=8))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), "")
    return end.join(lines) + draw(st.sampled_from(["", end]))


@FUZZ
@given(text=csv_texts() | st.text(alphabet='0123456789.,;\t\r\n" -eanfixy', max_size=80))
def test_any_csv_loads_and_trains_one_epoch_or_is_refused_with_one_line(text):
    try:
        data = parse_csv(text)
    except CsvError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg and len(msg) < 2000
        with pytest.raises(CsvError):
            slow_parse(text)  # the fast reader never accepts what the careful one refuses
        return
    assert same_dataset(data, slow_parse(text))  # the fast reader gives exactly the careful one's data
    out = "softmax" if data.task == "multiclass" else "tanh"
    loss = "softmax_ce" if data.task == "multiclass" else "squared"
    trainer = Trainer(NetworkSpec.stack(data.n_inputs, [2], data.n_outputs, "tanh", out, loss), data)
    with np.errstate(all="ignore"):
        trainer.step(1)
        trainer.evaluate()


def test_the_fast_reader_is_used_for_plain_numeric_files():
    text = "x,y,t\n" + "".join(f"{i},{i * 0.5},{i % 2}\n" for i in range(30))
    assert csvdata._fast_parse(text, ",") is not None
    assert csvdata._fast_parse('x,y,t\n1,"2",1\n3,4,0\n', ",") is None  # quoted cells: the careful reader
    quoted_header = '"x","y, as typed","t"\n1,2,1\n3,4,0\n'  # what spreadsheets write
    assert csvdata._fast_parse(quoted_header, ",") is not None
    assert parse_csv(quoted_header).input_names == ("x", "y, as typed")
    assert same_dataset(parse_csv(text), slow_parse(text))
