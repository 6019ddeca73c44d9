"""A cheap, conservative token estimate shared by the router's modules (no tokenizer download needed)."""

from __future__ import annotations

import math

#: Tokens a chat message costs beyond its text (role markers, separators), rounded up.
MESSAGE_OVERHEAD_TOKENS = 4


def estimate_tokens(text: str) -> int:
    """Estimates the tokens of ``text`` from above.

    BPE tokenizers average about 4 characters per token on English prose, fewer on code, and about one token per
    character of Chinese or Japanese (3 UTF-8 bytes). One token per 3 UTF-8 bytes therefore over-counts prose by
    roughly a third and stays close on CJK, and the word count times 1.5 covers short-word text; taking the larger
    keeps trimming on the safe side of a model's real context limit.
    """
    if not text:
        return 0
    return max(math.ceil(len(text.encode("utf-8")) / 3), math.ceil(len(text.split()) * 1.5))
