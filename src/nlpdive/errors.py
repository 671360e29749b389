"""The two kinds of failure users see.

InputError: the user can fix it (bad file, flag, column, encoding). The CLI prints its one-line message and
exits with code 2. Write the message as: where (file:line or --flag), what is wrong, how to fix it.
NlpdiveError: anything else we detected ourselves; exit code 1.
"""


class NlpdiveError(Exception):
    exit_code = 1


class InputError(NlpdiveError, ValueError):
    exit_code = 2

    def __init__(self, message, *, path=None, line=None, hint=None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        full = where + message
        if hint:
            full += f" ({hint})"
        super().__init__(full)
        self.path, self.line, self.hint = path, line, hint
