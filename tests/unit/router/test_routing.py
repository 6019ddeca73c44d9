"""Routing: difficulty tiers, budget downgrades, explicit models, retries, fallback and deadlines, over the fakes."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator

import pytest
from infrafabric.server.router.providers import (
    AnthropicProvider,
    Deadline,
    Delta,
    Message,
    OpenAICompatibleProvider,
)
from infrafabric.server.router.registry import ModelRegistry, Tier
from infrafabric.server.router.routing import (
    AllAttemptsFailed,
    DeadlineExceeded,
    InvalidRequest,
    NoModelAvailable,
    RetryPolicy,
    Router,
    RouteResult,
    StreamInterrupted,
    UnknownModelError,
    estimate_difficulty,
)
from infrafabric.testing.fake_anthropic import FakeAnthropic
from infrafabric.testing.fake_openai import FakeOpenAI

API_KEY = "test-key"
EASY = "What is the capital of France?"
HARD = ("Why does quicksort run in O(n log n) on average? Prove it step by step, compare it with mergesort, "
        "then analyse the trade-offs for nearly sorted input.")
MEDIUM = "Write a Python function that parses ISO dates and add unit tests."
TURN = [Message("user", "tell me about the tides")]


def _model(model_id: str, provider: str, tier: str) -> dict[str, object]:
    return {"id": model_id, "provider": provider, "tier": tier, "context_window": 10_000,
            "max_output_tokens": 1_000, "input_price_per_mtok": 1.0, "output_price_per_mtok": 2.0}


def make_registry(
    anthropic_url: str = "http://127.0.0.1:9", openai_url: str = "http://127.0.0.1:9/v1"
) -> ModelRegistry:
    return ModelRegistry.from_mapping({
        "providers": {
            "anthropic": {"kind": "anthropic", "base_url": anthropic_url, "api_key_env": "FAKE_ANTHROPIC_KEY"},
            "local": {"kind": "openai_compatible", "base_url": openai_url, "api_key_env": "FAKE_LOCAL_KEY"},
        },
        "models": [
            _model("opus", "anthropic", "apex"),
            _model("sonnet", "anthropic", "frontier"),
            _model("haiku", "anthropic", "mechanical"),
            _model("local-large", "local", "frontier"),
            _model("local-small", "local", "mechanical"),
        ],
    })


class SleepRecorder:
    """Stands in for asyncio.sleep so tests can see the backoff without waiting for it."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await asyncio.sleep(0)


FAST = RetryPolicy(attempts_per_model=2, base_delay=0.01, max_delay=0.05, max_retry_after=5, min_attempt_seconds=0.1)


@pytest.fixture
async def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
async def router(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, sleeps: SleepRecorder
) -> AsyncIterator[Router]:
    registry = make_registry(fake_anthropic.url, fake_openai.base_url)
    providers = {
        "anthropic": AnthropicProvider("anthropic", api_key=API_KEY, base_url=fake_anthropic.url),
        "local": OpenAICompatibleProvider("local", api_key=API_KEY, base_url=fake_openai.base_url),
    }
    router = Router(registry, providers, policy=FAST, rng=random.Random(7), sleep=sleeps)
    try:
        yield router
    finally:
        await router.aclose()


def ids(models: object) -> list[str]:
    return [m.id for m in models]  # type: ignore[attr-defined]


def outcomes(result: RouteResult | Exception) -> list[tuple[str, str, int | None]]:
    return [(a.model, a.outcome, a.status_code) for a in result.attempts]  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------- difficulty


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("hi", Tier.MECHANICAL),
        (EASY, Tier.MECHANICAL),
        ("Summarise this note in one line: the meeting moved to 3pm on Friday.", Tier.MECHANICAL),
        (MEDIUM, Tier.FRONTIER),
        ("Pourquoi le ciel est-il bleu ? Explique le raisonnement.", Tier.FRONTIER),
        ("```python\ndef f(x):\n    return x * 2\n```\nWhat does this return for 3?", Tier.FRONTIER),
        (HARD, Tier.APEX),
        ("Design a multi-region architecture for a payment system: 1. data model 2. consistency strategy "
         "3. failure modes. Compare two options and justify the trade-offs.", Tier.APEX),
    ],
)
def test_difficulty_tiers(text: str, tier: Tier) -> None:
    estimate = estimate_difficulty(text)
    assert estimate.tier is tier, estimate
    assert 0.0 <= estimate.score <= 1.0


def test_longer_and_harder_scores_higher() -> None:
    assert estimate_difficulty(HARD).score > estimate_difficulty(MEDIUM).score > estimate_difficulty(EASY).score
    assert "reasoning" in " ".join(estimate_difficulty(HARD).signals)


# ---------------------------------------------------------------------------------------------- planning


