"""The real bundled encoders: cross-lingual similarity, batching and the vector cache."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from storyline.embed import E5Encoder, Encoder, embed_articles, encode_cached, load_encoder
from storyline.errors import ConfigError
from storyline.pipeline import article_from_text
from storyline.records import Matrix
from storyline.store import Store


class Counting:
    """Wraps a real encoder and counts the texts it is asked to embed."""

    def __init__(self, inner: Encoder) -> None:
        self.inner, self.name, self.dim, self.calls = inner, inner.name, inner.dim, 0

    def encode(self, texts: Sequence[str]) -> Matrix:
        self.calls += len(texts)
        return self.inner.encode(texts)


def test_translations_are_closer_than_unrelated_news(encoder: Encoder) -> None:
    v = encoder.encode(
        [
            "A fire destroyed three grain warehouses in the port of Gdansk on Sunday night.",
            "Пожар уничтожил три зерновых склада в порту Гданьска в ночь на воскресенье.",
            "حريق يدمر ثلاثة مستودعات للحبوب في ميناء غدانسك ليلة الأحد",
            "格但斯克港三座粮仓周日夜间被大火烧毁",
            "The central bank raised its key interest rate by a quarter point on Thursday.",
        ]
    )
    assert v.shape == (5, 512) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    sims = v @ v.T
    for i in (1, 2, 3):
        assert sims[0, i] > sims[0, 4] + 0.2


def test_encoder_is_loaded_once_per_process() -> None:
    assert load_encoder("use-multilingual-v3", 2) is load_encoder("use-multilingual-v3", 2)
    with pytest.raises(ConfigError, match="use-multilingual-v3"):
        load_encoder("no-such-model")


def test_cache_means_nothing_is_embedded_twice(encoder: Encoder, store: Store) -> None:
    counting = Counting(encoder)
    texts = ["one sentence here", "another sentence", "one sentence here"]
    first = encode_cached(counting, texts, store)
    assert counting.calls == 2  # the repeated text is embedded once
    again = encode_cached(counting, texts, store)
    assert counting.calls == 2  # all from the store now
    np.testing.assert_allclose(first, again)


def test_article_vectors_cover_title_lead_body_and_sentences(encoder: Encoder, store: Store) -> None:
    a = article_from_text(
        "Firefighters fought the blaze for nine hours. Nobody was killed. The port said 6,000 tonnes of wheat burned.",
        title="Fire in Gdansk harbour",
    )
    [vectors] = embed_articles([a], encoder, store)
    assert vectors.sentences.shape == (3, 512)
    unrelated = encoder.encode(["The central bank raised its key interest rate by a quarter point."])[0]
    assert float(vectors.title @ vectors.body) > float(unrelated @ vectors.body) + 0.1
    assert float(vectors.lead @ vectors.sentences[0]) > 0.7


def test_e5_encoder_works_offline() -> None:
    e5 = E5Encoder(threads=1)
    v = e5.encode(["Пожар в порту Гданьска", "Fire in the port of Gdansk", "Interest rates rose"])
    assert v.shape == (3, 384)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])
