import codecs
import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.uploads import (
    Record,
    UploadError,
    check_encoding,
    iter_records,
    read_records,
    text_stream,
)

pytestmark = pytest.mark.unit


def records(data: bytes, filename: str, **options) -> list[Record]:
    return list(read_records(data, filename, **options))


def test_csv_semicolon_with_bom_quotes_and_blank_rows():
    data = '\ufeffid;text;gold\n1;"Bonjour; ça va";pos\n\n2;"deux\nlignes";\n3;fin;neg\n'
    result = records(data.encode("utf-8"), "data.csv")
    assert result == [
        Record(line=2, fields={"id": "1", "text": "Bonjour; ça va", "gold": "pos"}),
        Record(line=4, fields={"id": "2", "text": "deux\nlignes", "gold": ""}),
        Record(line=6, fields={"id": "3", "text": "fin", "gold": "neg"}),
    ]


def test_tsv_and_csv_with_tabs():
    data = b"id\ttext\n1\tone, two\n2\tthree\n"
    for name in ("data.tsv", "data.csv"):
        result = records(data, name)
        assert [r.fields for r in result] == [
            {"id": "1", "text": "one, two"},
            {"id": "2", "text": "three"},
        ]


def test_csv_comma_and_pipe():
    assert records(b"id,text\n1,a\n", "x.csv")[0].fields == {"id": "1", "text": "a"}
    assert records(b"id|text\n1|a;b\n", "x.csv")[0].fields == {"id": "1", "text": "a;b"}


def test_csv_single_column():
    assert [r.fields["text"] for r in records(b"text\nhello\nworld\n", "x.csv")] == [
        "hello",
        "world",
    ]


def test_csv_crlf_line_numbers():
    result = records(b"id,text\r\n1,a\r\n\r\n2,b\r\n", "x.csv")
    assert [r.line for r in result] == [2, 4]


def test_legacy_encoding_is_detected():
    data = b"id,text\n1,ok\n2,caf\xe9 \x80\n"
    assert [r.fields["text"] for r in records(data, "latin.csv")] == ["ok", "café €"]


def test_forced_encoding_that_does_not_fit_names_file_and_line():
    data = b"id,text\n1,ok\n2,caf\xe9\n"
    with pytest.raises(UploadError) as error:
        records(data, "latin.csv", encoding="utf-8")
    assert error.value.filename == "latin.csv"
    assert error.value.line == 3
    assert str(error.value).startswith("latin.csv:3: ")
    assert "--encoding" in str(error.value)


def test_an_encoding_that_is_not_a_text_encoding_is_refused():
    with pytest.raises(UploadError, match="not a text encoding"):
        records(b"id,text\n1,a\n", "x.csv", encoding="base64")


def test_explicit_encoding_decodes():
    result = records(b"id,text\n1,caf\xe9\n", "latin.csv", encoding="cp1252")
    assert result[0].fields["text"] == "café"


def test_unknown_encoding():
    with pytest.raises(UploadError, match="is not a text encoding"):
        records(b"id,text\n", "x.csv", encoding="no-such-codec")


def test_utf16_with_bom():
    data = "id,text\n1,été\n".encode("utf-16")
    assert records(data, "x.csv")[0].fields["text"] == "été"


def test_row_with_too_many_fields():
    with pytest.raises(UploadError) as error:
        records(b"id,text\n1,a\n2,b,c\n", "x.csv")
    assert error.value.line == 3


def test_header_problems():
    with pytest.raises(UploadError, match="twice"):
        records(b"text,text\n1,2\n", "x.csv")
    with pytest.raises(UploadError, match="no name"):
        records(b"id,\n1,2\n", "x.csv")
    with pytest.raises(UploadError, match="empty"):
        records(b"\n\n", "x.csv")


def test_jsonl_reads_objects_and_skips_blank_lines():
    data = b'{"id": 1, "text": "a"}\n\n{"id": 2, "text": "b\\u2028c", "tags": ["x"]}\n'
    result = records(data, "x.jsonl")
    assert [r.line for r in result] == [1, 3]
    assert result[1].fields == {"id": 2, "text": "b\u2028c", "tags": ["x"]}


