"""Model routing: pick a tier for a turn, then call models along a fallback chain with retries, inside a deadline.

    router = Router.from_registry(registry)                      # adapters for every available provider
    plan = router.plan(user_text, budget_remaining=0.6)          # or requested_model="claude-haiku-4-5"
    result = await router.complete(plan, messages, system=prompt, max_tokens=1024, deadline=Deadline.after(20))
    result.completion.text, result.model.id, result.attempts     # attempts go into the audit record

How a plan is made:
* the tier comes from ``estimate_difficulty`` (a cheap heuristic: length, code, reasoning words in several
  languages, multi-step asks, maths, non-English text), lowered when the tenant's budget runs low
  (below ``BUDGET_DOWNGRADE_ONE`` of the budget left: one tier down; below ``BUDGET_MECHANICAL_ONLY``: mechanical);
* the fallback chain is that tier's models, alternating between providers, then each cheaper tier; higher tiers
  are used only when nothing at or below the chosen tier is available;
* an explicitly requested model is honoured exactly (no silent substitution) unless ``fallback=True``; an unknown
  one raises ``UnknownModelError`` (a ValueError naming the field).

How a plan is executed: each model gets up to ``RetryPolicy.attempts_per_model`` attempts; retriable errors
(429, 5xx, 529, connection, timeout) are retried after exponential backoff with jitter, or after the provider's
``retry-after`` when it is longer; a ``retry-after`` beyond ``max_retry_after`` moves on to the next model at once.
Errors meaning "this provider cannot serve us" (401, 403, 404) move on to the next model; a bad request (400)
stops. No attempt starts with less than ``min_attempt_seconds`` left before the deadline, and each attempt gets
the remaining time as its timeout. A stream falls back only before its first delta: once text has reached the
caller, a failure ends the turn (``StreamInterrupted``).

Errors (all carry ``attempts``)::

    RoutingError
      NoModelAvailable     nothing in the registry can be called (providers disabled or without keys)
      DeadlineExceeded     time ran out before any attempt succeeded
      AllAttemptsFailed    every model in the chain failed; ``last_error`` is the final ProviderError
      InvalidRequest       the provider rejected the request itself (400-class); retrying elsewhere won't help
      StreamInterrupted    a stream failed after part of the reply was delivered
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from infrafabric.server.router.providers import (
    Completion,
    Deadline,
    Delta,
    ErrorKind,
    Message,
    Provider,
    ProviderError,
    build_provider,
)
from infrafabric.server.router.registry import ModelRegistry, ModelSpec, Tier, UnknownModelError

__all__ = [
    "BUDGET_DOWNGRADE_ONE",
    "BUDGET_MECHANICAL_ONLY",
    "AllAttemptsFailed",
    "Attempt",
    "DeadlineExceeded",
    "DifficultyEstimate",
    "InvalidRequest",
    "NoModelAvailable",
    "RetryPolicy",
    "RoutePlan",
    "RouteResult",
    "Router",
    "RoutingError",
    "StreamInterrupted",
    "UnknownModelError",
    "estimate_difficulty",
]

#: Fraction of the tenant's budget left below which the tier drops by one.
BUDGET_DOWNGRADE_ONE = 0.25
#: Fraction left below which only mechanical models are used.
BUDGET_MECHANICAL_ONLY = 0.10

# --------------------------------------------------------------------------------------------- difficulty

# Word lists are matched against lower-cased word tokens (set and prefix lookups): several times faster than
# case-insensitive regex alternations, which matters for a check that runs on every turn.
_WORD = re.compile(r"[\w'+#-]+")
_CODE_FENCE = re.compile(r"```|~~~")
_CODE_LINE = re.compile(
    r"^\s*(?:def |class |import |from \S+ import |function |const |let |var |public |private |#include|fn |func "
    r"|package |return\b)|[;{}]\s*$|=>|->|\w\([^)\n]*\)\s*[:{]",
    re.MULTILINE,
)
_CODE_WORDS = frozenset(
    "implement refactor debug traceback stacktrace compile regex function algorithm bug script endpoint api python "
    "javascript typescript rust golang java c++ c# sql bash kotlin swift".split()
)
_CODE_PHRASES = ("unit test", "stack trace", "sql query")
# Stems of words that ask for reasoning rather than recall: English, French, Spanish, Portuguese, German, Italian.
_REASONING_STEMS = (
    "why", "prove", "proof", "derive", "derivation", "analy", "compar", "contrast", "evaluat", "assess",
    "trade-off", "tradeoff", "justif", "critiq", "design", "architect", "strateg", "optimi", "reasoning", "theorem",
    "complexity", "implication", "hypothes", "pourquoi", "démontr", "évalu", "raisonnement", "demostr", "demonstr",
    "analiz", "analis", "warum", "beweis", "vergleich", "bewert", "begründ", "perché", "dimostr", "confront",
    "valut",
)
_REASONING_PHRASES = ("pros and cons", "step by step", "step-by-step", "in depth", "root cause", "por qué",
                      "por que", "paso a paso", "étape par étape", "schritt für schritt")
_STEP_BY_STEP = ("step by step", "step-by-step", "étape par étape", "paso a paso", "schritt für schritt")
_SEQUENCE_WORDS = frozenset(
    "first firstly then next finally additionally ensuite enfin d'abord primero luego después finalmente zuerst dann "
    "danach schließlich prima poi infine".split()
)
_STEP_LINE = re.compile(r"(?:^\s*[-*•]|(?:^|\s)\(?\d{1,2}[.)])\s+\S", re.MULTILINE)
_MATH = re.compile(r"\\(?:frac|int|sum|sqrt|lim)|[∑∫√∂≤≥≠∞]|\d\s*[-+*/^=]\s*\d")
_MATH_WORDS = frozenset("integral integrals equation equations matrix matrices probability derivative".split())
_SMALL_TALK = frozenset(
    "hi hello hey thanks thank ok okay yes no bonjour hola ciao hallo merci gracias danke grazie".split()
)


@dataclass(frozen=True)
class DifficultyEstimate:
    """How hard a turn looks: ``score`` in [0, 1], the tier it maps to, and the signals that fired."""

    score: float
    tier: Tier
    signals: tuple[str, ...]


#: Scores at or above these thresholds map to frontier and apex.
FRONTIER_THRESHOLD = 0.25
APEX_THRESHOLD = 0.55


def estimate_difficulty(text: str) -> DifficultyEstimate:
    """Scores a user turn's difficulty from surface features; tens of microseconds, no model involved."""
    score = 0.0
    signals: list[str] = []
    lowered = text.lower()
    tokens = _WORD.findall(lowered)
    token_set = set(tokens)

    # Scripts written without spaces (Chinese, Japanese, Thai) count about one word per 2-3 characters.
    words = max(len(tokens), len(text) // 6)
    if words > 400:
        score += 0.3
        signals.append("very_long")
    elif words > 120:
        score += 0.2
        signals.append("long")
    elif words > 40:
        score += 0.1
        signals.append("medium_length")

    if _CODE_FENCE.search(text) or len(_CODE_LINE.findall(text)) >= 2:
        score += 0.25
        signals.append("code")
    code_asks = len(token_set & _CODE_WORDS) + sum(phrase in lowered for phrase in _CODE_PHRASES)
    if code_asks:
        score += 0.15 if code_asks == 1 else 0.25
        signals.append(f"code_task:{code_asks}")

    # str.startswith(tuple) filters in C; only the few matching tokens are then mapped back to their stem.
    hits = [token for token in token_set if token.startswith(_REASONING_STEMS)]
    reasoning = {stem for token in hits for stem in _REASONING_STEMS if token.startswith(stem)}
    reasoning.update(phrase for phrase in _REASONING_PHRASES if phrase in lowered)
    if reasoning:
        score += min(0.5, 0.15 * len(reasoning))
        signals.append(f"reasoning:{len(reasoning)}")

    steps = len(_STEP_LINE.findall(text))
    sequence = len(token_set & _SEQUENCE_WORDS) + ("after that" in lowered)
    questions = text.count("?") + text.count("？")  # noqa: RUF001 - the CJK full-width question mark
    step_by_step = any(phrase in lowered for phrase in _STEP_BY_STEP)
    multi_step = (steps >= 3) + (sequence >= 2) + (questions >= 2) + step_by_step
    if multi_step:
        score += min(0.25, 0.1 * multi_step)
        signals.append(f"multi_step:{multi_step}")

    if token_set & _MATH_WORDS or _MATH.search(text):
        score += 0.15
        signals.append("math")

    if not text.isascii():
        letters = [c for c in text if c.isalpha()]
        non_ascii = sum(1 for c in letters if ord(c) > 127) / len(letters) if letters else 0.0
        # Smaller models are markedly weaker outside English; mostly non-Latin or accented text nudges the tier up.
        if non_ascii > 0.3:
            score += 0.1
            signals.append("non_latin_script")
        elif non_ascii > 0.02 and words > 5:
            score += 0.05
            signals.append("non_english")

    if len(tokens) <= 6 and tokens and tokens[0] in _SMALL_TALK and not reasoning:
        score = min(score, 0.05)
        signals.append("small_talk")

    score = min(1.0, score)
    tier = Tier.APEX if score >= APEX_THRESHOLD else Tier.FRONTIER if score >= FRONTIER_THRESHOLD else Tier.MECHANICAL
    return DifficultyEstimate(round(score, 3), tier, tuple(signals))


# --------------------------------------------------------------------------------------------- results, errors


@dataclass(frozen=True)
class RetryPolicy:
    attempts_per_model: int = 2
    base_delay: float = 0.25
    max_delay: float = 4.0
    #: A provider asking to wait longer than this is skipped in favour of the next model.
    max_retry_after: float = 10.0
    #: No attempt starts with less time than this left before the deadline.
    min_attempt_seconds: float = 0.5

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Delay before retry ``retry_number`` (0-based): exponential, half of it jittered."""
        ceiling = min(self.max_delay, self.base_delay * 2.0**retry_number)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Attempt:
    """One call to one model, for the audit record."""

    model: str
    provider: str
    outcome: Literal["ok", "error"]
    duration_seconds: float
    waited_seconds: float = 0.0  # backoff slept before this attempt
    error_kind: str | None = None
    status_code: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class RoutePlan:
    """The models to try, in order, and why."""

    chain: tuple[ModelSpec, ...]
    tier: Tier
    difficulty: DifficultyEstimate | None
    requested_model: str | None = None
    budget_downgraded: bool = False

    @property
    def primary(self) -> ModelSpec:
        return self.chain[0]

    @property
    def context_limit(self) -> int:
        """The smallest context window along the chain: trim prompts to this so every fallback can take them."""
        return min(m.context_window for m in self.chain)

    @property
    def max_output_limit(self) -> int:
        return min(m.max_output_tokens for m in self.chain)


@dataclass(frozen=True)
class RouteResult:
    completion: Completion
    model: ModelSpec
    attempts: tuple[Attempt, ...]
    plan: RoutePlan


class RoutingError(Exception):
    def __init__(self, message: str, attempts: Sequence[Attempt] = ()) -> None:
        super().__init__(message)
        self.attempts = tuple(attempts)


class NoModelAvailable(RoutingError):
    pass


class DeadlineExceeded(RoutingError):
    pass


class AllAttemptsFailed(RoutingError):
    def __init__(self, message: str, attempts: Sequence[Attempt], last_error: ProviderError) -> None:
        super().__init__(message, attempts)
        self.last_error = last_error


class InvalidRequest(RoutingError):
    def __init__(self, message: str, attempts: Sequence[Attempt], error: ProviderError) -> None:
        super().__init__(message, attempts)
        self.error = error


class StreamInterrupted(RoutingError):
    def __init__(self, message: str, attempts: Sequence[Attempt], error: ProviderError, delivered_text: str) -> None:
        super().__init__(message, attempts)
        self.error = error
        self.delivered_text = delivered_text


# --------------------------------------------------------------------------------------------- router


@dataclass
class _Run:
    """Mutable bookkeeping of one routed call."""

    attempts: list[Attempt] = field(default_factory=list)
    last_error: ProviderError | None = None
    deadline_hit: bool = False


class Router:
    """Plans and executes routed model calls. Holds one adapter per available provider; share one per process."""

    def __init__(
        self,
        registry: ModelRegistry,
        providers: Mapping[str, Provider],
        *,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.registry = registry
        self.providers = dict(providers)
        self.policy = policy or RetryPolicy()
        self._rng = rng or random.Random()
        self._sleep = sleep

    @classmethod
    def from_registry(
        cls, registry: ModelRegistry, *, env: Mapping[str, str] | None = None, policy: RetryPolicy | None = None
    ) -> Router:
        """Builds adapters for every provider that is enabled and has its API key in ``env`` (default os.environ)."""
        providers = {
            name: build_provider(settings, env)
            for name, settings in registry.providers.items()
            if settings.unavailable_reason(env) is None
        }
        return cls(registry, providers, policy=policy)

    async def aclose(self) -> None:
        for provider in self.providers.values():
            await provider.aclose()

    def available_models(self) -> list[ModelSpec]:
        return [m for m in self.registry.models if m.provider in self.providers]

    # ------------------------------------------------------------------ planning

    def plan(
        self,
        text: str,
        *,
        requested_model: str | None = None,
        budget_remaining: float | None = None,
        fallback: bool | None = None,
    ) -> RoutePlan:
        """Chooses the models for a turn whose latest user message is ``text``.

        ``budget_remaining`` is the fraction (0-1) of the tightest budget still unspent, or None when unlimited.
        ``fallback`` defaults to True for automatic routing and False for an explicitly requested model.
        """
        if requested_model:
            spec = self.registry.get(requested_model, field="model")
            if spec.provider not in self.providers:
                reason = self.registry.provider(spec.provider).unavailable_reason() or "not configured"
                raise NoModelAvailable(f"model {spec.id!r}: provider {spec.provider!r} is unavailable ({reason})")
            chain = [spec]
            if fallback:
                chain += [m for m in self._chain_from(spec.tier) if m.id != spec.id]
            return RoutePlan(tuple(chain), spec.tier, None, requested_model=spec.id)

        difficulty = estimate_difficulty(text)
        tier = difficulty.tier
        downgraded = False
        if budget_remaining is not None and budget_remaining < BUDGET_MECHANICAL_ONLY:
            downgraded = tier is not Tier.MECHANICAL
            tier = Tier.MECHANICAL
        elif budget_remaining is not None and budget_remaining < BUDGET_DOWNGRADE_ONE and tier.cheaper():
            tier = tier.cheaper() or tier
            downgraded = True
        chain = self._chain_from(tier) if fallback is not False else self._chain_from(tier)[:1]
        if not chain:
            raise NoModelAvailable("no model can be called: every provider is disabled or lacks its API key")
        return RoutePlan(tuple(chain), chain[0].tier, difficulty, budget_downgraded=downgraded)

    def _chain_from(self, tier: Tier) -> list[ModelSpec]:
        available = self.available_models()
        chain: list[ModelSpec] = []
        current: Tier | None = tier
        while current is not None:
            chain += _alternate_providers([m for m in available if m.tier == current])
            current = current.cheaper()
        if not chain:
            # Nothing at or below the tier: a dearer model beats no answer (budget checks still apply).
            for higher in sorted({m.tier for m in available}, key=lambda t: t.rank):
                chain += _alternate_providers([m for m in available if m.tier == higher])
        return chain

    # ------------------------------------------------------------------ execution

    async def complete(
        self,
        plan: RoutePlan,
        messages: Sequence[Message],
        *,
        system: str | None,
        max_tokens: int,
        deadline: Deadline,
    ) -> RouteResult:
        """Calls the plan's models in order until one answers; see the module docstring for the rules."""
        run = _Run()
        for spec in plan.chain:
            waited = 0.0
            for number in range(self.policy.attempts_per_model):
                if not self._time_left(deadline, run):
                    raise self._exhausted(plan, run)
                started = time.monotonic()
                try:
                    completion = await self.providers[spec.provider].complete(
                        messages, system=system, model=spec.wire_name,
                        max_tokens=min(max_tokens, spec.max_output_tokens), deadline=deadline,
                    )
                except ProviderError as exc:
                    self._failed(run, spec, exc, time.monotonic() - started, waited)
                    delay = self._retry_delay(exc, number, deadline, run)
                    if delay is None:
                        break
                    await self._sleep(delay)
                    waited = delay
                    continue
                run.attempts.append(Attempt(spec.id, spec.provider, "ok", time.monotonic() - started, waited))
                return RouteResult(completion, spec, tuple(run.attempts), plan)
        raise self._exhausted(plan, run)

    async def stream(
        self,
        plan: RoutePlan,
        messages: Sequence[Message],
        *,
        system: str | None,
        max_tokens: int,
        deadline: Deadline,
    ) -> AsyncGenerator[Delta | RouteResult, None]:
        """Like ``complete`` but yields ``Delta`` pieces, then one ``RouteResult``; falls back only before text."""
        run = _Run()
        for spec in plan.chain:
            waited = 0.0
            for number in range(self.policy.attempts_per_model):
                if not self._time_left(deadline, run):
                    raise self._exhausted(plan, run)
                started = time.monotonic()
                delivered: list[str] = []
                completion: Completion | None = None
                stream = self.providers[spec.provider].stream(
                    messages, system=system, model=spec.wire_name,
                    max_tokens=min(max_tokens, spec.max_output_tokens), deadline=deadline,
                )
                try:
                    async for item in stream:
                        if isinstance(item, Delta):
                            delivered.append(item.text)
                            yield item
                        else:
                            completion = item
                except ProviderError as exc:
                    self._failed(run, spec, exc, time.monotonic() - started, waited)
                    if delivered:
                        raise StreamInterrupted(
                            f"{spec.id} failed after part of the reply was sent: {exc}", run.attempts, exc,
                            "".join(delivered),
                        ) from exc
                    delay = self._retry_delay(exc, number, deadline, run)
                    if delay is None:
                        break
                    await self._sleep(delay)
                    waited = delay
                    continue
                finally:
                    await stream.aclose()
                if completion is None:  # an adapter bug, not a provider failure
                    raise RuntimeError(f"provider {spec.provider!r} ended a stream without a completion")
                run.attempts.append(Attempt(spec.id, spec.provider, "ok", time.monotonic() - started, waited))
                yield RouteResult(completion, spec, tuple(run.attempts), plan)
                return
        raise self._exhausted(plan, run)

    def _time_left(self, deadline: Deadline, run: _Run) -> bool:
        """Whether a new attempt may start: never with less than ``min_attempt_seconds`` before the deadline."""
        if deadline.remaining() < self.policy.min_attempt_seconds:
            run.deadline_hit = True
            return False
        return True

    @staticmethod
    def _failed(run: _Run, spec: ModelSpec, error: ProviderError, duration: float, waited: float) -> None:
        run.last_error = error
        run.attempts.append(Attempt(
            spec.id, spec.provider, "error", duration, waited,
            error_kind=error.kind.value, status_code=error.status_code, error=error.message,
        ))
        if error.kind is ErrorKind.INVALID_REQUEST:
            raise InvalidRequest(f"the provider rejected the request: {error}", run.attempts, error) from error

    def _retry_delay(self, error: ProviderError, number: int, deadline: Deadline, run: _Run) -> float | None:
        """Seconds to wait before retrying the same model, or None to move on to the next model."""
        policy = self.policy
        if error.kind is not ErrorKind.RETRIABLE or number + 1 >= policy.attempts_per_model:
            return None
        delay = policy.backoff(number, self._rng)
        if error.retry_after is not None:
            if error.retry_after > policy.max_retry_after:
                return None
            delay = max(delay, error.retry_after)
        if deadline.remaining() - delay < policy.min_attempt_seconds:
            return None  # waiting would leave no time for the retry; the next model needs no wait
        return delay

    def _exhausted(self, plan: RoutePlan, run: _Run) -> RoutingError:
        names = ", ".join(m.id for m in plan.chain)
        error = run.last_error
        if run.deadline_hit or error is None:
            return DeadlineExceeded(
                f"deadline reached after {len(run.attempts)} attempt(s) on [{names}]", run.attempts
            )
        return AllAttemptsFailed(f"all models failed ({names}); last error: {error}", run.attempts, error)


def _alternate_providers(models: list[ModelSpec]) -> list[ModelSpec]:
    """Orders one tier's models so that consecutive entries use different providers where possible."""
    by_provider: dict[str, list[ModelSpec]] = {}
    for model in models:
        by_provider.setdefault(model.provider, []).append(model)
    ordered: list[ModelSpec] = []
    queues = list(by_provider.values())
    while any(queues):
        for queue in queues:
            if queue:
                ordered.append(queue.pop(0))
    return ordered
