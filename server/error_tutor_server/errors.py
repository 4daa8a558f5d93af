"""The one user-facing error type.

Every message says what went wrong *and* how to fix it. Anything else is a bug and goes
to the log with its traceback; the CLI and the server turn a ``TutorError`` into one line.
"""


class TutorError(Exception):
    """A problem the user can fix; ``str(error)`` says how."""

    def __init__(self, problem: str, fix: str = ""):
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} {fix}".strip())
