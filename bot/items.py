"""Plan items as data: every project, school, park, road, programme, target … the plan names, with the action it
takes on it, any quantity, its English name, the plan's words of certainty and the sentence it comes from
(``corpus/items.jsonl``). Direct answers, list answers and the "Key figures and projects" tab read them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from .bilingual import read_jsonl
from .errors import DataFileError

ITEMS_FILE = "items.jsonl"
KINDS = ("target", "project", "school", "hospital", "park", "road", "metro", "parcel", "cluster", "carrier",
         "programme", "brand", "event", "company", "institution", "place", "facility", "housing", "service", "policy",
         "title")
GROUPS = ("新开工", "建成", "完成", "推进", "谋划", "改造", "新建", "提升", "打造", "举办", "引育", "其他")
GROUP_EN = {"新开工": "start construction on", "建成": "complete", "完成": "finish", "推进": "advance", "谋划": "plan",
            "改造": "renovate", "新建": "build", "提升": "upgrade", "打造": "develop", "举办": "hold", "引育": "attract",
            "其他": "other"}
KIND_LABEL = {  # (zh measure word, zh label, en singular, en plural) for counting items of one kind
    "school": ("所", "学校", "school", "schools"), "hospital": ("家", "医院", "hospital", "hospitals"),
    "park": ("个", "公园", "park", "parks"), "road": ("条", "道路", "road", "roads"),
    "metro": ("条", "地铁线", "metro line", "metro lines"), "parcel": ("个", "地块", "plot", "plots"),
    "project": ("个", "项目", "project", "projects"), "cluster": ("个", "产业集群", "cluster", "clusters"),
    "carrier": ("个", "载体", "site", "sites"), "company": ("家", "企业", "company", "companies"),
    "event": ("项", "活动", "event", "events"), "facility": ("个", "设施", "facility", "facilities"),
    "housing": ("个", "住房项目", "housing project", "housing projects"),
    "institution": ("家", "机构", "institution", "institutions"), "place": ("处", "地点", "place", "places"),
    "programme": ("项", "工作", "programme", "programmes"), "brand": ("个", "品牌", "brand", "brands"),
    "service": ("项", "服务", "service", "services"), "policy": ("项", "举措", "measure", "measures"),
    "target": ("项", "指标", "target", "targets"), "title": ("个", "称号", "title", "titles"),
}


@dataclass(frozen=True)
class PlanItem:
    id: str
    sentence: str
    kind: str
    name_zh: str
    name_en: str
    action_zh: str | None
    action_en: str | None
    group: str
    quantity: str | None
    unit: str | None
    unit_en: str | None
    value_en: str | None
    measure_zh: str | None
    measure_en: str | None
    certainty_zh: str | None
    certainty_en: str | None
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]

    @property
    def paragraph(self) -> str:
        return self.sentence.rsplit(".", 1)[0]

    def value_zh(self) -> str:
        """The quantity with its measure word, as Chinese writes it: "54个", "4%以上", "258万平方米"."""
        q = self.quantity or ""
        unit = self.unit or ""
        return q if not unit or unit in q or unit == "%" else f"{q}{unit}"

    def value_en_text(self) -> str:
        """The quantity in English with its unit unless the value already carries it: "54 compounds", "4% or more"."""
        value = self.value_en or self.quantity or ""
        unit = self.unit_en or ""
        if not unit or "%" in value or unit.lower()[:4] in value.lower() or unit.lower() in ("per cent", "percent"):
            return value
        return f"{value} {unit}"


_FIELDS = [f.name for f in fields(PlanItem)]


def load_items(corpus_dir: Path) -> list[PlanItem]:
    """The plan items of ``corpus_dir/items.jsonl`` ([] when there is none); DataFileError names a bad line."""
    path = corpus_dir / ITEMS_FILE
    items: list[PlanItem] = []
    for n, rec in enumerate(read_jsonl(path), 1):
        missing = [k for k in ("id", "sentence", "kind", "name_zh", "name_en", "group") if not rec.get(k)]
        if missing:
            raise DataFileError(f"{path.name} record {n}: needs {', '.join(missing)}")
        if rec["kind"] not in KINDS:
            raise DataFileError(f"{path.name} record {n}: kind {rec['kind']!r} is not one of {', '.join(KINDS)}")
        if rec["group"] not in GROUPS:
            raise DataFileError(f"{path.name} record {n}: group {rec['group']!r} is not one of {', '.join(GROUPS)}")
        values = {k: rec.get(k) for k in _FIELDS}
        values["keywords_zh"] = tuple(rec.get("keywords_zh") or ())
        values["keywords_en"] = tuple(rec.get("keywords_en") or ())
        items.append(PlanItem(**values))
    return items
