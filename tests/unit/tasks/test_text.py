import time

import pysbd
import pytest

import tasks.text as text_module
from tasks.base import InvalidSettings
from tasks.text import (
    TooManySentences,
    join_sentences,
    merge_candidates,
    normalise,
    split_document,
    vote_payload,
)

pytestmark = pytest.mark.unit


def texts(document: str, language: str) -> list[str]:
    sentences = split_document(document, language)
    assert join_sentences(sentences) == document  # every split must round-trip
    return [sentence.text for sentence in sentences]


# --- normalise -------------------------------------------------------------------------------


def test_normalise_maps_typographic_apostrophes_and_quotes():
    assert normalise("l’été “chaud”") == normalise('l\'été "chaud"')
    assert normalise("« Bonjour »") == '"Bonjour"'
    assert normalise("«\u00a0Bonjour\u202f»") == '"Bonjour"'
    assert normalise("„Hallo“") == '"Hallo"'


def test_normalise_nfc_and_whitespace():
    decomposed = "cafe\u0301  au\tlait\n"
    assert normalise(decomposed) == "café au lait"
    assert normalise(decomposed) == normalise("café au lait")


def test_normalise_keeps_real_differences():
    assert normalise("Bonjour a tous.") != normalise("Bonjour à tous.")
    assert normalise("Hello!") != normalise("Hello.")
    assert normalise("Hello") != normalise("hello")


# --- merge_candidates ----------------------------------------------------------------------


def test_merge_groups_equivalent_answers_and_picks_winner():
    merge = merge_candidates(["It’s fine.", "It's  fine.", "Its fine."], win_share=0.6)
    assert merge.distinct == [("It’s fine.", 2), ("Its fine.", 1)]
    assert merge.winner == "It’s fine."


def test_merge_without_enough_share_has_no_winner():
    merge = merge_candidates(["a", "b", "a", "c"], win_share=0.6)
    assert merge.distinct == [("a", 2), ("b", 1), ("c", 1)]
    assert merge.winner is None


def test_merge_ties_keep_first_seen_and_never_win():
    merge = merge_candidates(["b", "a", "a", "b"], win_share=0.5)
    assert merge.distinct == [("b", 2), ("a", 2)]
    assert merge.winner is None


def test_merge_nfd_equals_nfc():
    merge = merge_candidates(["e\u0301te\u0301", "été"], win_share=1.0)
    assert len(merge.distinct) == 1
    assert merge.winner == "e\u0301te\u0301"


def test_merge_empty():
    merge = merge_candidates([], win_share=0.6)
    assert merge.distinct == [] and merge.winner is None


# --- split_document ------------------------------------------------------------------------


def test_split_english_abbreviations_decimals_urls_ellipsis():
    document = (
        "Mr. Smith met Dr. Jones at 3.5 p.m. when it rained. "
        'He said "Hello!" Then he left... '
        "Visit https://example.com/a.b?x=1 now. It costs $4.50, etc. and more. The end."
    )
    assert texts(document, "en") == [
        "Mr. Smith met Dr. Jones at 3.5 p.m. when it rained.",
        'He said "Hello!"',
        "Then he left...",
        "Visit https://example.com/a.b?x=1 now.",
        "It costs $4.50, etc. and more.",
        "The end.",
    ]


def test_split_french_abbreviations_quotes_decimals_urls():
    document = (
        "M. Dupont est arrivé. Le Dr. Martin, Mme Durand, etc. sont là. "
        "Il a dit : « Bonjour ! » Puis il est parti… "
        "Le prix est de 3,5 euros. Voir p. 12 et https://exemple.fr/page.html pour plus. Fin."
    )
    assert texts(document, "fr") == [
        "M. Dupont est arrivé.",
        "Le Dr. Martin, Mme Durand, etc. sont là.",
        "Il a dit : « Bonjour ! »",
        "Puis il est parti…",
        "Le prix est de 3,5 euros.",
        "Voir p. 12 et https://exemple.fr/page.html pour plus.",
        "Fin.",
    ]


def test_split_french_quote_followed_by_lowercase_stays_together():
    assert texts("« Non ! » dit-il. Elle sourit.", "fr") == ["« Non ! » dit-il.", "Elle sourit."]


def test_split_keeps_paragraphs_and_exact_whitespace():
    document = "\n\nFirst one.  Second one.\nStill second paragraph.\n\n\nNew para.\r\n"
    sentences = split_document(document, "en")
    assert [(s.text, s.paragraph, s.trail) for s in sentences] == [
        ("First one.", 0, "  "),
        ("Second one.", 0, "\n"),
        ("Still second paragraph.", 0, "\n\n\n"),
        ("New para.", 1, "\r\n"),
    ]
    assert sentences[0].lead == "\n\n"
    assert join_sentences(sentences) == document


