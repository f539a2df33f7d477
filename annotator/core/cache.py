"""A small least-recently-used cache for values that never change once made (stored tokens,
text layouts): one implementation for every such cache of the app."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class RecentCache(Generic[V]):
    """Keeps the `size` most recently used values."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        """The value of `key` if cached (it becomes the most recent)."""
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
        return hit

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value of `key`, made (and kept) on a miss."""
        hit = self.get(key)
        if hit is None:
            hit = self._items[key] = make()
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return hit

    def discard(self, key: Hashable) -> None:
        """Forget `key` (a value that changed: a waiting document filled)."""
        self._items.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        self._items.clear()
