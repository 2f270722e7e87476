"""Typed errors with messages that say what to do next."""


class WinnowError(Exception):
    """Base class: the CLI renders these as one clear message, never a traceback."""


class SourcesError(WinnowError):
    """The sources folder is missing or unusable."""


class SkipSource(WinnowError):
    """One source cannot be used; it is skipped with a warning and the rest go on."""


class IndexMissing(WinnowError):
    """There is no index yet where one was expected."""
