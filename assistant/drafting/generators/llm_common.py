"""What the llama.cpp and OpenAI-compatible generators share: the token budget, the streaming
loop (tokens to the callback, cancel honoured between tokens) and the post-processing that turns
raw model output into paragraphs with canonical `[n]` markers.

Small models (SmolLM2-135M above all) write markers as `[Source 2]`, `(2)`, `[2, 3]` or `[^2]`,
put them before the sentence or after its full stop, cite passages that were never given, echo
the fence or their instructions, add chatty asides or code, and run on. `postprocess` repairs
the form of all that without rewording a claim: it normalises markers to `[n]` placed before
each sentence's final punctuation, drops markers that name no given passage, drops echoed prompt
text, asides and code, proposes a citation for an uncited sentence when one passage covers most
of its words (`attribute`), and caps the paragraphs and sentences to what the section asked for. `postprocess_rewrites`
does the same for a repair answer: one cleaned sentence per rejected sentence, found by its
`S<n>:` label (or, when the model leaves the labels out, in the order written).
Whether a sentence is *true* to its sources is the verifier's job, not this module's.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from assistant.drafting.generators.base import NumberedPassage, SectionRequest, TokenCallback
from assistant.progress import check_cancel
from assistant.text import content_words, normalize_whitespace, split_sentences, strip_markers

# Roughly 3.5 characters per token for English news prose with these tokenizers; the budget
# errs on the safe side so a prompt never overflows the context window.
CHARS_PER_TOKEN = 3.5
MAX_SENTENCE_WORDS = 60
ATTRIBUTION_MIN_SHARE = 0.5

_LABEL = r"(?:sources?|passages?|refs?|references?|citations?|docs?|documents?|src|s|p|#|\^)"
_NUMS = r"\d{1,3}(?:\s*(?:[,;&/]|and|-|–)\s*\d{1,3})*"
_BRACKETED = re.compile(rf"[\[【]\s*(?:{_LABEL}\s*[:.]?\s*)?({_NUMS})\s*[\]】]", re.IGNORECASE)
_PAREN_LABELLED = re.compile(rf"\(\s*{_LABEL}\s*[:.]?\s*({_NUMS})\s*\)", re.IGNORECASE)
# A bare "(2)" or "(2, 3)" is how small models often cite; years like "(2022)" are too long.
_PAREN_BARE = re.compile(r"\((\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\)")
_CANON = r"\[\d+\]"
# HTML-ish tags and <<title>> wrappers small models like to emit.
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]{0,10}\s*/?>|<<|>>|‹‹|››")
_END_PUNCT = re.compile(r"[.!?…]+[\"'”’)]*$")
# Markers written after a sentence's final punctuation ("spoke. [2] Next") belong before it.
_AFTER_STOP = re.compile(rf"([.!?…]+[\"'”’)]*)((?:\s*{_CANON})+)")
_LEADING = re.compile(rf"^\s*((?:{_CANON}\s*)+)")
_FENCE = re.compile(r"(?:‹|<)\s*/?\s*sources\s*(?:›|>)", re.IGNORECASE)
_ECHO_LINE = re.compile(
    r"^\s*(?:topic|section|source passages[^:\n]*|already written[^:\n]*)\s*:", re.IGNORECASE
)
_SOURCE_LINE = re.compile(
    r"^\s*\[(\d+)\]\s+[^\n:]{1,90}?, (?:\d{4}-\d\d-\d\d \d\d:\d\d UTC|undated):\s*"
)
# Chatty openings and labels a model puts before the text ("Sure! Lede: ...", "## Headline:").
_PREFIX = re.compile(
    r"^\s*(?:#+\s*|[-*•]\s+|\d+[.)]\s+)?\**\s*"
    r"(?:(?:sure|certainly|okay|ok)\s*[,!.:]\s*)?"
    r"(?:(?:headline|dek|lede|answer|assistant|response|output|paragraph \d+|section|"
    r"the serious point|what remains genuinely uncertain|"
    r"the structural frame(?:, in plain language)?|here is[^:\n]{0,60}|here's[^:\n]{0,60})"
    r"\s*\**\s*:\s*\**)?",
    re.IGNORECASE,
)


# An echoed "Outlet, 2026-06-29 18:26 UTC:" label in front of a quoted passage.
_LABEL_PREFIX = re.compile(r"^\"?[^\s:,][^:,\n]{0,60}, \d{4}-\d\d-\d\d[^:\n]{0,24}:\s*")
_CODE = re.compile(r"[{}=<>]|\(\)|;\s*$|\bfunction\s*\(|\bvar\s+\w+\s*=")
_CHATTY = re.compile(
    r"^(?:feel free|note\b|i hope|let me know|in this example|this (?:sentence|text|paragraph) "
    r"(?:has|was)|here (?:is|are)\b|i(?:'ve| have) (?:used|written)|as an ai|sure\b|certainly\b)",
    re.IGNORECASE,
)


def token_budget(request: SectionRequest, max_tokens: int) -> int:
    """Tokens to allow for a section: headlines are one line, dense sections a few sentences."""
    spec = request.section
    sentences = max(1, spec.paragraphs * spec.max_sentences)
    if request.rewrite:
        sentences = len(request.rewrite)  # one line each, label included
    per_sentence = 40 if spec.id == "headline" else 60
    return max(16, min(max_tokens, per_sentence * sentences + 10))


def source_char_budget(n_ctx: int, max_tokens: int, overhead_tokens: int = 450) -> int:
    """Characters of passage text that fit beside the instructions and the answer."""
    return max(600, int((n_ctx - max_tokens - overhead_tokens) * CHARS_PER_TOKEN))


# The chat template's own tokens per message (role markers, separators), and the estimate of
# the rest errs on the safe side: names and figures cost more tokens than prose.
TEMPLATE_TOKENS_PER_MESSAGE = 8
SAFE_CHARS_PER_TOKEN = 3.0


def render_within(prompts: Any, request: SectionRequest, n_ctx: int, max_tokens: int) -> list[Any]:
    """The request's messages with the passages cut so that prompt and answer fit `n_ctx`.

    The first cut assumes the usual instructions; a repair carries the previous attempt and the
    verifier's reasons too, so the rendered size is measured and the passages cut further; when
    they cannot be cut further, a repair leaves out its copy of the attempt as the model's own
    message (its repair message lists every sentence anyway)."""

    def spare(messages: list[Any]) -> float:
        chars = sum(len(str(m.content)) for m in messages)
        used = chars / SAFE_CHARS_PER_TOKEN + TEMPLATE_TOKENS_PER_MESSAGE * len(messages)
        return n_ctx - max_tokens - used

    budget = source_char_budget(n_ctx, max_tokens)
    messages: list[Any] = prompts.render(request, budget)
    for _ in range(4):
        left = spare(messages)
        if left >= 0 or budget <= 600:
            break
        budget = max(600, budget + int(left * SAFE_CHARS_PER_TOKEN))
        messages = prompts.render(request, budget)
    if spare(messages) < 0 and request.is_repair:
        messages = prompts.render(request, budget, with_attempt=False)
    return messages


def stream_text(
    model: Any,
    messages: Sequence[Any],
    on_token: TokenCallback | None,
    cancel: threading.Event | None,
    max_chars: int,
    **kwargs: Any,
) -> str:
    """Stream a chat model's answer, passing each token on; `Cancelled` between tokens.

    Stops early (closing the stream, which ends generation) once `max_chars` are produced, so a
    looping small model cannot run on."""
    check_cancel(cancel)
    parts: list[str] = []
    produced = 0
    stream = model.stream(list(messages), **kwargs)
    try:
        for chunk in stream:
            check_cancel(cancel)
            token = chunk.content if isinstance(chunk.content, str) else ""
            if not token:
                continue
            parts.append(token)
            produced += len(token)
            if on_token is not None:
                on_token(token)
            if produced >= max_chars:
                break
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    return "".join(parts)


def _expand(numbers: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*(?:[,;&/]|and)\s*", numbers):
        bounds = re.split(r"\s*[-–]\s*", part.strip())
        if not bounds or not all(b.isdigit() for b in bounds):
            continue
        lo, hi = int(bounds[0]), int(bounds[-1])
        if hi < lo or hi - lo > 10:
            hi = lo
        out.extend(n for n in range(lo, hi + 1) if n not in out)
    return out


def normalise_markers(text: str, valid: Iterable[int]) -> str:
    """Every citation form -> `[n][m]`; numbers that name no given passage are dropped."""
    valid_set = set(valid)

    def canon(match: re.Match[str]) -> str:
        kept = [n for n in _expand(match.group(1)) if n in valid_set]
        return "".join(f"[{n}]" for n in kept)

    text = _BRACKETED.sub(canon, text)
    text = _PAREN_LABELLED.sub(canon, text)
    return _PAREN_BARE.sub(canon, text)


def _place_markers(paragraph: str) -> str:
    """Put each sentence's markers right before its final punctuation."""
    leading = _LEADING.match(paragraph)
    if leading:
        # Leading style ("[2] NATO met. [3] Putin spoke."): each marker group opens a sentence.
        pieces = re.split(rf"((?:\s*{_CANON})+)", paragraph)
        out: list[str] = []
        pending = ""
        for piece in pieces:
            if re.fullmatch(rf"(?:\s*{_CANON})+", piece):
                pending += piece.replace(" ", "")
            elif piece.strip():
                out.append(_attach(piece.strip(), pending))
                pending = ""
        if pending and out:
            out[-1] = _attach(out[-1], pending)
        return " ".join(out)
    return _AFTER_STOP.sub(lambda m: m.group(2) + m.group(1), paragraph)


