"""Regenerate sample_corpora/names/: surnames in 20 invented languages, one file per class.

    python sample_corpora/make_names.py [--check]

The layout of the well-known surname-to-language tutorial data (one UTF-8 file per class,
one name per line), but every name is made up here from a fixed seed: no source text, no
licence to honour. Five families of four languages; inside a family the languages share
their sounds, and differ by what a character n-gram sees (endings, favourite letters) and
by rules it cannot see, which an RNN reading the whole name can:
  vowel harmony        all vowels of a name front (e i y ä ö) or all back (a o u)
  syllable parity      an even vs an odd number of CV syllables
  start-end agreement  the ending chosen by whether the name starts with a vowel
  reduplication        the first syllable said twice
Class sizes are unbalanced (3,000 names down to 40), and 4% of each class are "loans",
names made by another language's rules, so no model reaches 100%. Deterministic:
random.Random with a fixed seed gives the same names on every CPython 3.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "names"
SIZES = [round(3000 * 0.797 ** k) for k in range(20)]  # 3,000 names down to 40
LOANS = 0.04
SEED = 2024


def syllables(rng, onsets, vowels, codas, n):
    return [rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas) for _ in range(n)]


# --- family 1: vowel harmony (the Essic family) ---------------------------------------------
F1_ON = ["k", "t", "l", "m", "n", "s", "v", "h", "r", "j", "p", "kk", "tt", "ll"]
F1_CODA = ["", "", "", "n", "l", "s", "r"]
FRONT, BACK, ANY = "eiyäö", "aou", "aeiouyäö"


def f1(suffixes, harmony):
    def make(rng):
        vowels = rng.choice([FRONT, BACK]) if harmony else ANY
        stem = "".join(syllables(rng, F1_ON, vowels, F1_CODA, rng.randint(2, 3)))
        return stem + rng.choice(suffixes)
    return make


# --- family 2: open CV syllables, counted (the Tamaru family) -------------------------------
F2_ON = ["k", "m", "n", "p", "r", "t", "w", "h", "s", "y"]


def f2(last, even):
    def make(rng):
        n = rng.choice([2, 4, 6] if even else [3, 5, 7])
        return "".join(syllables(rng, F2_ON, "aeiou", [""], n - 1)) + rng.choice(last)
    return make


# --- family 3: consonant clusters, start-end agreement (the Zdravic family) ----------------
F3_ON = ["b", "d", "g", "k", "p", "t", "v", "z", "br", "dr", "kr", "pr", "st", "zd", "sk",
         "gr", "ml", "tv", "č", "š", "ž"]
F3_CODA = ["", "", "k", "n", "s", "t", "r"]


def f3(if_vowel, if_consonant, letter):
    def make(rng):
        first = rng.choice(["", "", "o", "a", "i", "u"])  # "": starts with a consonant
        stem = first + "".join(syllables(rng, F3_ON, "aeiou" + letter, F3_CODA,
                                         rng.randint(1, 3)))
        return stem + rng.choice(if_vowel if first else if_consonant)
    return make


# --- family 4: reduplication (the Lelani family) --------------------------------------------
F4_ON = ["b", "d", "l", "m", "n", "r", "s", "t", "v", "c", "g", "f"]


def f4(suffixes, redup, double):
    def make(rng):
        syl = syllables(rng, F4_ON, "aeio", [""], rng.randint(1, 2))
        if redup:
            syl = syl[:1] + syl
        if double:  # the last consonant doubled: "-etti", "-illa"
            syl[-1] = syl[-1][0] + syl[-1]
        return "".join(syl) + rng.choice(suffixes)
    return make


# --- family 5: root and pattern (the Qadiri family) -----------------------------------------
ROOT = "bdfghjklmnqrstwz"


def f5(patterns):
    def make(rng):
        c = rng.sample(ROOT, 3)  # three root consonants fill the pattern's 1 2 3
        p = rng.choice(patterns)
        return p.replace("1", c[0]).replace("2", c[1]).replace("3", c[2])
    return make


LANGUAGES = {
    "Essari": f1(["nen", "la", "sto"], harmony=True),
    "Ulmari": f1(["nen", "la", "sto"], harmony=False),
    "Kettish": f1(["vi", "ska", "rum"], harmony=True),
    "Ovrand": f1(["vi", "ska", "rum"], harmony=False),
    "Tamaru": f2(["ru", "ka", "ni"], even=True),
    "Pohaki": f2(["ru", "ka", "ni"], even=False),
    "Wairen": f2(["ne", "to", "hi"], even=True),
    "Moanu": f2(["ne", "to", "hi"], even=False),
    "Zdravic": f3(["ov", "ev"], ["ek", "ič"], ""),
    "Brodny": f3(["ek", "ič"], ["ov", "ev"], ""),
    "Kroslav": f3(["ov", "ev"], ["ek", "ič"], "y"),
    "Tvarek": f3(["ek", "ič"], ["ov", "ev"], "y"),
    "Lelani": f4(["no", "ra", "sa"], redup=True, double=False),
    "Bovena": f4(["no", "ra", "sa"], redup=False, double=False),
    "Casetti": f4(["i", "a", "o"], redup=True, double=True),
    "Fiorel": f4(["i", "a", "o"], redup=False, double=True),
    "Qadiri": f5(["1a2i3", "al-1a2i3", "1a22a3i"]),
    "Mahrun": f5(["ma12u3", "1u2a3", "1a2u3a"]),
    "Jazimi": f5(["1a2i3i", "ma12a3", "1i2a3"]),
    "Sulwah": f5(["1u2a3ah", "ma12i3", "1a2a3"]),
}


def make_names() -> dict[str, list[str]]:
    rng = random.Random(SEED)
    names = list(LANGUAGES)
    sizes = SIZES[:]
    rng.shuffle(sizes)  # which language is common must not follow the families
    out = {}
    for lang, size in zip(names, sizes):
        seen: dict[str, None] = {}
        n_loans = round(size * LOANS)
        while len(seen) < size:
            donor = rng.choice(names) if len(seen) < n_loans else lang
            name = LANGUAGES[donor](rng)
            seen.setdefault(name[0].upper() + name[1:], None)
        out[lang] = sorted(seen)
    return out


def main() -> None:
    names = make_names()
    total = 0
    if "--check" not in sys.argv:
        OUT.mkdir(exist_ok=True)
    for lang, words in names.items():
        text = "\n".join(words) + "\n"
        total += len(text.encode("utf-8"))
        if "--check" not in sys.argv:
            (OUT / f"{lang}.txt").write_text(text, encoding="utf-8", newline="\n")
    print(f"names/: {len(names)} classes, {sum(map(len, names.values())):,} names, "
          f"{total:,} bytes")


if __name__ == "__main__":
    main()
