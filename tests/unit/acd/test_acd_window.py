"""The rolling window's figures against a recount of the samples it should hold."""

from __future__ import annotations

import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from acd.window import RollingWindow

sample = st.tuples(st.sampled_from(["answered", "abandoned", "talked", "wrapped"]),
                   st.floats(0, 5), st.floats(0, 120))


def _recount(kept: list[tuple[str, float, float]], sl: float) -> tuple:
    answers = [v for kind, _, v in kept if kind == "answered"]
    late = sum(1 for kind, _, v in kept if kind == "abandoned" and v > sl)
    talks = [v for kind, _, v in kept if kind == "talked"]
    wraps = [v for kind, _, v in kept if kind == "wrapped"]
    within = sum(1 for v in answers if v <= sl)
    level = None if not answers and not late else 100.0 * within / (len(answers) + late)
    asa = sum(answers) / len(answers) if answers else None
    aht = (sum(talks) / len(talks) + (sum(wraps) / len(wraps) if wraps else 0.0)
           if talks else None)
    return level, asa, aht


def _close(a: float | None, b: float | None) -> bool:
    return (a is None) == (b is None) and (a is None or abs(a - b) < 1e-6 * max(1, abs(b)))


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(sample, min_size=1, max_size=3000), window=st.floats(10, 600),
       sl=st.floats(5, 60), new_sl=st.floats(5, 60))
def test_the_window_holds_exactly_the_samples_of_the_last_seconds(
        steps: list[tuple[str, float, float]], window: float, sl: float, new_sl: float) -> None:
    w = RollingWindow(sl)
    now, pushed = 0.0, []
    for kind, gap, value in steps:
        now += gap
        getattr(w, kind)(now, value, now - window)
        pushed.append((kind, now, value))
    w.prune(now - window)
    kept = [p for p in pushed if p[1] >= now - window]
    assert all(map(_close, (w.service_level(), w.asa(), w.aht()), _recount(kept, sl)))
    w.set_sl_seconds(new_sl)
    assert _close(w.service_level(), _recount(kept, new_sl)[0])


def test_a_quarter_hour_at_100_calls_a_second_fits_in_a_few_megabytes() -> None:
    tracemalloc.start()
    try:
        w = RollingWindow(20.0)
        for n in range(90_000):  # 15 minutes at 100 calls a second, every call answered
            at = n / 100
            w.answered(at, 10.0 + n % 7, at - 900)
            w.talked(at, 180.0 + n % 5, at - 900)
            w.wrapped(at, 15.0, at - 900)
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert size < 6_000_000, f"{size / 1e6:.1f} MB"  # tuples in deques: about 24 MB
    assert w.service_level() == 100.0 and abs(w.aht() - 197.0) < 1e-6
