"""The pull-request previews of the Pages deployment, run by deploy.yml with the default branch's
code (never a pull request's), and talking to GitHub's API only through the `gh` command.

    python .github/scripts/previews.py gather    # add each open pull request's preview to $SITE
    python .github/scripts/previews.py comment   # write or update each pull request's preview comment

`gather` decides, for every open pull request, newest first, what its preview is (`State`):

- **published**: the newest build of its head that uploaded the artifact `preview-site`,
  unpacked under `pr-preview/pr-N/`. A pull request from a fork is published only when it
  carries the label `APPROVAL_LABEL` (a switch, nothing more) and a maintainer approved an exact
  commit with an approving review: GitHub records the review's commit (`commit_id`), and a
  review counts only from someone whose permission on the repository is write, maintain or
  admin (asked of the API). The newest deciding review of such a person decides: "approve"
  approves its commit, "request changes" revokes; a dismissed review counts for nothing. The
  preview is published only from a build whose `head_sha` is that commit; a newer push leaves
  it live and the comment says that the newest commit awaits approval.
- **awaiting-label** / **awaiting-approval**: a fork's pull request without the label, or
  without an approving review.
- **not-built**: no build of the commit to publish (for a fork: of the approved commit).
- **expired**: its builds' artifacts have expired.
- **over-budget**: it does not fit in what is left of GitHub Pages' 1 GB once `main` and the
  previews of newer pull requests are in, less a margin; chosen by the listed artifact size
  before anything is downloaded.
- **invalid**: its artifact failed the checks made before anything is written (names, types,
  sizes, depth, `index.html`, the shape of `prompts.json`).
- **kept**: GitHub's API failed (after retries with backoff) and the preview that was live,
  named in the last deployment's record, is copied from the live site instead.
- **unavailable**: GitHub's API failed and there was no live preview to keep.
- **failed**: anything else went wrong while gathering it; the reason is reported.
- **deleted-fork**: its fork was deleted; nothing can tell its builds apart from another's.
- **removed**: closed since the last deployment (its comment says so; nothing is published).

Each pull request is gathered on its own: whatever goes wrong with one drops only its
preview, never `main` or the others. Every HTML page of a preview gets a `noindex` robots tag.
The deployment's record, `pr-preview/previews.json`, goes into the site; the next deployment
reads it from the live site (not from the API) to keep live previews through an API failure, to
reuse each unchanged preview's list of pages, and to comment only on what changed.
The report goes to $GITHUB_OUTPUT as `report`, a JSON list that `comment` reads from $REPORT.
"""

from __future__ import annotations

import enum
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import quote

# The default branch's generator (never the pull request's): which files belong to which
# prompt, and the verdicts' words; both need nothing beyond the standard library, so the
# comment job runs without the project's packages. Only `gather` loads the task vocabulary.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from generator.files.changes import from_github_files, prompt_changes  # noqa: E402
from generator.files.preview import MARK as PREVIEW_OF_CHANGES  # noqa: E402
from generator.steps.verdict import TEXTS as VERDICTS  # noqa: E402

