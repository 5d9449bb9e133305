"""Folding a message into words: the quick path gives what the plain chain of rewrites gives."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from stridecoach.content.understanding.text import fold
from tests.labelled import labelled_texts


def _fold_plainly(text: str) -> str:
    """Every rewrite in turn, whatever the text holds: what ``fold`` must equal."""
    text = text.translate(str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"\bw/o\b", " without ", text)
    text = re.sub(r"\bw/(?=\s|[a-z])", " with ", text)
    text = re.sub(r"n't\b", " not", text.replace("can't", "cannot").replace("won't", "will not"))
    text = re.sub(r"'(?:s|re|ve|m|ll|d)\b", "", text)
    text = re.sub(r"\d+(?:[.,]\d+)?", lambda m: f" {m.group(0).replace(',', '.')} ", text)
    text = re.sub(r"[^a-z0-9.]+", " ", text)
    text = re.sub(r"(?<![0-9])\.|\.(?![0-9])", " ", text)
    return " ".join(text.split())


def test_runners_messages_fold_to_plain_words() -> None:
    assert fold("Can't do 2,5 sets w/o my Café's wall… ok?") == "cannot do 2.5 sets without my cafe wall ok"
    assert fold("I've done it. Then 3.5km w/ weights!") == "i done it then 3.5 km with weights"
    # A phone keyboard's curly apostrophe reads as the straight one.
    assert fold("It’s sore, I don’t know") == fold("It's sore, I don't know") == "it sore i do not know"


def test_every_labelled_line_folds_as_the_plain_chain_folds_it() -> None:
    texts = labelled_texts()
    assert len(texts) > 30_000
    assert [t for t in texts if fold(t) != _fold_plainly(t)] == []


_PIECES = st.sampled_from(["w/o", "w/", "n't", "can't", "won't", "'s", "'re", "’", "`", "´", "2,5", "3.", ".5", "..", "é", "ﬁ", "🏃", " ", "\n"])


@given(st.lists(_PIECES | st.text(max_size=4), max_size=16).map("".join))
def test_any_text_folds_as_the_plain_chain_folds_it(text: str) -> None:
    assert fold(text) == _fold_plainly(text)
