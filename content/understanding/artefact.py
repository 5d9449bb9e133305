"""Trained models saved to disk, so a start-up loads them instead of training.

The file is keyed by the data fingerprint and by a hash of this package's
source, so a changed example or a changed algorithm can never load a stale
model: it simply trains again (about a second) and saves. The Docker image
trains once at build time (``stridecoach train``).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from stridecoach.content.understanding.classifier import LinearModel
from stridecoach.content.understanding.features import Featurizer, SavedNames
from stridecoach.content.understanding.text import Repairer, Vocabulary
from stridecoach.content.understanding.training import Models

log = logging.getLogger(__name__)

CACHE_ENV = "STRIDECOACH_MODEL_CACHE"  # a folder; "off" disables the cache
_MODELS = ("topic", "flag", "control", "follows", "moves")
KEEP = 4  # saved model files kept in the cache folder (one per data/code version)


def cache_dir() -> Path | None:
    value = os.environ.get(CACHE_ENV)
    if value == "off":
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stridecoach"


def code_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def path_for(fingerprint: str) -> Path | None:
    folder = cache_dir()
    return folder / f"models-{fingerprint}-{code_version()}.npz" if folder else None


def save(models: Models, path: Path) -> None:
    """Write atomically: a crash never leaves half a file under the final name."""
    # The feature names as one text, a name a line (features.SavedNames), not in the JSON
    arrays: dict[str, np.ndarray] = {
        "idf": models.featurizer.idf,
        "features": np.frombuffer(SavedNames.join(models.featurizer.names).encode(), dtype=np.uint8),
    }
    meta: dict[str, object] = {
        "known": dict(sorted(models.repairer.counts.items())),
        "pool_texts": list(models.pool_texts),
        "pool_labels": list(models.pool_labels),
        "transitions": models.transitions,
    }
    for name in _MODELS:
        model: LinearModel = getattr(models, name).quantized()
        if model.scale is None:  # quantized: int16 steps and their scale
            raise ValueError(f"the {name} model was not quantized")
        arrays[f"{name}_coef"] = model.coef
        arrays[f"{name}_scale"] = model.scale
        arrays[f"{name}_intercept"] = model.intercept
        meta[f"{name}_classes"] = list(model.classes)
    buffer = io.BytesIO()
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez_compressed(buffer, allow_pickle=False, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as tmp:
        tmp.write(buffer.getvalue())
    os.chmod(tmp.name, 0o644)  # the image trains as root at build time, the bot runs unprivileged
    os.replace(tmp.name, path)
    for old in sorted(path.parent.glob("models-*.npz"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
        old.unlink(missing_ok=True)  # older data or code: never loaded again


def load(path: Path, vocabulary: Vocabulary) -> Models | None:
    """The saved models, or None when the file is missing or unreadable (then we train)."""
    try:
        with np.load(path) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            # looked up by hash: the 52,000 names are not kept (features.HashedNames)
            featurizer = Featurizer(SavedNames(bytes(data["features"]).decode()), data["idf"], by_hash=True)
            linear = {
                name: LinearModel(
                    tuple(meta[f"{name}_classes"]),
                    # kept in int16 steps as saved (LinearModel.quantized): 6 MB, not 12 in float32
                    np.ascontiguousarray(data[f"{name}_coef"], dtype=np.int16),
                    data[f"{name}_intercept"],
                    np.ascontiguousarray(data[f"{name}_scale"], dtype=np.float32),
                )
                for name in _MODELS
            }
    except (OSError, ValueError, KeyError) as exc:
        if path.exists():
            log.warning("ignoring unreadable model file %s (%s); training instead", path, exc)
        return None
    return Models(
        featurizer, Repairer(meta["known"]), vocabulary, linear["topic"], linear["flag"], linear["control"], linear["follows"],
        linear["moves"], meta["transitions"], tuple(meta["pool_texts"]), _one_string_per_label(meta["pool_labels"]),
    )


def _one_string_per_label(labels: list[str]) -> tuple[str, ...]:
    """The pool's 5,600 labels as the 37 strings they repeat (JSON made a string of each: 0.3 MB)."""
    strings: dict[str, str] = {}
    return tuple(strings.setdefault(label, label) for label in labels)