async def test_plan_chains_by_tier(router: Router) -> None:
    assert ids(router.plan(EASY).chain) == ["haiku", "local-small"]
    assert ids(router.plan(MEDIUM).chain) == ["sonnet", "local-large", "haiku", "local-small"]
    hard = router.plan(HARD)
    assert ids(hard.chain) == ["opus", "sonnet", "local-large", "haiku", "local-small"]
    assert hard.tier is Tier.APEX and hard.difficulty is not None and not hard.budget_downgraded
    assert hard.context_limit == 10_000


async def test_low_budget_downgrades(router: Router) -> None:
    one_down = router.plan(HARD, budget_remaining=0.2)
    assert one_down.tier is Tier.FRONTIER and one_down.budget_downgraded
    nearly_out = router.plan(HARD, budget_remaining=0.05)
    assert ids(nearly_out.chain) == ["haiku", "local-small"] and nearly_out.budget_downgraded
    assert router.plan(HARD, budget_remaining=0.9).tier is Tier.APEX
    assert not router.plan(EASY, budget_remaining=0.05).budget_downgraded


async def test_explicit_model_is_honoured(router: Router) -> None:
    plan = router.plan(HARD, requested_model="haiku")
    assert ids(plan.chain) == ["haiku"] and plan.requested_model == "haiku"
    assert ids(router.plan(EASY, requested_model="sonnet", fallback=True).chain) == [
        "sonnet", "local-large", "haiku", "local-small"]
    with pytest.raises(ValueError, match=r"^model: unknown model 'gpt-17'") as info:
        router.plan(EASY, requested_model="gpt-17")
    assert isinstance(info.value, UnknownModelError) and info.value.field == "model"


def test_unavailable_providers_are_left_out() -> None:
    registry = make_registry()
    only_local = Router.from_registry(registry, env={"FAKE_LOCAL_KEY": "k"})
    assert set(only_local.providers) == {"local"}
    assert ids(only_local.plan(HARD).chain) == ["local-large", "local-small"]
    with pytest.raises(NoModelAvailable, match="FAKE_ANTHROPIC_KEY"):
        only_local.plan(EASY, requested_model="opus")
    with pytest.raises(NoModelAvailable):
        Router.from_registry(registry, env={}).plan(EASY)


def test_higher_tier_only_when_nothing_cheaper_exists() -> None:
    registry = ModelRegistry.from_mapping({
        "providers": {"a": {"kind": "anthropic", "api_key_env": "K"}},
        "models": [_model("big", "a", "apex"), _model("mid", "a", "frontier")],
    })
    router = Router.from_registry(registry, env={"K": "k"})
    assert ids(router.plan(EASY).chain) == ["mid", "big"]


