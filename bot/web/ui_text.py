"""Every string of the chat at / in both interface languages (the widget's live in widget.html and widget-page.js)."""

from __future__ import annotations

EXAMPLES = ["今年有哪些学校建成？", "今年改造多少个老旧小区？", "地区生产总值增长目标是多少？",
            "Which schools open this year?", "How many pocket parks will be built or upgraded?",
            "What is the GDP growth target?"]
LANGS = [("中文", "zh"), ("English", "en")]
APPROVED = "经工作人员审核 · reviewed by district staff"

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "# 南开区2024年国民经济和社会发展计划 · 问答",
        "intro": "**您好！** 请用中文或英文提问。回答摘自计划原文，并注明出处段落；英文为非官方译文。",
        "tab_chat": "问答", "tab_figures": "主要指标和项目", "chat": "对话", "question": "您的问题",
        "placeholder": "例如：今年改造多少个老旧小区？", "send": "提问",
        "examples": "**示例问题**", "unofficial": "非官方译文", "open": "在计划原文中查看",
        "sources": "出处", "en_rendering": "英文译文", "full_en": "完整英文译文", "chinese": "中文原文",
        "whole_para": "查看整段原文", "approved": APPROVED, "updated": "更新于",
        "figures_intro": "计划中的主要指标、项目、学校、公园等。可以搜索或按类别筛选；点击出处查看计划原文中的句子。",
        "items_search": "搜索指标和项目", "items_placeholder": "例如：学校、公园、老旧小区、GDP", "items_kind": "类别",
        "footer": "[阅读计划全文](/plan) · 回答仅依据计划原文，个人事务请拨打12345政务服务便民热线。",
        "busy": "请求过于频繁，请稍候一分钟再试。",
        "empty": "请先输入您的问题，再点击“提问”。",
        "too_long": "问题最多{limit}个字，现在是{n}个字。请删减{over}个字后再提问（问题没有发送）。",
        "thanks": "感谢您的反馈！", "thanks_comment": "感谢您的反馈，我们会认真查看。", "related": "相关主题",
        "comment": "哪里不对？（可选，请勿填写个人信息）", "comment_placeholder": "例如：回答没有说到我问的地铁站",
        "comment_send": "发送意见", "comment_skip": "不用了",
        "fb_busy": "反馈过于频繁，请稍候再试。",
    },
    "en": {
        "title": "# Nankai District 2024 Development Plan · Q&A",
        "intro": "**Hello!** Ask in English or Chinese. Answers quote the plan and cite its paragraphs; "
                 "English renderings are unofficial translations.",
        "tab_chat": "Ask", "tab_figures": "Key figures and projects", "chat": "Conversation", "question": "Your question",
        "placeholder": "e.g. Which schools open this year?", "send": "Ask",
        "examples": "**Example questions**", "unofficial": "unofficial translation", "open": "View in the plan",
        "sources": "Sources", "en_rendering": "English", "full_en": "Full English rendering",
        "chinese": "Chinese original", "whole_para": "Whole paragraph", "approved": APPROVED, "updated": "updated",
        "figures_intro": "The plan's targets, projects, schools, parks and more. Search or filter by kind; follow a "
                         "source link to read the sentence in the plan.",
        "items_search": "Search the figures and projects", "items_placeholder": "e.g. school, park, old compounds, GDP",
        "items_kind": "Kind",
        "footer": "[Read the whole plan](/plan?lang=en) · Answers come from the plan only; for personal matters "
                  "call the 12345 government service hotline.",
        "busy": "Too many requests — please wait a minute and try again.",
        "empty": "Please type your question first, then press Ask.",
        "too_long": "Questions can be up to {limit} characters; yours has {n}. Please shorten it by {over} and ask "
                    "again (it was not sent).",
        "thanks": "Thank you for your feedback!", "thanks_comment": "Thank you — we will read your comment.",
        "related": "Related topics",
        "comment": "What was wrong? (optional; please leave out personal details)",
        "comment_placeholder": "e.g. the answer did not mention the metro station I asked about",
        "comment_send": "Send comment", "comment_skip": "No thanks",
        "fb_busy": "Too much feedback at once — please try again shortly.",
    },
}


def text(lang: str | None) -> dict[str, str]:
    return TEXT["en" if lang == "en" else "zh"]
