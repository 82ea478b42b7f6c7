"""The GitHub Actions workflows in .github/workflows/, checked here so that a broken or unsafe
workflow fails the tests before it reaches GitHub.

- Every workflow is valid against GitHub's workflow schema (check-jsonschema's vendored copy).
- zizmor, run offline with .github/zizmor.yml, finds nothing of medium severity or above.
- The check, deploy and preview workflows exist with the triggers, permissions and
  concurrency CONTRIBUTING.md describes, so none can silently disappear or grow permissions.
- The workflows' scripts that talk to GitHub (the preview's address; gathering the previews
  and writing the comments in the deploy) run here against a fake `gh` that answers like
  GitHub's API.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

GITHUB = ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
ZIZMOR_CONFIG = GITHUB / "zizmor.yml"
BIN = Path(sys.executable).parent
REPOSITORY = "owner/prompt-pages"


def load(name: str) -> dict:
    """A workflow as data; PyYAML reads the key `on` as the boolean True, so it is put back."""
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def uses(workflow: dict) -> list[str]:
    return [step["uses"] for _, step in steps(workflow) if "uses" in step]


def step_named(workflow: dict, job_id: str, step_id: str) -> dict:
    return next(step for step in workflow["jobs"][job_id]["steps"] if step.get("id") == step_id)


def run_tool(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cwd, capture_output=True, text=True)


def all_workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


# --- schema and audit ----------------------------------------------------------------------

def test_the_check_deploy_and_preview_workflows_exist():
    assert {"check.yml", "deploy.yml", "preview.yml"} <= {path.name for path in all_workflow_files()}


def check_schema(*paths) -> subprocess.CompletedProcess:
    return run_tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, paths))


def test_every_workflow_is_valid_against_githubs_workflow_schema():
    result = check_schema(*all_workflow_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    step:\n      - run: make test\n")
    assert check_schema(broken).returncode != 0


def zizmor(*inputs) -> list[dict]:
    result = run_tool("zizmor", "--offline", "--format", "json", "--config", str(ZIZMOR_CONFIG), *map(str, inputs))
    assert result.stdout.strip().startswith("["), result.stderr[-3000:]
    return json.loads(result.stdout)


def serious(findings: list[dict]) -> list[str]:
    return [
        f"{finding['ident']} ({finding['determinations']['severity']}): {finding['desc']} at "
        + ", ".join(f"{location['symbolic']['key']['Local']['given_path']}:"
                    f"{location['concrete']['location']['start_point']['row'] + 1}"
                    for location in finding["locations"])
        for finding in findings
        if finding["determinations"]["severity"] in ("Medium", "High")
    ]


def test_zizmor_finds_nothing_of_medium_severity_or_above():
    assert serious(zizmor(WORKFLOWS)) == []


def test_zizmor_with_this_config_still_flags_an_unsafe_workflow(tmp_path):
    """The audit is not vacuous: the same command flags a pwn request, an injection, a third-party tag."""
    unsafe = tmp_path / "workflows" / "unsafe.yml"
    unsafe.parent.mkdir()
    unsafe.write_text(
        "on: pull_request_target\n"
        "permissions: write-all\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          ref: ${{ github.event.pull_request.head.sha }}\n"
        "      - uses: someone/some-action@v1\n"
        "      - run: echo \"${{ github.event.pull_request.title }}\"\n"
    )
    idents = {finding["ident"] for finding in zizmor(unsafe) if finding["determinations"]["severity"] in ("Medium", "High")}
    assert {"dangerous-triggers", "template-injection", "unpinned-uses", "artipacked"} <= idents, idents


def test_action_tags_are_allowed_for_githubs_own_actions_only():
    config = yaml.safe_load(ZIZMOR_CONFIG.read_text(encoding="utf-8"))
    assert config["rules"]["unpinned-uses"]["config"]["policies"] == {"actions/*": "ref-pin", "*": "hash-pin"}
    for path in all_workflow_files():
        for reference in uses(load(path.name)):
            # GitHub's own actions by major tag; anything else only by a full commit hash.
            assert re.fullmatch(r"actions/[\w.-]+@v\d+", reference) or re.fullmatch(
                r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", reference), f"{path.name}: {reference}"


def test_run_scripts_are_valid_bash_and_take_context_values_only_through_env(tmp_path):
    for path in all_workflow_files():
        for job_id, step in steps(load(path.name)):
            if "run" not in step:
                continue
            where = f"{path.name}: {job_id}: {step.get('name', step['run'][:40])}"
            assert "${{" not in step["run"], where  # no template injection into the shell
            script = tmp_path / "script.sh"
            script.write_text(step["run"], encoding="utf-8")
            result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
            assert result.returncode == 0, f"{where}: {result.stderr}"


# --- what each workflow does ---------------------------------------------------------------

WRITE = "write"


def permissions(job: dict) -> dict:
    value = job.get("permissions")
    assert isinstance(value, dict), f"every job states its permissions: {value!r}"
    return value


def test_no_workflow_runs_pull_request_code_with_a_write_token():
    for path in all_workflow_files():
        workflow = load(path.name)
        assert "pull_request_target" not in workflow["on"], path.name
        assert workflow["permissions"] == {}, f"{path.name}: permissions start from none"
        text = path.read_text(encoding="utf-8")
        assert "secrets." not in text, path.name


def test_the_check_workflow_runs_once_per_commit_with_the_pinned_tools():
    workflow = load("check.yml")
    assert set(workflow["on"]) == {"push", "pull_request"}
    assert all(value is None for value in workflow["on"].values())  # every branch, every pull request
    assert set(workflow["jobs"]) == {"test", "unit-tests"}
    job = workflow["jobs"]["test"]
    # A same-repository pull request's head is a pushed branch, checked already: no double run.
    assert job["if"].split() == ("github.event_name == 'push' || "
                                 "github.event.pull_request.head.repo.full_name != github.repository").split()
    scripts = "\n".join(step["run"] for _, step in steps(workflow) if "run" in step)
    assert "make test" in scripts
    assert "make site" in scripts or "mkdocs build --strict" in scripts
    assert "mkdocs build --strict" in (ROOT / "Makefile").read_text(encoding="utf-8").split("\nsite:")[1].split("\n\n")[0]
    assert "chromium" in scripts  # the browser tests need it, and in CI they fail without it
    assert re.search(r"apt-get install .*\bjq\b", scripts)  # so the preview address test runs, not skips
    # Problems become annotations and the job summary lists the branch's prompts: that needs the
    # default branch's history, and the tests and the build still run when the check fails.
    check = next(step for _, step in steps(workflow) if "make check" in step.get("run", ""))
    assert 'BASE="$BASE"' in check["run"] and check["env"]["BASE"].startswith("origin/")
    checkout = next(step for _, step in steps(workflow) if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    later = [step for _, step in steps(workflow) if step.get("run") in ("make test", "make site")]
    assert len(later) == 2 and all(step["if"] == "${{ !cancelled() }}" for step in later)
    # The container: a Python release whose tag is no longer rebuilt, or a digest; never a moving tag.
    assert re.fullmatch(r"python:3\.11\.\d+-bookworm(@sha256:[0-9a-f]{64})?", job["container"]["image"])
    caches = [step for _, step in steps(workflow) if step.get("uses", "").startswith("actions/cache@")]
    assert caches and "pip" in caches[0]["with"]["path"]
    assert "pyproject.toml" in caches[0]["with"]["key"] and "constraints.txt" in caches[0]["with"]["key"]
    assert "restore-keys" not in caches[0]["with"]  # an old cache never stands in for the pinned tools
    # When a test fails, the browser's screenshots are kept.
    upload = next(step for _, step in steps(workflow) if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "failure()" and upload["with"]["path"].rstrip("/") == "tests/artifacts"
    for job in workflow["jobs"].values():
        assert WRITE not in permissions(job).values()
        assert job["if"] == workflow["jobs"]["test"]["if"]


def test_the_unit_tests_run_on_macos_and_on_every_python_supported():
    job = load("check.yml")["jobs"]["unit-tests"]
    runs = {(entry["os"], entry["python"]) for entry in job["strategy"]["matrix"]["include"]}
    assert ("macos-latest", "3.11") in runs
    assert {("ubuntu-latest", version) for version in ("3.11", "3.12", "3.13")} <= runs
    script = "\n".join(step["run"] for step in job["steps"] if "run" in step)
    assert '-m "not browser"' in script and "make .venv/.test-installed" in script  # the pinned tools


#: The first major of each action that runs on Node 24 (Node 20 left GitHub's runners in
#: September 2026), from the actions' release notes. An action missing here must be added,
#: with its Node 24 major, before a workflow may use it.
NODE24_MAJORS = {
    "actions/checkout": 5, "actions/setup-python": 6, "actions/cache": 5, "actions/upload-artifact": 6,
    "actions/configure-pages": 6, "actions/upload-pages-artifact": 5, "actions/deploy-pages": 5,
}


def test_every_action_runs_on_node_24():
    for path in all_workflow_files():
        for reference in uses(load(path.name)):
            action, _, version = reference.partition("@")
            assert action in NODE24_MAJORS, f"{path.name}: {reference} (add its Node 24 major to NODE24_MAJORS)"
            assert int(version.lstrip("v").split(".")[0]) >= NODE24_MAJORS[action], f"{path.name}: {reference}"


def test_the_test_and_build_tools_are_installed_at_the_exact_versions_of_the_constraints_file():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert re.fullmatch(r"[\w.]+", version), line  # exact versions only
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        name = re.sub(r"[-_.]+", "-", re.match(r"[\w.-]+", requirement).group()).lower()
        assert name in pins, f"{name} is not pinned in constraints.txt"
    assert {"pip", "setuptools"} <= set(pins)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^export PIP_CONSTRAINT := \$\(CURDIR\)/constraints\.txt$", makefile, re.M)
    assert re.search(r"^\$\(VENV\)/\.test-installed: pyproject\.toml constraints\.txt", makefile, re.M)
    preview = next(step for _, step in steps(load("preview.yml")) if step.get("uses", "").startswith("actions/setup-python@"))
    assert "constraints.txt" in preview["with"]["cache-dependency-path"]


def test_the_deploy_workflow_publishes_main_with_the_pages_actions_and_least_permissions():
    workflow = load("deploy.yml")
    preview = load("preview.yml")
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert workflow["on"]["workflow_run"] == {"workflows": [preview["name"]], "types": ["completed"]}
    assert workflow["concurrency"]["group"] and workflow["concurrency"]["cancel-in-progress"] is False
    actions = {reference.split("@")[0] for reference in uses(workflow)}
    assert {"actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"} <= actions
    jobs = workflow["jobs"]
    deploy = next(job for job in jobs.values() if any(
        step.get("uses", "").startswith("actions/deploy-pages@") for step in job["steps"]))
    assert permissions(deploy) == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    writes = {(job_id, scope) for job_id, job in jobs.items() for scope, level in permissions(job).items() if level == WRITE}
    assert writes == {("deploy", "pages"), ("deploy", "id-token"), ("comment", "pull-requests")}
    # With write permissions at hand, it checks out the default branch only, never a pull request.
    for _, step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert set(step.get("with", {})) == {"persist-credentials"}
            assert step["with"]["persist-credentials"] is False
    assert not any(step.get("uses", "").startswith(("actions/cache@", "actions/download-artifact@"))
                   or "cache" in step.get("with", {}) for _, step in steps(workflow))
    # In the upstream repository only; after a Preview run, only when that run passed.
    assert jobs["build"]["if"].startswith("!github.event.repository.fork && (")
    assert "workflow_run.conclusion == 'success'" in jobs["build"]["if"]
    # deploy-pages gives up by itself before the job's timeout kills it: at least 5 minutes of headroom.
    step = next(step for step in deploy["steps"] if step.get("uses", "").startswith("actions/deploy-pages@"))
    assert deploy["timeout-minutes"] * 60_000 >= int(step["with"]["timeout"]) + 5 * 60_000
    gather = step_named(workflow, "build", "previews")
    assert float(gather["env"]["PREVIEW_BUDGET_MB"]) <= 600  # well under the 1 GB of a Pages site
    assert gather["env"]["APPROVAL_LABEL"] == "preview-approved"


def test_the_preview_workflow_builds_each_pull_request_read_only_and_reacts_to_its_closing():
    workflow = load("preview.yml")
    assert set(workflow["on"]) == {"pull_request"}
    assert {"opened", "synchronize", "reopened", "closed", "labeled"} <= set(workflow["on"]["pull_request"]["types"])
    for job in workflow["jobs"].values():
        assert WRITE not in permissions(job).values()
        assert "environment" not in job
    build = workflow["jobs"]["build"]
    # Built on every push, and again when a maintainer sets the approval label (which redeploys).
    assert build["if"].split() == ("github.event.action != 'closed' && (github.event.action != 'labeled' || "
                                   "github.event.label.name == 'preview-approved')").split()
    assert "concurrency" not in workflow and build["concurrency"]["cancel-in-progress"] is True
    assert workflow["jobs"]["closed"]["if"] == "github.event.action == 'closed'"
    scripts = "\n".join(step["run"] for step in build["steps"] if "run" in step)
    assert "make site" in scripts and "/pr-preview/pr-$NUMBER/" in scripts
    assert "-m generator export sources --brief --quiet > site/prompts.json" in scripts  # for the comment's links
    upload = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-artifact@"))
    deploy = load("deploy.yml")
    gather = step_named(deploy, "build", "previews")
    assert upload["with"]["name"] == gather["env"]["PREVIEW_ARTIFACT"]
    assert upload["with"]["path"].rstrip("/") == "site"
    assert (WORKFLOWS / gather["env"]["PREVIEW_WORKFLOW"]).name == "preview.yml"


# --- the deploy workflow's scripts against a fake GitHub ---------------------------------------

#: A stand-in for the `gh` command: answers `gh api` from a dict of paths as GitHub's REST API
#: would (filters, pages, errors) and `gh run download` from folders; logs every call.
FAKE_GH = r'''
import json, os, shutil, subprocess, sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

state = json.loads(Path(os.environ["FAKE_GH_STATE"]).read_text())
args = sys.argv[1:]


def record(entry):
    with open(os.environ["FAKE_GH_LOG"], "a") as log:
        log.write(json.dumps(entry) + "\n")


def fail(message):
    print(f"gh: {message}", file=sys.stderr)
    sys.exit(1)


if args[:2] == ["run", "download"]:
    options = dict(zip(args[3::2], args[4::2]))
    record({"download": args[2], **options})
    if args[2] in state.get("download_errors", {}):
        fail(state["download_errors"][args[2]])
    shutil.copytree(Path(state["artifacts"]) / args[2] / options["--name"], options["--dir"], symlinks=True)
    sys.exit(0)
assert args[0] == "api", args
method, jq, fields, path, flags, index = "GET", None, {}, None, set(), 1
while index < len(args):
    arg = args[index]
    if arg in ("--paginate", "--slurp"):
        flags.add(arg)
        index += 1
    elif arg in ("-X", "--jq", "-f"):
        value = args[index + 1]
        if arg == "-X":
            method = value
        elif arg == "--jq":
            jq = value
        else:
            key, field = value.split("=", 1)
            fields[key] = field
        index += 2
    else:
        path, index = arg, index + 1
url = urlsplit(path)
query = {key: values[0] for key, values in parse_qs(url.query).items()}
if method != "GET":
    record({"method": method, "path": url.path, **fields})
    if url.path in state.get("errors", {}):
        fail(state["errors"][url.path])
    sys.exit(0)
record({"method": "GET", "path": url.path, "query": query, "flags": sorted(flags)})
if url.path in state.get("errors", {}):
    fail(state["errors"][url.path])
if url.path not in state["api"]:
    fail("Not Found (HTTP 404)")
data = state["api"][url.path]
key = None
if isinstance(data, dict) and "workflow_runs" in data:
    key, items = "workflow_runs", data["workflow_runs"]
    for name, field in (("branch", "head_branch"), ("event", "event"), ("status", "conclusion")):
        if name in query:
            items = [run for run in items if run[field] == query[name]]
elif isinstance(data, list):
    items = [item for item in data if "state" not in query or item.get("state") == query["state"]]
if key is not None or isinstance(data, list):
    size = min(int(query.get("per_page", 30)), state.get("page_size", 100))
    chunks = [items[start:start + size] for start in range(0, len(items), size)] or [[]]
    pages = [{key: chunk} if key else chunk for chunk in chunks]
    if "--paginate" in flags and "--slurp" in flags:
        data = pages
    else:
        data = pages[int(query.get("page", 1)) - 1] if int(query.get("page", 1)) <= len(pages) else pages[-1][:0]
if jq is None:
    print(json.dumps(data))
    sys.exit(0)
result = subprocess.run(["jq", "-r", jq], input=json.dumps(data), capture_output=True, text=True)
sys.stdout.write(result.stdout)
sys.stderr.write(result.stderr)
sys.exit(result.returncode)
'''


@pytest.fixture
def fake_github(tmp_path):
    """A work folder with the workflows' scripts and a fake `gh` first on PATH; returns a
    function running a workflow step there."""
    if shutil.which("jq") is None:  # the preview's address step uses it; GitHub's runners have it
        pytest.skip("jq is missing: apt-get install jq")
    tools = tmp_path / "bin"
    tools.mkdir()
    for name, text in (("gh", FAKE_GH), ("python3", "import runpy, sys\nsys.argv = sys.argv[1:]\n"
                                                     "runpy.run_path(sys.argv[0], run_name='__main__')\n")):
        (tools / name).write_text(f"#!{sys.executable}\n{text}", encoding="utf-8")
        (tools / name).chmod(0o755)
    work = tmp_path / "work"
    shutil.copytree(GITHUB / "scripts", work / ".github" / "scripts")
    # The deploy's gather step runs in the venv `make site` made; here, this one.
    venv_python = work / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    venv_python.chmod(0o755)
    state_file, log_file, output_file = tmp_path / "state.json", tmp_path / "gh.log", tmp_path / "output"

    def run_step(step: dict, state: dict, env: dict) -> tuple[subprocess.CompletedProcess, list[dict], dict]:
        state_file.write_text(json.dumps({"artifacts": str(tmp_path / "artifacts"), **state}), encoding="utf-8")
        log_file.write_text("")
        output_file.write_text("")
        script = tmp_path / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        literal = {key: str(value) for key, value in step.get("env", {}).items() if "${{" not in str(value)}
        environment = {
            "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path), "LANG": "C.UTF-8",
            "GH_TOKEN": "fake", "REPOSITORY": REPOSITORY, "GITHUB_OUTPUT": str(output_file),
            "BASE_URL": "https://owner.github.io/prompt-pages/",
            "FAKE_GH_STATE": str(state_file), "FAKE_GH_LOG": str(log_file), **literal, **env,
        }
        # As GitHub runs a `run:` step with `shell: bash`.
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                cwd=work, env=environment, capture_output=True, text=True)
        calls = [json.loads(line) for line in log_file.read_text().splitlines()]
        outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
        return result, calls, outputs

    return tmp_path, work, run_step


UPSTREAM = 1  # the repository's id; a fork has another
BASE = f"repos/{REPOSITORY}"
RUNS = f"{BASE}/actions/workflows/preview.yml/runs"


def pull(number, ref, repo_id=UPSTREAM, sha="0" * 40, created="2025-01-02T00:00:00Z", state="open", name=None):
    repo = None if repo_id is None else {"id": repo_id, "full_name": name or (REPOSITORY if repo_id == UPSTREAM else f"fork{repo_id}/prompt-pages")}
    return {"number": number, "state": state, "created_at": created,
            "head": {"ref": ref, "sha": sha, "repo": repo}, "base": {"repo": {"id": UPSTREAM}}}


def workflow_run(run_id, branch, sha, created, repo_id=UPSTREAM, conclusion="success", event="pull_request"):
    return {"id": run_id, "head_branch": branch, "head_sha": sha, "created_at": created, "conclusion": conclusion,
            "event": event, "head_repository": None if repo_id is None else {"id": repo_id}}


def artifacts(*entries):
    return {"artifacts": [{"id": index, "name": name, "expired": expired}
                          for index, (name, expired) in enumerate(entries, 1)]}


def store(tmp_path, run_id, files):
    """The files of a Preview run's artifact, as `gh run download` would unpack them."""
    for name, text in files.items():
        path = tmp_path / "artifacts" / str(run_id) / "preview-site" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text) if isinstance(text, str) else path.write_bytes(text)


