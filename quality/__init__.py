"""Answer quality: aggregation, agreement, worker skill, dynamic overlap and spam rules.

Pure Python and numpy (plus `krippendorff` for reference); imports nothing from the engine.
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
from quality.answers import AnswerSet, read_answers_csv, read_gold_csv
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
    "item_agreement",
    "levenshtein",
    "longest_run",
    "normalize_text",
    "pair_agreement",
    "per_label_alpha",
    "posterior",
    "read_answers_csv",
    "read_gold_csv",
    "smoothed_accuracy",
    "suspension_reason",
    "text_alpha",
    "worker_agreement",
]
