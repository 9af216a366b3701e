"""Baselines the assistant is measured against, run on the same cases in the same eval run.

- ``langchain_recipe``: what a newcomer builds from the LangChain docs — the plan's cleaned text
  (each document's ``clean_lines`` joined with newlines, headings included) cut by
  RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=100), an in-memory Chroma with the
  assistant's own embedder, similarity_search(k=4); the answer is the top chunk as it is (Chinese,
  whatever the question's language). Each chunk is cited as the paragraph that owns most of its
  characters, the chunk text being the quote.
- ``bm25_only``: the assistant's BM25 index alone. Chinese questions: jieba tokens over the Chinese
  sentences. English questions: English tokens over the English renderings (the BM25 the index holds
  for them; jieba tokens of an English question match nothing Chinese), plus jieba tokens of any
  Chinese in the question over the Chinese side.
- ``dense_only``: the assistant's Chroma sentence vectors alone (Chinese and English passages).

The sentence baselines answer with the top sentence, in the question's language (the English
rendering for English questions, as the assistant presents it), and cite the paragraphs of their
top four sentences. No baseline abstains or reads the conversation history.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_text_splitters import RecursiveCharacterTextSplitter

from ..config import Settings
from ..corpus import load_corpus
from ..text import en_tokens, has_cjk, normalize, zh_tokens

if TYPE_CHECKING:
    from ..index import Index, Unit
    from ..service import Assistant
    from .cases import Case
    from .run import System

TOP_K = 4


def _citation(n: int, pid: str, label: str, label_en: str, text: str, quote: str,
              quote_en: str | None, score: float) -> dict[str, Any]:
    return {"n": n, "id": pid, "label": label, "label_en": label_en, "text": text, "quote": quote,
            "quote_en": quote_en, "score": round(score, 4), "url": f"/plan#{pid}"}


def _answer(case: "Case", text: str, citations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"question": case.question, "language": case.lang, "answer": text, "abstained": False,
            "mode": "baseline", "citations": citations}


class _SentenceBaseline:
    """Shared by the sentence baselines: rank units, answer with the top one, cite the top four."""

    name = ""

    def __init__(self, index: "Index") -> None:
        self.index = index

    def rank(self, case: "Case") -> list[tuple["Unit", float]]:
        raise NotImplementedError

    def answer(self, case: "Case") -> dict[str, Any]:
        ranked = self.rank(case)[:TOP_K]
        citations = [_citation(n, u.paragraph_id, u.label, u.label_en, self.index.paragraph_text(u.paragraph_id),
                               u.zh, u.en, score) for n, (u, score) in enumerate(ranked, 1)]
        if not ranked:
            return _answer(case, "", [])
        top = ranked[0][0]
        text = (top.en or top.zh) if case.lang == "en" else top.zh
        return _answer(case, text, citations)


class BM25Only(_SentenceBaseline):
    name = "bm25_only"

    def rank(self, case: "Case") -> list[tuple["Unit", float]]:
        text = normalize(case.question)
        scores = np.zeros(len(self.index.units), dtype=np.float64)
        if has_cjk(text):
            scores += _scaled(self.index.bm25_scores("zh", zh_tokens(text)))
        if case.lang == "en":
            scores += _scaled(self.index.bm25_scores("en", en_tokens(text)))
        order = np.argsort(-scores, kind="stable")[:TOP_K]
        return [(self.index.units[int(i)], float(scores[i])) for i in order if scores[i] > 0]


def _scaled(scores: np.ndarray) -> np.ndarray:
    """Scores divided by their maximum, so the two BM25 sides weigh alike."""
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else scores.astype(np.float64)


class DenseOnly(_SentenceBaseline):
    name = "dense_only"

    def rank(self, case: "Case") -> list[tuple["Unit", float]]:
        vector = self.index.embeddings.embed_query_vector(normalize(case.question))
        best: dict[str, float] = {}
        for entry_id, similarity in self.index.vectors.search(vector, 4 * TOP_K):
            uid = entry_id.rsplit("|", 1)[0]
            if uid in self.index.position and uid not in best:  # best first: keep the first passage
                best[uid] = similarity
        return [(self.index.units[self.index.position[uid]], sim) for uid, sim in best.items()]


class LangChainRecipe:
    """Chunks of 500 characters in an in-memory Chroma, top-4 by similarity, the top chunk as the answer."""

    name = "langchain_recipe"

    def __init__(self, settings: Settings, index: "Index") -> None:
        self.index = index
        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=100, add_start_index=True)
        chunks = []
        for doc in load_corpus(settings.corpus_dir).documents:
            text = "\n".join(doc.clean_lines)
            owners = _owners(text, [(s.paragraph_id, s.text) for s in doc.sentences])
            for chunk in splitter.create_documents([text]):
                start = int(chunk.metadata["start_index"])
                chunk.metadata = {"paragraph_id": _majority(owners[start : start + len(chunk.page_content)])}
                chunks.append(chunk)
        self.chunks = len(chunks)
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(collection_name=f"langchain-recipe-{uuid.uuid4().hex}", client=client,
                            embedding_function=index.embeddings)
        self.store.add_documents(chunks)

    def answer(self, case: "Case") -> dict[str, Any]:
        found = self.store.similarity_search_with_score(case.question, k=TOP_K)
        citations = []
        for n, (doc, distance) in enumerate(found, 1):
            pid = str(doc.metadata.get("paragraph_id") or "")
            units = self.index.paragraphs.get(pid, [])
            citations.append(_citation(n, pid, units[0].label if units else "", units[0].label_en if units else "",
                                       self.index.paragraph_text(pid), doc.page_content, None, -float(distance)))
        return _answer(case, found[0][0].page_content if found else "", citations)


def _owners(text: str, sentences: list[tuple[str, str]]) -> list[str]:
    """For each character of ``text``, the paragraph whose sentence it belongs to ("" for headings).

    Sentences are found in order, ignoring line breaks (a sentence may run over two cleaned lines).
    """
    keep = [i for i, ch in enumerate(text) if ch != "\n"]
    flat = "".join(text[i] for i in keep)
    owners = [""] * len(text)
    cursor = 0
    for pid, sentence in sentences:
        at = flat.find(sentence, cursor)
        if at < 0:
            continue
        for j in range(at, at + len(sentence)):
            owners[keep[j]] = pid
        cursor = at + len(sentence)
    return owners


def _majority(owners: list[str]) -> str:
    counts: dict[str, int] = {}
    for pid in owners:
        if pid:
            counts[pid] = counts.get(pid, 0) + 1
    return max(counts, key=lambda p: counts[p]) if counts else ""


def make_baselines(settings: Settings, assistant: "Assistant") -> list["System"]:
    index = assistant.index
    if index is None:
        raise RuntimeError("the assistant has no index loaded — run `python -m bot index`")
    return [LangChainRecipe(settings, index), BM25Only(index), DenseOnly(index)]
