"""Topicality: how near an organisation's past work is to a call's or a need's subject.

A partner must bring evidence of work on the subject, never only a path through the
co-participation graph (issue 26: a health call led by a region was offered a geological survey
and a waste agency because they had shared projects with the region).

**Subjects.** A project's subject is its own e5 vector (title and objective) or, for the many
projects CORDIS gives no text for, the mean vector of the topics that funded it. A call's subject
is the stored vector of its title alone (``call_title``; its long description drifts: on the demo
catalogue it pulls in food and ocean projects for a call on disability), else its stored vector,
else its title embedded on the spot; a need's subject is the query vector of its text.

**Closeness.** Both sides are centred (the mean call vector, the mean project vector subtracted:
uncentred e5 cosines sit at 0.8–0.9 for related and unrelated texts alike) and compared by cosine.
An organisation's topical similarity is the closeness of its closest project.

**The rule.** Work is *near* the subject at ``NEAR`` (0.25) and *close* at ``CLOSE`` (0.35); a
project in the same strand of calls (``family``) counts as near. A need's partners, a consortium's
proposed members and a call's first ``STRICT_TOP`` (10) partners must be near; a call's partners
after those need only lean toward it (``LEANING``, 0.05) — the strict gate on all twenty lost
recall (dev 0.185 → 0.179), since about 43 % of real partners have no project near the title.
``on_topic`` words an organisation's fit as a number, a label and its closest project.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from samverkan.match.partners import History

# Closeness at which a project is near the subject, and at which it is close. Measured on the demo
# catalogue: projects under the topics that fit a call or need by hand ("ICT solutions for
# independent living" for a call on disability and independent living) reach 0.27–0.40, the 99th
# percentile of all projects is 0.15–0.30.
NEAR = 0.25
CLOSE = 0.35
# A call's first STRICT_TOP partners need work near its subject; those after them only work leaning
# toward it (closest project ≥ LEANING, or the same strand of calls). Chosen on dev (recall@20,
# 1,549 cases, stored title vectors): all 20 near 0.179, the first 10 near and then ≥ 0.05 0.186,
# then anyone 0.186, then ≥ 0.10 0.179, then ≥ 0.15 0.178.
STRICT_TOP = 10
LEANING = 0.05

ON_TOPIC_LABELS = {
    "close": "close to the subject",
    "related": "related work",
    "distant": "no work near the subject",
    "unknown": "not measured (no vectors)",
}


def unit(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length one (zero rows stay zero), as float32."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def subject_vectors(
    n_projects: int,
    project_vectors: np.ndarray | None,
    has_vector: np.ndarray,
    topics: Mapping[str, Sequence[int]],
    call_vectors: Mapping[str, np.ndarray],
    call_mean: np.ndarray,
) -> np.ndarray:
    """Each project's subject, centred and of length one: its own vector, else its topics';
    zero where it has neither."""
    subjects = np.zeros((n_projects, len(call_mean)), dtype=np.float32)
    if project_vectors is not None and has_vector.any():
        own = project_vectors[has_vector] - project_vectors[has_vector].mean(axis=0)
        subjects[has_vector] = unit(own)
    centred = {cid: unit(v - call_mean) for cid, v in call_vectors.items()}
    for call_id, positions in topics.items():
        vector = centred.get(call_id)
        if vector is not None:
            rows = [p for p in positions if project_vectors is None or not has_vector[p]]
            subjects[rows] += vector
    return unit(subjects)


def closeness(subjects: np.ndarray, call_mean: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Per project, the centred cosine of its subject to ``vector`` (−1 without a subject)."""
    query = vector - call_mean
    query = query / (np.linalg.norm(query) or 1.0)
    out = (subjects @ query).astype(np.float64)
    out[~subjects.any(axis=1)] = -1.0
    return out


def on_subject(signals: Mapping[str, np.ndarray], near: float = NEAR) -> np.ndarray:
    """Organisations with evidence of work on the subject: a project near it in meaning (its
    ``topical`` signal), or one funded in the same strand of calls (``family``). Words alone are not
    evidence: for a need on older people's digital inclusion they matched energy-grid and
    air-traffic projects."""
    return (signals["topical"] >= near) | (signals["family"] > 0)


def on_topic(history: History, org: int, projects: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """How well ``org``'s past work fits the subject: the closeness of its closest project
    (``similarity``), a plain ``label`` (``close`` ≥ ``CLOSE``, ``related`` ≥ ``NEAR``, else
    ``distant``; ``unknown`` without vectors), how many of its projects are near, and which is closest."""
    near = projects.get("closeness")
    best = None if near is None else history.best_project(org, near)
    if near is None or best is None:
        return {"similarity": None, "label": "unknown", "text": ON_TOPIC_LABELS["unknown"], "near_projects": 0,
                "project": None}  # fmt: skip
    similarity = float(near[best])
    label = "close" if similarity >= CLOSE else "related" if similarity >= NEAR else "distant"
    return {
        "similarity": round(similarity, 3),
        "label": label,
        "text": ON_TOPIC_LABELS[label],
        "near_projects": history.near_projects(org, near),
        "project": {"id": history.project_ids[best], "title": history.project_titles[best]},
    }