def test_backoff_is_exponential_with_jitter() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4)
    rng = random.Random(1)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        delays = {policy.backoff(attempt, rng) for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1


# ---------------------------------------------------------------------------------------------- execution


async def test_success_first_try(router: Router, sleeps: SleepRecorder) -> None:
    result = await router.complete(router.plan(EASY), TURN, system="be brief", max_tokens=50,
                                   deadline=Deadline.after(5))
    assert result.completion.text == "haiku received: tell me about the tides"
    assert result.model.id == "haiku" and outcomes(result) == [("haiku", "ok", None)]
    assert sleeps.calls == []


async def test_retry_after_overload(router: Router, fake_anthropic: FakeAnthropic, sleeps: SleepRecorder) -> None:
    fake_anthropic.fail_next(1, 529)
    result = await router.complete(router.plan(EASY), TURN, system=None, max_tokens=50, deadline=Deadline.after(5))
    assert outcomes(result) == [("haiku", "error", 529), ("haiku", "ok", None)]
    assert len(sleeps.calls) == 1 and 0.005 <= sleeps.calls[0] <= 0.01
    assert result.attempts[1].waited_seconds == sleeps.calls[0]
    assert result.attempts[0].error_kind == "retriable"


async def test_retry_after_header_is_honoured(router: Router, fake_anthropic: FakeAnthropic,
                                              sleeps: SleepRecorder) -> None:
    fake_anthropic.fail_next(1, 429, retry_after=0.3)
    result = await router.complete(router.plan(EASY), TURN, system=None, max_tokens=50, deadline=Deadline.after(5))
    assert sleeps.calls == [0.3]
    assert result.model.id == "haiku"


async def test_long_retry_after_moves_to_the_next_model(router: Router, fake_anthropic: FakeAnthropic,
                                                        sleeps: SleepRecorder) -> None:
    fake_anthropic.fail_next(1, 429, retry_after=60)
    result = await router.complete(router.plan(EASY), TURN, system=None, max_tokens=50, deadline=Deadline.after(5))
    assert outcomes(result) == [("haiku", "error", 429), ("local-small", "ok", None)]
    assert sleeps.calls == []


async def test_retry_after_beyond_the_deadline_is_not_waited(router: Router, fake_anthropic: FakeAnthropic,
                                                             sleeps: SleepRecorder) -> None:
    fake_anthropic.fail_next(1, 429, retry_after=3)
    result = await router.complete(router.plan(EASY), TURN, system=None, max_tokens=50, deadline=Deadline.after(2))
    assert result.model.id == "local-small" and sleeps.calls == []


async def test_fallback_same_tier_then_lower_tier(router: Router, fake_anthropic: FakeAnthropic,
                                                  fake_openai: FakeOpenAI) -> None:
    fake_anthropic.fail_next(2, 529)
    fake_openai.fail_next(2, 503)
    result = await router.complete(router.plan(MEDIUM), TURN, system=None, max_tokens=50,
                                   deadline=Deadline.after(5))
    assert outcomes(result) == [
        ("sonnet", "error", 529), ("sonnet", "error", 529),
        ("local-large", "error", 503), ("local-large", "error", 503),
        ("haiku", "ok", None),
    ]
    assert result.completion.provider == "anthropic"


async def test_provider_auth_failure_skips_without_retry(router: Router, fake_anthropic: FakeAnthropic,
                                                         sleeps: SleepRecorder) -> None:
    fake_anthropic.fail_next(1, 401)
    result = await router.complete(router.plan(EASY), TURN, system=None, max_tokens=50, deadline=Deadline.after(5))
    assert outcomes(result) == [("haiku", "error", 401), ("local-small", "ok", None)]
    assert result.attempts[0].error_kind == "unavailable" and sleeps.calls == []


async def test_bad_request_stops_at_once(router: Router, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.fail_next(1, 400, message="messages: roles must alternate")
    with pytest.raises(InvalidRequest, match="roles must alternate") as info:
        await router.complete(router.plan(EASY), TURN, system=None, max_tokens=50, deadline=Deadline.after(5))
    assert outcomes(info.value) == [("haiku", "error", 400)]


async def test_all_failing(router: Router, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI) -> None:
    fake_anthropic.fail_next(10, 500)
    fake_openai.fail_next(10, 502)
    with pytest.raises(AllAttemptsFailed) as info:
        await router.complete(router.plan(EASY), TURN, system=None, max_tokens=50, deadline=Deadline.after(5))
    assert len(info.value.attempts) == 4
    assert info.value.last_error.status_code == 502


async def test_deadline_stops_attempts(router: Router, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI) -> None:
    fake_anthropic.set_latency(2.0)
    fake_openai.set_latency(2.0)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as info:
        await router.complete(router.plan(EASY), TURN, system=None, max_tokens=50, deadline=Deadline.after(0.5))
    elapsed = time.monotonic() - started
    assert elapsed < 0.9, "the deadline bounds the whole routed call"
    # The first attempt consumed the time; none was started with less than min_attempt_seconds left.
    assert outcomes(info.value) == [("haiku", "error", None)]
    assert len(fake_openai.requests) == 0


async def test_no_attempt_starts_without_enough_time(router: Router, fake_anthropic: FakeAnthropic) -> None:
    with pytest.raises(DeadlineExceeded) as info:
        await router.complete(router.plan(EASY), TURN, system=None, max_tokens=50, deadline=Deadline.after(0.05))
    assert info.value.attempts == () and fake_anthropic.requests == []


async def test_max_tokens_clamped_to_model_limit(router: Router, fake_anthropic: FakeAnthropic) -> None:
    await router.complete(router.plan(EASY), TURN, system=None, max_tokens=50_000, deadline=Deadline.after(5))
    assert fake_anthropic.requests[0].body["max_tokens"] == 1_000


# ---------------------------------------------------------------------------------------------- streaming


async def drain(router: Router, text: str, deadline: float = 5) -> tuple[str, RouteResult]:
    pieces: list[str] = []
    results: list[RouteResult] = []
    async for item in router.stream(router.plan(text), TURN, system=None, max_tokens=50,
                                    deadline=Deadline.after(deadline)):
        if isinstance(item, Delta):
            pieces.append(item.text)
        else:
            results.append(item)
    assert len(results) == 1
    return "".join(pieces), results[0]


async def test_stream_with_fallback_before_first_delta(router: Router, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.fail_next(2, 529)
    text, result = await drain(router, EASY)
    assert text == result.completion.text == "local-small received: tell me about the tides"
    assert outcomes(result) == [("haiku", "error", 529), ("haiku", "error", 529), ("local-small", "ok", None)]
    assert result.completion.output_tokens == 7


async def test_stream_failure_after_text_is_not_retried(router: Router, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.fail_next(1, 529, midstream=True)
    delivered: list[str] = []
    with pytest.raises(StreamInterrupted) as info:
        async for item in router.stream(router.plan(EASY), TURN, system=None, max_tokens=50,
                                        deadline=Deadline.after(5)):
            if isinstance(item, Delta):
                delivered.append(item.text)
    assert delivered == ["haiku"] and info.value.delivered_text == "haiku"
    assert outcomes(info.value) == [("haiku", "error", 200)]
    assert len(fake_anthropic.requests) == 1