def _attach(sentence: str, markers: str) -> str:
    if not markers:
        return sentence
    stop = _END_PUNCT.search(sentence)
    if stop:
        return sentence[: stop.start()].rstrip() + " " + markers + sentence[stop.start() :]
    return sentence + " " + markers


def _is_noise(body: str) -> bool:
    """Code, markup residue or a chatty aside rather than a sentence of prose."""
    if _CODE.search(body) or _CHATTY.match(body):
        return True
    if body.startswith("(") and body.rstrip(".").endswith(")"):  # "(no more than 1 paragraph)"
        return True
    letters = sum(ch.isalpha() for ch in body)
    return letters < 0.5 * len(body.replace(" ", ""))


def _is_echo(sentence: str, instructions: list[set[str]]) -> bool:
    words = content_words(sentence)
    if len(words) < 3:
        return False
    return any(len(words & instr) / len(words) >= 0.8 for instr in instructions if instr)


def attribute(sentence: str, passages: Sequence[NumberedPassage]) -> int | None:
    """Post-hoc citation for a sentence the model left uncited: the passage sharing the most
    content words, if it covers at least half of the sentence's (else None: stays uncited).

    This only proposes a citation; the verifier still judges whether the passage supports the
    sentence, so a wrong guess is flagged rather than hidden."""
    words = content_words(sentence)
    if len(words) < 2:
        return None
    best, best_share = None, 0.0
    for numbered in passages:
        shared = len(words & content_words(numbered.passage.text))
        share = shared / len(words)
        if shared >= 2 and share > best_share:
            best, best_share = numbered.n, share
    return best if best_share >= ATTRIBUTION_MIN_SHARE else None


