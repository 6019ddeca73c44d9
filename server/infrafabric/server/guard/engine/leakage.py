"""System-prompt leakage in model output: canary tokens and verbatim overlap with the system prompt.

Canaries are exact strings planted in the system prompt; seeing one in the output is proof of a
leak, also after obfuscation (they are searched in the normalised output too). Overlap is measured
in word n-grams of the normalised system prompt; runs of consecutive shared n-grams become spans in
the output, so a paraphrase with a few copied words does not fire but a recited paragraph does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import NormalizedText, normalize

__all__ = ["LeakHit", "find_canaries", "find_prompt_overlap"]

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class LeakHit:
    start: int  # original output offsets
    end: int
    score: float
    reason: str
    rule: str


def find_canaries(output: NormalizedText, canaries: list[str]) -> list[LeakHit]:
    hits: list[LeakHit] = []
    for canary in canaries:
        if not canary or len(canary) < 4:
            continue
        seen: set[int] = set()
        pos = output.original.find(canary)
        while pos >= 0:
            seen.add(pos)
            hits.append(LeakHit(pos, pos + len(canary), 1.0, "canary token from the system prompt", "leak.canary"))
            pos = output.original.find(canary, pos + 1)
        folded = normalize(canary).text
        pos = output.text.find(folded)
        while pos >= 0 and folded:
            start, end = output.offsets.to_original(pos, pos + len(folded))
            if start not in seen:
                hits.append(LeakHit(start, end, 0.95, "canary token (obfuscated) from the system prompt", "leak.canary_obfuscated"))
            pos = output.text.find(folded, pos + 1)
    return hits


def find_prompt_overlap(output: NormalizedText, system_prompt: str, ngram: int = 6) -> list[LeakHit]:
    if not system_prompt.strip():
        return []
    prompt_words = _WORD.findall(normalize(system_prompt).text)
    out_matches = list(_WORD.finditer(output.text))
    if len(prompt_words) < ngram:
        # Short prompts: verbatim containment of the whole prompt.
        folded = " ".join(prompt_words)
        joined = " ".join(m.group() for m in out_matches)
        if len(folded) >= 20 and folded in joined:
            return [LeakHit(0, len(output.original), 0.9, "output contains the whole system prompt", "leak.overlap")]
        return []
    shingles = {tuple(prompt_words[i:i + ngram]) for i in range(len(prompt_words) - ngram + 1)}
    out_words = [m.group() for m in out_matches]
    covered = [False] * len(out_words)
    shared = set()
    for i in range(len(out_words) - ngram + 1):
        gram = tuple(out_words[i:i + ngram])
        if gram in shingles:
            shared.add(gram)
            for j in range(i, i + ngram):
                covered[j] = True
    hits: list[LeakHit] = []
    coverage = len(shared) / max(1, len(shingles))
    i = 0
    while i < len(covered):
        if not covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(covered) and covered[j + 1]:
            j += 1
        run_words = j - i + 1
        if run_words >= ngram + 2 or coverage >= 0.5:
            score = 0.95 if run_words >= 3 * ngram or coverage >= 0.25 else 0.75
            start, _ = output.offsets.to_original(out_matches[i].start(), out_matches[i].end())
            _, end = output.offsets.to_original(out_matches[j].start(), out_matches[j].end())
            hits.append(LeakHit(start, end, score, f"{run_words} words copied from the system prompt "
                                f"({coverage:.0%} of it appears in the output)", "leak.overlap"))
        i = j + 1
    return hits
