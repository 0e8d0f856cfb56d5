"""The progress people see: bar, percentage, estimate, place in line."""

from __future__ import annotations

import pytest

from core.conversation.progress import Estimator, bar, clock_time, in_line, ordinal, status_text
from core.conversation.turn import Status


@pytest.mark.parametrize(("percent", "cells"), [
    (0, "▱▱▱▱▱▱▱▱"), (12.4, "▱▱▱▱▱▱▱▱"), (12.5, "▰▱▱▱▱▱▱▱"), (52, "▰▰▰▰▱▱▱▱"),
    (99.9, "▰▰▰▰▰▰▰▱"), (100, "▰▰▰▰▰▰▰▰"), (140, "▰▰▰▰▰▰▰▰"), (-5, "▱▱▱▱▱▱▱▱"),
])
def test_bar(percent: float, cells: str) -> None:
    assert bar(percent) == cells


@pytest.mark.parametrize(("n", "words"), [
    (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
    (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th"),
])
def test_ordinal(n: int, words: str) -> None:
    assert ordinal(n) == words


def test_in_line() -> None:
    assert in_line(1) == "next in line"
    assert in_line(3) == "3rd in line"


@pytest.mark.parametrize(("seconds", "words"), [
    (0, "0:00"), (12.4, "0:12"), (75, "1:15"), (3725, "1:02:05"), (-3, "0:00")])
def test_clock_time(seconds: float, words: str) -> None:
    assert clock_time(seconds) == words


@pytest.mark.parametrize(("status", "line"), [
    (Status("Preparing…"), "Preparing…"),
    (Status("Rendering…", 52, 12.4), "Rendering… ▰▰▰▰▱▱▱▱ 52% · about 0:12 left"),
    (Status("Rendering…", 52), "Rendering… ▰▰▰▰▱▱▱▱ 52%"),
    (Status("Finished.", 100.0, 0.0), "Finished. ▰▰▰▰▰▰▰▰ 100%"),
])
def test_status_text(status: Status, line: str) -> None:
    assert status_text(status) == line


def test_estimate_follows_the_average_speed_of_the_phase() -> None:
    now = [0.0]
    estimator = Estimator(clock=lambda: now[0])
    assert estimator.update("Rendering…", 0.0) is None
    now[0] = 1.0
    assert estimator.update("Rendering…", 10.0) is None  # too early to tell
    now[0] = 4.0
    assert estimator.update("Rendering…", 40.0) == pytest.approx(6.0)  # 10%/s, 60% to go
    now[0] = 14.0
    assert estimator.update("Rendering…", 50.0) == pytest.approx(14.0)  # slowed: 50%/14s
    assert estimator.update("Rendering…", 100.0) is None


def test_a_new_phase_starts_the_estimate_over() -> None:
    now = [0.0]
    estimator = Estimator(clock=lambda: now[0])
    estimator.update("Waiting: 2nd in line", None)
    now[0] = 30.0
    assert estimator.update("Rendering…", 0.0) is None  # the wait is not render time
    now[0] = 35.0
    assert estimator.update("Rendering…", 50.0) == pytest.approx(5.0)
    assert estimator.update("Smaller copy…", 10.0) is None
    now[0] = 36.0
    assert estimator.update("Smaller copy…", 5.0) is None  # went back: restart from here
    now[0] = 40.0
    assert estimator.update("Smaller copy…", 25.0) == pytest.approx(15.0)