#: The label that switches a fork's previews on (the approval itself is a review).
APPROVAL_LABEL = "preview-approved"
#: The artifact a Preview build uploads (preview.yml's upload step uses this name).
PREVIEW_ARTIFACT = "preview-site"
#: GitHub Pages publishes sites of at most 1 GB.
PAGES_LIMIT_BYTES = 1_000_000_000
#: Left free below the limit: the Pages artifact's own overhead, the record, rounding.
MARGIN_BYTES = 50_000_000
#: Collaborator roles whose review approves a fork's commit (the API's `role_name`).
APPROVERS = {"admin", "maintain", "write"}
#: Review authors who may hold one of those roles; others are not asked about.
MEMBERS = {"OWNER", "MEMBER", "COLLABORATOR"}
#: Changed pages listed in a comment, then "and N more".
LISTED = 20
#: What an artifact may hold: files (a 10,000-prompt site has about 25,000), folder depth,
#: and the size and nesting of its prompts.json.
MOST_FILES = 200_000
DEEPEST = 32
LARGEST_LIST_BYTES = 50_000_000
DEEPEST_LIST = 6
RECORD = "previews.json"
_SLUG = re.compile(r"^[a-z0-9_-]{1,120}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
_HTML_SUFFIXES = {".html", ".htm"}
#: The first line of the one preview comment per pull request, followed by its state.
COMMENT_TAG = "<!-- prompt-pages-preview"
BOT = "github-actions[bot]"
NOINDEX = '<meta name="robots" content="noindex">'
#: What a failed `gh` call says when trying again may help: GitHub's rate limits (primary
#: and secondary), a server error, a network failure.
_TRANSIENT = re.compile(r"rate limit|HTTP 429|HTTP 5\d\d|timed? ?out|timeout|connection (reset|refused)|EOF|TLS",
                        re.IGNORECASE)


class State(enum.StrEnum):
    PUBLISHED = "published"
    KEPT = "kept"
    AWAITING_LABEL = "awaiting-label"
    AWAITING_APPROVAL = "awaiting-approval"
    NOT_BUILT = "not-built"
    EXPIRED = "expired"
    OVER_BUDGET = "over-budget"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"
    DELETED_FORK = "deleted-fork"
    REMOVED = "removed"


LIVE = (State.PUBLISHED, State.KEPT)


class GitHubError(Exception):
    """A `gh` call that failed; `transient` when it still failed after the retries."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class Invalid(Exception):
    """An artifact (or a live preview's record) that fails a check; its message says which."""


@dataclass(frozen=True)
class Retry:
    """How often and how long a failed call is tried again: the delay doubles, up to a bound."""

    tries: int = 4
    first_delay: float = 2.0
    longest_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delays(self):
        return [min(self.first_delay * 2 ** attempt, self.longest_delay) for attempt in range(self.tries - 1)]


@dataclass(frozen=True)
class Preview:
    number: int
    state: str
    sha: str = ""  # the commit published, or the one approved
    artifact: int = 0
    size: int = 0  # bytes
    detail: str = ""  # the approver, the reason, the pull request's newer head
    head: str = ""  # the pull request's head commit
    #: The first LISTED prompt pages the pull request adds or changes ({"path", "slug", "task",
    #: "verdict"}), how many there are, and the prompt files it deletes.
    pages: list = field(default_factory=list)
    pages_total: int = 0
    deleted: list = field(default_factory=list)
    #: Whether it holds only what its change touches (preview.yml's `generator preview` marks it
    #: so; its links to other pages lead to main's), its HTML pages, and main's.
    partial: bool = False
    held: int = 0
    main_pages: int = 0
    previous: str = ""  # its comment's state line after the last deployment

    @property
    def state_line(self) -> str:
        """What its comment says, in a line: the state, the commit, and a fork's newer head
        awaiting approval. The comment is rewritten only when this changes."""
        waiting = self.head if self.head != self.sha and (
            self.state == State.AWAITING_APPROVAL or self.detail.startswith("approved by")) else ""
        return " ".join(part for part in (self.state, self.sha, waiting) if part)


# ---- GitHub -------------------------------------------------------------------------------

@dataclass(frozen=True)
class GitHub:
    """The `gh` command for one repository, trying transient failures again."""

    repository: str
    retry: Retry = Retry()

    def call(self, *args: str, into: Path | None = None) -> str:
        """What `gh` prints; with ``into``, written to that file instead (an artifact's zip)."""
        for delay in [*self.retry.delays(), None]:
            with open(into or os.devnull, "wb") as target:
                result = subprocess.run(["gh", *args], stdout=target if into else subprocess.PIPE,
                                        stderr=subprocess.PIPE)
            if result.returncode == 0:
                return "" if into else result.stdout.decode("utf-8")
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            message = lines[-1] if lines else f"gh {args[0]} failed"
            if not _TRANSIENT.search(message):
                raise GitHubError(message)
            if delay is None:
                raise GitHubError(f"{message} (tried {self.retry.tries} times)", transient=True)
            self.retry.sleep(delay)
        raise AssertionError("unreachable")

    def get(self, path: str):
        return json.loads(self.call("api", f"repos/{self.repository}/{path}") or "null")

    def listing(self, path: str, key: str | None = None) -> list:
        """Every item of a listing: gh follows the pages (at most 100 items each) and slurps
        them into one JSON list of pages."""
        separator = "&" if "?" in path else "?"
        pages = json.loads(self.call("api", "--paginate", "--slurp",
                                     f"repos/{self.repository}/{path}{separator}per_page=100") or "[]")
        return [item for page in pages for item in (page[key] if key else page)]


# ---- the record of the live deployment ----------------------------------------------------

def read_record(base_url: str) -> dict[int, dict]:
    """The last deployment's record, from the live site: {number: entry}; empty when there is
    none yet (or it cannot be read, which only costs API calls and comments)."""
    try:
        with urllib.request.urlopen(f"{base_url.rstrip('/')}/pr-preview/{RECORD}", timeout=30) as response:
            entries = json.loads(response.read(LARGEST_LIST_BYTES))
        return {int(entry["number"]): entry for entry in entries if isinstance(entry, dict)}
    except urllib.error.HTTPError as error:
        if error.code != 404:
            print(f"::warning::The last deployment's record could not be read (HTTP {error.code})")
    except (OSError, ValueError, TypeError, KeyError, RecursionError) as error:
        print(f"::warning::The last deployment's record could not be read ({error})")
    return {}


def write_record(root: Path, report: list[Preview], files: dict[int, list[str]]) -> None:
    entries = [{**asdict(preview), "line": preview.state_line, "files": files.get(preview.number, [])}
               for preview in report if preview.state != State.REMOVED]
    root.mkdir(parents=True, exist_ok=True)
    (root / RECORD).write_text(json.dumps(entries), encoding="utf-8")


# ---- gather -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """What a pull request's preview would be before anything is downloaded."""

    preview: Preview
    keep: bool = False  # an API failure that trying again did not mend: keep the live preview


def room_for_previews(site: Path) -> int:
    """What GitHub Pages' limit leaves for previews once the site of main is in, less a margin."""
    return PAGES_LIMIT_BYTES - MARGIN_BYTES - tree_size(site)


def gather(github: GitHub, site: Path, base_url: str, room: int) -> tuple[list[Preview], dict[int, list[str]]]:
    """Every open pull request's preview, newest first, and the files of each live one."""
    root = site / "pr-preview"
    record = read_record(base_url)
    try:
        pulls = sorted(github.listing("pulls?state=open"), key=lambda pull: pull["number"], reverse=True)
        stored = github.listing(f"actions/artifacts?name={PREVIEW_ARTIFACT}", key="artifacts")
    except GitHubError as error:
        print(f"::warning::GitHub's API failed ({error}): the live previews are kept, the rest stays as it was")
        choices = [Choice(Preview(number, State.UNAVAILABLE, detail=str(error)), keep=error.transient)
                   if entry.get("state") in LIVE else Choice(_as_recorded(entry))
                   for number, entry in sorted(record.items(), reverse=True)]
        return _install(choices, root, base_url, record, room, github)
    choices = []
    for pull in pulls:
        try:
            choice = _choose(pull, stored, github)
        except GitHubError as error:
            choice = Choice(Preview(pull["number"], State.UNAVAILABLE, detail=str(error)), keep=error.transient)
        except Exception as error:  # noqa: BLE001 - one pull request never stops the others
            choice = Choice(Preview(pull["number"], State.FAILED, detail=_reason(error)))
        choices.append(choice)
    report, files = _install(choices, root, base_url, record, room, github)
    main_pages = sum(1 for path in site.rglob("*") if path.suffix.lower() in _HTML_SUFFIXES
                     and path.relative_to(site).parts[0] != "pr-preview")
    report = [replace(preview, main_pages=main_pages) if preview.state in LIVE else preview for preview in report]
    open_numbers = {pull["number"] for pull in pulls}
    report += [Preview(number, State.REMOVED, previous=_line(entry)) for number, entry in sorted(record.items())
               if number not in open_numbers]
    return report, files


def _as_recorded(entry: dict) -> Preview:
    """A pull request's preview as the last deployment recorded it (nothing of it is live)."""
    known = {name: entry[name] for name in ("number", "state", "sha", "detail", "head") if name in entry}
    return Preview(**known)


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def _line(entry: dict) -> str:
    return str(entry.get("line") or "")


def _choose(pull: dict, stored: list[dict], github: GitHub) -> Choice:
    """Which artifact a pull request's preview would come from, by the API alone."""
    number, head = pull["number"], pull["head"]
    if not head.get("repo"):
        return Choice(Preview(number, State.DELETED_FORK, head=head["sha"]))
    builds = sorted((item for item in stored if _built_from(item, pull)), key=lambda item: item["created_at"],
                    reverse=True)
    approval, detail = "", ""
    if head["repo"]["id"] != pull["base"]["repo"]["id"]:
        if APPROVAL_LABEL not in {label.get("name") for label in pull.get("labels") or []}:
            return Choice(Preview(number, State.AWAITING_LABEL, head=head["sha"]))
        approved = approved_commit(pull, github)
        if approved is None:
            return Choice(Preview(number, State.AWAITING_APPROVAL, head=head["sha"]))
        approval, approver = approved
        detail = f"approved by @{approver}"
        builds = [item for item in builds if item["workflow_run"]["head_sha"] == approval]
    if not builds:
        return Choice(Preview(number, State.NOT_BUILT, approval, detail=detail, head=head["sha"]))
    usable = [item for item in builds if not item.get("expired")]
    if not usable:
        return Choice(Preview(number, State.EXPIRED, builds[0]["workflow_run"]["head_sha"], head=head["sha"]))
    artifact = usable[0]
    return Choice(Preview(number, State.PUBLISHED, artifact["workflow_run"]["head_sha"], int(artifact["id"]),
                          int(artifact["size_in_bytes"]), detail, head["sha"]))


def _built_from(artifact: dict, pull: dict) -> bool:
    """Whether an artifact was built for this pull request: from its head repository and
    branch (as GitHub's API records the run, not as the artifact says), since it was opened."""
    run = artifact.get("workflow_run") or {}
    return (run.get("head_repository_id") == pull["head"]["repo"]["id"]
            and run.get("head_branch") == pull["head"]["ref"] and artifact["created_at"] >= pull["created_at"] and bool(_SHA.match(run.get("head_sha") or "")))


def approved_commit(pull: dict, github: GitHub) -> tuple[str, str] | None:
    """The commit a maintainer approved on a fork's pull request, and who: the newest deciding
    review (approve, or request changes) by someone with write access decides."""
    reviews = github.listing(f"pulls/{pull['number']}/reviews")
    roles: dict[str, str] = {}
    for review in reversed(reviews):
        login = (review.get("user") or {}).get("login")
        if review.get("state") not in ("APPROVED", "CHANGES_REQUESTED") or not login:
            continue
        if review.get("author_association") not in MEMBERS:
            continue
        if login not in roles:
            roles[login] = github.get(f"collaborators/{quote(login, safe='')}/permission").get("role_name") or ""
        if roles[login] not in APPROVERS:
            continue
        commit = review.get("commit_id") or ""
        return (commit, login) if review["state"] == "APPROVED" and _SHA.match(commit) else None
    return None


def _install(choices: list[Choice], root: Path, base_url: str, record: dict[int, dict], room: int,
             github: GitHub) -> tuple[list[Preview], dict[int, list[str]]]:
    """Download and unpack the chosen previews, newest first, within the room left; keep the
    live one of a pull request whose gathering met an API failure."""
    report, files = [], {}
    for choice in choices:
        preview = choice.preview
        previous = record.get(preview.number, {})
        try:
            if preview.state == State.PUBLISHED:
                preview, names = _publish(choice, root, room, github, previous)
            elif choice.keep and previous.get("state") in LIVE:
                preview, names = _keep(preview, previous, root, base_url, room)
            else:
                names = []
        except GitHubError as error:
            if error.transient and previous.get("state") in LIVE:
                preview, names = _keep(replace(preview, detail=str(error)), previous, root, base_url, room)
            else:
                preview, names = replace(preview, state=State.UNAVAILABLE, detail=str(error)), []
        except Invalid as error:
            preview, names = replace(preview, state=State.INVALID, detail=str(error)), []
        except Exception as error:  # noqa: BLE001 - one pull request never stops the others
            preview, names = replace(preview, state=State.FAILED, detail=_reason(error)), []
        if preview.state in LIVE:
            room -= preview.size
            files[preview.number] = names
        else:
            shutil.rmtree(root / f"pr-{preview.number}", ignore_errors=True)
        preview = replace(preview, previous=_line(previous) if previous else "")
        report.append(preview)
        print(f"Pull request #{preview.number}: {preview.state} {preview.sha[:7]} {preview.detail}".rstrip())
    return report, files


def _publish(choice: Choice, root: Path, room: int, github: GitHub, previous: dict) -> tuple[Preview, list[str]]:
    preview = choice.preview
    if preview.size > room:  # the listed size, before any download
        return replace(preview, state=State.OVER_BUDGET), []
    destination = root / f"pr-{preview.number}"
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "artifact.zip"
        github.call("api", f"repos/{github.repository}/actions/artifacts/{preview.artifact}/zip", into=archive)
        with zipfile.ZipFile(archive) as unpacked:
            members, size = checked_members(unpacked)
            if size > room:
                return replace(preview, state=State.OVER_BUDGET, size=size), []
            listed = checked_list(unpacked.read("prompts.json")) if "prompts.json" in members else []
            _extract(unpacked, members, destination)
    add_noindex(destination)
    preview = replace(preview, size=size, partial=PREVIEW_OF_CHANGES in members,
                      held=sum(PurePosixPath(name).suffix.lower() in _HTML_SUFFIXES
                               for name, info in members.items() if not info.is_dir()))
    if previous.get("sha") == preview.sha and previous.get("state") in LIVE:  # its pages are known already
        preview = replace(preview, pages=previous.get("pages") or [], pages_total=int(previous.get("pages_total") or 0),
                          deleted=previous.get("deleted") or [])
    else:
        preview = changed_pages(preview, github, listed, destination)
    return preview, sorted(name for name, info in members.items() if not info.is_dir())


def checked_members(unpacked: zipfile.ZipFile) -> tuple[dict[str, zipfile.ZipInfo], int]:
    """The artifact's folders and plain files by name, checked before anything is written, and
    their size. Links and other special files are left out (a link could reach outside)."""
    entries = unpacked.infolist()
    if len(entries) > MOST_FILES:
        raise Invalid(f"{len(entries):,} files (at most {MOST_FILES:,})")
    members, size = {}, 0
    for info in entries:
        name = info.filename.rstrip("/")
        parts = PurePosixPath(name).parts
        if (not name or name.startswith("/") or "\\" in name or any(part in ("", ".", "..") for part in parts)
                or re.search(r"[\x00-\x1f\x7f]", name)):
            raise Invalid(f"{info.filename[:100]!r}: not a plain relative path")
        if len(parts) > DEEPEST:
            raise Invalid(f"{name[:100]}: folders nested {len(parts)} deep (at most {DEEPEST})")
        mode = info.external_attr >> 16
        if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            continue
        if name in members:
            raise Invalid(f"{name[:100]}: stored twice")
        members[name] = info
        size += 0 if info.is_dir() else info.file_size
    for name in members:
        for parent in map(str, PurePosixPath(name).parents[:-1]):
            if parent in members and not members[parent].is_dir():
                raise Invalid(f"{name[:100]}: inside {parent}, which is a file")
    for name in ("index.html", "prompts.json"):
        if name in members and members[name].is_dir():
            raise Invalid(f"{name} is a folder")
    if "index.html" not in members:
        raise Invalid("no index.html at its root")
    return members, size


def _extract(unpacked: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], destination: Path) -> None:
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True)
    for name, info in sorted(members.items()):
        path = destination / name
        if info.is_dir():
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with unpacked.open(info) as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target)


