"""Saved models, as the serving process loads them, read messages as the models just trained.

Loading keeps less than training (the feature names are looked up by hash and dropped,
content/understanding/features.py); what a message is read as must not change. Models
trained here on a few rows, saved and loaded back, are compared on messages with known
words, typos, unknown words and word pairs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stridecoach.content.understanding import artefact, features
from stridecoach.content.understanding.classifier import LinearModel
from stridecoach.content.understanding.text import Vocabulary
from stridecoach.content.understanding.training import ASKED, NONE, OTHER, Models, Row, train

VOCABULARY = Vocabulary(words={}, phrases={}, foreign=frozenset(), english=frozenset())
ROWS = [
    Row("how many sets of jump rope", "jump-rope", NONE, OTHER),
    Row("jump rope for beginners", "jump-rope", NONE, OTHER),
    Row("how long should i skip rope", "jump-rope", NONE, OTHER),
    Row("calf raises without weights", "calf-raise", NONE, OTHER),
    Row("how many calf raises a day", "calf-raise", NONE, OTHER),
    Row("single leg calf raise form", "calf-raise", NONE, OTHER),
    Row("what is the weather like", "out-of-scope", NONE, OTHER),
    Row("best pizza in town", "out-of-scope", NONE, OTHER),
    Row("sharp pain in my calf when i run", None, "professional", OTHER),
    Row("chest pain and dizzy", None, "urgent", OTHER),
    Row("my calf hurts a lot", None, "professional", OTHER),
    Row("done", None, NONE, "done"),
    Row("finished that set", None, NONE, "done"),
    Row("skip this one", None, NONE, "skip"),
    Row("how many reps again", None, NONE, ASKED),
]
MESSAGES = [
    "how many sets of jump rope?",  # known words and a known pair
    "calf raisess without weigths",  # typos: unknown words, known character n-grams
    "zebra quokka xylophone",  # nothing the models know
    "sharp pain in my calf",
    "done",
    "",
]


@pytest.fixture(scope="module")
def trained() -> Models:
    return train(ROWS, VOCABULARY)


def _saved_and_loaded(models: Models, folder: Path) -> Models:
    path = folder / "models.npz"
    artefact.save(models, path)
    loaded = artefact.load(path, VOCABULARY)
    assert loaded is not None
    return loaded


def _assert_read_alike(trained: Models, loaded: Models) -> None:
    for text in MESSAGES:
        words = trained.words(text)
        assert loaded.featurizer.columns(words) == trained.featurizer.columns(words), text
        vec, loaded_vec = trained.featurizer.vector(words), loaded.featurizer.vector(words)
        assert np.array_equal(vec[0], loaded_vec[0]) and np.allclose(vec[1], loaded_vec[1]), text
        for name in ("topic", "flag", "control"):
            p, q = getattr(trained, name).proba(*vec), getattr(loaded, name).proba(*loaded_vec)
            assert np.allclose(p, q, atol=1e-4), (text, name)  # the weights are saved in int16 steps
            assert int(p.argmax()) == int(q.argmax()), (text, name)


def test_loaded_models_read_every_message_as_the_trained_ones(trained: Models, tmp_path: Path) -> None:
    loaded = _saved_and_loaded(trained, tmp_path)
    assert loaded.featurizer.index is None, "the loaded featurizer keeps no dict of feature names"
    _assert_read_alike(trained, loaded)
    words = trained.words("how many sets of jump rope")
    assert loaded.topic.classes[int(loaded.topic.proba(*loaded.featurizer.vector(words)).argmax())] == "jump-rope"


# Trains ROWS (argv[1], as JSON) and saves the models to argv[2], in a process of its own.
_TRAIN_AND_SAVE = """
import json, sys
from pathlib import Path
from stridecoach.content.understanding import artefact
from stridecoach.content.understanding.text import Vocabulary
from stridecoach.content.understanding.training import Row, train
rows = [Row(*r) for r in json.loads(sys.argv[1])]
empty = Vocabulary(words={}, phrases={}, foreign=frozenset(), english=frozenset())
artefact.save(train(rows, empty), Path(sys.argv[2]))
"""


def test_training_again_in_another_process_saves_the_same_bytes(tmp_path: Path) -> None:
    """A rebuilt artefact is the same file, whatever order the process hashes strings in."""
    rows = json.dumps([dataclasses.astuple(r) for r in ROWS])
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", _TRAIN_AND_SAVE, rows, str(tmp_path / f"{seed}.npz")], env=env, check=True)
    assert (tmp_path / "1.npz").read_bytes() == (tmp_path / "2.npz").read_bytes()


def test_a_message_of_unknown_words_has_no_features(trained: Models, tmp_path: Path) -> None:
    loaded = _saved_and_loaded(trained, tmp_path)
    assert loaded.featurizer.columns(["zebra", "quokka"]) == []
    assert trained.featurizer.columns(["zebra", "quokka"]) == []


def test_names_whose_hashes_collide_are_kept_and_read_alike(
    trained: Models, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hash that many names share (their length): looking names up by hash would make
    # all but one of each length unreachable, so the loaded featurizer keeps the names.
    monkeypatch.setattr(features, "_hash", len)
    assert features.HashedNames.of(["w:ab", "w:cd"], 2) is None
    loaded = _saved_and_loaded(trained, tmp_path)
    assert loaded.featurizer.index is not None
    _assert_read_alike(trained, loaded)


def test_saved_again_after_loading_is_refused_not_written_wrong(trained: Models, tmp_path: Path) -> None:
    loaded = _saved_and_loaded(trained, tmp_path)
    with pytest.raises(ValueError, match="dropped"):
        artefact.save(loaded, tmp_path / "again.npz")
    assert not (tmp_path / "again.npz").exists()


def test_weights_saved_in_steps_are_within_half_a_step_of_each_rows_largest() -> None:
    coef = np.array([[0.5, -2.0, 1e-6], [0.0, 0.0, 0.0], [3e-9, 1e-3, -7.25]])
    model = LinearModel(("a", "b", "c"), coef, np.zeros(3))
    quantized = model.quantized()
    assert quantized.coef.dtype == np.int16 and quantized.scale is not None
    largest = np.abs(coef).max(axis=1, keepdims=True)
    assert np.all(np.abs(quantized.weights() - coef) <= largest / 65534 * 1.0001)
    assert np.all(quantized.weights()[1] == 0), "a row of zeros stays zeros"
    for idx, val in [(np.array([0, 2]), np.array([0.6, 0.8])), (np.array([1]), np.array([1.0])), (np.array([], dtype=np.int64), np.array([]))]:
        assert np.allclose(quantized.proba(idx, val), model.proba(idx, val), atol=1e-5)
        assert int(quantized.proba(idx, val).argmax()) == int(model.proba(idx, val).argmax())


@pytest.mark.parametrize("slice_chars", [1, 3, 7, 1 << 14])
def test_saved_names_read_back_in_order_whatever_the_slice(slice_chars: int, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["w:calf", "b:jump rope", "c: ca", "w:a", "c:lf "] * 3
    monkeypatch.setattr(features.SavedNames, "SLICE", slice_chars)
    assert list(features.SavedNames(features.SavedNames.join(names))) == names
    assert list(features.SavedNames("")) == []


_SENTENCE = st.lists(st.sampled_from(["calf", "raises", "sharp", "pain", "my", "done", "rope", "zebra", "skip", "a"]), max_size=6)


@given(parts=st.lists(_SENTENCE, min_size=1, max_size=5))
@settings(max_examples=200, deadline=None)
def test_every_sentence_read_together_as_each_read_alone(trained: Models, parts: list[list[str]]) -> None:
    # A long message is scored in one product: the whole message in row 0, then each
    # sentence; what each row says must be what that text read on its own says.
    f = trained.featurizer
    part_columns = f.part_columns(parts)
    idx, rows = f.weigh_parts(part_columns)
    alone = [f.weigh(Counter(c for cols in part_columns for c in cols))] + [f.weigh(Counter(c)) for c in part_columns]
    for model in (trained.topic, trained.flag, trained.topic.quantized(), trained.flag.quantized()):
        together = model.proba_rows(idx, rows)
        for row, vec in zip(together, alone, strict=True):
            assert np.allclose(row, model.proba(*vec), atol=1e-12)
