"""Error Tutor: explain compiler diagnostics to people learning to program."""

__version__ = "0.1.0"