def _clean_sentence(text: str, section_id: str, passages: Sequence[NumberedPassage]) -> str | None:
    """One sentence in canonical form (`text [1][2].`), or None if nothing usable remains."""
    body, markers = strip_markers(text)
    body = _TAG.sub(" ", body).replace("**", "")
    body = normalize_whitespace(body).strip("*_ ")
    body = _LABEL_PREFIX.sub("", body)
    if body.count('"') % 2:  # the model wrapped several sentences in one pair of quotes
        body = body[1:] if body.startswith('"') else body.removesuffix('"')
        body = body.replace('."', ".").strip() if body.endswith('."') else body
    if _is_noise(body):
        return None
    if section_id == "headline":
        body = body.strip("\"'“”‘’ ").rstrip(".")
    words = body.split()
    if len(words) > MAX_SENTENCE_WORDS:
        body = " ".join(words[:MAX_SENTENCE_WORDS]).rstrip(",;:") + "."
    if not re.search(r"[^\W\d_]{2,}", body) or (section_id != "headline" and len(words) < 3):
        return None
    if not markers:
        guess = attribute(body, passages)
        markers = [guess] if guess is not None else []
    stop = _END_PUNCT.search(body)
    if stop is None and section_id != "headline":
        body, stop_text = body.rstrip(",;:-– "), "."
    elif stop is None:
        stop_text = ""
    else:
        body, stop_text = body[: stop.start()].rstrip(), body[stop.start() :]
    marks = "".join(f"[{n}]" for n in markers)
    return f"{body} {marks}{stop_text}" if marks else f"{body}{stop_text}"


def _lines_to_paragraphs(raw: str, request: SectionRequest) -> list[list[str]]:
    """Raw output -> paragraphs (lists of lines) without fences, echoes, labels and headings."""
    numbers = {p.n for p in request.passages}
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in normalise_markers(raw, numbers).splitlines() + [""]:
        if not line.strip():
            if current:
                paragraphs.append(current)
                current = []
            continue
        line = _FENCE.sub(" ", line)
        if _ECHO_LINE.search(line):
            continue
        echoed = _SOURCE_LINE.match(line)
        if echoed and int(echoed.group(1)) in numbers:
            # The model copied a source line: keep the passage's words, cite it properly.
            line = f"{line[echoed.end() :].strip()} [{echoed.group(1)}]"
        line = _PREFIX.sub("", line, count=1)
        line = _TAG.sub(" ", line).strip()
        if line.endswith(":") or (line and _is_noise(strip_markers(line)[0])):
            continue  # a preamble ("The lede is:"), a label, an aside or code: never a claim
        if line:
            current.append(line)
    if request.section.id == "headline":
        # A headline is one line: whatever follows it is the model talking on.
        return [paragraphs[0][:1]] if paragraphs else []
    if request.section.id != "dek":
        # A lone short line with no full stop and no citation is a heading the model invented.
        paragraphs = [
            lines
            for lines in paragraphs
            if not (
                len(lines) == 1
                and len(lines[0].split()) <= 12
                and not _END_PUNCT.search(lines[0])
                and "[" not in lines[0]
            )
        ]
    return paragraphs


