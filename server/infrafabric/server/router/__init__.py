"""Model routing: registry, provider adapters, tier routing with retries and fallback, budgets, prompt trimming."""
