"""Storyline: follow news stories across outlets and languages.

The public Python API; everything else is internal. Typical use::

    import storyline
    with storyline.open_store("storyline.db") as store:
        report = storyline.ingest(["articles/"], store)   # each new article joins or starts a story
        for story in store.list_stories():
            print(story.label, story.languages)
"""

from .errors import ConfigError, InputError, MissingExtraError, NotFoundError, StoreError, StorylineError
from .pipeline import IngestReport, article_from_text, articles_from_path, ingest
from .records import DIMENSIONS, Article, Comparison, Document, Mention, Problem, Sentence, Story, StoryMember
from .score import compare
from .settings import Settings, load_settings
from .store import Store, open_store
from .stories import Clusterer, merge_stories, move_article, recluster, split_story, undo

__version__ = "0.1.0"

__all__ = [
    "DIMENSIONS",
    "Article",
    "Clusterer",
    "Comparison",
    "ConfigError",
    "Document",
    "IngestReport",
    "InputError",
    "Mention",
    "MissingExtraError",
    "NotFoundError",
    "Problem",
    "Sentence",
    "Settings",
    "Store",
    "StoreError",
    "Story",
    "StoryMember",
    "StorylineError",
    "__version__",
    "article_from_text",
    "articles_from_path",
    "compare",
    "ingest",
    "load_settings",
    "merge_stories",
    "move_article",
    "open_store",
    "recluster",
    "split_story",
    "undo",
]