def checked_list(data: bytes) -> list[dict]:
    """The preview's prompts.json (written by its build, so not trusted): a list of
    {"slug": str, "source": str, "task": {"id": str | None}, "verdict": {"code": str}}."""
    if len(data) > LARGEST_LIST_BYTES:
        raise Invalid(f"prompts.json: {len(data):,} bytes (at most {LARGEST_LIST_BYTES:,})")
    text = data.decode("utf-8", "replace")
    if _nesting(text) > DEEPEST_LIST:
        raise Invalid(f"prompts.json: nested deeper than {DEEPEST_LIST}")
    try:
        listed = json.loads(text)
    except ValueError as error:
        raise Invalid(f"prompts.json: not JSON ({error})") from None
    if not isinstance(listed, list):
        raise Invalid("prompts.json: not a list")
    for index, entry in enumerate(listed):
        where = f"prompts.json: entry {index + 1}"
        if not isinstance(entry, dict):
            raise Invalid(f"{where}: not an object")
        for key in ("slug", "source"):
            if not isinstance(entry.get(key), str):
                raise Invalid(f"{where}: {key} is not a string")
        task, verdict = entry.get("task"), entry.get("verdict")
        if not isinstance(task, dict) or not isinstance(task.get("id"), (str, type(None))):
            raise Invalid(f"{where}: task is not an object with an id")
        if not isinstance(verdict, dict) or not isinstance(verdict.get("code"), str):
            raise Invalid(f"{where}: verdict is not an object with a code")
    return listed


