"""Group articles into stories (first version: batch average-linkage over all stored articles).

Two articles' affinity is a blend of whole-text, lead and title similarity from
the multilingual encoder, nudged up when they name the same places and down
when their places lie in different countries; articles published further apart
than ``story_window_days`` never share a story. Groups are merged by average
linkage while the mean affinity between them stays above ``story_threshold``,
so one stray pair cannot chain two stories together. Every member keeps the
reason it is in its story.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from .records import Article, ArticleVectors, Story, StoryMember
from .settings import Settings
from .store import Store

_PLACE_BONUS = 0.05
_PLACE_PENALTY = 0.12
_FORBIDDEN = 50.0  # distance standing for "never in one story"


def _place_sets(article: Article) -> tuple[set[str], set[str]]:
    places = {m.key for m in article.mentions if m.kind == "place" and not m.key.startswith("continent:")}
    countries = {str(m.attrs.get("country")) for m in article.mentions if m.kind == "place" and m.attrs.get("country")}
    return places, countries


def affinity_matrix(articles: Sequence[Article], vectors: Sequence[ArticleVectors], settings: Settings) -> np.ndarray:
    """Pairwise affinities in [−1, 1]; ``-inf`` where articles are too far apart in time."""
    body = np.stack([v.body for v in vectors])
    lead = np.stack([v.lead for v in vectors])
    title = np.stack([v.title for v in vectors])
    aff = 0.5 * (body @ body.T) + 0.3 * (lead @ lead.T) + 0.2 * (title @ title.T)
    places = [_place_sets(a) for a in articles]
    n = len(articles)
    window = settings.story_window_days * 86400
    for i in range(n):
        for j in range(i + 1, n):
            (pi, ci), (pj, cj) = places[i], places[j]
            if pi & pj:
                delta = _PLACE_BONUS
            elif ci and cj and not ci & cj:
                delta = -_PLACE_PENALTY
            else:
                delta = 0.0
            ti, tj = articles[i].published, articles[j].published
            if ti is not None and tj is not None and abs((ti - tj).total_seconds()) > window:
                delta = -np.inf
            aff[i, j] += delta
            aff[j, i] += delta
    return np.asarray(aff)


def _cluster(aff: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage agglomeration (scipy); groups stop merging below ``threshold`` mean affinity."""
    n = len(aff)
    if n == 1:
        return [[0]]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = 1.0 - np.where(np.isfinite(aff), aff, -_FORBIDDEN)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(np.clip(distance, 0.0, None), checks=False), method="average")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return list(groups.values())


def _order_key(article: Article) -> tuple[float, str]:
    return (article.published.timestamp() if article.published else float("inf"), article.id)


def _story(members: list[int], articles: Sequence[Article], aff: np.ndarray) -> Story:
    ordered = sorted(members, key=lambda i: _order_key(articles[i]))
    sub = aff[np.ix_(ordered, ordered)]
    centrality = sub.mean(axis=1) if len(ordered) > 1 else np.ones(1)
    story_members = []
    for pos, i in enumerate(ordered):
        a = articles[i]
        if pos == 0:
            reason = "first article of the story"
            score = None
        else:
            earlier = ordered[:pos]
            j = max(earlier, key=lambda k: aff[i, k])
            score = round(float(aff[i, j]), 4)
            closest = articles[j]
            reason = (
                f"joined: closest to “{closest.title or closest.id}” ({closest.outlet or 'unknown outlet'}), "
                f"affinity {score:.2f}"
            )
        story_members.append(StoryMember(a.id, reason, score))
    labels: dict[str, str] = {}
    for idx in np.argsort(-centrality):
        article = articles[ordered[int(idx)]]
        if article.language and article.title and article.language not in labels:
            labels[article.language] = article.title
    central = articles[ordered[int(np.argmax(centrality))]]
    first = articles[ordered[0]]
    published = [p for p in (articles[i].published for i in ordered) if p is not None]
    return Story(
        id="s" + hashlib.sha1(first.id.encode()).hexdigest()[:11],
        label=central.title or central.lead[:80],
        members=story_members,
        labels=labels,
        languages=sorted({lang for i in ordered if (lang := articles[i].language)}),
        outlets=sorted({outlet for i in ordered if (outlet := articles[i].outlet)}),
        first_seen=min(published, default=None),
        last_seen=max(published, default=None),
    )


def group_articles(
    articles: Sequence[Article], vectors: Sequence[ArticleVectors], settings: Settings | None = None
) -> list[Story]:
    """Group articles into stories, most recently active first."""
    settings = settings or Settings()
    if not articles:
        return []
    aff = affinity_matrix(articles, vectors, settings)
    stories = [_story(g, articles, aff) for g in _cluster(aff, settings.story_threshold)]
    stories.sort(key=lambda s: (s.last_seen.timestamp() if s.last_seen else 0.0, s.id), reverse=True)
    return stories


def group_store(store: Store, settings: Settings | None = None) -> list[Story]:
    """Regroup every stored article into stories and save them (replacing the previous grouping)."""
    from .embed import embed_articles, load_encoder

    settings = settings or Settings()
    articles = list(store.iter_articles())
    vectors = embed_articles(articles, load_encoder(settings.encoder, settings.threads), cache=store)
    stories = group_articles(articles, vectors, settings)
    store.replace_stories(stories)
    return stories
