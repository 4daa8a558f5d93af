"""Opt-in feedback for retraining: a rating stored with the case, never with who gave it.

Each row holds the diagnostic (message, position, severity, code), the program, the explanation
shown, the model's raw text when there was one, and whether it helped. There is no user, host,
file name or path column, and the time is kept to the day only. Writes are atomic (one SQLite
transaction, WAL, synchronous=FULL), so a crash loses nothing that was acknowledged.
``error-tutor data export-feedback`` turns the file into training data.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.case import Case
from error_tutor_server.prompt import code_excerpt
from error_tutor_server.paths import cache_dir
from error_tutor_server.settings import TutorSettings

BASE_COLUMNS = {"created": "REAL", "language": "TEXT", "message": "TEXT", "category": "TEXT", "line": "INTEGER",
                "code": "TEXT", "program": "TEXT", "explanation": "TEXT", "source": "TEXT", "helpful": "INTEGER"}
# added after the first release; files written before gain them when opened
EXTRA_COLUMNS = {"column_number": "INTEGER", "end_line": "INTEGER", "end_column": "INTEGER", "severity": "TEXT",
                 "diagnostic_code": "TEXT", "locale": "TEXT", "hint_level": "TEXT", "model_text": "TEXT",
                 "model_finish": "TEXT"}
COLUMNS = (*BASE_COLUMNS, *EXTRA_COLUMNS)
SCHEMA = ("CREATE TABLE IF NOT EXISTS ratings (id INTEGER PRIMARY KEY, "
          + ", ".join(f"{name} {kind}" for name, kind in {**BASE_COLUMNS, **EXTRA_COLUMNS}.items()) + ")")
DAY_S = 86400


def feedback_path(settings: TutorSettings) -> Path:
    return Path(settings.feedback_path).expanduser() if settings.feedback_path else cache_dir(settings.cache_dir) / "feedback.sqlite3"


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating or upgrading) the file; safe with several servers writing to it at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=10, isolation_level=None)
    db.execute("PRAGMA busy_timeout=10000")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    present = {row[1] for row in db.execute("PRAGMA table_info(ratings)")}
    if not present or not set(EXTRA_COLUMNS) <= present:
        db.execute("BEGIN IMMEDIATE")  # one process creates or upgrades the table, the others wait
        try:
            db.execute(SCHEMA)
            present = {row[1] for row in db.execute("PRAGMA table_info(ratings)")}
            for name, kind in EXTRA_COLUMNS.items():
                if name not in present:
                    db.execute(f"ALTER TABLE ratings ADD COLUMN {name} {kind}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    db.isolation_level = ""  # back to Python's transactions: `with db:` commits or rolls back
    return db


def model_text(tutor, case: Case) -> tuple[str, str]:
    """The model's raw generation for this case, if it was generated (checked or not)."""
    if tutor.backend is None:
        return "", ""
    _, key = tutor.prompt(case)
    hit = tutor.cache.get(key)
    return hit if hit else ("", "")


def rating_row(settings: TutorSettings, tutor, diagnostic: CompilerDiagnostic, program_text: str,
               helpful: bool) -> dict:
    """One row: the case and the rating, nothing about who or where."""
    case = tutor.case(diagnostic, program_text)
    explanation = tutor.cached(case) or tutor.rules(case)
    raw, finish = model_text(tutor, case)
    return {"created": float(int(time.time()) // DAY_S * DAY_S), "language": diagnostic.language,
            "message": diagnostic.message, "category": explanation.category, "line": diagnostic.line,
            "code": code_excerpt(program_text, diagnostic.line), "program": program_text,
            "explanation": explanation.text(), "source": explanation.source, "helpful": int(helpful),
            "column_number": diagnostic.column, "end_line": diagnostic.end_line,
            "end_column": diagnostic.end_column, "severity": diagnostic.severity,
            "diagnostic_code": diagnostic.code, "locale": tutor.locale, "hint_level": settings.hint_level,
            "model_text": raw, "model_finish": finish}


def store_row(path: Path, row: dict, attempts: int = 5) -> int:
    """Insert one row in its own transaction; returns its id once it is on disk.

    SQLite answers "database is locked" at once, without waiting, in a few WAL cases (another
    process opening or checkpointing the file): a failed transaction wrote nothing, so try again.
    """
    for attempt in range(attempts - 1):
        try:
            return insert_row(path, row)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            time.sleep(0.05 * 2 ** attempt)
    return insert_row(path, row)  # the last attempt: its error is the caller's


def insert_row(path: Path, row: dict) -> int:
    db = connect(path)
    try:
        with db:
            cursor = db.execute(f"INSERT INTO ratings ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                                [row.get(name) for name in COLUMNS])
        return cursor.lastrowid
    finally:
        db.close()


def record_rating(settings: TutorSettings, tutor, diagnostic: CompilerDiagnostic, program_text: str,
                  helpful: bool) -> dict:
    """Store one rating if the instructor or student turned feedback on."""
    if not settings.feedback:
        return {"stored": False, "reason": "Feedback collection is off; an instructor can turn on 'feedback'."}
    row = rating_row(settings, tutor, diagnostic, program_text, helpful)
    try:
        return {"stored": True, "id": store_row(feedback_path(settings), row)}
    except (OSError, sqlite3.Error) as exc:
        return {"stored": False, "reason": f"The feedback file {feedback_path(settings)} cannot be written ({exc}); "
                                           "check 'feedbackPath' and its folder's permissions."}
