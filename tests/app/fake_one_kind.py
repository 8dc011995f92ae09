"""A factory of one kind of fake trainer (a family's own fake), for the views whose tests
need only their family: config -> cls(config, steps=N, ...), remembering each trainer."""

from __future__ import annotations

from typing import Any


class OneKindFactory:
    def __init__(self, cls: type, steps: int, **kwargs: Any) -> None:
        self.cls, self.kwargs = cls, {"steps": steps, **kwargs}
        self.trainers: list[Any] = []

    def __call__(self, config: Any) -> Any:
        self.trainers.append(self.cls(config, **self.kwargs))
        return self.trainers[-1]

    @property
    def last(self) -> Any:
        return self.trainers[-1]
