"""The pull-request previews of the Pages deployment, run by deploy.yml with the default branch's
code (never a pull request's), and talking to GitHub only through the `gh` command.

    python .github/scripts/previews.py gather    # add each open pull request's preview to $SITE
    python .github/scripts/previews.py comment   # write or update each pull request's preview comment

`gather` decides, for every open pull request, newest first, what its preview is:

- **published**: the newest passing Preview build of its head, copied under
  `pr-preview/pr-N/`. A pull request from a fork is published only at the commit a maintainer
  approved: someone with write access sets the label `$APPROVAL_LABEL`, and the approved commit
  is the pull request's head at that moment (the newest Preview run started before the label
  was set). Later pushes are not published until the label is set again.
- **awaiting-approval**: a fork's pull request without a valid approval.
- **not-built**: no passing Preview build of the commit to publish, yet.
- **over-budget**: the previews of newer pull requests already fill `$PREVIEW_BUDGET_MB`.
- **unavailable**: its artifact could not be fetched (expired, or an API error).
- **deleted-fork**: its fork was deleted; nothing can tell its builds apart from another's.

One pull request's failure never stops the others, and no failure stops the deployment of
`main`: the worst outcome of `gather` is a site without previews. Every preview page gets a
`noindex` robots tag, and the site's `robots.txt` keeps `pr-preview/` out of search engines.
The result goes to $GITHUB_OUTPUT as `report`, a JSON list that `comment` reads from $REPORT.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

# The default branch's generator (never the pull request's): which files belong to which
# prompt, and the verdicts' words; both need nothing beyond the standard library, so the
# comment job runs without the project's packages. Only `gather` loads the task vocabulary.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from generator.changes import from_github_files, prompt_changes  # noqa: E402
from generator.verdict import TEXTS as VERDICTS  # noqa: E402

#: Collaborator roles that may approve a fork's preview (GitHub's `role_name`).
APPROVERS = {"admin", "maintain", "write"}
#: Changed pages listed in a comment, then "and N more".
LISTED = 20
_SLUG = re.compile(r"^[a-z0-9_-]{1,120}$")
#: The first line of the one preview comment per pull request, followed by its state.
COMMENT_TAG = "<!-- prompt-pages-preview"
BOT = "github-actions[bot]"
NOINDEX = '<meta name="robots" content="noindex">'
_HEAD = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)


class GitHubError(Exception):
    """A `gh` call that failed: an API error, a missing or expired artifact."""


@dataclass(frozen=True)
class Preview:
    number: int
    state: str
    sha: str = ""  # the commit published, or the one approved
    run: str = ""
    size_mb: float = 0.0
    detail: str = ""  # the approver, the error, the pull request's newer head
    #: The prompt pages the pull request adds or changes: {"path", "slug", "task", "verdict"}.
    pages: list = field(default_factory=list)
    deleted: list = field(default_factory=list)  # the prompt files it deletes


# ---- GitHub -------------------------------------------------------------------------------

def gh(*args: str) -> str:
    result = subprocess.run(["gh", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise GitHubError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"gh {args[0]} failed")
    return result.stdout


def api(path: str):
    return json.loads(gh("api", path) or "null")


def api_list(path: str, key: str | None = None) -> list:
    """Every item of a listing: gh follows the pages (at most 100 items each) and slurps them
    into one JSON list of pages."""
    separator = "&" if "?" in path else "?"
    pages = json.loads(gh("api", "--paginate", "--slurp", f"{path}{separator}per_page=100") or "[]")
    return [item for page in pages for item in (page[key] if key else page)]


# ---- gather -------------------------------------------------------------------------------

def gather(repository: str, site: Path, workflow: str, artifact: str, label: str, budget_mb: float) -> list[Preview]:
    previews_root = site / "pr-preview"
    shutil.rmtree(previews_root, ignore_errors=True)
    write_robots(site)
    try:
        pulls = api_list(f"repos/{repository}/pulls?state=open")
    except GitHubError as error:
        print(f"::warning::The open pull requests could not be listed ({error}): main is published without previews")
        return []
    report, used = [], 0.0
    for pull in sorted(pulls, key=lambda pull: pull["number"], reverse=True):  # newer pull requests win
        try:
            preview = _preview_of(pull, repository, previews_root, workflow, artifact, label, budget_mb - used)
        except GitHubError as error:
            preview = Preview(pull["number"], "unavailable", detail=str(error))
            shutil.rmtree(previews_root / f"pr-{pull['number']}", ignore_errors=True)
        used += preview.size_mb if preview.state == "published" else 0
        report.append(preview)
        print(f"Pull request #{preview.number}: {preview.state} {preview.sha[:7]} {preview.detail}".rstrip())
    return report


def _preview_of(pull: dict, repository: str, root: Path, workflow: str, artifact: str, label: str,
                room_mb: float) -> Preview:
    number, head = pull["number"], pull["head"]
    if not head.get("repo"):
        return Preview(number, "deleted-fork")
    head_repo = head["repo"]["id"]
    runs = [run for run in api_list(
        f"repos/{repository}/actions/workflows/{workflow}/runs?event=pull_request&branch={quote(head['ref'], safe='')}",
        key="workflow_runs")
        if (run.get("head_repository") or {}).get("id") == head_repo and run["created_at"] >= pull["created_at"]]
    runs.sort(key=lambda run: run["created_at"], reverse=True)
    approval = ""
    if head_repo != pull["base"]["repo"]["id"]:
        approved = _approved_commit(pull, repository, label, runs)
        if approved is None:
            return Preview(number, "awaiting-approval", detail=head["sha"])
        approval, approver = approved
        runs = [run for run in runs if run["head_sha"] == approval]
    for run in runs:
        if run["conclusion"] != "success":
            continue
        stored = api(f"repos/{repository}/actions/runs/{run['id']}/artifacts")["artifacts"]
        if not any(item["name"] == artifact and not item["expired"] for item in stored):
            continue
        destination = root / f"pr-{number}"
        size_mb = _fetch(repository, str(run["id"]), artifact, destination)
        if size_mb is None:
            return Preview(number, "unavailable", run["head_sha"], str(run["id"]), detail="the artifact has no index.html")
        if size_mb > room_mb:
            shutil.rmtree(destination)
            return Preview(number, "over-budget", run["head_sha"], str(run["id"]), size_mb)
        add_noindex(destination)
        detail = f"approved by @{approver}; head {head['sha']}" if approval else ""
        pages, deleted = changed_pages(repository, number, destination)
        return Preview(number, "published", run["head_sha"], str(run["id"]), size_mb, detail, pages, deleted)
    return Preview(number, "not-built", approval, detail=f"approved by @{approver}" if approval else "")


def _approved_commit(pull: dict, repository: str, label: str, runs: list[dict]) -> tuple[str, str] | None:
    """The commit a maintainer approved on a fork's pull request, and who approved it.

    The last time the label was set or removed decides: set by a collaborator with write
    access, it approves the pull request's head at that moment, the commit of the newest
    Preview run started before it (a push starts one). Removed, or set by anyone else
    (triage access suffices to label), nothing is approved."""
    events = [event for event in api_list(f"repos/{repository}/issues/{pull['number']}/events")
              if event.get("event") in ("labeled", "unlabeled") and (event.get("label") or {}).get("name") == label]
    if not events or events[-1]["event"] != "labeled" or not events[-1].get("actor"):
        return None
    labeled = events[-1]
    login = labeled["actor"]["login"]
    role = api(f"repos/{repository}/collaborators/{quote(login, safe='')}/permission").get("role_name")
    if role not in APPROVERS:
        return None
    before = [run for run in runs if run["created_at"] <= labeled["created_at"]]
    return (before[0]["head_sha"], login) if before else None


def _fetch(repository: str, run: str, artifact: str, destination: Path) -> float | None:
    """Download an artifact into ``destination``: only plain files and folders are kept (a
    link could reach outside the site). Its size in MB, or None when it is not a site."""
    with tempfile.TemporaryDirectory(dir=destination.parent.parent) as scratch:
        unpacked = Path(scratch) / "site"
        gh("run", "download", run, "--repo", repository, "--name", artifact, "--dir", str(unpacked))
        size = 0
        for path in sorted(unpacked.rglob("*"), reverse=True):
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                path.unlink()
            elif path.is_file():
                size += path.stat().st_size
        if not (unpacked / "index.html").is_file():
            return None
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(destination, ignore_errors=True)
        shutil.move(unpacked, destination)
    return size / 1_000_000


def changed_pages(repository: str, number: int, preview: Path) -> tuple[list[dict], list[str]]:
    """The prompt pages a pull request adds or changes, and the prompt files it deletes.

    Which files changed comes from GitHub. The preview's own list (``prompts.json``, written by
    its build, so not trusted) gives only each page's slug, task id and verdict code, each
    checked: a slug whose page is in the preview, a task of the vocabulary, a known verdict.
    """
    try:
        changes = prompt_changes(from_github_files(api_list(f"repos/{repository}/pulls/{number}/files")))
    except GitHubError as error:  # the preview is still published, with no list of pages
        print(f"::warning::Pull request #{number}: its changed files could not be listed ({error})")
        return [], []
    try:
        listed = json.loads((preview / "prompts.json").read_text(encoding="utf-8"))
        by_source = {entry["source"]: entry for entry in listed if isinstance(entry, dict) and "source" in entry}
    except (OSError, ValueError, TypeError):
        by_source = {}
    from generator.vocabulary import load_vocabulary  # PyYAML: in the venv of `make site`

    vocab = load_vocabulary()
    pages = []
    for path in (*changes.added, *changes.changed):
        entry = by_source.get(path, {})
        slug = entry.get("slug") if isinstance(entry.get("slug"), str) else ""
        if not _SLUG.match(slug) or not (preview / "prompts" / slug / "index.html").is_file():
            slug = ""
        task = (entry.get("task") or {}).get("id") if isinstance(entry.get("task"), dict) else None
        verdict = (entry.get("verdict") or {}).get("code") if isinstance(entry.get("verdict"), dict) else None
        pages.append({"path": path, "slug": slug,
                      "task": vocab.label(task) if isinstance(task, str) and task in vocab.tasks else "",
                      "verdict": verdict if verdict in VERDICTS else ""})
    return pages, list(changes.deleted)


def add_noindex(folder: Path) -> None:
    """Every HTML page of a preview asks search engines not to index it, whatever its build wrote."""
    for page in folder.rglob("*.html"):
        html = page.read_bytes()
        if NOINDEX.encode() not in html:
            page.write_bytes(_HEAD.sub(lambda head: head.group() + NOINDEX.encode(), html, count=1))


def write_robots(site: Path) -> None:
    """robots.txt at the site's root keeps the previews out of search engines. Crawlers read it
    only at a host's root: for a project site (OWNER.github.io/REPO/) the noindex tags do it."""
    base = urlsplit(os.environ.get("BASE_URL", "/")).path.rstrip("/") + "/"
    (site / "robots.txt").write_text(f"User-agent: *\nDisallow: {base}pr-preview/\n", encoding="utf-8")


