"""A prompt page -> the JSON object ``python -m generator export`` prints for it."""

from __future__ import annotations

from ..pipeline import PromptPage
from ..records import AnswerAudit, Entry, Misplaced
from ..steps.verdict import fit_verdict
from ..vocabulary import Vocabulary


def brief_record(generated: PromptPage, vocab: Vocabulary) -> dict:
    """A prompt in a line: where its page is, its task and its verdict (``export --brief``)."""
    prompt, inference = generated.prompt, generated.inference
    verdict = fit_verdict(inference)
    return {
        "slug": prompt.slug,
        "source": prompt.path,
        "task": {"id": inference.task_id, "label": vocab.label(inference.task_id)},
        "verdict": {"code": verdict.code, "text": verdict.text},
    }


def export_record(generated: PromptPage, vocab: Vocabulary) -> dict:
    prompt, inference = generated.prompt, generated.inference
    fits = dict(zip(prompt.source.models, inference.model_fits))  # by entry: two models may share a name
    verdict = fit_verdict(inference)
    return {
        "slug": prompt.slug,
        "source": prompt.path,
        "question": prompt.source.question,
        "task": {
            "id": inference.task_id,
            "label": vocab.label(inference.task_id),
            "confidence": inference.confidence,
            "basis": inference.basis,
            "inferred": inference.inferred_task_id,
            "note": inference.note,
            "answers_say": inference.answers_task_id,
            "evidence": [{"text": e.text, "where": e.where} for e in inference.evidence],
            "candidates": [
                {"id": c.task_id, "label": vocab.label(c.task_id), "score": c.score} for c in inference.candidates
            ],
        },
        "verdict": {"code": verdict.code, "text": verdict.text},
        "qualifiers": inference.qualifiers.as_dict(),
        "statements": [{"answer": s.answer, "phrase": s.phrase, "task": s.task_id, "line": s.line}
                       for s in inference.statements],
        "models": [
            {
                **_entry(model),
                "task": fits[model].task_id,
                "fits_task": fits[model].fits,
                "fit": fits[model].relation,
                "fit_reason": fits[model].reason,
            }
            for model in prompt.source.models
        ],
        "papers": [_entry(paper) for paper in prompt.source.papers],
        "techniques": [
            {"id": t.id, "label": t.label, "paper": t.paper, "sentence": t.sentence} for t in generated.techniques
        ],
        "source_links": sorted(prompt.source.links),
        "page_links": list(generated.links),
        "answers": [
            {
                "label": reviewed.answer.label,
                "title": reviewed.answer.title,
                "source": reviewed.answer.path,
                "links": [c.url for c in reviewed.citations],
                "unsupported_links": [c.url for c in reviewed.unsupported],
                "misplaced": _misplaced(reviewed.misplaced),
                "audit": audit_record(reviewed.audit),
            }
            for reviewed in generated.answers
        ],
    }


def audit_record(audit: AnswerAudit | None) -> dict | None:
    """The answer's audit (generator/steps/audit.py), each field with its evidence."""
    if audit is None:
        return None
    statement = audit.statement
    return {
        "task": audit.task,
        "statement": None if statement is None else {"phrase": statement.phrase, "task": statement.task_id,
                                                     "line": statement.line},
        "workflow": audit.workflow,
        "gives_workflow": audit.gives_workflow,
        "workflow_line": audit.workflow_line,
        "models_used": list(audit.models_used),
        "models_recommended": audit.models_recommended,
        "only_provided_models": not audit.outside_names,
        "outside_names": list(audit.outside_names),
        "builds_on_unfit": list(audit.builds_on_unfit),
        "citations": audit.citations,
        "unsupported": audit.unsupported,
        "misplaced": audit.misplaced,
    }


def _misplaced(misplaced: Misplaced | None) -> dict | None:
    """Null, or the question the answer seems to answer instead, and the prompt asking it (if any)."""
    if misplaced is None:
        return None
    return {"question": misplaced.question, "slug": misplaced.slug, "source": misplaced.source,
            "covered": misplaced.covered, "own": misplaced.own}


def _entry(entry: Entry) -> dict:
    links = {"paper": entry.paper, "github": entry.github, "huggingface": entry.huggingface}
    return {
        "name": entry.name,
        "links": {key: value for key, value in links.items() if value},
        "all_links": list(entry.links),
        "summary": entry.summary,
    }
