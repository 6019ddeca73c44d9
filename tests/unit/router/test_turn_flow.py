"""The building blocks composed as the Router servicer will compose them: plan, trim, check, call, record."""

from __future__ import annotations

import pytest
import redis.asyncio

from infrafabric.server.router.budgets import BudgetConfig, BudgetExceeded, BudgetLedger, Scope, Window
from infrafabric.server.router.prompt_optimizer import MemoryItem, optimize_prompt
from infrafabric.server.router.providers import Deadline, Message
from infrafabric.server.router.registry import ModelRegistry
from infrafabric.server.router.routing import Router
from infrafabric.testing.fake_anthropic import FakeAnthropic

API_KEY = "test-key"


async def governed_call(router: Router, ledger: BudgetLedger, text: str) -> str:
    usage = await ledger.usage("acme", "alice")
    plan = router.plan(text, budget_remaining=usage.remaining_fraction)
    prompt = optimize_prompt(
        system="You are helpful.",
        history=[Message("user", "earlier question"), Message("assistant", "earlier answer"), Message("user", text)],
        memories=[MemoryItem("m1", "alice likes tea", 0.8)],
        context_window=plan.context_limit,
        max_output_tokens=min(512, plan.max_output_limit),
    )
    estimated_cost = plan.primary.cost(prompt.estimated_input_tokens, prompt.max_output_tokens)
    await ledger.check("acme", "alice", prompt.estimated_input_tokens + prompt.max_output_tokens, estimated_cost)
    result = await router.complete(plan, prompt.messages, system=prompt.system, max_tokens=prompt.max_output_tokens,
                                   deadline=Deadline.after(5))
    done = result.completion
    await ledger.record("acme", "alice", input_tokens=done.input_tokens, output_tokens=done.output_tokens,
                        cost=result.model.cost(done.input_tokens, done.output_tokens))
    return done.text


async def test_turns_are_charged_until_the_budget_refuses(
    fake_anthropic: FakeAnthropic, redis_client: redis.asyncio.Redis
) -> None:
    registry = ModelRegistry.load()
    env = {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": fake_anthropic.url}
    router = Router.from_registry(registry, env=env)
    ledger = BudgetLedger(redis_client, BudgetConfig.from_mapping({"user": {"day": {"tokens": 600}}}))
    try:
        assert await governed_call(router, ledger, "hello") == "claude-haiku-4-5 received: hello"
        first = (await ledger.usage("acme", "alice")).get(Scope.USER, Window.DAY)
        assert first.requests == 1 and first.tokens == first.input_tokens + first.output_tokens > 0
        assert first.cost_usd > 0
        with pytest.raises(BudgetExceeded) as info:
            for _ in range(10):
                await governed_call(router, ledger, "hello again")
        assert (info.value.scope, info.value.window, info.value.metric) == (Scope.USER, Window.DAY, "tokens")
        # Each call reserves ~540 estimated tokens but spends ~15, so a handful fit before the estimate no longer does.
        assert 2 <= len(fake_anthropic.requests) < 11
    finally:
        await router.aclose()
