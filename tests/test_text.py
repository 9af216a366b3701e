from bot.text import detect_language, en_tokens, normalize, zh_tokens


def test_traditional_and_full_width_are_normalised() -> None:
    assert normalize("今年有哪些學校建成？") == "今年有哪些学校建成?"
    assert normalize("ＧＤＰ增長") == "GDP增长"
    assert normalize("a\x00b\u200bc") == "abc" or "\x00" not in normalize("a\x00b")


def test_language_detection() -> None:
    assert detect_language("今年有哪些学校建成？") == "zh"
    assert detect_language("Which schools open this year?") == "en"
    assert detect_language("鼓楼—运河 project status?") == "en"
    assert detect_language("南开区的 GDP 增长目标是多少？") == "zh"
    assert detect_language("口袋公园") == "zh"


def test_tokens() -> None:
    assert "老旧" in zh_tokens("今年改造多少个老旧小区？") or "老旧小区" in zh_tokens("今年改造多少个老旧小区？")
    assert "今年" not in zh_tokens("今年改造多少个老旧小区？")
    assert en_tokens("Which schools are completed?") == ["school", "complet"]