# ---- comment ------------------------------------------------------------------------------

def comment_text(preview: Preview, base_url: str, label: str, budget_mb: float) -> tuple[str, bool]:
    """The comment's body for a preview's state, and whether only an existing comment is updated."""
    address = f"{base_url.rstrip('/')}/pr-preview/pr-{preview.number}/"
    short = preview.sha[:7]
    if preview.state == "published":
        text = f"**Site preview:** {address} (commit `{short}`)\n\n"
        if preview.detail.startswith("approved by"):
            approver, _, head = preview.detail.partition("; head ")
            text += f"This pull request comes from a fork: its preview shows the commit {approver}."
            if head and head != preview.sha:
                text += (f" Newer commits (now `{head[:7]}`) are not published until a maintainer sets "
                         f"the `{label}` label again.")
        else:
            text += "Rebuilt on every push to this pull request and removed when it is closed."
        return text + _changes_text(preview, address), False
    if preview.state == "awaiting-approval":
        return (f"**Site preview:** waiting for a maintainer. This pull request comes from a fork, so its "
                f"preview is published only after someone with write access reviews it and sets the "
                f"`{label}` label. The approval covers the commit reviewed, not later pushes."), False
    if preview.state == "over-budget":
        return (f"**Site preview:** not published for size. This preview is {preview.size_mb:.0f} MB and the "
                f"previews of newer pull requests already use the budget of {budget_mb:.0f} MB for all "
                f"previews (GitHub Pages allows 1 GB in all). It is published again when room frees up, "
                f"for example when another pull request is closed."), False
    if preview.state == "unavailable":
        return (f"**Site preview:** could not be fetched this time ({preview.detail or 'the artifact has expired'}). "
                f"The site was published without it. Push a commit to build it again."), False
    if preview.state == "deleted-fork":
        return ("**Site preview:** none. The fork this pull request comes from was deleted, so its builds "
                "cannot be told apart from another fork's."), False
    return ("**Site preview:** none published yet. The preview build of this pull request's commit has not "
            "passed (see the Preview check)."), True


