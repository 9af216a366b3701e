"""A synthetic corpus for the bench's scale run: Chinese plan-like text made from the real plan's clauses,
recombined, with numbers and place names varied, under the outline bot.corpus parses (一、 parts, 1. subsections,
topic leads)."""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..corpus import load_corpus

SUBDISTRICTS = ["长虹街", "鼓楼街", "兴南街", "广开街", "万兴街", "学府街", "向阳路街", "嘉陵道街", "王顶堤街",
                "水上公园街", "体育中心街", "华苑街"]
PLACES = ["南开大学片区", "天津大学片区", "鞍山西道", "白堤路", "红旗路", "黄河道", "长江道", "复康路", "卫津路",
          "西湖道", "密云路", "咸阳路", "航天道", "时代奥城", "大悦城商圈", "天拖地块", "六马路地块", "水上公园"]
PROJECTS = ["科技园", "创新中心", "产业园", "社区服务中心", "养老服务驿站", "口袋公园", "菜市场", "停车场",
            "文化中心", "体育公园", "卫生服务中心", "幼儿园", "小学", "中学", "人才公寓", "孵化器"]
_STRIP = str.maketrans("", "", "“‘「『《（(【”’」』》）)】\"'")
_CLAUSE_SPLIT = re.compile(r"[，,；;：:。！？!?]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LEAD_BAD = re.compile(r"[，、：:；“”《》（）,()0-9%]")


def _clause_pool(sentences: Sequence[str]) -> tuple[list[str], list[str]]:
    """(clauses 4..30 characters, short clauses usable as topic leads) from the plan's sentences."""
    clauses: list[str] = []
    leads: list[str] = []
    for sentence in sentences:
        for clause in _CLAUSE_SPLIT.split(sentence.translate(_STRIP)):
            clause = clause.strip()
            if not 4 <= len(clause) <= 30 or re.match(r"^([一二三四五六七八九十]+、|\d)", clause):
                continue
            clauses.append(clause)
            if 4 <= len(clause) <= 12 and not _LEAD_BAD.search(clause):
                leads.append(clause)
    if len(clauses) < 10 or len(leads) < 3:
        raise ValueError("the corpus has too few sentences to recombine into a synthetic corpus")
    return sorted(set(clauses)), sorted(set(leads))


class SyntheticText:
    """Realistic Chinese plan-like text: clauses of real sentences recombined, numbers and names varied."""

    def __init__(self, sentences: Sequence[str], seed: int = 2024) -> None:
        self.clauses, self.leads = _clause_pool(sentences)
        self.rng = random.Random(seed)
        self.seen: set[str] = set()

    def _vary(self, clause: str) -> str:
        rng = self.rng
        clause = _NUMBER.sub(lambda m: str(rng.randint(2, 980)) if "." not in m.group()
                             else f"{rng.uniform(0.5, 99):.1f}", clause)
        return clause

    def sentence(self) -> str:
        rng = self.rng
        for _ in range(50):
            parts = [self._vary(c) for c in rng.sample(self.clauses, rng.choice((2, 2, 3)))]
            roll = rng.random()
            if roll < 0.35:
                parts[0] = f"{rng.choice(SUBDISTRICTS)}{parts[0]}"
            elif roll < 0.6:
                parts.insert(rng.randint(1, len(parts)), f"推进{rng.choice(PLACES)}{rng.choice(PROJECTS)}建设")
            elif roll < 0.75:
                parts.append(f"全年完成{rng.randint(3, 950)}{rng.choice(['个', '项', '处', '万平方米', '亿元'])}")
            text = "，".join(parts) + "。"
            if text not in self.seen:
                self.seen.add(text)
                return text
        raise RuntimeError("could not make a new synthetic sentence — the clause pool is too small")

    def lead(self) -> str:
        return self._vary(self.rng.choice(self.leads)) + "。"

    def heading(self) -> str:
        text = self.rng.choice(self.clauses)
        return f"{self.rng.choice(PLACES)}{text}"[:30]


def write_synthetic_corpus(target: Path, n_sentences: int, source_dir: Path, seed: int = 2024,
                           per_document: int = 200) -> int:
    """Copy the real corpus into ``target`` and add synthetic .txt documents holding exactly
    ``n_sentences`` sentences (as bot.corpus parses them), under an outline of 一、/1. headings with
    topic leads. Returns the number of synthetic sentences written."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source_dir.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            shutil.copy2(path, target / path.name)
    gen = SyntheticText([s.text for s in load_corpus(source_dir).sentences], seed=seed)
    rng = gen.rng
    written = 0
    doc = 0
    numerals = "一二三四五六七八九"
    while written < n_sentences:
        doc += 1
        budget = min(per_document, n_sentences - written)
        lines = [f"南开区{rng.choice(SUBDISTRICTS)}2024年重点工作安排第{doc}册"]
        part = 0
        while budget > 0:
            part += 1
            lines.append(f"{numerals[(part - 1) % 9]}、{gen.heading()}")
            for sub in range(1, rng.randint(3, 5) + 1):
                if budget <= 0:
                    break
                lines.append(f"{sub}.{gen.heading()}")
                for _ in range(rng.randint(2, 4)):
                    if budget <= 0:
                        break
                    # a paragraph: a topic lead, then 2..6 sentences (the lead counts as a sentence)
                    take = min(budget, rng.randint(3, 7))
                    body = [gen.sentence() for _ in range(max(take - 1, 1))]
                    sentences = [gen.lead()] + body if take >= 3 else body[:take]
                    lines.append("".join(sentences))
                    budget -= len(sentences)
                    written += len(sentences)
        (target / f"synthetic-{doc:04d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written
