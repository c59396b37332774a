"""Project specs: nonsense is refused with the field (or the file and line) named."""

from __future__ import annotations

import pytest

from engine.errors import InvalidSpec
from engine.spec import NAME_LENGTH, load_spec, parse_spec

pytestmark = pytest.mark.unit

BASE = {"name": "Pets", "kind": "labeling", "labels": ["cat", "dog"]}


def refused(**fields: object) -> InvalidSpec:
    with pytest.raises(InvalidSpec) as error:
        parse_spec({**BASE, **fields})
    return error.value


@pytest.mark.parametrize("value", [1.0, 1, 1.5, 0.49, -1, "0.9", True, float("nan")])
def test_confidence_is_at_least_a_half_and_below_one(value):
    error = refused(confidence=value)
    assert error.field == "confidence"


@pytest.mark.parametrize("value", [0.5, 0.9, 0.999])
def test_confidence_below_one_is_kept(value):
    assert parse_spec({**BASE, "confidence": value}).confidence == value


@pytest.mark.parametrize("value", [[1, 2], 3, {"a": "b"}, True])
def test_instructions_must_be_a_string(value):
    error = refused(instructions=value)
    assert error.field == "instructions" and "string" in str(error)


def test_instructions_keep_their_lines_and_lose_only_surrounding_space():
    spec = parse_spec({**BASE, "instructions": "  Read.\n\tThen choose.  \n"})
    assert spec.instructions == "Read.\n\tThen choose."


def test_a_name_over_the_column_size_is_refused_before_any_database():
    assert parse_spec({**BASE, "name": "n" * NAME_LENGTH, "slug": "ok"}).name == "n" * 200
    error = refused(name="n" * (NAME_LENGTH + 1), slug="ok")
    assert error.field == "name" and "200" in str(error)


@pytest.mark.parametrize("name", ["two\nlines", "bell\x07", "nul\x00"])
def test_a_name_is_one_line_without_control_characters(name):
    assert refused(name=name, slug="ok").field == "name"


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"labels": ["cat", "d\x00g"]}, "labels[1]"),
        ({"spam": {"max_same_share": float("inf")}}, "spam.max_same_share"),
        ({"gold_rate": float("nan")}, "gold_rate"),
    ],
)
def test_what_postgresql_would_refuse_is_refused_on_both(fields, where):
    assert refused(**fields).field == where


def test_a_name_that_makes_no_slug_asks_for_one():
    error = refused(name="!!!")
    assert error.field == "slug" and "give a slug" in str(error)


def test_a_spec_file_that_is_not_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "pets.toml"
    path.write_bytes(b'kind = "labeling"\nlabels = ["a", "b"]\nname = "Caf\xe9"\n')
    with pytest.raises(InvalidSpec) as error:
        load_spec(path)
    assert str(error.value).startswith(f"{path}:3: not UTF-8")


def test_a_spec_file_with_a_bom_is_read(tmp_path):
    path = tmp_path / "pets.toml"  # Notepad writes one; it is not part of the text
    path.write_bytes(b'\xef\xbb\xbfname = "Pets"\nkind = "labeling"\nlabels = ["a", "b"]\n')
    assert load_spec(path).name == "Pets"


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('name = "Pets"\nkind = "labeling"\nlabels = [/]\n', 3),
        ('name = "Pets"\nkind = \n', 2),
    ],
)
def test_a_spec_file_that_is_not_toml_names_file_and_line(tmp_path, content, line):
    path = tmp_path / "pets.toml"
    path.write_text(content)
    with pytest.raises(InvalidSpec) as error:
        load_spec(path)
    assert str(error.value).startswith(f"{path}:{line}: not valid TOML")


@pytest.mark.parametrize(
    "content",
    [
        "overlap = " + "9" * 5000 + "\n",
        "labels = " + "[" * 5000 + "]" * 5000 + "\n",
    ],
)
def test_a_spec_file_with_absurd_values_is_one_error(tmp_path, content):
    path = tmp_path / "pets.toml"
    path.write_text('name = "Pets"\nkind = "labeling"\n' + content)
    with pytest.raises(InvalidSpec) as error:
        load_spec(path)
    assert str(error.value).startswith(str(path))


def test_a_missing_spec_or_a_folder(tmp_path):
    with pytest.raises(InvalidSpec, match="does not exist"):
        load_spec(tmp_path / "missing.toml")
    with pytest.raises(InvalidSpec, match="is a folder"):
        load_spec(tmp_path)