def postprocess(raw: str, request: SectionRequest, instruction_text: str = "") -> list[str]:
    """Raw model output -> at most `section.paragraphs` paragraphs of at most
    `section.max_sentences` sentences, each sentence ending `[n]` before its punctuation."""
    spec = request.section
    instructions = [content_words(s) for s in split_sentences(instruction_text)]
    paragraphs = _lines_to_paragraphs(raw, request)

    sentences_by_paragraph: list[list[str]] = []
    seen: set[str] = set()
    for index, lines in enumerate(paragraphs):
        sentences = split_sentences(_place_markers(normalize_whitespace(" ".join(lines))))
        if index == len(paragraphs) - 1 and len(sentences) > 1 and spec.id != "headline":
            last = sentences[-1]
            if not _END_PUNCT.search(last) and "[" not in last:
                sentences.pop()  # cut off by the token limit mid-sentence
        kept: list[str] = []
        for sentence in sentences:
            clean = _clean_sentence(sentence, spec.id, request.passages)
            if clean is None or _is_echo(clean, instructions):
                continue
            key = strip_markers(clean)[0].casefold()
            if key in seen:
                continue
            seen.add(key)
            kept.append(clean)
        if kept:
            sentences_by_paragraph.append(kept)

    if not sentences_by_paragraph:
        return []
    # Too many paragraphs (often one sentence per line): fold the rest into the last allowed one.
    wanted = max(1, spec.paragraphs)
    if len(sentences_by_paragraph) > wanted:
        head = sentences_by_paragraph[: wanted - 1]
        tail = [s for group in sentences_by_paragraph[wanted - 1 :] for s in group]
        sentences_by_paragraph = [*head, tail]
    limit = 1 if spec.id == "headline" else max(1, spec.max_sentences)
    return [" ".join(group[:limit]) for group in sentences_by_paragraph]


# "S2: text", "**S2.** text", "Sentence 2 - text", "- S2) text": a rewrite's label.
_REWRITE_LABEL = re.compile(
    r"^\s*(?:[-*•]\s*)?\**\s*(?:S|Sentence\s*)(\d{1,3})\s*\**\s*[:.)\-–]\s*\**\s*",
    re.IGNORECASE,
)


def postprocess_rewrites(
    raw: str, request: SectionRequest, instruction_text: str = ""
) -> list[str]:
    """A repair answer -> one cleaned sentence per `request.rewrite` entry, in its order ("" when
    the model gave none). Labelled lines go to their label; unlabelled sentences fill the
    remaining labels in the order written, so a model that drops the labels still counts."""
    wanted = [r.label for r in request.rewrite]
    numbers = {p.n for p in request.passages}
    instructions = [content_words(s) for s in split_sentences(instruction_text)]
    by_label: dict[int, str] = {}
    loose: list[str] = []
    for line in normalise_markers(raw, numbers).splitlines():
        line = _TAG.sub(" ", _FENCE.sub(" ", line)).strip()
        if not line or _ECHO_LINE.search(line):
            continue
        label = _REWRITE_LABEL.match(line)
        if label and int(label.group(1)) in wanted:
            text = line[label.end() :].strip()
            if text and int(label.group(1)) not in by_label:
                by_label[int(label.group(1))] = text
            continue
        if label:  # a label we did not ask for: keep the words, not the label
            line = line[label.end() :]
        line = _PREFIX.sub("", line, count=1).strip()
        if not line or line.endswith(":"):
            continue
        loose += split_sentences(_place_markers(normalize_whitespace(line)))
    out: list[str] = []
    for n in wanted:
        text = by_label.get(n) or (loose.pop(0) if loose else "")
        sentences = split_sentences(_place_markers(normalize_whitespace(text))) if text else []
        clean: str | None = None
        if sentences:  # one sentence for one
            clean = _clean_sentence(sentences[0], request.section.id, request.passages)
        out.append("" if clean is None or _is_echo(clean, instructions) else clean)
    return out