def page(title):
    return f"<!doctype html><html><head><title>{title}</title></head><body>{title}</body></html>"


def gather_step():
    return step_named(load("deploy.yml"), "build", "previews")


def comment_step():
    return next(step for step in load("deploy.yml")["jobs"]["comment"]["steps"] if "run" in step)


def gathered(run_step, state, env=None):
    result, calls, outputs = run_step(gather_step(), state, env or {})
    assert result.returncode == 0, result.stdout + result.stderr
    return {entry["number"]: entry for entry in json.loads(outputs["report"])}, calls, result.stdout


def main_site(work):
    site = work / "site"
    (site / "pr-preview" / "pr-99").mkdir(parents=True)
    (site / "index.html").write_text(page("main"))
    (site / "pr-preview" / "pr-99" / "index.html").write_text("stale")
    return site


def test_each_same_repository_pull_request_gets_its_newest_passing_preview(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    c = "c" * 40
    store(tmp_path, 30, {"index.html": page("PR 3"), "prompts/a/index.html": page("a"), "notes.txt": "x"})
    (tmp_path / "artifacts" / "30" / "preview-site" / "leak").symlink_to("/etc/hostname")
    store(tmp_path, 29, {"index.html": page("old")})
    store(tmp_path, 33, {"index.html": page("a fork's")})
    store(tmp_path, 60, {"index.html": page("PR 6")})
    store(tmp_path, 70, {"notes.txt": "not a site"})
    state = {"api": {
        f"{BASE}/pulls": [
            pull(3, "feature/x&y"),  # a branch name that needs encoding in a query
            pull(5, "new"),  # its build has not passed yet
            pull(6, "old", created="2025-03-01T00:00:00Z"),  # only a run from before it was opened
            pull(7, "broken"),  # an artifact without index.html
            pull(9, "done", state="closed"),
        ],
        RUNS: {"workflow_runs": [
            # A fork's branch of the same name: its builds are never this pull request's.
            workflow_run(33, "feature/x&y", "d" * 40, "2025-01-06T00:00:00Z", repo_id=88),
            workflow_run(32, "feature/x&y", "f" * 40, "2025-01-05T00:00:00Z", conclusion="failure"),
            workflow_run(31, "feature/x&y", "e" * 40, "2025-01-04T00:00:00Z"),  # its artifact expired
            workflow_run(30, "feature/x&y", c, "2025-01-03T00:00:00Z"),
            workflow_run(29, "feature/x&y", "9" * 40, "2025-01-02T12:00:00Z"),
            workflow_run(50, "new", "5" * 40, "2025-01-03T00:00:00Z", conclusion="failure"),
            workflow_run(60, "old", "6" * 40, "2025-02-01T00:00:00Z"),
            workflow_run(70, "broken", "7" * 40, "2025-01-03T00:00:00Z"),
            workflow_run(90, "done", "9" * 40, "2025-01-03T00:00:00Z"),
        ]},
        f"{BASE}/actions/runs/33/artifacts": artifacts(("preview-site", False)),
        f"{BASE}/actions/runs/31/artifacts": artifacts(("preview-site", True)),
        f"{BASE}/actions/runs/30/artifacts": artifacts(("other", False), ("preview-site", False)),
        f"{BASE}/actions/runs/29/artifacts": artifacts(("preview-site", False)),
        f"{BASE}/actions/runs/60/artifacts": artifacts(("preview-site", False)),
        f"{BASE}/actions/runs/70/artifacts": artifacts(("preview-site", False)),
    }}
    report, calls, stdout = gathered(run_step, state)
    assert {number: entry["state"] for number, entry in report.items()} == {
        3: "published", 5: "not-built", 6: "not-built", 7: "unavailable"}
    assert report[3]["sha"] == c and report[3]["run"] == "30"
    assert (site / "index.html").read_text() == page("main")
    previews = site / "pr-preview"
    assert sorted(path.name for path in previews.iterdir()) == ["pr-3"]
    assert "PR 3" in (previews / "pr-3" / "index.html").read_text()
    assert (previews / "pr-3" / "notes.txt").read_text() == "x"
    assert not (previews / "pr-3" / "leak").exists() and not (previews / "pr-3" / "leak").is_symlink()
    # Every preview page asks not to be indexed, and robots.txt keeps the previews out.
    for html in previews.rglob("*.html"):
        assert html.read_text().count('<meta name="robots" content="noindex">') == 1, html
    assert "noindex" not in (site / "index.html").read_text()
    assert (site / "robots.txt").read_text() == "User-agent: *\nDisallow: /prompt-pages/pr-preview/\n"
    assert [call["download"] for call in calls if "download" in call] == ["70", "30"]
    assert [call["query"]["branch"] for call in calls if call.get("path") == RUNS][-1] == "feature/x&y"
    assert not any(call.get("method") not in (None, "GET") for call in calls)  # it writes nothing to GitHub
    assert not list(site.glob("tmp*"))  # no scratch folder is published


FORK, OTHER_FORK = 77, 88


def fork_state(events, role="write"):
    """Pull request #4 from a fork: commit a built before the label, b pushed after it."""
    a, b = "a" * 40, "b" * 40
    return a, b, {"api": {
        f"{BASE}/pulls": [pull(4, "main", FORK, sha=b)],
        RUNS: {"workflow_runs": [
            workflow_run(43, "main", "0" * 40, "2025-01-06T00:00:00Z", repo_id=OTHER_FORK),  # another fork's main
            workflow_run(42, "main", b, "2025-01-05T00:00:00Z", repo_id=FORK),
            workflow_run(41, "main", a, "2025-01-03T00:00:00Z", repo_id=FORK),
        ]},
        f"{BASE}/issues/4/events": events,
        f"{BASE}/collaborators/maintainer/permission": {"permission": "write", "role_name": role},
        f"{BASE}/actions/runs/41/artifacts": artifacts(("preview-site", False)),
        f"{BASE}/actions/runs/42/artifacts": artifacts(("preview-site", False)),
        f"{BASE}/actions/runs/43/artifacts": artifacts(("preview-site", False)),
    }}


def label_event(event, when, login="maintainer", name="preview-approved"):
    return {"event": event, "created_at": when, "actor": {"login": login}, "label": {"name": name}}


def test_a_forks_preview_is_published_only_at_the_commit_a_maintainer_approved(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    for run_id in (41, 42, 43):
        store(tmp_path, run_id, {"index.html": page(f"run {run_id}")})
    a, b, state = fork_state([label_event("labeled", "2025-01-01T00:00:00Z", name="bug"),
                              label_event("labeled", "2025-01-04T00:00:00Z")])
    report, calls, _ = gathered(run_step, state)
    assert report[4]["state"] == "published" and report[4]["sha"] == a  # not b, pushed after the approval
    assert report[4]["detail"] == f"approved by @maintainer; head {b}"
    assert "run 41" in (site / "pr-preview" / "pr-4" / "index.html").read_text()
    assert [call["download"] for call in calls if "download" in call] == ["41"]

    result, calls, _ = run_step(comment_step(), {"api": {f"{BASE}/issues/4/comments": [], f"{BASE}/pulls": []}},
                                {"REPORT": json.dumps(list(report.values()))})
    assert result.returncode == 0, result.stdout + result.stderr
    body = next(call["body"] for call in calls if call.get("method") == "POST")
    assert "approved by @maintainer" in body and f"`{b[:7]}`" in body and "`preview-approved` label again" in body


@pytest.mark.parametrize("events, role", [
    ([], "write"),  # no label
    ([label_event("labeled", "2025-01-04T00:00:00Z")], "triage"),  # labelled by someone without write access
    ([label_event("labeled", "2025-01-04T00:00:00Z"), label_event("unlabeled", "2025-01-04T01:00:00Z")], "write"),
    ([label_event("labeled", "2025-01-02T00:00:00Z")], "admin"),  # set before any build of this pull request
], ids=["no-label", "triage", "label-removed", "before-any-build"])
def test_a_forks_preview_waits_for_an_approval(fake_github, events, role):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    for run_id in (41, 42, 43):
        store(tmp_path, run_id, {"index.html": page(f"run {run_id}")})
    _, b, state = fork_state(events, role)
    report, calls, _ = gathered(run_step, state)
    assert report[4]["state"] == "awaiting-approval" and report[4]["detail"] == b
    assert not (site / "pr-preview" / "pr-4").exists()
    assert not any("download" in call for call in calls)


def test_a_deleted_forks_pull_request_never_takes_another_forks_preview(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    store(tmp_path, 80, {"index.html": page("someone else's")})
    state = {"api": {
        f"{BASE}/pulls": [pull(8, "main", None)],
        RUNS: {"workflow_runs": [workflow_run(80, "main", "8" * 40, "2025-01-03T00:00:00Z", repo_id=None)]},
        f"{BASE}/actions/runs/80/artifacts": artifacts(("preview-site", False)),
    }}
    report, calls, _ = gathered(run_step, state)
    assert report[8]["state"] == "deleted-fork"
    assert not (site / "pr-preview").exists() or not any((site / "pr-preview").iterdir())
    assert not any("download" in call for call in calls)


def test_newer_pull_requests_win_the_size_budget(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    for run_id, size in ((100, 600_000), (90, 600_000), (80, 300_000)):
        store(tmp_path, run_id, {"index.html": page(str(run_id)), "big.bin": b"x" * size})
    state = {"api": {
        f"{BASE}/pulls": [pull(8, "eight"), pull(10, "ten"), pull(9, "nine")],
        RUNS: {"workflow_runs": [workflow_run(run_id, branch, str(run_id) * 20, "2025-01-03T00:00:00Z")
                                 for run_id, branch in ((100, "ten"), (90, "nine"), (80, "eight"))]},
        **{f"{BASE}/actions/runs/{run_id}/artifacts": artifacts(("preview-site", False)) for run_id in (100, 90, 80)},
    }}
    report, _, _ = gathered(run_step, state, {"PREVIEW_BUDGET_MB": "1"})
    assert {number: entry["state"] for number, entry in report.items()} == {
        10: "published", 9: "over-budget", 8: "published"}  # the oldest still fits in what is left
    assert report[9]["size_mb"] == pytest.approx(0.6, abs=0.01)
    assert sorted(path.name for path in (site / "pr-preview").iterdir()) == ["pr-10", "pr-8"]
    text, _ = comment_texts(report, run_step, {"PREVIEW_BUDGET_MB": "1"})[9]
    assert "not published for size" in text and "1 MB" in text and "has not passed" not in text


def comment_texts(report, run_step, env=None, comments=None):
    """Run the comment step on a gather report; {number: (body, method)} of what it wrote."""
    state = {"api": {f"{BASE}/pulls": [], **{f"{BASE}/issues/{number}/comments": (comments or {}).get(number, [])
                                           for number in report}}}
    result, calls, _ = run_step(comment_step(), state, {"REPORT": json.dumps(list(report.values())), **(env or {})})
    assert result.returncode == 0, result.stdout + result.stderr
    return {int(call["path"].split("/")[-2]): (call["body"], call["method"]) for call in calls
            if call.get("method") == "POST"}


def test_a_preview_that_cannot_be_fetched_is_skipped_and_reported_and_main_still_publishes(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    for run_id in (30, 40, 50):
        store(tmp_path, run_id, {"index.html": page(str(run_id))})
    state = {
        "api": {
            f"{BASE}/pulls": [pull(3, "three"), pull(4, "four"), pull(5, "five")],
            RUNS: {"workflow_runs": [workflow_run(run_id, branch, str(run_id) * 20, "2025-01-03T00:00:00Z")
                                     for run_id, branch in ((30, "three"), (40, "four"), (50, "five"))]},
            **{f"{BASE}/actions/runs/{run_id}/artifacts": artifacts(("preview-site", False)) for run_id in (30, 40, 50)},
        },
        # #3: an API error; #4: its artifact expired between the listing and the download.
        "errors": {f"{BASE}/actions/runs/30/artifacts": "HTTP 502: Bad Gateway"},
        "download_errors": {"40": "no valid artifacts found to download"},
    }
    report, _, _ = gathered(run_step, state)
    assert {number: entry["state"] for number, entry in report.items()} == {
        5: "published", 4: "unavailable", 3: "unavailable"}
    assert "HTTP 502" in report[3]["detail"] and "no valid artifacts" in report[4]["detail"]
    assert sorted(path.name for path in (site / "pr-preview").iterdir()) == ["pr-5"]
    assert (site / "index.html").read_text() == page("main")
    texts = comment_texts(report, run_step)
    assert set(texts) == {3, 4, 5}
    assert "could not be fetched" in texts[3][0] and "HTTP 502" in texts[3][0]
    assert "could not be fetched" in texts[4][0] and "no valid artifacts" in texts[4][0]


def test_main_publishes_without_previews_when_the_pull_requests_cannot_be_listed(fake_github):
    _, work, run_step = fake_github
    site = main_site(work)
    report, _, stdout = gathered(run_step, {"api": {}, "errors": {f"{BASE}/pulls": "HTTP 503"}})
    assert report == {} and "::warning::" in stdout
    assert (site / "index.html").read_text() == page("main") and not (site / "pr-preview").exists()
    assert "Disallow: /prompt-pages/pr-preview/" in (site / "robots.txt").read_text()


def test_every_listing_is_followed_to_its_last_page(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    state = {"page_size": 2, "api": {
        f"{BASE}/pulls": [pull(number, f"b{number}") for number in range(1, 6)],
        RUNS: {"workflow_runs": [workflow_run(10 * number + k, f"b{number}", str(number) * 40, f"2025-01-0{3 + k}T00:00:00Z",
                                              conclusion="success" if k == 0 else "failure")
                                 for number in range(1, 6) for k in range(3)]},
        **{f"{BASE}/actions/runs/{10 * number}/artifacts": artifacts(("preview-site", False)) for number in range(1, 6)},
    }}
    for number in range(1, 6):
        store(tmp_path, 10 * number, {"index.html": page(str(number))})
    report, calls, _ = gathered(run_step, state)
    assert [entry["state"] for entry in report.values()] == ["published"] * 5
    assert sorted(path.name for path in (site / "pr-preview").iterdir()) == [f"pr-{n}" for n in range(1, 6)]
    listings = [call for call in calls if call.get("path") in (f"{BASE}/pulls", RUNS)]
    assert listings and all(call["flags"] == ["--paginate", "--slurp"] for call in listings)
    # Our comment on page 2 of a pull request's comments is found and edited, not written again.
    bot = "github-actions[bot]"
    tag = "<!-- prompt-pages-preview"
    comments = {1: [{"id": i, "user": {"login": "someone"}, "body": "hi"} for i in range(3)]
                + [{"id": 9, "user": {"login": bot}, "body": f"{tag} not-built -->\nold"}]}
    state = {"page_size": 2, "api": {f"{BASE}/pulls": [], f"{BASE}/issues/1/comments": comments[1]}}
    result, calls, _ = run_step(comment_step(), state, {"REPORT": json.dumps([report[1]])})
    assert result.returncode == 0, result.stdout + result.stderr
    assert [(call["method"], call["path"]) for call in calls if call.get("method") != "GET"] == [
        ("PATCH", f"{BASE}/issues/comments/9")]


def test_each_pull_request_has_one_comment_updated_only_when_its_state_changes(fake_github):
    _, _, run_step = fake_github
    c, d, e = "c" * 40, "d" * 40, "e" * 40
    tag = "<!-- prompt-pages-preview"
    bot = "github-actions[bot]"

    def comment(comment_id, login, body):
        return {"id": comment_id, "user": {"login": login}, "body": body}

    report = [
        {"number": 3, "state": "published", "sha": c, "run": "1", "size_mb": 1.0, "detail": ""},
        {"number": 4, "state": "published", "sha": d, "run": "2", "size_mb": 1.0, "detail": ""},
        {"number": 8, "state": "published", "sha": e, "run": "3", "size_mb": 1.0, "detail": ""},
        {"number": 5, "state": "not-built", "sha": "", "run": "", "size_mb": 0.0, "detail": ""},
        {"number": 6, "state": "not-built", "sha": "", "run": "", "size_mb": 0.0, "detail": ""},
        {"number": 12, "state": "awaiting-approval", "sha": "", "run": "", "size_mb": 0.0, "detail": e},
        {"number": 13, "state": "deleted-fork", "sha": "", "run": "", "size_mb": 0.0, "detail": ""},
    ]
    state = {"api": {
        f"{BASE}/pulls": [pull(9, "a", state="closed"), pull(10, "b", state="closed"), pull(11, "c", state="closed")],
        f"{BASE}/issues/3/comments": [],
        f"{BASE}/issues/4/comments": [comment(40, "someone", "Nice"),
                                      comment(42, bot, f"{tag} published {'b' * 40} -->\nold text")],
        f"{BASE}/issues/8/comments": [comment(80, bot, f"{tag} published {e} -->\r\nsame")],
        f"{BASE}/issues/5/comments": [],
        f"{BASE}/issues/6/comments": [comment(61, bot, f"{tag} published {'6' * 40} -->\ntext")],
        f"{BASE}/issues/9/comments": [comment(91, bot, f"{tag} published {'9' * 40} -->\ntext")],
        f"{BASE}/issues/10/comments": [comment(100, "someone", f"{tag} published {'9' * 40} -->\nquoted")],
        f"{BASE}/issues/11/comments": [comment(110, bot, f"{tag} removed -->\ntext")],
        f"{BASE}/issues/12/comments": [],
        f"{BASE}/issues/13/comments": [],
    }}
    result, calls, _ = run_step(comment_step(), state, {"REPORT": json.dumps(report)})
    assert result.returncode == 0, result.stdout + result.stderr
    writes = [call for call in calls if call.get("method") in ("POST", "PATCH")]
    assert [(call["method"], call["path"]) for call in writes] == [
        ("POST", f"{BASE}/issues/3/comments"),
        ("PATCH", f"{BASE}/issues/comments/42"),
        ("PATCH", f"{BASE}/issues/comments/61"),
        ("POST", f"{BASE}/issues/12/comments"),
        ("POST", f"{BASE}/issues/13/comments"),
        ("PATCH", f"{BASE}/issues/comments/91"),
    ]
    bodies = [call["body"] for call in writes]
    assert bodies[0].startswith(f"{tag} published {c} -->\n")
    assert "https://owner.github.io/prompt-pages/pr-preview/pr-3/" in bodies[0] and "`ccccccc`" in bodies[0]
    assert bodies[1].startswith(f"{tag} published {d} -->\n") and "/pr-preview/pr-4/" in bodies[1]
    assert bodies[2].startswith(f"{tag} not-built -->\n")
    assert bodies[3].startswith(f"{tag} awaiting-approval -->\n") and "`preview-approved`" in bodies[3]
    assert bodies[4].startswith(f"{tag} deleted-fork -->\n")
    assert bodies[5].startswith(f"{tag} removed -->\n")


def test_a_comment_that_cannot_be_written_fails_the_comment_job_after_the_others(fake_github):
    _, _, run_step = fake_github
    report = [{"number": n, "state": "published", "sha": str(n) * 40, "run": "1", "size_mb": 1.0, "detail": ""}
              for n in (3, 4)]
    state = {"api": {f"{BASE}/pulls": [], f"{BASE}/issues/3/comments": [], f"{BASE}/issues/4/comments": []},
             "errors": {f"{BASE}/issues/3/comments": "HTTP 403"}}
    result, calls, _ = run_step(comment_step(), state, {"REPORT": json.dumps(report)})
    assert result.returncode == 1 and "#3" in result.stdout
    assert [call["path"] for call in calls if call.get("method") == "POST"] == [f"{BASE}/issues/4/comments"]


@pytest.mark.parametrize(("repository", "pages", "expected"), [
    ("Owner/prompt-pages", None, "https://owner.github.io/prompt-pages/pr-preview/pr-7/"),
    ("Owner/owner.github.io", None, "https://owner.github.io/pr-preview/pr-7/"),
    ("Owner/prompt-pages", "https://docs.example.org/", "https://docs.example.org/pr-preview/pr-7/"),
    ("Owner/prompt-pages", "https://owner.github.io/prompt-pages/", "https://owner.github.io/prompt-pages/pr-preview/pr-7/"),
])
def test_the_preview_is_built_for_its_address_on_pages(fake_github, repository, pages, expected):
    """The Pages address from GitHub's API (a custom domain too), else the default one."""
    _, _, run_step = fake_github
    state = {"api": {f"repos/{repository}/pages": {"html_url": pages}} if pages else {}}
    step = step_named(load("preview.yml"), "build", "address")
    result, _, outputs = run_step(step, state, {"REPOSITORY": repository, "OWNER": "Owner", "NUMBER": "7"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs == {"site_url": expected}


def test_the_preview_comment_links_the_pages_the_pull_request_changed(fake_github):
    tmp_path, work, run_step = fake_github
    main_site(work)
    listed = [{"slug": f"p{n:02}", "source": f"sources/p{n:02}.txt", "task": {"id": "super_resolution"},
               "verdict": {"code": "does-not-fit"}} for n in range(25)]
    listed += [
        # A preview is built from the pull request's code: its list is checked, never trusted.
        {"slug": "../../evil", "source": "sources/evil.txt", "task": {"id": "[x](https://evil.example)"},
         "verdict": {"code": "<script>"}},
        {"slug": "answered", "source": "sources/answered.txt", "task": {"id": "deblur"}, "verdict": {"code": "fits"}},
    ]
    files = {f"prompts/p{n:02}/index.html": page(str(n)) for n in range(25)}
    store(tmp_path, 60, {"index.html": page("PR 6"), "prompts.json": json.dumps(listed),
                         "prompts/answered/index.html": page("answered"), **files})
    changed = ([{"filename": f"sources/p{n:02}.txt", "status": "added" if n % 2 else "modified"} for n in range(25)]
               + [{"filename": "sources/evil.txt", "status": "modified"},
                  {"filename": "sources/answered.answers/gpt-4o.md", "status": "added"},
                  {"filename": "sources/gone.txt", "status": "removed"},
                  {"filename": "sources/new-name.txt", "previous_filename": "sources/old `name`.txt", "status": "renamed"},
                  {"filename": "README.md", "status": "modified"}])
    state = {"page_size": 10, "api": {
        f"{BASE}/pulls": [pull(6, "six")],
        RUNS: {"workflow_runs": [workflow_run(60, "six", "6" * 40, "2025-01-03T00:00:00Z")]},
        f"{BASE}/actions/runs/60/artifacts": artifacts(("preview-site", False)),
        f"{BASE}/pulls/6/files": changed,
    }}
    report, _, _ = gathered(run_step, state)
    preview = report[6]
    assert preview["state"] == "published" and len(preview["pages"]) == 28
    assert preview["deleted"] == ["sources/gone.txt", "sources/old `name`.txt"]
    (body, _), = comment_texts(report, run_step).values()
    address = "https://owner.github.io/prompt-pages/pr-preview/pr-6/"
    assert "**Prompt pages this pull request adds or changes** (28):" in body
    lines = body.splitlines()
    # Added prompts first, then changed ones (an answer added changes its prompt's page).
    first = lines.index("**Prompt pages this pull request adds or changes** (28):") + 1
    assert lines[first:first + 2] == ["- `sources/new-name.txt` (no page)",
        f"- [`sources/p01.txt`]({address}prompts/p01/): Super-resolution · ✗ no recommended model does this task"]
    assert f"- [`sources/answered.txt`]({address}prompts/answered/): Deblurring · ✓ the recommended models do this task" in lines
    assert "- `sources/new-name.txt` (no page)" in lines and "- `sources/evil.txt` (no page)" in lines
    assert sum(line.startswith("- ") for line in lines) == 21 and lines[-3] == "- and 8 more"
    assert "evil.example" not in body and "<script>" not in body and "../" not in body
    assert "**Deleted prompts** (2): `sources/gone.txt`, `sources/old name.txt`" in body
    assert "README" not in body


def test_the_comment_job_needs_nothing_but_the_standard_library():
    """The comment job has no venv: its script and what it imports of the generator are stdlib only."""
    result = subprocess.run([sys.executable, "-I", "-S", "-c",
                             "import runpy; runpy.run_path('.github/scripts/previews.py', run_name='imported')"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
