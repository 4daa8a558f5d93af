"""Opt-in feedback for retraining: a rating stored with the case, never with who gave it.

Each row holds the compiler message, the code around the error, the explanation shown and
whether it helped. Writes are atomic (one SQLite transaction, synchronous=FULL), so a crash
loses nothing that was acknowledged.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from error_tutor_server.diagnostics import CompilerDiagnostic
from error_tutor_server.explain import code_excerpt
from error_tutor_server.paths import cache_dir
from error_tutor_server.settings import TutorSettings

SCHEMA = """CREATE TABLE IF NOT EXISTS ratings (
    id INTEGER PRIMARY KEY, created REAL, language TEXT, message TEXT, category TEXT,
    line INTEGER, code TEXT, program TEXT, explanation TEXT, source TEXT, helpful INTEGER)"""


def feedback_path(settings: TutorSettings) -> Path:
    return Path(settings.feedback_path).expanduser() if settings.feedback_path else cache_dir(settings.cache_dir) / "feedback.sqlite3"


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=5)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(SCHEMA)
    return db


def record_rating(settings: TutorSettings, tutor, diagnostic: CompilerDiagnostic, program_text: str,
                  helpful: bool) -> dict:
    """Store one rating if the instructor or student turned feedback on."""
    if not settings.feedback:
        return {"stored": False, "reason": "Feedback collection is off; an instructor can turn on 'feedback'."}
    explanation = tutor.cached(diagnostic, program_text) or tutor.rules(diagnostic, program_text)
    row = (time.time(), diagnostic.language, diagnostic.message, explanation.category, diagnostic.line,
           code_excerpt(program_text, diagnostic.line), program_text, explanation.text(), explanation.source,
           int(helpful))
    db = connect(feedback_path(settings))
    try:
        with db:
            cursor = db.execute("INSERT INTO ratings (created, language, message, category, line, code, program,"
                                " explanation, source, helpful) VALUES (?,?,?,?,?,?,?,?,?,?)", row)
        return {"stored": True, "id": cursor.lastrowid}
    finally:
        db.close()
