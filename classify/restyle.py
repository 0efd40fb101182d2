"""Label-preserving rewrites of a post in another writer's surface style, for fine-tuning.

Why: the fine-tuned encoder learns our writers' habits along with the claims. Posts by writers it
has not seen score lower (see `data/labelled/README.md`: the challenge set's second wave), and
one thing those writers do differently is the surface: no punctuation or capitals, no emojis or
hashtags, typos, Arabic written without hamza or with ه for ة. Showing the encoder the same post
in such a style, with the same label, asks it to read past the surface.

Every rewrite keeps the words that carry stance: typos never touch the negation words below, and
nothing is dropped but punctuation, symbols and emojis.
"""

from __future__ import annotations

import random
import re

# Arabic vowel marks are not word characters, but they belong to their word: "أبدًا" stays whole.
_SYMBOLS = re.compile(r"[^\w\s\u064b-\u0652\u0640]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_ARABIC_DIACRITICS = re.compile("[\u064b-\u0652\u0640]")  # harakat and tatweel
# Words a typo must not touch: a misspelt "never" could read as a spread.
_NEGATIONS_BY_LANGUAGE = {
    "sv": "inte ej aldrig ingen inget inga icke",
    "en": "not never nobody nothing none cannot",
    "ar": "ليس ليست لم لن ابدا أبدا مش مو موب",
    "so": "maya majiro waligeed",
    "fa": "نیست نمی هرگز نباید",
    "tr": "değil asla hiçbir hayır yoktur",
}
NEGATIONS = frozenset(w for words in _NEGATIONS_BY_LANGUAGE.values() for w in words.split())
# Spellings Arabic writers on social media swap freely.
_ARABIC_SWAPS = {"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"}


def restyle(text: str, rng: random.Random) -> str:
    """`text` with each surface change applied at even odds; the meaning stays the same. A text
    that no change happened to alter loses its capitals and symbols instead."""
    out = text
    for change in _CHANGES:
        if rng.random() < 0.5:
            out = change(out, rng)
    if out == text:
        out = _no_symbols(_lower(text, rng), rng)
    return _SPACES.sub(" ", out).strip() or text


def _lower(text: str, rng: random.Random) -> str:
    return text.lower()


def _no_symbols(text: str, rng: random.Random) -> str:
    """Drop punctuation, emojis and hashtag signs: a post typed fast on a phone."""
    return _SYMBOLS.sub(" ", text)


def _arabic_spelling(text: str, rng: random.Random) -> str:
    text = _ARABIC_DIACRITICS.sub("", text)
    return "".join(_ARABIC_SWAPS.get(ch, ch) if rng.random() < 0.7 else ch for ch in text)


def _typos(text: str, rng: random.Random) -> str:
    """Swap or drop one inner letter in about one long word in eight."""

    def typo(match: re.Match) -> str:
        word = match.group(0)
        if word.lower() in NEGATIONS or rng.random() >= 0.125:
            return word
        i = rng.randrange(1, len(word) - 2)
        if rng.random() < 0.5:
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        return word[:i] + word[i + 1 :]

    return re.sub(r"\w{5,}", typo, text)


def _one_line(text: str, rng: random.Random) -> str:
    """Paragraphs run together, the way a voice note's transcript or a forward arrives."""
    return text.replace("\n", " ")


_CHANGES = (_lower, _no_symbols, _arabic_spelling, _typos, _one_line)