def _nesting(text: str) -> int:
    """How deep JSON text nests, counted without parsing it (the parser would recurse)."""
    depth = deepest = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        symbol = token.group()
        if symbol in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif symbol in "]}":
            depth -= 1
    return deepest


def _keep(preview: Preview, previous: dict, root: Path, base_url: str, room: int) -> tuple[Preview, list[str]]:
    """The preview that was live, copied from the live site as the last record lists it."""
    names = previous.get("files")
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise Invalid("the last deployment's record lists no files")
    size = int(previous.get("size") or 0)
    if size > room:
        return replace(preview, state=State.OVER_BUDGET, size=size), []
    destination = root / f"pr-{preview.number}"
    shutil.rmtree(destination, ignore_errors=True)
    address = f"{base_url.rstrip('/')}/pr-preview/pr-{preview.number}/"
    for name in names:
        parts = PurePosixPath(name).parts
        if not name or name.startswith("/") or any(part in ("", ".", "..") for part in parts) or len(parts) > DEEPEST:
            raise Invalid(f"the last deployment's record names {name[:100]!r}")
        path = destination / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with urllib.request.urlopen(address + quote(name), timeout=30) as response:
                path.write_bytes(response.read())
        except OSError as error:
            shutil.rmtree(destination, ignore_errors=True)
            return replace(preview, state=State.UNAVAILABLE, detail=f"{preview.detail}; the live copy: {error}"), []
    add_noindex(destination)
    kept = replace(preview, state=State.KEPT, sha=str(previous.get("sha") or ""), size=size,
                   partial=PREVIEW_OF_CHANGES in names,
                   held=sum(PurePosixPath(name).suffix.lower() in _HTML_SUFFIXES for name in names),
                   pages=previous.get("pages") or [], pages_total=int(previous.get("pages_total") or 0),
                   deleted=previous.get("deleted") or [])
    return kept, sorted(names)


