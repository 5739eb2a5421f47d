"""`SharedPart`: threads asking for a service part together get one instance, and a slow part
being built does not hold up another part."""

from __future__ import annotations

import threading

from assistant.shared_part import SharedPart


class _Parts:
    def __init__(self) -> None:
        self.builds: list[str] = []
        self.slow_started = threading.Event()
        self.release_slow = threading.Event()
        self.slow_released: list[bool] = []

    @SharedPart
    def quick(self) -> object:
        self.builds.append("quick")
        return object()

    @SharedPart
    def slow(self) -> object:
        self.builds.append("slow")
        self.slow_started.set()
        self.slow_released.append(self.release_slow.wait(30))
        return object()


def test_threads_asking_together_get_one_instance() -> None:
    parts = _Parts()
    start = threading.Barrier(8)
    got: list[object] = []

    def ask() -> None:
        start.wait()
        got.append(parts.quick)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert parts.builds == ["quick"]
    assert len(got) == 8 and all(g is got[0] for g in got)
    assert parts.quick is got[0]


def test_a_slow_part_does_not_hold_up_another() -> None:
    parts = _Parts()
    builder = threading.Thread(target=lambda: parts.slow)
    builder.start()
    assert parts.slow_started.wait(30)
    quick = parts.quick  # answered while `slow` is still being built
    parts.release_slow.set()
    builder.join()
    assert parts.slow_released == [True] and quick is parts.quick
    assert sorted(parts.builds) == ["quick", "slow"]