def _code(text: str) -> str:
    """A file name from a pull request as inert Markdown: a code span, one line, no backtick."""
    return "`" + re.sub(r"[`\x00-\x1f\x7f]", "", text)[:150] + "`"


def _changes_text(preview: Preview, address: str) -> str:
    if not preview.pages and not preview.deleted:
        return ""
    lines = ["", "", f"**Prompt pages this pull request adds or changes** ({len(preview.pages)}):"
             if preview.pages else "**No prompt page added or changed.**"]
    for page in preview.pages[:LISTED]:
        name = _code(page["path"])
        line = f"- [{name}]({address}prompts/{page['slug']}/)" if page["slug"] else f"- {name} (no page)"
        about = [part for part in (page["task"], VERDICTS.get(page["verdict"], "")) if part]
        lines.append(line + (": " + " · ".join(about) if about else ""))
    if len(preview.pages) > LISTED:
        lines.append(f"- and {len(preview.pages) - LISTED} more")
    if preview.deleted:
        shown = ", ".join(_code(path) for path in preview.deleted[:LISTED])
        more = f" and {len(preview.deleted) - LISTED} more" if len(preview.deleted) > LISTED else ""
        lines += ["", f"**Deleted prompts** ({len(preview.deleted)}): {shown}{more}"]
    return "\n".join(lines)


