"""What holds for the underlying document, merged over its versions.

A fact stated by one version's apparatus (seed 003's headnote gives the date and
author of the letter that seed 001 prints in full) holds for the work, and so
for every version; its evidence keeps the text it came from. A curator's
catalogue record wins over extraction; among extracted values the most
confident wins, ties going to the first text in id order.
"""

from __future__ import annotations

from dataclasses import replace

from mappings.records import AgentLink, Evidence, Fact, TextRecord, WorkFacts, WorkLink

WORK_ROLES = ("author", "recipient", "participant", "speaker", "note_taker")
STRONG_TITLE_RULES = {"title-line", "catalogue-title"}


def _rank(fact: Fact) -> tuple[int, float]:
    return (1 if fact.evidence.origin == "catalogue" else 0, fact.evidence.confidence)


def _with_text(fact: Fact, text_id: str) -> Fact:
    return replace(fact, evidence=replace(fact.evidence, text_id=text_id))


def best_fact(candidates: list[tuple[Fact, str]]) -> Fact | None:
    best: tuple[Fact, str] | None = None
    for fact, text_id in candidates:
        if best is None or _rank(fact) > _rank(best[0]):
            best = (fact, text_id)
    return _with_text(*best) if best else None


def merge_work(work_id: str, records: list[TextRecord], link: WorkLink | None) -> WorkFacts:
    """Scalar facts of the work (agents are merged after alignment, by entity)."""
    records = sorted(records, key=lambda r: r.text_id)

    def facts(field: str) -> list[tuple[Fact, str]]:
        return [(getattr(r, field), r.text_id) for r in records if getattr(r, field) is not None]

    titles = [(f, t) for f, t in facts("title") if f.evidence.rule in STRONG_TITLE_RULES]
    translated = any(a.role == "translator" for r in records for a in r.agents)
    language = None if translated else best_fact(facts("language"))
    for r in records:
        if r.language is not None and r.language.evidence.origin == "catalogue" and not translated:
            language = _with_text(r.language, r.text_id)
    archives = []
    seen = set()
    for r in records:
        for ref in r.archival_references:
            key = (ref.archive, ref.fond, ref.opis, ref.delo, ref.box, ref.folder)
            if key not in seen:
                seen.add(key)
                archives.append(replace(ref, evidence=replace(ref.evidence, text_id=r.text_id)))
    return WorkFacts(
        work_id=work_id,
        text_ids=tuple(r.text_id for r in records),
        title=best_fact(titles),
        document_type=best_fact(facts("document_type")),
        date=best_fact(facts("date")),
        language=language,
        archival_references=tuple(archives),
        overlap=link.overlap if link else (),
    )


def merge_work_agents(per_text: dict[str, tuple[AgentLink, ...]]) -> tuple[AgentLink, ...]:
    """Document-level roles over all versions, one per (role, entity), strongest evidence."""
    chosen: dict[tuple[str, str], AgentLink] = {}
    for text_id in sorted(per_text):
        for link in per_text[text_id]:
            if link.agent.role not in WORK_ROLES:
                continue
            key = (link.agent.role, link.resolution.entity_id)
            evidence: Evidence = replace(link.agent.evidence, text_id=text_id)
            candidate = AgentLink(replace(link.agent, evidence=evidence), link.resolution)
            current = chosen.get(key)
            if current is None or (
                (evidence.origin == "catalogue", evidence.confidence)
                > (current.agent.evidence.origin == "catalogue", current.agent.evidence.confidence)
            ):
                chosen[key] = candidate
    curated_roles = {k[0] for k, v in chosen.items() if v.agent.evidence.origin == "catalogue"}
    return tuple(
        v
        for k, v in sorted(chosen.items())
        if k[0] not in curated_roles or v.agent.evidence.origin == "catalogue"
    )