def test_jsonl_bad_json_names_line():
    with pytest.raises(UploadError) as error:
        records(b'{"id": 1}\n{"id": 2,,}\n', "x.ndjson")
    assert error.value.line == 2
    assert str(error.value).startswith("x.ndjson:2: invalid JSON")


def test_jsonl_non_object_names_line():
    with pytest.raises(UploadError) as error:
        records(b'{"id": 1}\n\n["a"]\n', "x.jsonl")
    assert error.value.line == 3
    assert "object" in str(error.value)


def test_too_many_rows_names_line():
    data = b"text\n" + b"".join(b"row %d\n" % i for i in range(5))
    assert len(records(data, "x.csv", max_rows=5)) == 5
    with pytest.raises(UploadError) as error:
        records(data, "x.csv", max_rows=4)
    assert error.value.line == 6


def test_too_big_fails_before_parsing():
    with pytest.raises(UploadError, match="limit"):
        read_records(b"not even csv \xff" * 10, "x.csv", max_bytes=50)


def test_unknown_extension_lists_supported():
    with pytest.raises(UploadError) as error:
        read_records(b"x", "report.docx")
    message = str(error.value)
    assert message.startswith("report.docx: ")
    for ext in (".csv", ".tsv", ".jsonl", ".ndjson", ".txt", ".md"):
        assert ext in message


def test_txt_and_md_are_one_document():
    text = "# Title\n\nFirst paragraph.\n\nSecond one.\n"
    result = records(text.encode(), "docs/My Report.md")
    assert result == [Record(line=1, fields={"id": "My Report", "text": text})]
    plain = records("\ufeffHello.\n".encode(), "note.TXT")
    assert plain[0].fields == {"id": "note", "text": "Hello.\n"}


def test_empty_document():
    with pytest.raises(UploadError, match="empty"):
        records(b"  \n", "x.txt")


def test_upload_error_format():
    assert str(UploadError("bad", filename="f.csv", line=3, field="gold")) == (
        "f.csv:3: field 'gold': bad"
    )
    assert str(UploadError("bad", filename="f.csv")) == "f.csv: bad"
    assert str(UploadError("bad", filename="f.csv", field="x")) == "f.csv: field 'x': bad"


# --- streaming, every error, reserved columns, what a database cannot store ----------------


def streamed(data: bytes, filename: str = "x.csv", *, chunk: int = 7, **options):
    """Records and errors of ``data`` read in tiny chunks (cut inside characters too)."""
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    name = check_encoding(lambda: iter(pieces), filename)
    kind = "jsonl" if filename.endswith(".jsonl") else "csv"
    return list(iter_records(text_stream(pieces, name), filename, kind=kind, **options))


def test_every_bad_row_is_reported_and_the_good_ones_still_read():
    lines = ["id,text"] + [f"{n},ok {n}" if n % 2 else f"{n},bad,extra" for n in range(1, 121)]
    out = streamed(("\n".join(lines) + "\n").encode())
    errors = [r for r in out if isinstance(r, UploadError)]
    assert len(errors) == 60
    assert [e.line for e in errors[:3]] == [3, 5, 7]
    assert len([r for r in out if isinstance(r, Record)]) == 60


def test_header_id_and_reserved_columns_ignore_case_and_a_second_bom():
    data = "\ufeff\ufeff ID ;Text;GOLD\nA-1;été;pos\n".encode()
    (record,) = streamed(data)
    assert record.fields == {"id": "A-1", "Text": "été", "gold": "pos"}


def test_a_field_named_like_a_reserved_column_is_refused():
    (error,) = streamed(b"id,text,gold,Gold\n1,a,b,c\n")
    assert isinstance(error, UploadError) and error.line == 1
    assert "'Gold'" in str(error) and "'gold'" in str(error)
    (error,) = streamed(b'{"id": 1, "Id": 2, "text": "a"}\n', "x.jsonl")
    assert isinstance(error, UploadError) and "'Id'" in str(error)


def test_jsonl_reserved_keys_ignore_case():
    (record,) = streamed(b'{"ID": " 7 ", "GoLd": "x", "text": "t"}\n', "x.jsonl")
    assert record.fields == {"id": " 7 ", "gold": "x", "text": "t"}


