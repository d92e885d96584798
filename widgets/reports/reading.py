"""The reading of a completed self-assessment: the strongest stage, and the prompts most worth
the learner's time next, each linked to its stage's section of the module.
"""

from __future__ import annotations

from html import escape

from ..content import Course, Statement

__all__ = ["reading_html", "stage_anchor"]


def reading_html(domain: str, answers: dict[str, str], course: Course) -> str:
    """A short reading of a completed self-assessment: strongest stage, prompts to take next."""
    scores: dict[str, list[int]] = {}
    scored: list[tuple[int, Statement]] = []
    for statement in course.statements_for(domain):
        level = course.level(answers[statement.id])
        if level.score is not None:
            scores.setdefault(statement.stage, []).append(level.score)
            scored.append((level.score, statement))
    if not scored:
        return (
            "<div class='sb-reading-box'><h3>Your reading</h3><p>You marked every statement as "
            "not sure or not applicable. That is worth noticing too: the prompts in this "
            "module may help you find out how things are for your team.</p></div>"
        )
    by_stage = sorted(scores.items(), key=lambda item: (-sum(item[1]) / len(item[1]), item[0]))
    strongest = course.stage(by_stage[0][0])
    lowest = min(score for score, _ in scored)
    worth: list[str] = []
    for score, statement in sorted(scored, key=lambda pair: pair[0]):
        if score != lowest and len(worth) >= 2:
            break
        for prompt_id in statement.prompts:
            if prompt_id not in worth:
                worth.append(prompt_id)
    # Each links to its stage's section of the module (the heading's anchor on the page).
    items = "".join(
        f'<li><a href="#{stage_anchor(course.stage(course.prompt(p).stage).title)}" target="_self">'
        f"{escape(course.stage(course.prompt(p).stage).title)}</a>: "
        f"{escape(course.prompt(p).text)}</li>"
        for p in worth[:3]
    )
    return (
        "<div class='sb-reading-box'><h3>Your reading</h3>"
        f"<p>Your strongest stage here is <strong>{escape(strongest.title.lower())}</strong>. "
        "The prompts most worth your time next, from the statements you rated lowest, are:</p>"
        f"<ul>{items}</ul><p>You will find them in the stages below. This is a reflection for you, "
        "not a score: it is only as useful as the conversation it starts.</p></div>"
    )


def stage_anchor(heading: str) -> str:
    """The id a notebook gives a Markdown heading: its words joined by hyphens."""
    return "-".join(heading.split())
