"""A keyword-alert baseline: what a careful communications officer sets up in a media-monitoring tool.

Per claim, boolean searches in Swedish, English and Arabic: (social-services term) AND (claim term),
NOT (fact-check vocabulary). A match is reported as spreading that claim — keyword alerts cannot tell
spreading from debunking beyond the NOT list, and they see no other language. This is the bar the
embedding classifier must clear by a wide margin.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SOCIAL_SERVICES = (
    # sv
    "socialtjänst",
    "soc",
    "socialen",
    "socialsekreterare",
    "socialnämnd",
    "lvu",
    "familjehem",
    "hvb",
    "omhänderta",
    "placera",
    "barnavård",
    # en
    "social services",
    "social worker",
    "cps",
    "child protection",
    "foster",
    "swedish state",
    "sweden",
    # ar
    "السوسيال",
    "سوسيال",
    "الشؤون الاجتماعية",
    "الخدمات الاجتماعية",
    "السويد",
    "عائلات حاضنة",
    "عائلة حاضنة",
    "الأسر الحاضنة",
)

CLAIM_TERMS: dict[str, tuple[str, ...]] = {
    "kidnapping": (
        "kidnapp",
        "stjäl barn",
        "stjäl våra barn",
        "rövar bort",
        "barnrov",
        "snor barn",
        "kidnap",
        "abduct",
        "steal children",
        "stealing children",
        "steal kids",
        "snatch",
        "يخطف",
        "خطف",
        "يسرق",
        "سرقة الأطفال",
        "تخطف",
    ),
    "targets_muslims": (
        "muslim",
        "invandrar",
        "araber",
        "utländsk bakgrund",
        "riktar in sig",
        "muslims",
        "immigrant",
        "arab families",
        "target",
        "المسلمين",
        "المسلمة",
        "العرب",
        "المهاجرين",
        "يستهدف",
        "تستهدف",
    ),
    "religion_erasure": (
        "religion",
        "kristna familj",
        "glömma sin",
        "griskött",
        "fläskkött",
        "islam",
        "christian famil",
        "forget their",
        "pork",
        "faith",
        "convert",
        "دينهم",
        "الدين",
        "مسيحية",
        "مسيحي",
        "لحم الخنزير",
        "ينسى",
        "ينسوا",
        "لغتهم",
    ),
    "profit_motive": (
        "tjänar pengar",
        "business",
        "betalt per barn",
        "vinst",
        "pengar på barn",
        "kronor per",
        "profit",
        "money per child",
        "paid per child",
        "industry",
        "تجارة",
        "يربح",
        "أرباح",
        "مال",
        "فلوس",
        "مصاري",
    ),
    "abuse_in_care": (
        "våldtas",
        "våldtäkt",
        "misshandla",
        "utnyttja",
        "säljs",
        "trafficking",
        "övergrepp",
        "abused",
        "raped",
        "trafficked",
        "sold",
        "abuse",
        "اغتصاب",
        "يغتصب",
        "تعذيب",
        "يباع",
        "يبيع",
        "الاتجار",
        "إساءة",
    ),
    "no_return": (
        "aldrig tillbaka",
        "aldrig se",
        "aldrig igen",
        "får aldrig",
        "aldrig hem",
        "never get",
        "never see",
        "never return",
        "never come back",
        "never given back",
        "لن يعود",
        "أبدا",
        "ما رجعوا",
        "لن ترى",
        "لا يعيدون",
        "ما بيرجعوا",
    ),
    "no_due_process": (
        "ingen domstol",
        "utan domstol",
        "ingen advokat",
        "ingen rättegång",
        "bestämmer själv",
        "no court",
        "without court",
        "no lawyer",
        "no trial",
        "no appeal",
        "decides alone",
        "بدون محكمة",
        "بلا محكمة",
        "بدون محامي",
        "لا محكمة",
        "لا محامي",
    ),
    "trivial_reasons": (
        "en örfil",
        "höjde rösten",
        "för att ha",
        "småsak",
        "minsta lilla",
        "en smäll",
        "one slap",
        "raised voice",
        "for nothing",
        "tiny reason",
        "trivial",
        "yelling",
        "صفعة",
        "كف",
        "رفع صوته",
        "سبب تافه",
        "لأتفه",
    ),
}

# A careful officer excludes obvious fact-check vocabulary with NOT terms.
DEBUNK_TERMS = (
    "faktakoll",
    "faktagransk",
    "desinformation",
    "myt",
    "falskt påstående",
    "ryktet",
    "fact check",
    "fact-check",
    "disinformation",
    "misinformation",
    "myth",
    "debunk",
    "false claim",
    "تضليل",
    "شائعة",
    "إشاعة",
    "كذبة",
    "أخبار كاذبة",
    "تصحيح",
)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    # Arabic: drop diacritics and tatweel, unify alef forms, so spelling variants match.
    text = re.sub(r"[\u064b-\u0652\u0640]", "", text)
    return re.sub("[إأآ]", "ا", text)


def _any(text: str, terms: tuple[str, ...]) -> bool:
    return any(_norm(term) in text for term in terms)


@dataclass(frozen=True)
class BaselineResult:
    claim: str | None
    stance: str

    @property
    def flagged(self) -> bool:
        return self.stance == "spreads" and self.claim is not None


def keyword_alert(text: str) -> BaselineResult:
    """The first claim whose alert matches, as 'spreads'; otherwise neutral."""
    norm = _norm(text)
    if not _any(norm, SOCIAL_SERVICES) or _any(norm, DEBUNK_TERMS):
        return BaselineResult(None, "neutral")
    for claim, terms in CLAIM_TERMS.items():
        if _any(norm, terms):
            return BaselineResult(claim, "spreads")
    return BaselineResult(None, "neutral")