def test_split_markdown_headings_and_list_items_are_paragraphs():
    document = "# Title\nIntro text. More.\n- first item\n- second item. With two.\n\n1. Numbered"
    sentences = split_document(document, "en")
    assert [(s.lead, s.text, s.paragraph) for s in sentences] == [
        ("# ", "Title", 0),
        ("", "Intro text.", 1),
        ("", "More.", 1),
        ("- ", "first item", 2),
        ("- ", "second item.", 3),
        ("", "With two.", 3),
        ("1. ", "Numbered", 4),
    ]
    assert join_sentences(sentences) == document


def test_join_with_replacements():
    sentences = split_document("One. Two.\n\nThree.", "en")
    assert join_sentences(sentences, ["Uno.", "Dos.", "Tres."]) == "Uno. Dos.\n\nTres."


def test_split_empty_and_blank():
    assert split_document("", "en") == []
    assert split_document(" \n\n ", "en") == []


@pytest.mark.parametrize("language", ["xx", "", None, "klingon"])
def test_split_unknown_language(language):
    with pytest.raises(InvalidSettings) as error:
        split_document("Hello.", language)
    assert error.value.field == "language"


def test_split_accepts_region_codes():
    assert texts("Bonjour. Salut.", "fr-FR") == ["Bonjour.", "Salut."]


# --- linear splitting and its limit ---------------------------------------------------------

FRAGMENTS = ("The cat sat on the mat.", "It rained in Paris today!", "Was it Mr. Smith who came?",
             "Prices rose by 3.5 percent.")  # fmt: skip


def one_paragraph(sentences: int) -> str:
    return " ".join(FRAGMENTS[index % 4] for index in range(sentences))


class CountingSegmenter:
    """pysbd's segmenter, counting the characters it is given (its work grows faster)."""

    given = 0

    def __init__(self, language: str) -> None:
        self.inner = pysbd.Segmenter(language=language, clean=False)

    def segment(self, text: str) -> list[str]:
        CountingSegmenter.given += len(text)
        return self.inner.segment(text)


def test_pysbd_is_given_each_character_a_bounded_number_of_times(monkeypatch):
    monkeypatch.setattr(text_module, "_segmenter", CountingSegmenter)
    for sentences in (1_000, 10_000):
        CountingSegmenter.given = 0
        document = one_paragraph(sentences)
        assert len(texts(document, "en")) == sentences
        # Windows overlap by at most LOOKAHEAD characters: well under twice the text.
        assert CountingSegmenter.given < 1.5 * len(document), (sentences, CountingSegmenter.given)


def test_ten_times_the_sentences_take_well_under_thirty_times_as_long():
    def seconds(sentences: int) -> float:
        document = one_paragraph(sentences)
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            split_document(document, "en")
            best = min(best, time.perf_counter() - start)
        return best

    small, large = seconds(1_000), seconds(10_000)
    assert large < 30 * small, (small, large)  # the quadratic splitter took ~70x


def test_windows_find_the_same_sentences_as_one_pysbd_call(monkeypatch):
    document = one_paragraph(120) + " Le chap. 3 et p. 45. « Oui ! » Puis rien. etc. and so on."
    whole = texts(document, "en")
    monkeypatch.setattr(text_module, "WINDOW", 200)  # many windows, many boundaries at edges
    monkeypatch.setattr(text_module, "LOOKAHEAD", 60)
    assert texts(document, "en") == whole


def test_long_stretches_without_boundary_stay_linear_and_join_back():
    start = time.perf_counter()
    words = "word " * 30_000 + "End."  # 150,000 characters, no sentence end: forced cuts
    assert texts(words, "en") == [words]  # lowercase after a forced cut rejoins it
    no_space = "x" * 60_000 + ". Next one."
    assert texts(no_space, "en") == ["x" * 60_000 + ".", "Next one."]
    assert time.perf_counter() - start < 20  # 0.7 s here; a quadratic cut would take minutes


def test_limit_stops_at_the_first_paragraph_past_it():
    document = "One. Two.\n\nThree. Four.\n\nFive."
    assert len(split_document(document, "en", limit=5)) == 5
    with pytest.raises(TooManySentences) as error:
        split_document(document, "en", limit=3)
    assert error.value.limit == 3


# --- vote payload ----------------------------------------------------------------------------


def test_vote_payload_merges_equivalent_candidates():
    answer = {"stage": "answer", "sentence": "Its ok.", "before": "A.", "after": "B.", "trail": " "}
    payload = vote_payload(answer, ["It's ok.", "It’s ok.", " It is ok. "])
    assert payload["stage"] == "vote"
    assert payload["candidates"] == {"c0": "It's ok.", "c1": "It is ok."}
    assert payload["sentence"] == "Its ok." and payload["before"] == "A."
    assert answer["stage"] == "answer"  # the answer payload is not modified


def test_vote_payload_needs_a_candidate():
    with pytest.raises(ValueError):
        vote_payload({"sentence": "x"}, ["  ", ""])