@pytest.mark.parametrize(
    ("line", "fragment", "field"),
    [
        ('{"id": 1, "text": NaN}', "NaN", None),
        ('{"id": 1, "text": -Infinity}', "Infinity", None),
        ('{"id": 1, "score": 1e400}', "inf", "score"),
        ('{"id": 1, "text": "a\\u0000b"}', "NUL", "text"),
        ('{"id": 1, "text": "\\ud800"}', "surrogate", "text"),
        ('{"id": 1, "tags": {"\\u0000": 1}}', "NUL", "tags"),
        ('{"id": 1, "n": ' + "9" * 5000 + "}", "digits", None),
        ('{"id": 1, "deep": ' + "[" * 40 + "]" * 40 + "}", "nested", "deep"),
        ('{"id": 1, "deep": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested", None),
    ],
)
def test_jsonl_values_no_database_stores_the_same_are_refused(line, fragment, field):
    data = f'{{"id": 0, "text": "fine"}}\n{line}\n'.encode()
    fine, error = streamed(data, "x.jsonl", chunk=1 << 20)
    assert isinstance(fine, Record)
    assert isinstance(error, UploadError) and error.line == 2 and error.field == field
    assert fragment in str(error)


def test_nul_in_a_csv_cell_names_line_and_field():
    out = streamed(b"id,text\n1,ok\n2,a\x00b\n")
    assert isinstance(out[1], UploadError)
    assert (out[1].line, out[1].field) == (3, "text")


def test_cp1252_after_a_first_megabyte_of_ascii_is_detected():
    data = b"id,text\n" + b"1,plain\n" * 200_000 + b"2,caf\xe9 \x80\n"
    pieces = [data[i : i + (1 << 20)] for i in range(0, len(data), 1 << 20)]
    assert check_encoding(lambda: iter(pieces), "x.csv") == "cp1252"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "cp1252"])
def test_encodings_read_back_byte_for_byte(codec):
    text = "id,text\n1,« Ça va ? » — oui\n2,naïve façade\n"
    data = text.encode(codec)
    assert [r.fields["text"] for r in streamed(data)] == ["« Ça va ? » — oui", "naïve façade"]


def test_forced_encoding_that_does_not_fit_names_the_line_when_streamed():
    data = b"id,text\n1,ok\n2,caf\xe9\n"
    with pytest.raises(UploadError) as error:
        check_encoding(lambda: iter([data[:5], data[5:]]), "x.csv", "utf-8")
    assert error.value.line == 3 and "--encoding" in str(error.value)


def test_row_limit_stops_the_stream_with_an_error():
    out = streamed(b"text\n" + b"r\n" * 10, max_rows=3)
    assert isinstance(out[-1], UploadError) and "more than 3 rows" in str(out[-1])
    assert len(out) == 4


ids = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
              min_size=1, max_size=20).filter(lambda s: s.strip())  # fmt: skip
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=40).filter(lambda s: s.strip())  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(ids, texts), min_size=1, max_size=8),
       codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))  # fmt: skip
def test_any_text_round_trips_through_csv(rows, codec):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["id", "text"])
    writer.writerows(rows)
    out = streamed(buffer.getvalue().encode(codec), chunk=5)
    assert [(r.fields["id"], r.fields["text"]) for r in out] == rows


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(ids, texts), min_size=1, max_size=8))
def test_any_text_round_trips_through_jsonl(rows):
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=bool(n % 2)) for n, (i, t) in
             enumerate(rows)]  # fmt: skip
    out = streamed(("\n".join(lines) + "\n").encode(), "x.jsonl", chunk=3)
    assert [(r.fields["id"], r.fields["text"]) for r in out] == rows


def test_incremental_decoding_matches_whole_decoding():
    text = "é€😀\r\n" * 1000
    for codec in ("utf-8", "utf-16", "utf-32", "cp1252"):
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:
            data = "é€\r\n".encode(codec)
        pieces = [data[i : i + 3] for i in range(0, len(data), 3)]
        assert "".join(text_stream(pieces, codec)) == codecs.decode(data, codec)
