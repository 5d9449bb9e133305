"""How the thresholds are chosen from the folds' held-out predictions (no models needed)."""

from __future__ import annotations

from stridecoach.content.understanding import fitting
from stridecoach.content.understanding.engine import Params


class _Scored(fitting._Search):
    """A search whose objective is a given function of the parameters, not of real folds."""

    def __init__(self, objective: dict[float, float]) -> None:
        super().__init__([])
        self.objective = objective

    def raw(self, params: Params) -> float:
        return self.objective.get(params.flag_at, 0.0)


def test_a_threshold_on_a_plateau_beats_one_on_a_lone_peak() -> None:
    # 0.15 scores best on its own, but its neighbours are poor: the next batch of wording
    # moves a threshold on a peak like that. 0.3-0.4 score almost as well, together.
    grid = fitting.GRID["flag_at"]
    objective = {value: 0.0 for value in grid} | {0.15: 1.0, 0.3: 0.9, 0.35: 0.9, 0.4: 0.9}
    search = _Scored(objective)
    search.sweep("flag_at")
    assert search.best.flag_at == 0.35


def test_the_search_stays_put_when_no_neighbourhood_beats_its_own() -> None:
    objective = {value: 0.5 for value in fitting.GRID["flag_at"]}
    search = _Scored(objective)
    start = search.best
    search.sweep("flag_at")
    assert search.best == start
