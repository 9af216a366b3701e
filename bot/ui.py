"""The Gradio app: a bilingual chat whose answers carry numbered citations."""

from __future__ import annotations

import html

import gradio as gr

from .service import Assistant

FONTS = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "system-ui", "sans-serif"]
EXAMPLES = ["今年有哪些学校建成？", "今年改造多少个老旧小区？", "Which schools open this year?",
            "How many pocket parks will be built or upgraded?"]


def theme() -> gr.themes.Base:
    """System fonts only: no web font is fetched from another host."""
    return gr.themes.Soft(font=FONTS, font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"])


def render(answer) -> str:  # type: ignore[no-untyped-def]
    """The answer and its citation cards as Markdown (quotes escaped, links to the plan viewer)."""
    parts = [html.escape(answer.answer)]
    for c in answer.citations:
        label = c.label if answer.language == "zh" else c.label_en
        card = f"**[{c.n}] {html.escape(label)}** — <a href='{c.url}'>{c.id}</a>\n\n> {html.escape(c.quote)}"
        if answer.language == "en" and c.quote_en:
            card += f"\n>\n> *{html.escape(c.quote_en)}* (unofficial translation)"
        parts.append(card)
    return "\n\n".join(parts)


def build_ui(assistant: Assistant) -> gr.Blocks:
    with gr.Blocks(title="南开区2024年发展计划问答 · Nankai 2024 Plan Assistant") as demo:
        gr.Markdown("## 南开区2024年国民经济和社会发展计划 · 问答\nAsk in Chinese or English; answers cite the plan.")
        chat = gr.Chatbot(label="Chat")
        box = gr.Textbox(label="Question / 问题", placeholder="今年有哪些学校建成？")
        gr.Examples(EXAMPLES, inputs=box)

        def respond(question: str, history: list[dict]) -> tuple[str, list[dict]]:
            question = (question or "").strip()[:500]
            if not question:
                return "", history
            turns = [{"role": m["role"], "content": str(m["content"])} for m in history][-10:]
            answer = assistant.ask(question, history=turns)
            return "", history + [{"role": "user", "content": question},
                                  {"role": "assistant", "content": render(answer)}]

        box.submit(respond, [box, chat], [box, chat])
    return demo
