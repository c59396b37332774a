import pytest

from tasks.uploads import Record, UploadError, read_records

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