def changed_pages(preview: Preview, github: GitHub, listed: list[dict], folder: Path) -> Preview:
    """The prompt pages a pull request adds or changes, and the prompt files it deletes.

    Which files changed comes from GitHub. The preview's own list (``prompts.json``, checked)
    gives only each page's slug, task id and verdict code, each checked again: a slug whose
    page is in the preview, a task of the vocabulary, a known verdict."""
    try:
        changes = prompt_changes(from_github_files(github.listing(f"pulls/{preview.number}/files")))
    except GitHubError as error:  # the preview is still published, with no list of pages
        print(f"::warning::Pull request #{preview.number}: its changed files could not be listed ({error})")
        return preview
    from generator.vocabulary import load_vocabulary  # PyYAML: in the venv of `make site`

    vocab = load_vocabulary()
    by_source = {entry["source"]: entry for entry in listed}
    paths = [*changes.added, *changes.changed]
    pages = []
    for path in paths[:LISTED]:
        entry = by_source.get(path, {})
        slug = entry.get("slug", "")
        if not _SLUG.match(slug) or not (folder / "prompts" / slug / "index.html").is_file():
            slug = ""
        task = (entry.get("task") or {}).get("id")
        verdict = (entry.get("verdict") or {}).get("code")
        pages.append({"path": path, "slug": slug, "task": vocab.label(task) if task in vocab.tasks else "",
                      "verdict": verdict if verdict in VERDICTS else ""})
    return replace(preview, pages=pages, pages_total=len(paths), deleted=list(changes.deleted))


