"""New narratives: unmatched relevant posts are clustered, saved per run, and notes can be added."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from classify import get_embedder
from classify.narratives import NarrativeSettings, find_narratives
from store import Classification, Document, Store, queries

NEW_NARRATIVE = [
    "Soc sätter GPS-chip i barnen de omhändertar så de kan spåra dem för alltid",
    "De opererar in ett chip i barnen på HVB-hemmen, soc vet var de är hela tiden",
    "Min kusin säger att soc chippar barnen med GPS innan placeringen 😡",
    "Social services put GPS chips in the children they take, wake up people",
    "They implant tracking chips in kids in Swedish foster care, soc can follow them",
    "Barnen får ett spårningschip under huden när soc tar dem, sprid detta!!",
    "GPS-chip i armen på omhändertagna barn, socialtjänsten erkänner inget",
    "Swedish CPS microchips every child they remove so the parents can never find them",
]
SCATTERED = [
    "Soc stänger kontoret i Rinkeby på fredagar, varför ska vi alltid drabbas",
    "The social worker never answered my emails for three weeks, this is a scandal",
    "Socialtjänsten har för få tolkar och ingen lyssnar på oss föräldrar",
    "Why does soc demand so many papers for ekonomiskt bistånd, it's humiliating",
    "Min handläggare byts ut var tredje månad, hur ska man få förtroende då",
    "They cut the youth centre budget again and soc blames the politicians",
]


@pytest.fixture
def store_with_unmatched(tmp_path):
    store = Store(tmp_path / "n.duckdb")
    queries.init(store)
    end = datetime(2026, 11, 20, 12)
    docs = [
        Document(source="t", native_id=f"n{i}", text=t, published_at=end - timedelta(days=i))
        for i, t in enumerate(NEW_NARRATIVE)
    ] + [
        Document(source="t", native_id=f"s{i}", text=t, published_at=end - timedelta(days=3 * i))
        for i, t in enumerate(SCATTERED)
    ]
    flagged = Document(source="t", native_id="f", text="soc kidnappar barn", published_at=end)
    queries.add_documents(store, [*docs, flagged])
    queries.add_classifications(
        store,
        [Classification(d.id, "m", None, "spreads", 0.4, relevance=0.9) for d in docs]
        + [Classification(flagged.id, "m", "kidnapping", "spreads", 0.9, relevance=0.99)],
    )
    queries.set_active_model(store, "m")
    return store, docs


def test_posts_saying_the_same_new_thing_form_one_growing_cluster(store_with_unmatched):
    store, docs = store_with_unmatched
    found = find_narratives(
        store, get_embedder("e5-small-q4"), NarrativeSettings(min_cluster_size=4), run_id="r1"
    )
    new_ids = {d.id for d in docs[: len(NEW_NARRATIVE)]}
    best = max(found, key=lambda n: len(new_ids & set(n.posts)))
    saved = queries.narratives(store)
    assert len(saved) == len(found) >= 1
    assert best.size >= 5 and best.size <= len(NEW_NARRATIVE) + 1
    assert len(new_ids & set(best.posts)) >= 4  # representatives come from the new narrative
    assert best.recent >= 5 and best.previous <= best.recent  # all within the last two weeks
    assert "chip" in best.terms.lower() or "gps" in best.terms.lower()


def test_flagged_posts_are_never_clustered_as_new(store_with_unmatched):
    store, _ = store_with_unmatched
    candidates = {row[0] for row in queries.unmatched_posts(store, 0.5)}
    assert len(candidates) == len(NEW_NARRATIVE) + len(SCATTERED)
    assert all(text != "soc kidnappar barn" for _, text, _, _ in queries.unmatched_posts(store, 0))


def test_an_analyst_note_is_attached_to_its_cluster(store_with_unmatched):
    store, _ = store_with_unmatched
    find_narratives(
        store, get_embedder("e5-small-q4"), NarrativeSettings(min_cluster_size=4), run_id="r2"
    )
    cluster = int(queries.narratives(store).iloc[0]["cluster"])
    queries.add_narrative_note(store, "r2", cluster, "GPS-chip", "föreslå som nytt påstående", "a1")
    assert int(queries.narratives(store).iloc[0]["notes"]) == 1
    assert queries.narrative_notes(store).iloc[0]["title"] == "GPS-chip"
