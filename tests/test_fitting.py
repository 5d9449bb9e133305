"""How the thresholds are chosen from the folds' held-out predictions (no models needed)."""

from __future__ import annotations

from stridecoach.content.understanding import fitting
from stridecoach.content.understanding.engine import Params


class _ScoredBy(fitting._Search):
    """A search scored on one parameter only: ``objective`` maps its value to the score."""

    def __init__(self, name: str, objective: dict[float, float]) -> None:
        super().__init__([])
        self.name, self.objective = name, objective

    def raw(self, params: Params) -> float:
        return self.objective.get(getattr(params, self.name), 0.0)


def test_a_threshold_on_a_plateau_beats_one_on_a_lone_peak() -> None:
    # 0.15 scores best on its own, but its neighbours are poor: the next batch of wording
    # moves a threshold on a peak like that. 0.3-0.4 score almost as well, together.
    grid = fitting.GRID["flag_at"]
    objective = {value: 0.0 for value in grid} | {0.15: 1.0, 0.3: 0.9, 0.35: 0.9, 0.4: 0.9}
    search = _ScoredBy("flag_at", objective)
    search.sweep("flag_at")
    assert search.best.flag_at == 0.35


def test_the_search_stays_put_when_no_neighbourhood_beats_its_own() -> None:
    objective = {value: 0.5 for value in fitting.GRID["flag_at"]}
    search = _ScoredBy("flag_at", objective)
    start = search.best
    search.sweep("flag_at")
    assert search.best == start


def test_a_floor_holds_even_where_the_folds_prefer_a_value_below_it() -> None:
    # move_by_text's grid starts at 0.75 (fitting.GRID): the folds preferring 0, its
    # default, must not leave it there.
    search = _ScoredBy("move_by_text", {0.0: 1.0, 0.75: 0.2, 1.0: 0.1})
    for _ in range(2):
        for name in fitting.GRID:
            search.sweep(name)
    assert search.best.move_by_text == 0.75
    for name, values in fitting.GRID.items():
        assert getattr(search.best, name) in values, name