def tree_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


class _HeadFinder(HTMLParser):
    """Where a page's <head> content starts (after <head>, else after <html>, else after the
    doctype, else at the start) and whether a robots meta tag already says noindex; `done`
    once the head is over (the rest of the page need not be read)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.after: dict[str, tuple[int, int, str]] = {}
        self.noindex = False
        self.done = False

    def handle_endtag(self, tag):
        self.done = self.done or tag == "head"

    def handle_decl(self, decl):
        self.after.setdefault("doctype", (*self.getpos(), f"<!{decl}>"))

    def handle_starttag(self, tag, attrs):
        self.done = self.done or tag == "body"
        if tag in ("head", "html"):
            self.after.setdefault(tag, (*self.getpos(), self.get_starttag_text()))
        values = {name: (value or "").lower() for name, value in attrs}
        if tag == "meta" and values.get("name") == "robots" and "noindex" in values.get("content", ""):
            self.noindex = True


def with_noindex(html: str) -> str:
    """The page with a `noindex` robots tag in its head, placed where an HTML parser says the
    head's content starts; unchanged when its own robots tag already says noindex."""
    finder = _HeadFinder()
    for start in range(0, len(html), 8192):
        finder.feed(html[start:start + 8192])
        if finder.done:
            break
    else:
        finder.close()
    if finder.noindex:
        return html
    offsets = [0, *[match.end() for match in re.finditer("\n", html)]]
    for tag in ("head", "html", "doctype"):
        if tag in finder.after:
            line, column, text = finder.after[tag]
            at = offsets[line - 1] + column + len(text)
            return html[:at] + NOINDEX + html[at:]
    return NOINDEX + html


