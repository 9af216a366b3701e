"""Nankai District 2024 plan assistant: bilingual retrieval-augmented answers with citations."""

from .answer import Answer, Citation
from .config import Settings
from .corpus import Corpus, Document, Paragraph, Sentence, load_corpus, load_document
from .service import Assistant

__all__ = ["Answer", "Assistant", "Citation", "Corpus", "Document", "Paragraph", "Sentence", "Settings",
           "load_corpus", "load_document"]
__version__ = "0.1.0"
