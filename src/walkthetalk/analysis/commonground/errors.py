"""Exceptions raised by the common-ground engine."""

from __future__ import annotations


class CommonGroundError(Exception):
    """Base class for every error the common-ground engine raises on purpose."""


class MalformedExportError(CommonGroundError):
    """A Pol.is openData export that cannot be read.

    Carries the file name and, when the problem is on one row, its 1-based line number
    (the header is line 1), so the message can point straight at the bad cell.
    """

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.reason = message
        where = f"{file}, line {line}" if line is not None else file
        super().__init__(f"{where}: {message}")


class NotEnoughDataError(CommonGroundError):
    """Too few participants or statements to form opinion groups."""
