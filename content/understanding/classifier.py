"""A multinomial logistic regression, fitted with scikit-learn and scored in numpy.

Fitting uses scikit-learn (deterministic lbfgs); scoring one message is a
gather over the message's few non-zero columns and a softmax, well under a
tenth of a millisecond.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scipy is imported to train only: about 19 MB a serving process does without
    from scipy.sparse import csr_matrix

# Inverse regularisation strength; fitted examples are short and many share
# words across classes, so a fairly weak penalty separates them best.
DEFAULT_C = 10.0
# lbfgs: deterministic and converges reliably with balanced class weights
# (saga stopped early gave wild intercepts for the rare session controls).
MAX_ITER = 500


STEPS = 32767  # int16 steps from zero to the largest weight of a feature's row (quantized)


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    # (n_features, n_classes): rows gathered per message. Trained: floats. Saved and loaded:
    # int16 counts of ``scale``, one float32 step per feature row (``quantized``).
    coef: np.ndarray
    intercept: np.ndarray
    scale: np.ndarray | None = None  # (n_features,): the weight of one int16 step, when coef is int16

    def proba(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        """Class probabilities for one message given as sparse (indices, values)."""
        if len(idx) and self.scale is not None:
            val = val * self.scale[idx]  # each row's step folded into the message's value
        logits = self.intercept + (val @ self.coef[idx] if len(idx) else 0.0)
        logits = logits - logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    def proba_rows(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Class probabilities for several messages over the same columns ``idx``: one row each."""
        if not len(idx):
            return np.tile(self.proba(idx, np.zeros(0)), (len(values), 1))
        if self.scale is not None:
            values = values * self.scale[idx]
        logits = values @ self.coef[idx] + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def proba_matrix(self, x: csr_matrix) -> np.ndarray:
        logits = x @ self.weights() + self.intercept
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def weights(self) -> np.ndarray:
        """The weights as floats (n_features, n_classes)."""
        return self.coef if self.scale is None else self.coef * self.scale[:, None]

    def quantized(self) -> LinearModel:
        """The same model in int16 steps, one step per feature row: a quarter of float64, half of float32.

        A row's step is its largest weight over 32,767, so a weight is off by at most half a
        step, 1/65,534 of its row's largest. Across every labelled line the probabilities
        move by at most 2e-5 and no decision changes (float16, whose error is relative to
        each weight, moved them by 5e-4 and changed one topic; docs/performance.md).
        """
        if self.scale is not None:
            return self
        coef = np.asarray(self.coef, dtype=np.float64)
        scale = (np.abs(coef).max(axis=1, initial=0.0) / STEPS).astype(np.float32)
        scale[scale == 0] = 1.0  # a row of zeros stays zeros
        steps = np.clip(np.rint(coef / scale[:, None].astype(np.float64)), -STEPS, STEPS).astype(np.int16)
        return LinearModel(self.classes, steps, self.intercept, scale)

    def index(self, label: str) -> int:
        return self.classes.index(label)


def fit(x: csr_matrix, labels: list[str], *, c: float = DEFAULT_C, balanced: bool = False) -> LinearModel:
    """Fit on rows ``x`` with string labels; deterministic for the same input.

    ``balanced`` weighs each class by the inverse of its frequency: red flags and
    session controls are a small minority among everything else a runner says.
    """
    # Imported here: scikit-learn (with the scipy.stats it pulls in) takes over a second
    # to import, and every process that loads saved models (the bot, each CLI command)
    # only scores in numpy.
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    model = LogisticRegression(C=c, max_iter=MAX_ITER, class_weight="balanced" if balanced else None)
    # One BLAS thread: the problem is small and sparse, and threads spinning against each
    # other (and against the bot) made training five times slower on 2 cores (31 s -> 6 s).
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        # Close enough after MAX_ITER; the held-out figures (stridecoach eval --cv)
        # are what say whether it is good enough.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, labels)
    classes = tuple(str(c_) for c_ in model.classes_)
    coef = np.ascontiguousarray(model.coef_.T)
    intercept = model.intercept_.copy()
    if len(classes) == 2:  # binary: sklearn keeps one column; expand to two for one code path
        coef = np.ascontiguousarray(np.hstack([-coef / 2, coef / 2]))
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return LinearModel(classes, coef, intercept)


def never(n_features: int, usual: str, rare: str) -> LinearModel:
    """A model that always says ``usual``: for a class with no examples at all (a coach's
    content trained without the labelled files has no follow-ups to learn from)."""
    return LinearModel((rare, usual), np.zeros((n_features, 2)), np.array([-50.0, 0.0]))
