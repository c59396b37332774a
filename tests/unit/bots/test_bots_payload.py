"""The callback payload codec: round trips, the 64-byte limit, strict refusal of the rest."""

import random
import string

import pytest

from bots.core import payload as p

pytestmark = pytest.mark.unit

SIMPLE = [p.Next(), p.ForgetConfirm(), p.ForgetCancel()]


def random_payloads(rng: random.Random, n: int = 500) -> list[p.Payload]:
    """Every kind, with ids of every size and choice values of every alphabet."""
    alphabet = string.ascii_letters + string.digits + "_-:|#/ é✓😀"
    out: list[p.Payload] = list(SIMPLE)
    for _ in range(n):
        big = rng.randint(1, p.MAX_ID)
        small = rng.randint(1, 10_000)
        ident = rng.choice([big, small, 1])
        choice = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))).strip() or "x"
        out += [
            p.Answer(ident, choice),
            p.AnswerIndex(ident, rng.randint(0, p.MAX_INDEX)),
            p.MultiToggle(ident, rng.randint(0, 2047)),
            p.MultiSubmit(ident, rng.randint(0, 2047)),
            p.Skip(ident),
            p.Report(ident),
            p.WriteAnswer(ident),
            p.ReadMore(ident, rng.randint(0, p.MAX_PAGE)),
            p.ReviewPick(ident, rng.randint(0, p.MAX_INDEX)),
            p.ReviewDiscard(ident),
            p.ReviewWrite(ident),
            p.Language(rng.choice(["en", "fr", "de", "ast"])),
        ]
    return out


def test_every_payload_round_trips_within_64_bytes():
    for payload in random_payloads(random.Random(7)):
        data = p.encode(payload)
        assert len(data.encode()) <= p.MAX_BYTES
        assert p.parse(data) == payload


def test_known_formats_match_the_design():
    assert p.encode(p.Answer(12, "positive")) == "a:12:positive"
    assert p.encode(p.Skip(12)) == "s:12"
    assert p.encode(p.Report(12)) == "r:12"
    assert p.encode(p.Next()) == "n"
    assert p.encode(p.ReviewPick(5, 2)) == "v:5:2"
    assert p.encode(p.ReviewDiscard(5)) == "vd:5"
    assert p.encode(p.ReviewWrite(5)) == "vw:5"
    assert p.encode(p.ForgetConfirm()) == "fc"
    assert p.encode(p.ForgetCancel()) == "fx"
    assert p.encode(p.Language("fr")) == "l:fr"


def test_a_choice_value_may_contain_colons():
    assert p.parse("a:3:x:y") == p.Answer(3, "x:y")


def test_overflow_raises_and_fits_says_so():
    long_value = "é" * 40  # 80 bytes
    with pytest.raises(p.PayloadTooLong):
        p.encode(p.Answer(1, long_value))
    assert not p.fits(p.Answer(1, long_value))
    assert p.fits(p.Answer(1, "positive"))


def test_values_that_would_not_parse_back_are_refused_at_encoding():
    with pytest.raises(ValueError):
        p.encode(p.Answer(1, " padded "))
    with pytest.raises(ValueError):
        p.encode(p.Skip(0))
    with pytest.raises(ValueError):
        p.encode(p.Language("FR"))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "x",
        "a",
        "a:",
        "a:1",
        "a:1:",
        "a::x",
        "a:0:x",
        "a:-1:x",
        "a:01:x",
        "a:1: x",
        "a:1:x\n",
        "a:1:\x00",
        "s:",
        "s:abc",
        "s:1:2",
        "s:99999999999999999999",
        "ai:1:100",
        "ai:1:-1",
        "v:1",
        "v:1:2:3",
        "vd:",
        "vw:x",
        "m:1:70000",
        "ms:1:x",
        "l:",
        "l:FR",
        "l:fr-FR",
        "l:francais",
        "n:1",
        "fc:1",
        "zz:1",
        "a:1:" + "x" * 70,
        b"a:1:x",
        42,
        "A:1:x",
        " n",
        "s:1 ",
    ],
)
def test_malformed_or_forged_data_parses_to_none(data):
    assert p.parse(data) is None


def test_random_garbage_never_raises():
    rng = random.Random(3)
    for _ in range(3000):
        data = "".join(
            rng.choice("asrvdwmnlfcxi:0123456789é\x00 ") for _ in range(rng.randint(0, 20))
        )
        result = p.parse(data)
        if result is not None:
            assert p.encode(result) == data


def test_text_refs_round_trip_at_the_end_of_a_message():
    for ref in (p.TextRef("answer", 123), p.TextRef("review", 45)):
        message = f"Reply to this message (task {p.text_ref(ref)})"
        assert p.find_text_ref(message) is None  # must END with the reference
        assert p.find_text_ref(f"Reply to this message · {p.text_ref(ref)}") == ref
    assert p.text_ref(p.TextRef("review", 45)) == "#R45"
    assert p.find_text_ref("no reference") is None
    assert p.find_text_ref("#0") is None
    assert p.find_text_ref(None) is None


def test_read_more_carries_its_page_and_fits_at_the_largest_ids():
    assert p.encode(p.ReadMore(12, 3)) == "t:12:3"
    widest = p.encode(p.ReadMore(p.MAX_ID, p.MAX_PAGE))
    assert widest == f"t:{p.MAX_ID}:{p.MAX_PAGE}" and len(widest.encode()) <= p.MAX_BYTES
    assert p.parse("t:12:0") == p.ReadMore(12, 0)


@pytest.mark.parametrize(
    "data", ["t:12", "t:12:", "t:0:1", "t:12:-1", "t:12:01", "t:12:10000", "t:12:1:2", "t:x:1"]
)
def test_malformed_read_more_is_refused(data: str):
    assert p.parse(data) is None
