"""The prompt optimiser: what it keeps, what it drops first, and the limits it respects."""

from __future__ import annotations

import pytest
from infrafabric.server.router.prompt_optimizer import (
    MemoryItem,
    PromptTooLarge,
    estimate_tokens,
    optimize_prompt,
    prompt_tokens,
)
from infrafabric.server.router.providers import Message


def conversation(exchanges: int, words: int = 30) -> list[Message]:
    history: list[Message] = []
    for i in range(exchanges):
        history.append(Message("user", f"question {i} " + "word " * words))
        history.append(Message("assistant", f"answer {i} " + "word " * words))
    history.append(Message("user", "and what about the latest thing?"))
    return history


MEMORIES = [MemoryItem(f"m{i}", f"memory {i} " + "fact " * 20, score=s) for i, s in enumerate([0.9, 0.2, 0.6, 0.4])]


def test_estimate_is_conservative() -> None:
    assert estimate_tokens("") == 0
    english = "The quick brown fox jumps over the lazy dog near the riverbank today."
    assert estimate_tokens(english) >= len(english) / 4  # at least the usual ~4 characters per token
    assert estimate_tokens("東京でおすすめのラーメン屋") >= 13  # about one token per CJK character
    assert estimate_tokens("a b c d e f") >= 6


def test_nothing_dropped_when_it_fits() -> None:
    history = conversation(2)
    result = optimize_prompt(system="be kind", history=history, memories=MEMORIES, context_window=100_000,
                             max_output_tokens=1_000)
    assert result.messages == tuple(history) and result.memories == tuple(MEMORIES)
    assert not result.trimmed and result.max_output_tokens == 1_000
    assert result.estimated_input_tokens == prompt_tokens("be kind", history, MEMORIES)


def test_oldest_turns_and_weakest_memories_go_first() -> None:
    history = conversation(6)
    full = prompt_tokens("be kind", history, MEMORIES)
    window = full - 200 + 500  # 200 tokens too many once 500 are reserved for the answer
    result = optimize_prompt(system="be kind", history=history, memories=MEMORIES, context_window=window,
                             max_output_tokens=500)
    assert result.estimated_input_tokens <= window - 500 == result.input_limit
    assert result.messages[-1] == history[-1]
    assert result.messages == tuple(history[result.dropped_turns:])
    assert result.dropped_turns % 2 == 0 and result.messages[0].role == "user"
    assert result.messages[0].content.startswith("question ")
    # History was larger than the memories, so turns went first; a memory that goes is the lowest-scored.
    assert result.dropped_turns >= 2
    assert list(result.dropped_memory_ids) == ["m1", "m3", "m2", "m0"][: len(result.dropped_memory_ids)]


def test_memories_go_lowest_score_first_when_they_dominate() -> None:
    history = [Message("user", "short question?")]
    big = [MemoryItem(f"k{i}", "detail " * 100, score=score) for i, score in enumerate([0.5, 0.9, 0.1, 0.7])]
    limit = prompt_tokens(None, history, big[:2]) + 10
    result = optimize_prompt(system=None, history=history, memories=big, context_window=limit + 100,
                             max_output_tokens=100)
    assert result.dropped_memory_ids == ("k2", "k0")
    assert [m.id for m in result.memories] == ["k1", "k3"]
    assert result.dropped_turns == 0


def test_budget_shrinks_output_then_context() -> None:
    history = conversation(4)
    needed = prompt_tokens("sys", history)
    result = optimize_prompt(system="sys", history=history, context_window=100_000, max_output_tokens=4_000,
                             token_budget=needed + 1_000)
    # The answer allowance shrinks to what the budget leaves; the conversation stays whole.
    assert (result.max_output_tokens, result.dropped_turns) == (1_000, 0)
    assert result.estimated_input_tokens + result.max_output_tokens == needed + 1_000
    tight = optimize_prompt(system="sys", history=history, context_window=100_000, max_output_tokens=4_000,
                            token_budget=400, min_output_tokens=256)
    assert tight.max_output_tokens == 256
    assert tight.estimated_input_tokens + 256 <= 400
    assert tight.dropped_turns > 0 and tight.messages[-1] == history[-1]


def test_too_large_even_when_minimal() -> None:
    history = [Message("user", "word " * 2_000)]
    with pytest.raises(PromptTooLarge) as info:
        optimize_prompt(system="be kind", history=history, context_window=1_500, max_output_tokens=500)
    assert isinstance(info.value, ValueError)
    assert info.value.field == "messages[-1].content" and info.value.available == 1_000
    with pytest.raises(PromptTooLarge) as system_info:
        optimize_prompt(system="rule " * 2_000, history=[Message("user", "hi")], context_window=1_500,
                        max_output_tokens=500)
    assert system_info.value.field == "system"


def test_input_validation() -> None:
    with pytest.raises(ValueError, match="history"):
        optimize_prompt(system=None, history=[Message("assistant", "hello")], context_window=1000,
                        max_output_tokens=10)
    with pytest.raises(ValueError, match="max_output_tokens"):
        optimize_prompt(system=None, history=[Message("user", "hi")], context_window=100, max_output_tokens=100)
