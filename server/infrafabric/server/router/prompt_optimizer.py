"""Prompt optimiser (seed B7): fit a turn's history and retrieved memories into the model's window and the budget.

    result = optimize_prompt(system=persona_prompt, history=turns, memories=hits,
                             context_window=plan.context_limit, max_output_tokens=1024,
                             token_budget=tokens_left_in_budget)
    result.messages, result.memories, result.max_output_tokens, result.dropped_turns, result.dropped_memory_ids

What is always kept: the system prompt and the latest user message (the last entry of ``history``). What goes,
when the estimate exceeds the limit: the oldest turns first (whole user/assistant exchanges, so the kept history
still starts with a user turn as the Anthropic API requires) and the lowest-scored memories first, taking from
whichever of the two is larger at each step so neither is wiped out to save the other. The input limit is
``context_window - max_output_tokens``, and, with a token budget, ``token_budget - max_output_tokens``; when the
budget cannot cover the requested output, the output allowance shrinks (down to ``min_output_tokens``) before
anything else is dropped. Token counts are ``estimate_tokens`` (conservative, no tokenizer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infrafabric.server.router._tokens import MESSAGE_OVERHEAD_TOKENS, estimate_tokens
from infrafabric.server.router.providers import Message

__all__ = ["MemoryItem", "OptimizedPrompt", "PromptTooLarge", "estimate_tokens", "optimize_prompt",
           "prompt_tokens"]

#: Tokens a memory costs beyond its text once rendered into the prompt (bullet, separators, source tag).
MEMORY_OVERHEAD_TOKENS = 6


class PromptTooLarge(ValueError):
    """Even the system prompt and the latest user message do not fit; ``field`` names what to shorten."""

    def __init__(self, message: str, *, field: str, required: int, available: int) -> None:
        super().__init__(message)
        self.field = field
        self.required = required
        self.available = available


@dataclass(frozen=True)
class MemoryItem:
    """A retrieved memory: its text and retrieval score (higher is more relevant)."""

    id: str
    text: str
    score: float


@dataclass(frozen=True)
class OptimizedPrompt:
    system: str | None
    messages: tuple[Message, ...]
    memories: tuple[MemoryItem, ...]  # kept, in the order given
    max_output_tokens: int
    estimated_input_tokens: int
    input_limit: int
    dropped_turns: int  # messages removed from the start of the history
    dropped_memory_ids: tuple[str, ...]  # lowest score first

    @property
    def trimmed(self) -> bool:
        return bool(self.dropped_turns or self.dropped_memory_ids)


def _message_tokens(message: Message) -> int:
    return estimate_tokens(message.content) + MESSAGE_OVERHEAD_TOKENS


def _memory_tokens(memory: MemoryItem) -> int:
    return estimate_tokens(memory.text) + MEMORY_OVERHEAD_TOKENS


def prompt_tokens(system: str | None, messages: Sequence[Message], memories: Sequence[MemoryItem] = ()) -> int:
    """Estimated input tokens of a prompt made of these parts."""
    return (
        estimate_tokens(system or "")
        + sum(_message_tokens(m) for m in messages)
        + sum(_memory_tokens(m) for m in memories)
    )


def optimize_prompt(
    *,
    system: str | None,
    history: Sequence[Message],
    memories: Sequence[MemoryItem] = (),
    context_window: int,
    max_output_tokens: int,
    token_budget: int | None = None,
    min_output_tokens: int = 256,
) -> OptimizedPrompt:
    """Trims ``history`` (ending with the latest user message) and ``memories`` to fit; see the module docstring.

    Raises ``PromptTooLarge`` when the system prompt and the latest user message alone do not fit.
    """
    if not history or history[-1].role != "user":
        raise ValueError("history: must end with the latest user message")
    if max_output_tokens < 1 or context_window <= max_output_tokens:
        raise ValueError("max_output_tokens: must be at least 1 and smaller than context_window")

    latest = history[-1]
    earlier = list(history[:-1])
    required = estimate_tokens(system or "") + _message_tokens(latest)

    history_tokens = sum(_message_tokens(m) for m in earlier)
    memory_tokens = sum(_memory_tokens(m) for m in memories)
    output = max_output_tokens
    if token_budget is not None:
        # Prefer a shorter answer over dropping context, but never below min_output_tokens.
        whole_prompt = required + history_tokens + memory_tokens
        output = max(min(output, token_budget - whole_prompt), min(min_output_tokens, max_output_tokens))
    limit = context_window - output
    if token_budget is not None:
        limit = min(limit, token_budget - output)
    if required > limit:
        field = "system" if estimate_tokens(system or "") > limit // 2 else "messages[-1].content"
        raise PromptTooLarge(
            f"{field}: the system prompt and the latest user message need about {required} tokens, but only "
            f"{max(limit, 0)} are available for input (context window {context_window}, output {output}"
            + (f", budget {token_budget}" if token_budget is not None else "") + ")",
            field=field, required=required, available=max(limit, 0),
        )

    # Memories leave in ascending score order; ties drop the later-listed one first (retrievers list best first).
    by_drop_order = sorted(range(len(memories)), key=lambda i: (memories[i].score, -i))
    kept_memory = set(range(len(memories)))
    dropped_ids: list[str] = []
    dropped_turns = 0

    while required + history_tokens + memory_tokens > limit:
        if earlier and (history_tokens >= memory_tokens or not kept_memory):
            # Drop the oldest exchange: everything up to (not including) the next user turn after the first.
            cut = 1
            while cut < len(earlier) and earlier[cut].role != "user":
                cut += 1
            for message in earlier[:cut]:
                history_tokens -= _message_tokens(message)
            dropped_turns += cut
            earlier = earlier[cut:]
        else:
            index = by_drop_order.pop(0)
            kept_memory.discard(index)
            memory_tokens -= _memory_tokens(memories[index])
            dropped_ids.append(memories[index].id)

    messages = (*earlier, latest)
    kept = tuple(m for i, m in enumerate(memories) if i in kept_memory)
    return OptimizedPrompt(
        system=system,
        messages=messages,
        memories=kept,
        max_output_tokens=output,
        estimated_input_tokens=required + history_tokens + memory_tokens,
        input_limit=limit,
        dropped_turns=dropped_turns,
        dropped_memory_ids=tuple(dropped_ids),
    )
