"""Stories: online, cross-lingual, time-aware clustering of an article stream — with a reason for every decision.

Each article, in arrival order, joins a story or starts one (:class:`Clusterer`):

1. **Copies.** Its MinHash signature (word 3-shingles) is looked up in the LSH
   bands of every stored article; a stored article whose wording it shares at
   ≥ 70% (estimated Jaccard) within the time window makes it a copy: it joins
   that article's story and is linked to it (``copy_of``).
2. **Candidates.** The nearest stored articles by meaning (the vector index over
   whole-text embeddings, cross-lingual by construction) name the candidate
   stories; stories that went cold — last seen more than ``story_window_days``
   before the article, or first seen that long after it — are dropped.
3. **Decision.** The article is compared with each candidate story's closest
   members: pair features, the pair scorer's dimensions (Narrative, Entities,
   Geography, Time, Overall) and a logistic model trained on event-coreference
   pairs give the probability that they report the same story. The best story
   wins when that probability reaches the model's threshold (tuned on the
   development data); otherwise the article starts a new story.

The reason is stored with the membership: the best-matching member, its scores,
shared places and entities, the margin over the runner-up — or, for a new
story, the nearest one and why it was not joined.

Maintenance (merge, split, move, undo, and the pass that merges stories which
grew together) records every change in the store's event log, so each one can
be undone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .embed import embed_articles, load_encoder
from .errors import ConfigError, InputError, NotFoundError
from .extract import parse_datetime
from .features import Profile, article_profile, document_terms, idf_cosine, pair_features
from .index import ExactIndex, UsearchIndex, VectorIndex, estimated_jaccard, lsh_bands, minhash
from .readers.jsonl import json_lines
from .records import Article, ArticleVectors, Document, Problem, Story, StoryMember
from .score import Scorer, get_scorer
from .settings import Settings
from .store import Store

NEIGHBOURS = 30
CANDIDATE_STORIES = 5
MEMBERS_PER_STORY = 3
COPY_JACCARD = 0.7
MODEL_FILE = "same-story.json"
SCORE_DIMENSIONS = ("Narrative", "Entities", "Geography", "Time", "Overall")


# -- the same-story model -----------------------------------------------------------
@dataclass(slots=True)
class Logistic:
    """A standardised logistic regression over named features (missing values take the training median)."""

    features: list[str]
    medians: list[float]
    means: list[float]
    scales: list[float]
    coef: list[float]
    intercept: float

    def probability(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        x = np.array([[row.get(n, math.nan) for n in self.features] for row in rows], dtype=np.float64)
        x = np.where(np.isnan(x), np.array(self.medians)[None, :], x)
        z = ((x - np.array(self.means)) / np.array(self.scales)) @ np.array(self.coef) + self.intercept
        return np.asarray(1 / (1 + np.exp(-z)))


@dataclass(slots=True)
class StoryModel:
    """P(two articles report the same story): a same-language variant (word overlap included) and a
    cross-language one; a story's probability is the mean over its closest members (``aggregate``)."""

    variants: dict[str, Logistic]
    threshold: float
    aggregate: str = "mean"
    meta: dict[str, Any] = field(default_factory=dict)

    def probability(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        out = np.zeros(len(rows))
        for name in ("same", "cross"):
            idx = [i for i, r in enumerate(rows) if (r.get("same_language") == 1.0) == (name == "same")]
            if idx:
                variant = self.variants.get(name) or self.variants["cross"]
                out[idx] = variant.probability([rows[i] for i in idx])
        return out

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> StoryModel:
        data = json.loads(text)
        data["variants"] = {k: Logistic(**v) for k, v in data["variants"].items()}
        return cls(**data)


def story_model_path() -> Path:
    return Path(str(files("storyline").joinpath("models", MODEL_FILE)))


@cache
def default_story_model() -> StoryModel:
    path = story_model_path()
    try:
        return StoryModel.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"the story model {path} cannot be read ({exc}); rebuild it with `make train`") from None