def add_noindex(folder: Path) -> None:
    """Every HTML page of a preview (.html and .htm, any case) asks search engines not to
    index it, whatever its build wrote."""
    for page in folder.rglob("*"):
        if page.suffix.lower() in _HTML_SUFFIXES and page.is_file() and not page.is_symlink():
            html = page.read_bytes().decode("utf-8", "surrogateescape")
            page.write_bytes(with_noindex(html).encode("utf-8", "surrogateescape"))


def job_summary(report: list[Preview], room: int) -> str:
    lines = ["## Previews", "",
             f"Room for previews: {room / 1e6:,.0f} MB (GitHub Pages' 1 GB, less `main` and a margin).", "",
             "| pull request | state | commit | size | detail |", "| --- | --- | --- | --- | --- |"]
    for preview in report:
        detail = re.sub(r"[|\r\n`]", " ", preview.detail)[:300]
        lines.append(f"| #{preview.number} | {preview.state} | `{preview.sha[:7]}` | {preview.size / 1e6:.1f} MB "
                     f"| {detail} |")
    return "\n".join(lines) + "\n"


# ---- comment ------------------------------------------------------------------------------

def comment_text(preview: Preview, base_url: str) -> tuple[str, bool]:
    """The comment's body for a preview's state, and whether only an existing comment is updated."""
    address = f"{base_url.rstrip('/')}/pr-preview/pr-{preview.number}/"
    short, head = preview.sha[:7], preview.head[:7]
    review = (f"a maintainer sets the `{APPROVAL_LABEL}` label and approves the commit with a pull request "
              f"review (\"Approve\")")
    if preview.state in LIVE:
        text = f"**Site preview:** {address} (commit `{short}`)\n\n"
        if preview.state == State.KEPT:
            text += (f"Kept from the last deployment: this one could not reach GitHub's API ({preview.detail}). "
                     f"The next deployment tries again.")
        elif preview.detail.startswith("approved by"):
            text += f"This pull request comes from a fork: its preview shows the commit {preview.detail}."
            if preview.head and preview.head != preview.sha:
                text += f" The newest commit, `{head}`, awaits approval: it is published once {review}."
        else:
            text += "Rebuilt on every push to this pull request and removed when it is closed."
        return text + _held_text(preview) + _changes_text(preview, address), False
    texts = {
        State.AWAITING_LABEL: (f"**Site preview:** off. This pull request comes from a fork, so its preview is "
                               f"published only after {review}. Only that exact commit is published."),
        State.AWAITING_APPROVAL: (f"**Site preview:** waiting for a maintainer's approval of commit `{head}`. "
                                  f"The `{APPROVAL_LABEL}` label is set; the preview is published once someone "
                                  f"with write access approves that commit with a pull request review."),
        State.OVER_BUDGET: (f"**Site preview:** not published for size. This preview is {preview.size / 1e6:.0f} MB, "
                            f"more than what is left of GitHub Pages' 1 GB once the site of `main` and the "
                            f"previews of newer pull requests are in. It is published again when room frees up, "
                            f"for example when another pull request is closed."),
        State.EXPIRED: ("**Site preview:** none. The files of its last build have expired (GitHub keeps build "
                        "artifacts for a limited time). Push a commit to build it again."),
        State.INVALID: (f"**Site preview:** not published: its build's files failed a check ({preview.detail}). "
                        f"Push a commit whose build gives a plain site."),
        State.UNAVAILABLE: (f"**Site preview:** could not be fetched this time: GitHub's API failed "
                            f"({preview.detail}). The site was published without it; the next deployment "
                            f"tries again."),
        State.FAILED: (f"**Site preview:** left out of this deployment: gathering it failed ({preview.detail}). "
                       f"The site of `main` and the other previews were published. A maintainer can look at the "
                       f"Deploy run's summary."),
        State.DELETED_FORK: ("**Site preview:** none. The fork this pull request comes from was deleted, so its "
                             "builds cannot be told apart from another fork's."),
        State.REMOVED: "**Site preview:** removed, as this pull request is closed.",
    }
    if preview.state in texts:
        return texts[preview.state], preview.state == State.REMOVED
    if preview.sha:  # a fork's approved commit that was never built
        return (f"**Site preview:** none. The approved commit `{short}` ({preview.detail}) has no preview build: "
                f"it may have been pushed with `[skip ci]`, or its pull request had a merge conflict. Push a "
                f"commit that builds, and approve that one."), False
    return ("**Site preview:** none published yet. The preview build of this pull request's commit has not "
            "passed (see the Preview check)."), True


