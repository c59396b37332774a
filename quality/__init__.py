"""Answer quality: aggregation, agreement, worker skill, dynamic overlap and spam rules.

Pure Python and numpy (plus `krippendorff` for reference); imports nothing from the engine.
Reading answer and gold files is the engine's job (`engine.tables`): here ids are whatever
values the caller gives, kept as they are.
"""

from quality.aggregation import (
    DawidSkene,
    MajorityVote,
    OneCoinDawidSkene,
    WeightedMajorityVote,
)
from quality.agreement import (
    alpha,
    coincidence_matrix,
    item_agreement,
    pair_agreement,
    per_label_alpha,
    text_alpha,
    worker_agreement,
)
from quality.answers import AnswerSet, factorize, sort_codes
from quality.distance import edit_distance, levenshtein, normalize_text
from quality.skill import combine_skills, smoothed_accuracy
from quality.spam import SpamPolicy, longest_run, suspension_reason
from quality.stopping import Decision, decide, posterior

__all__ = [
    "AnswerSet",
    "DawidSkene",
    "Decision",
    "MajorityVote",
    "OneCoinDawidSkene",
    "SpamPolicy",
    "WeightedMajorityVote",
    "alpha",
    "coincidence_matrix",
    "combine_skills",
    "decide",
    "edit_distance",
    "factorize",
    "item_agreement",
    "levenshtein",
    "longest_run",
    "normalize_text",
    "pair_agreement",
    "per_label_alpha",
    "posterior",
    "smoothed_accuracy",
    "sort_codes",
    "suspension_reason",
    "text_alpha",
    "worker_agreement",
]
