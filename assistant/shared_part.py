"""`SharedPart`: a lazily built attribute that threads may ask for at the same time and still
get one instance — what `DeskService` uses for its store, index, verifier and drafter.

`functools.cached_property` serialised this with a lock until Python 3.12 removed it; we do not
rely on it. The check is double: once built, the value sits in the instance's `__dict__`, which
Python reads before this (non-data) descriptor, so only the first uses take a lock; inside the
lock the check is repeated. Each part of each instance has its own lock, so a slow part (the
embedding model) does not hold up a quick one (the store). A part may use parts declared before
it, never after, so these locks are always taken in one order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

_T = TypeVar("_T")

_LOCKS = "_shared_part_locks"


class SharedPart(Generic[_T]):
    """Use like `cached_property`: `@SharedPart` over a method that builds the part."""

    def __init__(self, build: Callable[[Any], _T]) -> None:
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__
        self._guard = threading.Lock()

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> SharedPart[_T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> _T | SharedPart[_T]:
        if instance is None:
            return self
        state = instance.__dict__
        with self._guard:
            lock = state.setdefault(_LOCKS, {}).setdefault(self.name, threading.RLock())
        with lock:
            if self.name not in state:
                state[self.name] = self.build(instance)
            value: _T = state[self.name]
            return value
