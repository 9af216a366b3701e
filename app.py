"""Entry point: serve the UI and the API (python app.py); the index is built on first start."""

from bot.web import serve

if __name__ == "__main__":
    serve()
