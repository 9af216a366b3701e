"""User-facing errors. A ``BotError``'s message is shown to the user as it is and names the fix.

The CLI catches ``BotError`` only (anything else is a bug and keeps its traceback); the web layer maps each
subclass to the JSON error contract ``{"error": {"code", "message"}}`` with the status named here.
"""

from __future__ import annotations


class BotError(Exception):
    """An error the user can act on; the message says what is wrong and how to fix it."""

    code = "error"
    status = 400


class IndexNotReady(BotError):
    """The index is missing, stale, broken or still being built."""

    code = "index_unavailable"
    status = 503


class VectorStoreUnavailable(IndexNotReady):
    """The vector store cannot be reached (e.g. the Chroma server is down)."""


class DocumentError(BotError):
    """A source document in corpus/ cannot be read; the message names the file and the fix."""

    code = "bad_document"


class DataFileError(BotError):
    """A malformed data file in corpus/; the message names the file, the line and the fix."""

    code = "bad_data_file"


class CaseError(BotError, ValueError):
    """An evaluation case that is malformed or refers to something that does not exist."""

    code = "bad_case"


class ConfigError(BotError, ValueError):
    """A BOT_* setting with a value that cannot be used."""

    code = "bad_setting"


class StorageUnavailable(BotError):
    """The database (SQLite under BOT_DATA_DIR or BOT_DATABASE_URL) cannot be reached or written."""

    code = "storage_unavailable"
    status = 503
