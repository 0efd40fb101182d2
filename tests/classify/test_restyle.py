"""Restyled posts: another surface, the same words that carry stance."""

from __future__ import annotations

import random
import re
from pathlib import Path

from classify.restyle import NEGATIONS as PROTECTED
from classify.restyle import restyle
from classify.train import read_labelled

REPO = Path(__file__).resolve().parents[2]
# Short negations (never long enough for a typo) and the long ones restyling protects.
NEGATIONS = {"no", "لا", "لأ", "ما", "ma", "aan", "نه", "yok", "hiç", *PROTECTED}


def _words(text: str) -> list[str]:
    # Arabic vowel marks are not word characters: "تعيّنه" would split into "تعي" and "نه".
    return re.findall(r"\w+", re.sub("[\u064b-\u0652]", "", text.lower()))


def test_restyling_keeps_every_negation_word_of_every_labelled_debunk():
    labelled = read_labelled(REPO / "data" / "labelled", ["train"])
    debunks = [e.text for e in labelled if e.stance == "debunks"]
    assert len(debunks) > 1000
    for i, text in enumerate(debunks):
        rewrite = restyle(text, random.Random(i))
        # Counted, not compared word for word: "لأ" may come back spelt "لا".
        before = sum(w in NEGATIONS for w in _words(text))
        assert sum(w in NEGATIONS for w in _words(rewrite)) == before, (text, rewrite)


def test_restyling_changes_the_surface_and_is_repeatable():
    texts = [
        "Socialtjänsten tar våra barn!!! 😡 #soc #LVU",
        "السوسيال أخذوا أطفال جارتنا بدون أي سبب، حسبي الله 💔",
        "No, social services do not kidnap children.\nA court decides.",
    ]
    for text in texts:
        rewrites = {restyle(text, random.Random(seed)) for seed in range(20)}
        assert text not in rewrites
        assert len(rewrites) > 3  # the changes vary with the seed
        assert restyle(text, random.Random(7)) == restyle(text, random.Random(7))


def test_arabic_restyling_writes_the_spellings_social_media_uses():
    text = "أطفالنا في مدرسة السوسيال"
    rewrites = [restyle(text, random.Random(seed)) for seed in range(30)]
    assert any("اطفالنا" in r or "مدرسه" in r for r in rewrites)
    assert all(len(_words(r)) == len(_words(text)) for r in rewrites)  # no word is dropped