def decision_features(features: dict[str, float], scores: dict[str, float]) -> dict[str, float]:
    """What the same-story model sees: pair features plus the scorer's dimensions and a date flag."""
    row = dict(features)
    row.update({f"score_{dim}": scores[dim] for dim in SCORE_DIMENSIONS})
    row["dates_known"] = 0.0 if math.isnan(features.get("log_days_apart", math.nan)) else 1.0
    return row


def decision_rows(
    store: Store,
    left: Sequence[Profile],
    right: Sequence[Profile],
    scorer: Scorer,
    documents: int | None = None,
    frequencies: Callable[[Sequence[str]], Mapping[str, int]] | None = None,
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """The same-story model's inputs for pairs of profiles, and the scorer's dimensions for them.

    Pair features, the scorer's dimensions and, for pairs in one language, the TF-IDF
    cosine with the store's document frequencies.
    """
    features = [pair_features(a, b) for a, b in zip(left, right, strict=True)]
    scores = scorer.score(features)
    rows = [decision_features(f, sc) for f, sc in zip(features, scores, strict=True)]
    same = [a.language == b.language for a, b in zip(left, right, strict=True)]
    words = {w for a, b, s in zip(left, right, same, strict=True) if s for w in (*a.words, *b.words)}
    df = (frequencies or store.term_frequencies)(sorted(words)) if words else {}
    documents = store.count_articles() if documents is None else documents
    for a, b, s, row in zip(left, right, same, rows, strict=True):
        row["idf_cosine"] = idf_cosine(a, b, df, documents) if s else math.nan
    return rows, scores


# -- decisions ---------------------------------------------------------------------
@dataclass(slots=True)
class Decision:
    """Where one article went, and why."""

    article_id: str
    story_id: str
    new_story: bool
    reason: str
    probability: float | None = None
    copy_of: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Candidate:
    story_id: str
    probability: float
    member_id: str
    similarity: float
    scores: dict[str, float]
    shared: dict[str, list[str]]


def _story_id(article_id: str) -> str:
    return "s" + hashlib.sha1(article_id.encode()).hexdigest()[:11]


def _days(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (a - b).total_seconds() / 86400


def _shared_labels(a: Article, b: Article) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kind in ("place", "entity"):
        keys_b = {m.key for m in b.mentions if m.kind == kind}
        labels = list(dict.fromkeys(m.label for m in a.mentions if m.kind == kind and m.key in keys_b))
        if labels:
            out[kind + "s"] = labels[:8]
    return out


def open_index(store: Store, dim: int) -> VectorIndex:
    """The store's vector index: a usearch file beside the database (in memory for ``:memory:``)."""
    path = getattr(store, "path", None)
    if path is None or str(path) == ":memory:":
        return ExactIndex(dim)
    return UsearchIndex(dim, Path(str(path) + ".usearch"))


class Clusterer:
    """Assigns articles to stories one at a time, in arrival order (see the module doc)."""

    def __init__(
        self,
        store: Store,
        settings: Settings | None = None,
        index: VectorIndex | None = None,
        scorer: Scorer | None = None,
        model: StoryModel | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.encoder = load_encoder(self.settings.encoder, self.settings.threads)
        self.index = index if index is not None else open_index(store, self.encoder.dim)
        self.scorer = scorer or get_scorer("learned")
        self.model = model or default_story_model()
        self.threshold = self.model.threshold if self.settings.story_threshold <= 0 else self.settings.story_threshold
        self._profiles: OrderedDict[str, tuple[Article, Profile]] = OrderedDict()
        self._documents: int | None = None
        self._since_count = 0
        self._df: dict[str, int] = {}
        if not store.has_terms() and store.count_articles():
            rebuild_terms(store)
        if len(self.index) == 0 and store.count_stories():
            self.sync()  # stories exist but the index does not: an older store, or a lost index file

    # -- helpers ---------------------------------------------------------------------
    def _profile(self, article_id: str) -> tuple[Article, Profile]:
        return self._profiles_of([article_id])[article_id]

    def _profiles_of(self, article_ids: Sequence[str]) -> dict[str, tuple[Article, Profile]]:
        """Articles with their feature profiles, from the cache or loaded together in one go."""
        missing = [i for i in dict.fromkeys(article_ids) if i not in self._profiles]
        if missing:
            articles = list(self.store.iter_articles(missing))
            for article, vectors in zip(
                articles, embed_articles(articles, self.encoder, cache=self.store, sentences=False), strict=True
            ):
                self._remember(article, article_profile(article, vectors))
        found = {}
        for article_id in article_ids:
            self._profiles.move_to_end(article_id)
            found[article_id] = self._profiles[article_id]
        return found

    def _remember(self, article: Article, profile: Profile) -> None:
        self._profiles[article.id] = (article, profile)
        while len(self._profiles) > 4096:
            self._profiles.popitem(last=False)

    def _warm(self, story: Story, published: datetime | None) -> bool:
        window = self.settings.story_window_days
        after_last = _days(published, story.last_seen)
        before_first = _days(story.first_seen, published)
        return not (
            (after_last is not None and after_last > window) or (before_first is not None and before_first > window)
        )

    def sync(self) -> int:
        """Index stored articles that are in a story but missing from the vector index or the copy
        index (a store from an older version, a lost index file, a crash); returns how many."""
        ids = list(self.store.stories_of([a.id for a in self.store.iter_articles()]))
        keys = self.store.article_keys(ids)
        in_index = self.index.contains([keys[i] for i in ids])
        with_minhash = self.store.has_minhash(ids)
        missing = [i for i, present in zip(ids, in_index, strict=True) if not present or i not in with_minhash]
        for start in range(0, len(missing), 256):
            chunk = list(self.store.iter_articles(missing[start : start + 256]))
            vectors = embed_articles(chunk, self.encoder, cache=self.store, sentences=False)
            self.index.add([keys[a.id] for a in chunk], np.stack([v.body for v in vectors]))
            signatures = [(a.id, sig, lsh_bands(sig)) for a, sig in ((a, minhash(a.text)) for a in chunk)]
            self.store.put_minhash(signatures)
        self.index.save()
        return len(missing)

    def same_story(
        self, left: Sequence[Profile], right: Sequence[Profile]
    ) -> tuple[np.ndarray, list[dict[str, float]]]:
        """P(same story) for each pair of profiles, and the pair scorer's dimensions behind it."""
        if self._documents is None or self._since_count > 1000:
            self._documents, self._since_count = self.store.count_articles(), 0
            self._df.clear()  # document frequencies drift slowly: refresh them now and then
        rows, scores = decision_rows(self.store, left, right, self.scorer, self._documents, self._frequencies)
        return self.model.probability(rows), scores

    def _frequencies(self, words: Sequence[str]) -> Mapping[str, int]:
        missing = [w for w in words if w not in self._df]
        if missing:
            found = self.store.term_frequencies(missing)
            self._df.update({w: found.get(w, 0) for w in missing})
        return self._df

    # -- the decision ----------------------------------------------------------------
    def _copy_of(self, article: Article, signature: np.ndarray, bands: list[int]) -> tuple[str, float] | None:
        matches = []
        for other, other_signature in self.store.minhash_candidates(bands).items():
            if other == article.id:
                continue
            similarity = estimated_jaccard(signature, other_signature)
            if similarity >= COPY_JACCARD:
                matches.append((other, similarity))
        if not matches:
            return None
        stories = self.store.stories_of([m for m, _ in matches])
        dates = self.store.article_dates([m for m, _ in matches])
        usable = []
        for other, similarity in matches:
            gap = _days(article.published, dates.get(other))
            if other in stories and (gap is None or abs(gap) <= self.settings.story_window_days):
                usable.append((other, similarity))
        if not usable:
            return None

        def earliest(item: tuple[str, float]) -> tuple[float, float]:
            published = dates.get(item[0])
            return (published.timestamp() if published else math.inf, -item[1])

        return min(usable, key=earliest)

    def _candidates(self, article: Article, profile: Profile, body: np.ndarray) -> list[_Candidate]:
        hits = self.index.search(body, NEIGHBOURS)
        if not hits:
            return []
        ids = self.store.articles_for_keys([k for k, _ in hits])
        similarity = {ids[k]: s for k, s in hits if k in ids and ids[k] != article.id}
        stories = self.store.stories_of(list(similarity))
        by_story: dict[str, list[str]] = {}
        for member in sorted(similarity, key=lambda m: -similarity[m]):
            if member in stories:
                by_story.setdefault(stories[member], []).append(member)
        headers = self.store.story_headers(list(by_story))
        ranked = [s for s in by_story if s in headers and self._warm(headers[s], article.published)]
        ranked = ranked[:CANDIDATE_STORIES]
        pairs: list[tuple[str, str]] = [(s, m) for s in ranked for m in by_story[s][:MEMBERS_PER_STORY]]
        if not pairs:
            return []
        members = self._profiles_of([m for _, m in pairs])
        probabilities, scores = self.same_story([profile] * len(pairs), [members[m][1] for _, m in pairs])
        per_story: dict[str, list[float]] = {}
        best: dict[str, _Candidate] = {}
        for (story, member), p, sc in zip(pairs, probabilities, scores, strict=True):
            per_story.setdefault(story, []).append(float(p))
            if story not in best or p > best[story].probability:
                best[story] = _Candidate(
                    story, float(p), member, similarity[member], sc, _shared_labels(article, members[member][0])
                )
        if self.model.aggregate == "mean":
            for story, candidate in best.items():
                candidate.probability = float(np.mean(per_story[story]))
        return sorted(best.values(), key=lambda c: -c.probability)

    def _title(self, article_id: str) -> str:
        article = self._profile(article_id)[0]
        outlet = f" ({article.outlet})" if article.outlet else ""
        return f"“{article.title or article.lead[:60]}”{outlet}"

    def assign(self, article: Article, vectors: ArticleVectors) -> Decision:
        """Put one stored, embedded article into a story (existing or new) and record why."""
        if self.store.stories_of([article.id]):
            raise InputError(f"article {article.id} is already in a story; move it with `storyline move`")
        profile = article_profile(article, vectors)
        self._remember(article, profile)
        signature = minhash(article.text)
        bands = lsh_bands(signature)
        self.store.put_minhash([(article.id, signature, bands)])
        copy = self._copy_of(article, signature, bands)
        if copy is not None:
            original, similarity = copy
            story_id = self.store.stories_of([original])[original]
            decision = Decision(
                article.id,
                story_id,
                False,
                f"copy of {self._title(original)}: {similarity:.0%} of its wording",
                copy_of=original,
                details={"kind": "copy", "copy_of": original, "wording_similarity": round(similarity, 3)},
            )
        else:
            decision = self._decide(article, profile, vectors.body)
        self._apply(article, decision)
        self._since_count += 1
        key = self.store.article_keys([article.id])[article.id]
        self.index.add([key], vectors.body[None, :])
        return decision

    def _decide(self, article: Article, profile: Profile, body: np.ndarray) -> Decision:
        candidates = self._candidates(article, profile, body)
        best = candidates[0] if candidates else None
        runner_up = candidates[1] if len(candidates) > 1 else None
        details: dict[str, Any] = {"threshold": round(self.threshold, 3)}
        if best is not None:
            details.update(
                {
                    "best_member": best.member_id,
                    "best_story": best.story_id,
                    "probability": round(best.probability, 3),
                    "similarity": round(best.similarity, 3),
                    "scores": {k: round(v, 2) for k, v in best.scores.items() if k in SCORE_DIMENSIONS},
                    "shared": best.shared,
                }
            )
        if runner_up is not None:
            details["runner_up"] = {"story": runner_up.story_id, "probability": round(runner_up.probability, 3)}
            details["margin"] = round(best.probability - runner_up.probability, 3) if best else None
        if best is not None and best.probability >= self.threshold:
            shared = (
                "; shared " + ", ".join(f"{k}: {', '.join(v[:4])}" for k, v in best.shared.items())
                if best.shared
                else ""
            )
            margin = f"; margin over the runner-up {details['margin']:.2f}" if runner_up is not None else ""
            reason = (
                f"joined: closest to {self._title(best.member_id)}, same-story probability "
                f"{best.probability:.2f} (Narrative {best.scores['Narrative']:.1f}, Entities "
                f"{best.scores['Entities']:.1f}){shared}{margin}"
            )
            return Decision(
                article.id, best.story_id, False, reason, best.probability, details={"kind": "joined", **details}
            )
        if best is None:
            reason = "new story: no warm story nearby"
        else:
            reason = (
                f"new story: nearest was {self._title(best.member_id)} in story {best.story_id}, "
                f"same-story probability {best.probability:.2f} < {self.threshold:.2f}"
            )
        return Decision(
            article.id,
            _story_id(article.id),
            True,
            reason,
            best.probability if best else None,
            details={"kind": "new", **details},
        )

    def _apply(self, article: Article, decision: Decision) -> None:
        member = StoryMember(article.id, decision.reason, decision.probability, decision.copy_of, decision.details)
        with self.store.transaction():
            if decision.new_story:
                self.store.create_story(
                    decision.story_id,
                    article.title or article.lead[:80],
                    {article.language: article.title} if article.language and article.title else {},
                )
            self.store.add_member(decision.story_id, member)
            if not decision.new_story:
                self.relabel(decision.story_id)

    def relabel(self, story_id: str) -> None:
        """Label a story, per language, with the title of its most central member in that language."""
        ids = self.store.member_ids(story_id)[:50]
        if not ids:
            return
        loaded = self._profiles_of(ids)
        profiles = [loaded[i] for i in ids]
        bodies = np.stack([p.body for _, p in profiles])
        centrality = (bodies @ bodies.T).mean(axis=1)
        labels: dict[str, str] = {}
        for i in np.argsort(-centrality):
            article = profiles[int(i)][0]
            if article.language and article.title and article.language not in labels:
                labels[article.language] = article.title
        central = profiles[int(np.argmax(centrality))][0]
        self.store.set_story_labels(story_id, central.title or central.lead[:80], labels)

    def assign_many(self, articles: Iterable[Article], progress: Callable[[int], None] | None = None) -> list[Decision]:
        """Assign stored articles in the order given (embedding vectors come from the store's cache)."""
        decisions = []
        batch: list[Article] = []

        def flush() -> None:
            vectors = embed_articles(batch, self.encoder, cache=self.store, sentences=False)
            for article, v in zip(batch, vectors, strict=True):
                decisions.append(self.assign(article, v))
            if progress:
                progress(len(batch))
            batch.clear()

        for article in articles:
            batch.append(article)
            if len(batch) >= 64:
                flush()
        if batch:
            flush()
        self.index.save()
        return decisions


# -- whole-store operations -----------------------------------------------------------
def rebuild_terms(store: Store) -> None:
    """Count document frequencies over every stored article (for a store made before they were kept)."""
    from collections import Counter

    counts: Counter[str] = Counter()
    for article in store.iter_articles():
        counts.update(document_terms(article))
    store.add_term_counts(counts)


def _arrival_order(articles: list[Article]) -> list[Article]:
    """Date order when dates exist (undated articles keep their place at the end, in input order)."""
    dated = [a for a in articles if a.published is not None]
    undated = [a for a in articles if a.published is None]
    return sorted(dated, key=lambda a: a.published or datetime.min) + undated


def assign_new(
    store: Store, article_ids: Sequence[str], settings: Settings | None = None, clusterer: Clusterer | None = None
) -> list[Decision]:
    """Assign freshly ingested articles (in date order) to stories."""
    clusterer = clusterer or Clusterer(store, settings)
    return clusterer.assign_many(_arrival_order(list(store.iter_articles(list(article_ids)))))


def recluster(
    store: Store, settings: Settings | None = None, progress: Callable[[int], None] | None = None
) -> list[Decision]:
    """Forget every story (and the change log) and assign all stored articles again, in date order."""
    settings = settings or Settings()
    store.replace_stories([])
    path = getattr(store, "path", None)
    if path is not None:
        Path(str(path) + ".usearch").unlink(missing_ok=True)
    clusterer = Clusterer(store, settings)
    return clusterer.assign_many(_arrival_order(list(store.iter_articles())), progress)


# -- maintenance: merge, split, move, undo ------------------------------------------------
def _snapshot(store: Store, story_id: str) -> dict[str, Any]:
    story = store.get_story(story_id)
    return {
        "id": story.id,
        "label": story.label,
        "labels": story.labels,
        "members": [
            {
                "article_id": m.article_id,
                "reason": m.reason,
                "score": m.score,
                "copy_of": m.copy_of,
                "details": m.details,
            }
            for m in story.members
        ],
    }


def _restore(store: Store, snapshot: dict[str, Any]) -> None:
    ids = [m["article_id"] for m in snapshot["members"]]
    for article_id in store.stories_of(ids):
        store.remove_member(article_id)
    store.delete_story(snapshot["id"])
    store.create_story(snapshot["id"], snapshot["label"], snapshot["labels"])
    for m in snapshot["members"]:
        store.add_member(
            snapshot["id"],
            StoryMember(m["article_id"], m["reason"], m["score"], m["copy_of"], m["details"]),
            refresh=False,
        )
    store.refresh_story(snapshot["id"])


def merge_stories(store: Store, keep: str, other: str, reason: str = "merged by hand") -> int:
    """Move every member of ``other`` into ``keep``; returns the change's event id (undo with :func:`undo`)."""
    keep_id, other_id = store.get_story(keep).id, store.get_story(other).id
    if keep_id == other_id:
        raise InputError("those are the same story; give two different story ids")
    with store.transaction():
        before = [_snapshot(store, keep_id), _snapshot(store, other_id)]
        for member in store.get_story(other_id).members:
            store.remove_member(member.article_id, refresh=False)
            member.reason = f"{reason} from story {other_id} — before: {member.reason}"
            store.add_member(keep_id, member, refresh=False)
        store.delete_story(other_id)
        store.refresh_story(keep_id)
        return store.record_event("merge", {"keep": keep_id, "other": other_id, "reason": reason, "before": before})


def split_story(store: Store, story: str, article_ids: Sequence[str], reason: str = "split by hand") -> tuple[str, int]:
    """Move ``article_ids`` out of ``story`` into a new story; returns its id and the event id."""
    story_id = store.get_story(story).id
    members = {m.article_id: m for m in store.get_story(story_id).members}
    wanted = [store.get_article(a).id for a in article_ids]
    strangers = [a for a in wanted if a not in members]
    if strangers:
        raise InputError(f"article {strangers[0]} is not in story {story_id}; see `storyline story {story_id}`")
    if len(wanted) == len(members):
        raise InputError("a split must leave at least one article in the story")
    new_id = _story_id(wanted[0] + ":split")
    with store.transaction():
        before = [_snapshot(store, story_id)]
        first = store.get_article(wanted[0])
        store.create_story(new_id, first.title or first.lead[:80], {})
        for article_id in wanted:
            _, member = store.remove_member(article_id, refresh=False)
            member.reason = f"{reason} from story {story_id} — before: {member.reason}"
            store.add_member(new_id, member, refresh=False)
        store.refresh_story(story_id)
        store.refresh_story(new_id)
        event = store.record_event(
            "split", {"story": story_id, "new": new_id, "articles": wanted, "reason": reason, "before": before}
        )
    return new_id, event


def move_article(store: Store, article: str, story: str, reason: str = "moved by hand") -> int:
    """Move one article into another story; returns the event id."""
    article_id = store.get_article(article).id
    target = store.get_story(story).id
    with store.transaction():
        source = store.stories_of([article_id]).get(article_id)
        if source is None:
            raise InputError(f"article {article_id} is in no story yet")
        if source == target:
            raise InputError(f"article {article_id} is already in story {target}")
        before = [_snapshot(store, source), _snapshot(store, target)]
        _, member = store.remove_member(article_id)
        member.reason = f"{reason} from story {source} — before: {member.reason}"
        store.add_member(target, member)
        return store.record_event(
            "move", {"article": article_id, "from": source, "to": target, "reason": reason, "before": before}
        )


def undo(store: Store, event_id: int) -> None:
    """Put the stories a change touched back as they were before it."""
    event = store.get_event(event_id)
    if event.undone_at:
        raise InputError(f"change #{event_id} was already undone at {event.undone_at}")
    with store.transaction():
        touched = {event.payload.get("new")} - {None}
        for story_id in touched:
            try:
                ids = store.member_ids(str(story_id))
            except NotFoundError:
                ids = []
            for article_id in ids:
                store.remove_member(article_id, refresh=False)
            store.delete_story(str(story_id))
        for snapshot in event.payload["before"]:
            _restore(store, snapshot)
        store.mark_event_undone(event_id)


def merge_grown_together(
    store: Store, settings: Settings | None = None, since_days: float | None = None, min_similarity: float = 0.8
) -> list[int]:
    """The periodic pass: merge warm stories whose centres have grown together; returns event ids.

    Looks at stories active within ``since_days`` of the newest one (default: the story
    window; 0 = every story). Two stories merge when their centroids are at least
    ``min_similarity`` alike in cosine, their times overlap within the window, and their
    first members pass the same-story model; each merge is recorded with its reason.
    """
    settings = settings or Settings()
    clusterer = Clusterer(store, settings)
    stories = store.list_stories()
    if not stories:
        return []
    newest = max((s.last_seen for s in stories if s.last_seen), default=None)
    window = since_days if since_days is not None else settings.story_window_days
    warm = [
        s
        for s in stories
        if window <= 0 or newest is None or s.last_seen is None or (_days(newest, s.last_seen) or 0) <= window
    ]
    centres: dict[str, np.ndarray] = {}
    for story in warm:
        bodies = np.stack([clusterer._profile(m.article_id)[1].body for m in story.members[:50]])
        centre = bodies.mean(axis=0)
        centres[story.id] = centre / max(float(np.linalg.norm(centre)), 1e-9)
    ids = list(centres)
    events: list[int] = []
    merged: set[str] = set()
    if len(ids) < 2:
        return events
    matrix = np.stack([centres[i] for i in ids])
    sims = matrix @ matrix.T
    order = sorted(
        ((sims[i, j], i, j) for i in range(len(ids)) for j in range(i + 1, len(ids)) if sims[i, j] >= min_similarity),
        reverse=True,
    )
    for similarity, i, j in order:
        a, b = ids[i], ids[j]
        if a in merged or b in merged:
            continue
        head_a, head_b = store.story_headers([a, b])[a], store.story_headers([a, b])[b]
        if not clusterer._warm(head_a, head_b.last_seen) and not clusterer._warm(head_b, head_a.last_seen):
            continue
        pa = clusterer._profile(store.member_ids(a)[0])[1]
        pb = clusterer._profile(store.member_ids(b)[0])[1]
        probability = float(clusterer.same_story([pa], [pb])[0][0])
        if probability < clusterer.threshold:
            continue
        keep, other = (a, b) if len(store.member_ids(a)) >= len(store.member_ids(b)) else (b, a)
        reason = (
            f"merged automatically: the stories grew together (centres {similarity:.2f} alike, "
            f"same-story probability {probability:.2f})"
        )
        events.append(merge_stories(store, keep, other, reason))
        merged.add(other)
    return events


# -- clustering a file without a database ----------------------------------------------
@dataclass(slots=True)
class ClusterReport:
    """What :func:`cluster_file` did: lines written, stories formed, lines skipped with their reasons."""

    written: int = 0
    stories: int = 0
    problems: list[Problem] = field(default_factory=list)


def _read_cluster_lines(path: Path) -> tuple[list[tuple[str, Document]], list[Problem]]:
    items: list[tuple[str, Document]] = []
    problems: list[Problem] = []
    with path.open(encoding="utf-8") as handle:
        for item in json_lines(handle, str(path)):
            if isinstance(item, Problem):
                problems.append(item)
                continue
            number, where, record = item
            if not isinstance(record, dict) or record.get("id") in (None, ""):
                problems.append(Problem(where, f"line {number} has no id; every line needs one"))
                continue
            text = record.get("text") or record.get("title") or ""
            if not isinstance(text, str) or not text.strip():
                problems.append(Problem(where, f"line {number} has no text"))
                continue
            date = record.get("date")
            items.append(
                (
                    str(record["id"]),
                    Document(
                        text=text,
                        title=str(record.get("title") or ""),
                        language=record.get("lang") or None,
                        published=parse_datetime(date) if isinstance(date, str) and date.strip() else None,
                        published_source="input" if date else None,
                        source=where,
                        format="jsonl",
                    ),
                )
            )
    return items, problems


def cluster_file(
    in_path: str | Path,
    out: str | Path | TextIO,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
) -> ClusterReport:
    """Cluster the articles of a JSONL file (``{"id", "lang"?, "title"?, "text", "date"?}``) in date order.

    The same online algorithm as ``ingest``, run in a throwaway store; writes
    ``{"id": ..., "story": ...}`` per input line, in input order.
    """
    import contextlib
    import tempfile

    from .pipeline import build_article, build_batches, run_batches, store_terms
    from .store import open_store

    settings = settings or Settings()
    items, problems = _read_cluster_lines(Path(in_path))
    report = ClusterReport(problems=problems)
    ordered = sorted(
        items, key=lambda item: (item[1].published is None, item[1].published.timestamp() if item[1].published else 0.0)
    )
    article_of: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "cluster.db") as store:
        clusterer: Clusterer | None = None
        batches = build_batches((doc for _, doc in ordered), settings, known=store.has_articles)
        for batch, vectors in run_batches(batches, settings):
            report.problems.extend(batch.problems)
            if vectors:
                store.put_vectors(settings.encoder, vectors)
            if batch.articles:
                store.add_articles(batch.articles)
                store_terms(store, batch.articles)
                clusterer = clusterer or Clusterer(store, settings)
                clusterer.assign_many(batch.articles)
            if progress:
                progress(len(batch.articles) + len(batch.known))
        skipped = {p.source for p in report.problems}
        for item_id, doc in items:
            if doc.source not in skipped:
                article_of[item_id] = build_article(doc, settings).id
        story_of = store.stories_of(list(set(article_of.values())))
        report.stories = store.count_stories()
    with contextlib.ExitStack() as stack:
        stream = out if not isinstance(out, str | Path) else stack.enter_context(Path(out).open("w", encoding="utf-8"))
        for item_id, _ in items:
            if item_id in article_of and article_of[item_id] in story_of:
                stream.write(json.dumps({"id": item_id, "story": story_of[article_of[item_id]]}) + "\n")
                report.written += 1
    return report
