"""Errors a user can fix: they name the file (and line) and say what was expected."""


class InputError(Exception):
    """Bad input or configuration: a corpus file, a catalogue record, a table row."""


class DocumentError(InputError):
    """A corpus document that cannot be read; the build skips it (or stops with --strict)."""

    def __init__(self, path: str, problem: str, hint: str = "") -> None:
        self.path = path
        self.problem = problem
        self.hint = hint
        super().__init__(f"{path}: {problem}" + (f"; {hint}" if hint else ""))