def comment(repository: str, report: list[Preview], base_url: str, label: str, budget_mb: float) -> int:
    failures = 0
    for preview in report:
        text, update_only = comment_text(preview, base_url, label, budget_mb)
        state = f"{preview.state} {preview.sha}".rstrip()
        failures += not _say(repository, preview.number, state, text, update_only)
    try:
        closed = api(f"repos/{repository}/pulls?state=closed&sort=updated&direction=desc&per_page=20")
    except GitHubError as error:
        print(f"::warning::The closed pull requests could not be listed: {error}")
        return 1
    for pull in closed:
        failures += not _say(repository, pull["number"], "removed",
                             "**Site preview:** removed, as this pull request is closed.", True)
    return 1 if failures else 0


def _say(repository: str, number: int, state: str, text: str, update_only: bool) -> bool:
    """Write the pull request's one preview comment, or edit it when its state changed."""
    first = f"{COMMENT_TAG} {state} -->"
    try:
        ours = [item for item in api_list(f"repos/{repository}/issues/{number}/comments")
                if item["user"]["login"] == BOT and item["body"].startswith(COMMENT_TAG + " ")]
        if not ours:
            if not update_only:
                gh("api", "-X", "POST", f"repos/{repository}/issues/{number}/comments", "-f", f"body={first}\n{text}")
                print(f"Pull request #{number}: comment written ({state})")
            return True
        if ours[0]["body"].splitlines()[0].rstrip("\r") != first:
            gh("api", "-X", "PATCH", f"repos/{repository}/issues/comments/{ours[0]['id']}", "-f", f"body={first}\n{text}")
            print(f"Pull request #{number}: comment updated ({state})")
        return True
    except GitHubError as error:
        print(f"::warning::Pull request #{number}: the preview comment could not be written: {error}")
        return False


def main(argv: list[str]) -> int:
    environ = os.environ
    repository, label = environ["REPOSITORY"], environ.get("APPROVAL_LABEL", "preview-approved")
    budget_mb = float(environ.get("PREVIEW_BUDGET_MB", "500"))
    if argv == ["gather"]:
        report = gather(repository, Path(environ.get("SITE", "site")), environ["PREVIEW_WORKFLOW"],
                        environ["PREVIEW_ARTIFACT"], label, budget_mb)
        with open(environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as output:
            output.write(f"report={json.dumps([asdict(preview) for preview in report])}\n")
        return 0
    if argv == ["comment"]:
        report = [Preview(**entry) for entry in json.loads(environ.get("REPORT") or "[]")]
        return comment(repository, report, environ["BASE_URL"], label, budget_mb)
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