def _code(text: str) -> str:
    """A file name from a pull request as inert Markdown: a code span, one line, no backtick."""
    return "`" + re.sub(r"[`\x00-\x1f\x7f]", "", text)[:150] + "`"


def _held_text(preview: Preview) -> str:
    """What a preview of only what changed holds; nothing for a preview of the whole site."""
    if not preview.partial:
        return ""
    of = f" of the site's {preview.main_pages:,}" if preview.main_pages else ""
    return (f"\n\nThis preview holds {preview.held:,}{of} pages: those of the prompts it adds or changes, the "
            f"pages that list them, the home page and the indexes. Links to any other page lead to the site of "
            f"`main`.")


def _changes_text(preview: Preview, address: str) -> str:
    if not preview.pages and not preview.deleted:
        return ""
    total = max(preview.pages_total, len(preview.pages))
    lines = ["", "", f"**Prompt pages this pull request adds or changes** ({total}):"
             if preview.pages else "**No prompt page added or changed.**"]
    for page in preview.pages[:LISTED]:
        name = _code(page["path"])
        line = f"- [{name}]({address}prompts/{page['slug']}/)" if page["slug"] else f"- {name} (no page)"
        about = [part for part in (page["task"], VERDICTS.get(page["verdict"], "")) if part]
        lines.append(line + (": " + " · ".join(about) if about else ""))
    if total > LISTED:
        lines.append(f"- and {total - LISTED} more")
    if preview.deleted:
        shown = ", ".join(_code(path) for path in preview.deleted[:LISTED])
        more = f" and {len(preview.deleted) - LISTED} more" if len(preview.deleted) > LISTED else ""
        lines += ["", f"**Deleted prompts** ({len(preview.deleted)}): {shown}{more}"]
    return "\n".join(lines)


def comment(github: GitHub, report: list[Preview], base_url: str) -> int:
    """Write each comment whose state changed since the last deployment; no call for the others."""
    failures = 0
    for preview in report:
        if preview.state_line == preview.previous:
            continue
        text, update_only = comment_text(preview, base_url)
        failures += not _say(github, preview.number, preview.state_line, text, update_only)
    return 1 if failures else 0


def _say(github: GitHub, number: int, state: str, text: str, update_only: bool) -> bool:
    """Write the pull request's one preview comment, or edit it when its state changed."""
    first = f"{COMMENT_TAG} {state} -->"
    try:
        ours = [item for item in github.listing(f"issues/{number}/comments")
                if item["user"]["login"] == BOT and item["body"].startswith(COMMENT_TAG + " ")]
        if not ours:
            if not update_only:
                github.call("api", "-X", "POST", f"repos/{github.repository}/issues/{number}/comments",
                            "-f", f"body={first}\n{text}")
                print(f"Pull request #{number}: comment written ({state})")
            return True
        if ours[0]["body"].splitlines()[0].rstrip("\r") != first:
            github.call("api", "-X", "PATCH", f"repos/{github.repository}/issues/comments/{ours[0]['id']}",
                        "-f", f"body={first}\n{text}")
            print(f"Pull request #{number}: comment updated ({state})")
        return True
    except GitHubError as error:
        print(f"::warning::Pull request #{number}: the preview comment could not be written: {error}")
        return False


def main(argv: list[str]) -> int:
    environ = os.environ
    # The first delay between tries; the tests set 0 so that they do not wait.
    github = GitHub(environ["REPOSITORY"], Retry(first_delay=float(environ.get("GH_RETRY_DELAY", "2"))))
    if argv == ["gather"]:
        site = Path(environ.get("SITE", "site"))
        shutil.rmtree(site / "pr-preview", ignore_errors=True)
        room = room_for_previews(site)
        print(f"main: {tree_size(site):,} bytes; room for previews: {room:,} bytes")
        report, files = gather(github, site, environ["BASE_URL"], room)
        write_record(site / "pr-preview", report, files)
        if environ.get("GITHUB_STEP_SUMMARY"):
            with open(environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
                summary.write(job_summary(report, room))
        brief = [asdict(preview) for preview in report]
        with open(environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as output:
            output.write(f"report={json.dumps(brief)}\n")
        return 0
    if argv == ["comment"]:
        report = [Preview(**entry) for entry in json.loads(environ.get("REPORT") or "[]")]
        return comment(github, report, environ["BASE_URL"])
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
