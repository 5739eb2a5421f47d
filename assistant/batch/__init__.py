"""Batch: a window of the wire in, ranked stories, grounded syntheses and a day digest out.

`window` resolves `--date/--since/--until` in a time zone (through `assistant.dates`);
`clustering` groups documents into stories; `ranking` orders them as a desk would lead (outlets,
news over framing and wraps, novelty against the day before, recency); `digest` builds the day
digest; `outputs` writes
files atomically with done markers; `clock` times the stages; `runner` ties the stages together
over the workspace's parts (`core.BatchCore`, which `DeskService.batch` passes).
"""

from assistant.batch.clustering import ClusterParams, Story, StoryClusterer, rank_stories
from assistant.batch.ranking import RankWeights, StoryRanker, StorySignals
from assistant.batch.runner import BatchInterrupted, BatchOptions, BatchReport, BatchRunner
from assistant.batch.window import BatchConfigError, BatchWindow

__all__ = [
    "BatchConfigError",
    "BatchInterrupted",
    "BatchOptions",
    "BatchReport",
    "BatchRunner",
    "BatchWindow",
    "ClusterParams",
    "RankWeights",
    "Story",
    "StoryClusterer",
    "StoryRanker",
    "StorySignals",
    "rank_stories",
]
