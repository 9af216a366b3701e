"""Entry point: build the index if missing, then serve the UI and the API (python app.py)."""

from bot.config import Settings
from bot.server import serve

if __name__ == "__main__":
    serve(Settings.from_env())
