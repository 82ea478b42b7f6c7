"""The GitHub Actions workflows in .github/workflows/, checked here so that a broken or unsafe
workflow fails the tests before it reaches GitHub.

- Every workflow is valid against GitHub's workflow schema (check-jsonschema's vendored copy).
- zizmor, run offline with .github/zizmor.yml, finds nothing, with its default persona and
  with `--persona auditor` (a finding left on purpose carries an ignore comment with its reason).
- Every action is pinned by a full commit hash with its version in a comment.
- The check, deploy and preview workflows exist with the triggers, permissions and
  concurrency CONTRIBUTING.md describes, so none can silently disappear or grow permissions.
- The workflows' scripts that talk to GitHub (the preview's address; gathering the previews
  and writing the comments in the deploy) run here against a fake `gh` that answers like
  GitHub's API.
"""

from __future__ import annotations

import functools
import importlib.util
import http.server
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import tomllib
import zipfile
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


def previews_module():
    """The deploy's script as a module, for its constants."""
    spec = importlib.util.spec_from_file_location("previews", GITHUB / "scripts" / "previews.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


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


def zizmor(*inputs, persona="regular") -> list[dict]:
    result = run_tool("zizmor", "--offline", "--persona", persona, "--format", "json", "--config", str(ZIZMOR_CONFIG),
                      *map(str, inputs))
    assert result.stdout.strip().startswith("["), result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_zizmor_finds_nothing(persona):
    assert [finding["ident"] for finding in zizmor(WORKFLOWS, persona=persona)] == []


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


#: Each action's pin: the commit hash and the version it is, as the workflows write them.
PIN = re.compile(r"^\s*(?:- )?uses: (?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40})  # (?P<version>v\d+\.\d+\.\d+)$", re.M)


def pins() -> list[tuple[str, re.Match]]:
    return [(path.name, match) for path in all_workflow_files() for match in PIN.finditer(path.read_text(encoding="utf-8"))]


def test_every_action_is_pinned_by_a_commit_hash_with_its_version():
    config = yaml.safe_load(ZIZMOR_CONFIG.read_text(encoding="utf-8"))
    assert config["rules"]["unpinned-uses"]["config"]["policies"] == {"*": "hash-pin"}
    pinned = pins()
    assert len(pinned) == sum(len(uses(load(path.name))) for path in all_workflow_files()) > 0
    # One version of each action everywhere.
    versions = {}
    for name, match in pinned:
        assert versions.setdefault(match["action"], match["sha"]) == match["sha"], f"{name}: {match[0]}"
    # The container, by digest.
    image = load("check.yml")["jobs"]["test"]["container"]["image"]
    assert re.fullmatch(r"python:3\.11(\.\d+)?-bookworm@sha256:[0-9a-f]{64}", image)


def test_dependabot_keeps_the_actions_and_python_packages_current():
    config = yaml.safe_load((GITHUB / "dependabot.yml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert {"github-actions", "pip"} <= set(updates)
    assert all(update["schedule"]["interval"] == "weekly" for update in updates.values())
    assert updates["github-actions"]["directory"] == "/" and updates["pip"]["directory"] == "/"


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
    # The container by digest (test_every_action_is_pinned_by_a_commit_hash_with_its_version).
    assert job["container"]["image"].startswith("python:3.11")
    caches = [step for _, step in steps(workflow) if step.get("uses", "").startswith("actions/cache@")]
    assert caches and "pip" in caches[0]["with"]["path"]
    assert "pyproject.toml" in caches[0]["with"]["key"] and "constraints.txt" in caches[0]["with"]["key"]
    assert "restore-keys" not in caches[0]["with"]  # an old cache never stands in for the pinned tools
    # When a test fails, the browser's screenshots are kept.
    uploads = {step["with"]["name"]: step for _, step in steps(workflow)
               if step.get("uses", "").startswith("actions/upload-artifact@")}
    assert uploads["test-screenshots"]["if"] == "failure()"
    assert uploads["test-screenshots"]["with"]["path"].rstrip("/") == "tests/artifacts"
    # Every problem, beyond GitHub's 10 annotations per level and its 1 MiB of job summary.
    from generator.cli.report import PROBLEMS_ARTIFACT, PROBLEMS_FILE

    problems = uploads[PROBLEMS_ARTIFACT]
    assert problems["if"] == "${{ !cancelled() }}"
    assert problems["with"]["path"] == PROBLEMS_FILE
    names = [step.get("name", "") for _, step in steps(workflow)]
    assert names.index(problems["name"]) == names.index("Check the prompts (annotations, job summary)") + 1
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
    for name, match in pins():
        assert match["action"] in NODE24_MAJORS, f"{name}: {match[0]} (add its Node 24 major to NODE24_MAJORS)"
        assert int(match["version"].lstrip("v").split(".")[0]) >= NODE24_MAJORS[match["action"]], f"{name}: {match[0]}"


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
    # Every push starts it, and the job runs for the default branch only: no branch is named.
    assert workflow["on"]["push"] is None and "refs/heads/" not in (WORKFLOWS / "deploy.yml").read_text()
    assert workflow["on"]["workflow_run"] == {"workflows": [preview["name"]], "types": ["completed"]}
    # A run for another branch never joins the deployments' group (a queued one would be replaced).
    assert workflow["concurrency"]["group"].split() == (
        "${{ github.ref_name == github.event.repository.default_branch && 'pages' || "
        "format('not-deployed-{0}', github.run_id) }}").split()
    assert workflow["concurrency"]["cancel-in-progress"] is False
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
    assert not any(step.get("uses", "").startswith(("actions/cache", "actions/download-artifact@"))
                   or "cache" in step.get("with", {}) for _, step in steps(workflow))
    # In the upstream repository only; after a Preview run, only when that run passed.
    assert jobs["build"]["if"].startswith("!github.event.repository.fork && "
                                          "github.ref_name == github.event.repository.default_branch && (")
    assert "workflow_run.conclusion == 'success'" in jobs["build"]["if"]
    # deploy-pages gives up by itself before the job's timeout kills it: at least 5 minutes of headroom.
    step = next(step for step in deploy["steps"] if step.get("uses", "").startswith("actions/deploy-pages@"))
    assert deploy["timeout-minutes"] * 60_000 >= int(step["with"]["timeout"]) + 5 * 60_000
    # The label, the budget and the artifact's name live in the script, nowhere else.
    previews = previews_module()
    assert previews.PAGES_LIMIT_BYTES == 1_000_000_000 and 0 < previews.MARGIN_BYTES <= 100_000_000
    for path in [*all_workflow_files(), GITHUB / "scripts" / "previews.py"]:
        text = path.read_text(encoding="utf-8")
        assert text.count(previews.APPROVAL_LABEL) == (1 if path.name == "previews.py" else 0), path.name
        assert ("1_000_000_000" in text) == (path.name == "previews.py") and "BUDGET_MB" not in text, path.name


def test_only_a_same_repository_pull_requests_preview_builds_warm_from_its_own_cache():
    """The warm cache (generator/plugin/warm_cache.py) is restored and saved by the preview's
    build alone, keyed by its pull request (caches are scoped by ref; its pages are made for
    its own address), and never for a fork: a cache saved by an unapproved commit of a fork
    could put pages into the build of the commit a maintainer approved. deploy.yml, which
    publishes, uses no cache (test_the_deploy_workflow_publishes_main_with_the_pages_actions_...)."""
    from generator.plugin.config import PromptPagesConfig

    build = load("preview.yml")["jobs"]["build"]
    caches = [step for step in build["steps"] if step.get("uses", "").startswith("actions/cache")]
    assert len(caches) == 1 and caches[0]["uses"].startswith("actions/cache@")  # restored, and saved after the job
    cache = caches[0]
    assert cache["if"].split() == "github.event.pull_request.head.repo.full_name == github.repository".split()
    assert cache["with"]["path"] == PromptPagesConfig.cache.default == ".cache/prompt-pages"
    assert cache["with"]["key"].startswith("prompt-pages-preview-${{ github.event.pull_request.number }}-")
    assert cache["with"]["restore-keys"] == "prompt-pages-preview-${{ github.event.pull_request.number }}-"
    runs = [step.get("run", "") for step in build["steps"]]
    assert build["steps"].index(cache) < runs.index("make site")
    assert not any(step.get("uses", "").startswith("actions/cache") for _, step in steps(load("deploy.yml")))


def test_the_preview_workflow_builds_each_pull_request_read_only_and_reacts_to_its_closing():
    workflow = load("preview.yml")
    assert set(workflow["on"]) == {"pull_request", "pull_request_review"}
    assert {"opened", "synchronize", "reopened", "closed", "labeled"} <= set(workflow["on"]["pull_request"]["types"])
    for job in workflow["jobs"].values():
        assert WRITE not in permissions(job).values()
        assert "environment" not in job
    build = workflow["jobs"]["build"]
    # Built on every push; a label, a review or the closing builds nothing and only redeploys.
    assert build["if"].split() == ("github.event_name == 'pull_request' && "
                                   "contains(fromJSON('[\"opened\", \"synchronize\", \"reopened\"]'), "
                                   "github.event.action)").split()
    assert "concurrency" not in workflow and build["concurrency"]["cancel-in-progress"] is True
    scripts = "\n".join(step["run"] for step in build["steps"] if "run" in step)
    assert "make site" in scripts and "/pr-preview/pr-$NUMBER/" in scripts
    assert "-m generator export sources --brief --quiet > site/prompts.json" in scripts  # for the comment's links
    # Then cut down to what the pull request changes (tests/test_preview_site.py runs that step),
    # which needs the history back to the base.
    runs = [step.get("run", "") for step in build["steps"]]
    trim = next(index for index, run in enumerate(runs) if "-m generator preview" in run)
    assert trim == next(index for index, run in enumerate(runs) if "site/prompts.json" in run) + 1
    assert build["steps"][0]["with"]["fetch-depth"] == 0
    upload = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-artifact@"))
    deploy = load("deploy.yml")
    assert upload["with"]["name"] == previews_module().PREVIEW_ARTIFACT
    assert upload["with"]["path"].rstrip("/") == "site"
    assert "actions: read" in (WORKFLOWS / "deploy.yml").read_text()  # to list and download it


# --- the deploy workflow's scripts against a fake GitHub ---------------------------------------

#: A stand-in for the `gh` command: answers `gh api` from a dict of paths as GitHub's REST API
#: would (filters, pages, errors, rate limits, artifacts' zip files); logs every call.
FAKE_GH = r'''
import json, os, subprocess, sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

state = json.loads(Path(os.environ["FAKE_GH_STATE"]).read_text())
log = Path(os.environ["FAKE_GH_LOG"])
args = sys.argv[1:]
before = log.read_text().splitlines()


def record(entry):
    with open(log, "a") as file:
        file.write(json.dumps(entry) + "\n")


def fail(message):
    print(f"gh: {message}", file=sys.stderr)
    sys.exit(1)


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
record({"method": method, "path": url.path, "query": query, "flags": sorted(flags), **fields})
# GitHub's rate limit from the Nth call on; a path failing its first N calls; a path failing always.
if len(before) >= state.get("rate_limit_after", 10**9):
    fail("API rate limit exceeded for installation ID 1. (HTTP 403)")
flaky = state.get("flaky", {}).get(url.path)
if flaky and sum(json.loads(line)["path"] == url.path for line in before) < flaky[0]:
    fail(flaky[1])
if url.path in state.get("errors", {}):
    fail(state["errors"][url.path])
if method != "GET":
    sys.exit(0)
if url.path.endswith("/zip"):
    archive = Path(state["artifacts"]) / (url.path.split("/")[-2] + ".zip")
    if not archive.is_file():
        fail("Not Found (HTTP 404)")
    sys.stdout.buffer.write(archive.read_bytes())
    sys.exit(0)
if url.path not in state["api"]:
    fail("Not Found (HTTP 404)")
data = state["api"][url.path]
key = None
if isinstance(data, dict) and "artifacts" in data:
    key, items = "artifacts", [item for item in data["artifacts"] if "name" not in query or item["name"] == query["name"]]
elif isinstance(data, list):
    items = [item for item in data if "state" not in query or item.get("state") == query["state"]]
if key is not None or isinstance(data, list):
    size = min(int(query.get("per_page", 30)), state.get("page_size", 100))
    chunks = [items[start:start + size] for start in range(0, len(items), size)] or [[]]
    pages = [{key: chunk, "total_count": len(items)} if key else chunk for chunk in chunks]
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


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def fake_github(tmp_path):
    """A work folder with the workflows' scripts, a fake `gh` first on PATH and the live Pages
    site served over HTTP from tmp_path/live; returns a function running a workflow step there."""
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
    (tmp_path / "live" / "prompt-pages").mkdir(parents=True)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path / "live")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    live_url = f"http://127.0.0.1:{server.server_address[1]}/prompt-pages/"
    state_file, log_file, output_file = tmp_path / "state.json", tmp_path / "gh.log", tmp_path / "output"
    summary_file = tmp_path / "summary.md"

    def run_step(step: dict, state: dict, env: dict) -> tuple[subprocess.CompletedProcess, list[dict], dict]:
        state_file.write_text(json.dumps({"artifacts": str(tmp_path / "artifacts"), **state}), encoding="utf-8")
        log_file.write_text("")
        output_file.write_text("")
        summary_file.write_text("")
        script = tmp_path / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        literal = {key: str(value) for key, value in step.get("env", {}).items() if "${{" not in str(value)}
        environment = {
            "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path), "LANG": "C.UTF-8",
            "GH_TOKEN": "fake", "REPOSITORY": REPOSITORY, "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file), "GH_RETRY_DELAY": "0",
            "BASE_URL": "https://owner.github.io/prompt-pages/",
            "FAKE_GH_STATE": str(state_file), "FAKE_GH_LOG": str(log_file), **literal,
            **{key: live_url if value == LIVE else value for key, value in env.items()},
        }
        # As GitHub runs a `run:` step with `shell: bash`.
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                cwd=work, env=environment, capture_output=True, text=True)
        calls = [json.loads(line) for line in log_file.read_text().splitlines()]
        outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
        return result, calls, outputs

    yield tmp_path, work, run_step
    server.shutdown()
    server.server_close()


LIVE = "the live site's address"
UPSTREAM = 1  # the repository's id; a fork has another
FORK = 77
BASE = f"repos/{REPOSITORY}"
ARTIFACTS = f"{BASE}/actions/artifacts"
TAG = "<!-- prompt-pages-preview"
BOT = "github-actions[bot]"
NOINDEX = '<meta name="robots" content="noindex">'


def pull(number, ref, repo_id=UPSTREAM, sha="0" * 40, created="2025-01-02T00:00:00Z", state="open", labels=()):
    repo = None if repo_id is None else {"id": repo_id}
    return {"number": number, "state": state, "created_at": created, "labels": [{"name": name} for name in labels],
            "head": {"ref": ref, "sha": sha, "repo": repo}, "base": {"repo": {"id": UPSTREAM}}}


def artifact(artifact_id, branch, sha, created="2025-01-03T00:00:00Z", repo_id=UPSTREAM, size=1000, expired=False,
             name="preview-site"):
    """An artifact as GitHub's listing gives it: its run's head repository, branch and commit."""
    return {"id": artifact_id, "name": name, "size_in_bytes": size, "expired": expired, "created_at": created,
            "workflow_run": {"id": artifact_id + 1000, "head_repository_id": repo_id, "head_branch": branch,
                             "head_sha": sha}}


class Link(str):
    """A symbolic link in an artifact, to this target."""


def store(tmp_path, artifact_id, files):
    """An artifact's zip file, as GitHub serves it: a name ending in / is a folder."""
    archive = tmp_path / "artifacts" / f"{artifact_id}.zip"
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as packed:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if isinstance(content, Link):
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            elif name.endswith("/"):
                info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
            else:
                info.external_attr = (stat.S_IFREG | 0o644) << 16
            packed.writestr(info, content.encode() if isinstance(content, str) else content)


def page(title):
    return f"<!doctype html><html><head><title>{title}</title></head><body>{title}</body></html>"


def review(login, state, commit, association="MEMBER", review_id=1):
    return {"id": review_id, "user": {"login": login}, "state": state, "commit_id": commit,
            "author_association": association}


def gather_step():
    return step_named(load("deploy.yml"), "build", "previews")


def comment_step():
    return next(step for step in load("deploy.yml")["jobs"]["comment"]["steps"] if "run" in step)


def gathered(run_step, state, env=None):
    """Run the gather step against the live site; {number: entry} of its report, the calls, stdout."""
    result, calls, outputs = run_step(gather_step(), state, {"BASE_URL": LIVE, **(env or {})})
    assert result.returncode == 0, result.stdout + result.stderr
    return {entry["number"]: entry for entry in json.loads(outputs["report"])}, calls, result.stdout


def published(tmp_path, work):
    """What the deployment publishes becomes the live site."""
    live = tmp_path / "live" / "prompt-pages"
    shutil.rmtree(live)
    shutil.copytree(work / "site", live)


def comments_written(report, run_step, comments=None, state=None):
    """Run the comment step on a gather report: [(method, number or comment id, body)] written, and the calls."""
    state = state or {"api": {f"{BASE}/issues/{number}/comments": (comments or {}).get(number, [])
                              for number in report}}
    result, calls, _ = run_step(comment_step(), state, {"REPORT": json.dumps(list(report.values()))})
    assert result.returncode == 0, result.stdout + result.stderr
    return [(call["method"], int(call["path"].split("/")[-2 if call["method"] == "POST" else -1]), call["body"])
            for call in calls if call["method"] in ("POST", "PATCH")], calls


def main_site(work, extra=None):
    site = work / "site"
    (site / "pr-preview" / "pr-99").mkdir(parents=True)
    (site / "index.html").write_text(page("main"))
    (site / "pr-preview" / "pr-99" / "index.html").write_text("stale")
    for name, size in (extra or {}).items():
        with open(site / name, "wb") as file:  # sparse: its size counts, no disk is used
            file.truncate(size)
    return site


def states(report):
    return {number: entry["state"] for number, entry in report.items()}


def previews_in(site):
    return sorted(path.name for path in (site / "pr-preview").iterdir() if path.is_dir())


def test_each_same_repository_pull_request_gets_its_newest_preview(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    c = "c" * 40
    store(tmp_path, 30, {"index.html": page("PR 3"), "prompts/a/index.html": page("a"), "notes.txt": "x",
                         "leak": Link("/etc/hostname")})
    store(tmp_path, 29, {"index.html": page("old")})
    store(tmp_path, 33, {"index.html": page("a fork's")})
    store(tmp_path, 60, {"index.html": page("PR 6")})
    store(tmp_path, 70, {"notes.txt": "not a site"})
    state = {"api": {
        f"{BASE}/pulls": [
            pull(3, "feature/x&y"),
            pull(5, "new"),  # no build yet
            pull(6, "old", created="2025-03-01T00:00:00Z"),  # only a build from before it was opened
            pull(7, "broken"),  # an artifact without index.html
            pull(8, "gone"),  # its artifact expired
            pull(9, "done", state="closed"),
        ],
        ARTIFACTS: {"artifacts": [
            # A fork's branch of the same name: its builds are never this pull request's.
            artifact(33, "feature/x&y", "d" * 40, "2025-01-06T00:00:00Z", repo_id=88),
            artifact(31, "feature/x&y", "e" * 40, "2025-01-04T00:00:00Z", expired=True),
            artifact(30, "feature/x&y", c, "2025-01-03T00:00:00Z"),
            artifact(29, "feature/x&y", "9" * 40, "2025-01-02T12:00:00Z"),
            artifact(32, "feature/x&y", "f" * 40, "2025-01-05T00:00:00Z", name="other"),
            artifact(60, "old", "6" * 40, "2025-02-01T00:00:00Z"),
            artifact(70, "broken", "7" * 40),
            artifact(80, "gone", "8" * 40, expired=True),
            artifact(90, "done", "9" * 40),
        ]},
    }}
    report, calls, _ = gathered(run_step, state)
    assert states(report) == {3: "published", 5: "not-built", 6: "not-built", 7: "invalid", 8: "expired"}
    assert report[3]["sha"] == c and report[3]["artifact"] == 30
    assert "index.html" in report[7]["detail"]
    assert (site / "index.html").read_text() == page("main")
    previews = site / "pr-preview"
    assert previews_in(site) == ["pr-3"]
    assert "PR 3" in (previews / "pr-3" / "index.html").read_text()
    assert (previews / "pr-3" / "notes.txt").read_text() == "x"
    assert not (previews / "pr-3" / "leak").exists() and not (previews / "pr-3" / "leak").is_symlink()
    assert "noindex" not in (site / "index.html").read_text()
    assert not (site / "robots.txt").exists()  # a Disallow would hide the noindex tags from crawlers
    # One listing of pull requests, one of artifacts (by name), then a download per preview.
    assert [(call["path"], call["query"]) for call in calls] == [
        (f"{BASE}/pulls", {"state": "open", "per_page": "100"}),
        (ARTIFACTS, {"name": "preview-site", "per_page": "100"}),
        (f"{ARTIFACTS}/70/zip", {}), (f"{ARTIFACTS}/30/zip", {}), (f"{BASE}/pulls/3/files", {"per_page": "100"})]
    assert not list(site.glob("tmp*"))  # no scratch folder is published
    record = json.loads((previews / "previews.json").read_text())
    assert {entry["number"]: entry["files"] for entry in record}[3] == ["index.html", "notes.txt", "prompts/a/index.html"]


def fork_state(reviews, labels=("preview-approved",), head=None, builds=None, roles=None):
    """Pull request #4 from a fork, its builds and reviews; a maintainer may approve."""
    a, b = "a" * 40, "b" * 40
    builds = builds if builds is not None else [artifact(42, "main", b, "2025-01-05T00:00:00Z", repo_id=FORK),
                                                artifact(41, "main", a, "2025-01-03T00:00:00Z", repo_id=FORK)]
    roles = roles or {"maintainer": "write", "helper": "triage"}
    return {"api": {
        f"{BASE}/pulls": [pull(4, "main", FORK, sha=head or b, labels=labels)],
        ARTIFACTS: {"artifacts": [artifact(43, "main", "0" * 40, "2025-01-06T00:00:00Z", repo_id=88), *builds]},
        f"{BASE}/pulls/4/reviews": reviews,
        **{f"{BASE}/collaborators/{login}/permission": {"role_name": role} for login, role in roles.items()},
    }}


def fork_site(tmp_path, work):
    for artifact_id in (41, 42, 43):
        store(tmp_path, artifact_id, {"index.html": page(f"build {artifact_id}")})
    return main_site(work)


def downloads(calls):
    return [int(call["path"].split("/")[-2]) for call in calls if call["path"].endswith("/zip")]


def test_a_forks_preview_is_published_only_at_the_commit_a_maintainers_review_approved(fake_github):
    tmp_path, work, run_step = fake_github
    site = fork_site(tmp_path, work)
    a, b = "a" * 40, "b" * 40
    reviews = [review("maintainer", "APPROVED", a), review("someone", "APPROVED", b, association="CONTRIBUTOR")]
    report, calls, _ = gathered(run_step, fork_state(reviews))
    assert report[4]["state"] == "published" and report[4]["sha"] == a  # not b, the head, pushed after it
    assert report[4]["detail"] == "approved by @maintainer" and report[4]["head"] == b
    assert "build 41" in (site / "pr-preview" / "pr-4" / "index.html").read_text()
    assert downloads(calls) == [41]
    # Only a review author who may hold write access is asked about, once.
    assert [call["path"] for call in calls if "collaborators" in call["path"]] == [
        f"{BASE}/collaborators/maintainer/permission"]
    ((method, number, body),), _ = comments_written(report, run_step)
    assert (method, number) == ("POST", 4)
    assert body.startswith(f"{TAG} published {a} {b} -->\n")
    assert "approved by @maintainer" in body and f"The newest commit, `{b[:7]}`, awaits approval" in body


def only_x_built(approved, head):
    """Pull request #4 from a fork whose only build is of commit X (aaa…), one commit approved."""
    return fork_state([review("maintainer", "APPROVED", approved)], head=head,
                      builds=[artifact(41, "main", "a" * 40, "2025-01-03T00:00:00Z", repo_id=FORK)])


def test_the_skip_ci_revert_attack_publishes_nothing(fake_github):
    """The fork pushes X (a script), then Y reverting it with [skip ci], which starts no build.
    A maintainer reviews the harmless diff and approves Y: X is never published."""
    tmp_path, work, run_step = fake_github
    site = fork_site(tmp_path, work)
    x, y = "a" * 40, "b" * 40
    report, calls, _ = gathered(run_step, only_x_built(y, head=y))
    assert report[4]["state"] == "not-built" and report[4]["sha"] == y
    assert not (site / "pr-preview" / "pr-4").exists() and downloads(calls) == []
    ((_, _, body),), _ = comments_written(report, run_step)
    assert f"approved commit `{y[:7]}`" in body and "[skip ci]" in body and x[:7] not in body


def test_a_merge_conflict_keeps_the_approved_commits_preview_and_says_the_newest_awaits(fake_github):
    """The approved commit X was built; the fork then pushed Y, which conflicts, so no build of Y runs."""
    tmp_path, work, run_step = fake_github
    site = fork_site(tmp_path, work)
    x, y = "a" * 40, "c" * 40
    report, _, _ = gathered(run_step, only_x_built(x, head=y))
    assert report[4]["state"] == "published" and report[4]["sha"] == x
    assert "build 41" in (site / "pr-preview" / "pr-4" / "index.html").read_text()
    ((_, _, body),), _ = comments_written(report, run_step)
    assert f"The newest commit, `{y[:7]}`, awaits approval" in body


def test_a_push_racing_the_label_or_the_approval_is_never_published(fake_github):
    """Y is pushed and built seconds before the maintainer, who read X, sets the label: nothing
    is published until a review approves a commit, and then X, never Y. While X's build is
    not ready, nothing is."""
    tmp_path, work, run_step = fake_github
    site = fork_site(tmp_path, work)
    x, y = "a" * 40, "b" * 40
    report, calls, _ = gathered(run_step, fork_state([], head=y))
    assert report[4]["state"] == "awaiting-approval" and downloads(calls) == []
    report, calls, _ = gathered(run_step, fork_state([review("maintainer", "APPROVED", x)], head=y))
    assert report[4]["sha"] == x and downloads(calls) == [41]
    state = fork_state([review("maintainer", "APPROVED", x)], head=y,
                       builds=[artifact(42, "main", y, "2025-01-05T00:00:00Z", repo_id=FORK)])
    report, calls, _ = gathered(run_step, state)
    assert report[4]["state"] == "not-built" and downloads(calls) == []
    assert not (site / "pr-preview" / "pr-4").exists()


@pytest.mark.parametrize(("reviews", "labels", "expected"), [
    ([review("maintainer", "APPROVED", "a" * 40)], (), "awaiting-label"),  # the label removed: unlabeled
    ([], ("preview-approved",), "awaiting-approval"),
    ([review("maintainer", "DISMISSED", "a" * 40)], ("preview-approved",), "awaiting-approval"),
    ([review("maintainer", "APPROVED", "a" * 40), review("maintainer", "CHANGES_REQUESTED", "b" * 40, review_id=2)],
     ("preview-approved",), "awaiting-approval"),
    ([review("helper", "APPROVED", "a" * 40)], ("preview-approved",), "awaiting-approval"),  # triage only
    ([review("outsider", "APPROVED", "a" * 40, association="NONE")], ("preview-approved",), "awaiting-approval"),
    ([review("maintainer", "COMMENTED", "a" * 40)], ("preview-approved",), "awaiting-approval"),
], ids=["unlabeled", "no-review", "dismissed", "changes-requested", "triage", "outsider", "comment-only"])
def test_a_forks_preview_is_taken_down_or_waits_without_a_valid_approval(fake_github, reviews, labels, expected):
    tmp_path, work, run_step = fake_github
    site = fork_site(tmp_path, work)
    # It was live: the last deployment published it.
    report, _, _ = gathered(run_step, fork_state([review("maintainer", "APPROVED", "a" * 40)]))
    assert report[4]["state"] == "published"
    published(tmp_path, work)
    main_site(work)
    report, calls, _ = gathered(run_step, fork_state(reviews, labels))
    assert report[4]["state"] == expected and report[4]["previous"].startswith("published ")
    assert not (site / "pr-preview" / "pr-4").exists() and downloads(calls) == []
    assert not any("outsider" in call["path"] for call in calls)
    ((_, _, body),), _ = comments_written(report, run_step)
    assert body.startswith(f"{TAG} {expected}") and "`preview-approved`" in body


def test_removing_the_label_or_reviewing_starts_a_deployment():
    """unlabeled, and a review submitted or dismissed, start the Preview workflow (which builds
    nothing then), whose success starts deploy.yml."""
    preview, deploy = load("preview.yml"), load("deploy.yml")
    assert {"labeled", "unlabeled", "closed"} <= set(preview["on"]["pull_request"]["types"])
    assert set(preview["on"]["pull_request_review"]["types"]) == {"submitted", "dismissed"}
    redeploy = preview["jobs"]["redeploy"]
    assert "pull_request_review" in redeploy["if"] and "unlabeled" in redeploy["if"]
    assert "steps" in redeploy and not any("uses" in step for step in redeploy["steps"])
    assert "pull_request_review" in deploy["jobs"]["build"]["if"]


def crash_state(tmp_path):
    """Four pull requests; the three middle ones once crashed the deploy."""
    deep = "[" * 100_000 + "]" * 100_000
    store(tmp_path, 10, {"index.html": page("ten")})
    store(tmp_path, 11, {"index.html": page("dir"), "x.html/": "", "x.html/index.html": "<p>in a folder</p>"})
    store(tmp_path, 12, {"index.html": page("list"), "prompts.json": json.dumps(
        [{"slug": "a", "source": ["sources/a.txt"], "task": {"id": None}, "verdict": {"code": "fits"}}])})
    store(tmp_path, 13, {"index.html": page("deep"), "prompts.json": deep})
    store(tmp_path, 14, {"index.html": page("fourteen")})
    return {"api": {
        f"{BASE}/pulls": [pull(number, f"b{number}") for number in range(10, 15)],
        ARTIFACTS: {"artifacts": [artifact(number, f"b{number}", str(number) * 20) for number in range(10, 15)]},
        **{f"{BASE}/pulls/{number}/files": [] for number in range(10, 15)},
    }}


def test_the_three_crashes_drop_at_most_their_own_preview_and_main_publishes(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    report, _, stdout = gathered(run_step, crash_state(tmp_path))
    # A folder named x.html is a folder: the preview publishes (IsADirectoryError before).
    assert states(report) == {14: "published", 13: "invalid", 12: "invalid", 11: "published", 10: "published"}
    assert "x.html/index.html" in json.loads((site / "pr-preview" / "previews.json").read_text())[3]["files"]
    assert NOINDEX in (site / "pr-preview" / "pr-11" / "x.html" / "index.html").read_text()
    assert report[12]["detail"] == "prompts.json: entry 1: source is not a string"  # TypeError before
    assert report[13]["detail"] == "prompts.json: nested deeper than 6"  # RecursionError before
    assert previews_in(site) == ["pr-10", "pr-11", "pr-14"]  # nothing of the invalid ones was written
    assert (site / "index.html").read_text() == page("main")
    summary = (tmp_path / "summary.md").read_text()
    assert "| #12 | invalid |" in summary and "source is not a string" in summary
    writes = {number: body for _, number, body in comments_written(report, run_step)[0]}
    assert "failed a check (prompts.json: entry 1: source is not a string)" in writes[12]


def test_any_exception_while_gathering_one_pull_request_drops_only_its_preview(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    state = crash_state(tmp_path)
    del state["api"][f"{BASE}/pulls"][2]["head"]["ref"]  # #12 as the API never gives it: a KeyError
    state["errors"] = {f"{BASE}/pulls/14/files": "HTTP 404: Not Found"}  # its page list only
    report, _, _ = gathered(run_step, state)
    assert report[12]["state"] == "failed" and report[12]["detail"] == "KeyError: 'ref'"
    assert states(report)[14] == states(report)[10] == "published"
    assert (site / "index.html").read_text() == page("main")
    assert "| #12 | failed |" in (tmp_path / "summary.md").read_text()
    writes = {number: body for _, number, body in comments_written(report, run_step)[0]}
    assert "gathering it failed (KeyError: 'ref')" in writes[12] and "Push a commit" not in writes[12]


def test_a_transient_error_is_tried_again_and_then_succeeds(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    store(tmp_path, 30, {"index.html": page("three")})
    state = {"api": {f"{BASE}/pulls": [pull(3, "three")], ARTIFACTS: {"artifacts": [artifact(30, "three", "3" * 40)]},
                     f"{BASE}/pulls/3/files": []},
             "flaky": {f"{ARTIFACTS}/30/zip": [2, "HTTP 502: Bad Gateway"],
                       f"{BASE}/pulls": [1, "API rate limit exceeded for installation ID 1. (HTTP 403)"]}}
    report, calls, _ = gathered(run_step, state)
    assert report[3]["state"] == "published" and previews_in(site) == ["pr-3"]
    assert downloads(calls) == [30, 30, 30]
    # A failure that trying again cannot mend is not tried again.
    state = {**state, "flaky": {}, "errors": {f"{ARTIFACTS}/30/zip": "HTTP 410: Gone"}}
    report, calls, _ = gathered(run_step, state)
    assert report[3]["state"] == "unavailable" and downloads(calls) == [30]


def live_deployment(tmp_path, work, run_step, numbers=(5, 6)):
    """A first deployment with the previews of `numbers`, now live."""
    for number in numbers:
        store(tmp_path, number * 10, {"index.html": page(f"live {number}"), "prompts/p/index.html": page("p")})
    state = {"api": {
        f"{BASE}/pulls": [pull(number, f"b{number}") for number in numbers],
        ARTIFACTS: {"artifacts": [artifact(number * 10, f"b{number}", str(number) * 40) for number in numbers]},
        **{f"{BASE}/pulls/{number}/files": [{"filename": "sources/p.txt", "status": "added"}] for number in numbers},
    }}
    main_site(work)
    report, _, _ = gathered(run_step, state)
    assert [entry["state"] for entry in report.values()] == ["published"] * len(numbers)
    published(tmp_path, work)
    return state


def test_a_rate_limit_mid_run_keeps_the_live_previews(fake_github):
    tmp_path, work, run_step = fake_github
    state = live_deployment(tmp_path, work, run_step)
    site = main_site(work)
    # New builds of both; the API answers the two listings and #6's download, then is rate limited.
    for number in (5, 6):
        store(tmp_path, number * 10 + 1, {"index.html": page(f"new {number}")})
    state["api"][ARTIFACTS]["artifacts"] = [artifact(number * 10 + 1, f"b{number}", str(number) * 20 + "f" * 20,
                                                     "2025-01-04T00:00:00Z") for number in (5, 6)]
    report, calls, stdout = gathered(run_step, {**state, "rate_limit_after": 4})
    assert states(report) == {6: "published", 5: "kept"}
    assert report[5]["sha"] == "5" * 40 and "rate limit" in report[5]["detail"]
    assert report[5]["pages"] == [{"path": "sources/p.txt", "slug": "", "task": "", "verdict": ""}]
    assert "new 6" in (site / "pr-preview" / "pr-6" / "index.html").read_text()
    kept = site / "pr-preview" / "pr-5"
    assert "live 5" in (kept / "index.html").read_text() and (kept / "prompts" / "p" / "index.html").is_file()
    assert (kept / "index.html").read_text().count(NOINDEX) == 1
    assert downloads(calls) == [61, 51, 51, 51, 51]  # #5's download tried 4 times
    writes = {number: body for _, number, body in comments_written(report, run_step)[0]}
    assert "Kept from the last deployment" in writes[5] and "rate limit" in writes[5]
    assert "Push a commit" not in writes[5]


def test_when_github_cannot_be_reached_at_all_main_publishes_with_the_live_previews(fake_github):
    tmp_path, work, run_step = fake_github
    state = live_deployment(tmp_path, work, run_step, numbers=(5, 6, 7))
    # #7's preview was not live: it stays as recorded, and its comment is left alone.
    record = tmp_path / "live" / "prompt-pages" / "pr-preview" / "previews.json"
    entries = json.loads(record.read_text())
    entries[0].update(state="awaiting-label", sha="", line="awaiting-label", files=[])
    record.write_text(json.dumps(entries))
    site = main_site(work)
    report, calls, stdout = gathered(run_step, {**state, "rate_limit_after": 0})
    assert states(report) == {7: "awaiting-label", 6: "kept", 5: "kept"} and "::warning::" in stdout
    writes, _ = comments_written(report, run_step)
    assert sorted(number for _, number, _ in writes) == [5, 6]
    assert previews_in(site) == ["pr-5", "pr-6"] and (site / "index.html").read_text() == page("main")
    assert len(calls) == 4  # the listing of pull requests, tried 4 times
    # With no live site either, main still publishes.
    shutil.rmtree(tmp_path / "live" / "prompt-pages")
    (tmp_path / "live" / "prompt-pages").mkdir()
    report, _, _ = gathered(run_step, {**state, "rate_limit_after": 0})
    assert report == {} and (site / "index.html").read_text() == page("main")


def thirty_pull_requests(tmp_path):
    """30 open same-repository pull requests, each with a passing build and no comment yet, and
    20 closed ones."""
    state = {"api": {
        f"{BASE}/pulls": [pull(number, f"branch-{number}") for number in range(1, 31)]
        + [pull(number, f"branch-{number}", state="closed") for number in range(31, 51)],
        ARTIFACTS: {"artifacts": [artifact(100 + number, f"branch-{number}", f"{number:040}") for number in range(1, 31)]},
        **{f"{BASE}/pulls/{number}/files": [] for number in range(1, 31)},
        **{f"{BASE}/issues/{number}/comments": [] for number in range(1, 51)},
    }}
    for number in range(1, 31):
        store(tmp_path, 100 + number, {"index.html": page(str(number))})
    return state


def test_a_deploy_with_30_open_pull_requests_makes_few_api_calls(fake_github):
    """Before this design, one deploy made 121 calls to gather and 81 to comment (benchmarks/README.md)."""
    tmp_path, work, run_step = fake_github
    main_site(work)
    state = thirty_pull_requests(tmp_path)
    report, gather_calls, _ = gathered(run_step, state)
    assert [entry["state"] for entry in report.values()] == ["published"] * 30
    _, comment_calls = comments_written(report, run_step, state=state)
    # First deployment: 2 listings, 30 downloads, 30 lists of files; 30 comments listed and written.
    assert (len(gather_calls), len(comment_calls)) == (62, 60)
    # The next one, nothing changed: the downloads only, and no comment is touched.
    published(tmp_path, work)
    main_site(work)
    report, gather_calls, _ = gathered(run_step, state)
    _, comment_calls = comments_written(report, run_step, state=state)
    assert (len(gather_calls), len(comment_calls)) == (32, 0)
    # A pull request closed since: its comment says its preview was removed, no other is listed.
    state["api"][f"{BASE}/pulls"][0]["state"] = "closed"
    state["api"][f"{BASE}/issues/1/comments"] = [{"id": 9, "user": {"login": BOT}, "body": f"{TAG} published x -->"}]
    published(tmp_path, work)
    main_site(work)
    report, gather_calls, _ = gathered(run_step, state)
    assert report[1]["state"] == "removed" and len(gather_calls) == 31
    writes, comment_calls = comments_written(report, run_step, state=state)
    assert [(method, number) for method, number, _ in writes] == [("PATCH", 9)] and len(comment_calls) == 2


def test_the_budget_is_pages_limit_less_mains_size_and_the_listed_sizes_come_first(fake_github):
    tmp_path, work, run_step = fake_github
    # main is 940 MB (sparse), so 1 GB less main less the 50 MB margin leaves 10 MB.
    site = main_site(work, {"big.bin": 940_000_000})
    mb = 1_000_000
    store(tmp_path, 100, {"index.html": page("ten"), "zeros.bin": b"\0" * (6 * mb)})
    store(tmp_path, 90, {"index.html": page("nine")})
    store(tmp_path, 80, {"index.html": page("eight")})
    store(tmp_path, 70, {"index.html": page("seven"), "zeros.bin": b"\0" * (20 * mb)})  # listed small, unpacks big
    state = {"api": {
        f"{BASE}/pulls": [pull(number, f"b{number}") for number in (7, 8, 9, 10)],
        ARTIFACTS: {"artifacts": [artifact(100, "b10", "a" * 40, size=6 * mb), artifact(90, "b9", "9" * 40, size=6 * mb),
                                  artifact(80, "b8", "8" * 40, size=mb), artifact(70, "b7", "7" * 40, size=mb)]},
        **{f"{BASE}/pulls/{number}/files": [] for number in (7, 8, 9, 10)},
    }}
    report, calls, _ = gathered(run_step, state)
    assert states(report) == {10: "published", 9: "over-budget", 8: "published", 7: "over-budget"}
    assert downloads(calls) == [100, 80, 70]  # #9 is left out by its listed size, before any download
    assert report[10]["size"] >= 6 * mb and report[7]["size"] >= 20 * mb
    assert previews_in(site) == ["pr-10", "pr-8"]
    assert "Room for previews: 10 MB" in (tmp_path / "summary.md").read_text()
    writes = {number: body for _, number, body in comments_written(report, run_step)[0]}
    assert "not published for size" in writes[9] and "6 MB" in writes[9] and "1 GB" in writes[9]


def test_every_html_file_of_a_preview_carries_noindex(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    pages = {
        "index.html": page("home"),
        "plain.htm": "<html><body>an .htm page</body></html>",
        "UPPER.HTML": "<!DOCTYPE html>\n<p>no head, no html</p>",
        "bare.html": "just text",
        "mentions.html": "<html><head><title>noindex</title></head><body>the string noindex</body></html>",
        "has.html": '<html><head><META NAME="Robots" CONTENT="NOINDEX, nofollow"></head></html>',
        "comment.html": "<!-- <head> --><html lang=en>\n<HEAD data-x='>'>\n<title>t</title></HEAD></html>",
        "x.html/index.html": "<p>in a folder named x.html</p>",
        "notes.txt": "<head>",
    }
    store(tmp_path, 30, pages)
    state = {"api": {f"{BASE}/pulls": [pull(3, "three")], ARTIFACTS: {"artifacts": [artifact(30, "three", "3" * 40)]},
                     f"{BASE}/pulls/3/files": []}}
    report, _, _ = gathered(run_step, state)
    assert report[3]["state"] == "published"
    folder = site / "pr-preview" / "pr-3"
    texts = {name: (folder / name).read_text() for name in pages}
    for name, text in texts.items():
        if name == "notes.txt":
            assert text == "<head>"
        elif name == "has.html":
            assert text == pages[name]  # its own robots tag says noindex already
        else:
            assert text.count(NOINDEX) == 1, name
            assert text.replace(NOINDEX, "") == pages[name], name  # nothing else changes
    assert texts["index.html"].startswith(f"<!doctype html><html><head>{NOINDEX}<title>")
    assert texts["UPPER.HTML"].startswith(f"<!DOCTYPE html>{NOINDEX}\n<p>")
    assert texts["bare.html"] == NOINDEX + "just text"
    assert texts["comment.html"] == f"<!-- <head> --><html lang=en>\n<HEAD data-x='>'>{NOINDEX}\n<title>t</title></HEAD></html>"
    assert not (site / "robots.txt").exists()


def test_every_listing_is_followed_to_its_last_page(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    state = {"page_size": 2, "api": {
        f"{BASE}/pulls": [pull(number, f"b{number}") for number in range(1, 6)],
        ARTIFACTS: {"artifacts": [artifact(10 * number + k, f"b{number}", str(number) * 40, f"2025-01-0{3 + k}T00:00:00Z",
                                           name="preview-site" if k == 0 else "other")
                                  for number in range(1, 6) for k in range(3)]},
        **{f"{BASE}/pulls/{number}/files": [] for number in range(1, 6)},
    }}
    for number in range(1, 6):
        store(tmp_path, 10 * number, {"index.html": page(str(number))})
    report, calls, _ = gathered(run_step, state)
    assert [entry["state"] for entry in report.values()] == ["published"] * 5
    assert previews_in(site) == [f"pr-{n}" for n in range(1, 6)]
    listings = [call for call in calls if call["path"] in (f"{BASE}/pulls", ARTIFACTS)]
    assert len(listings) == 2 and all(call["flags"] == ["--paginate", "--slurp"] for call in listings)
    # Our comment on page 2 of a pull request's comments is found and edited, not written again.
    comments = [{"id": i, "user": {"login": "someone"}, "body": "hi"} for i in range(3)]
    comments.append({"id": 9, "user": {"login": BOT}, "body": f"{TAG} not-built -->\nold"})
    writes, _ = comments_written({1: report[1]}, run_step,
                                 state={"page_size": 2, "api": {f"{BASE}/issues/1/comments": comments}})
    assert [(method, number) for method, number, _ in writes] == [("PATCH", 9)]


def test_each_pull_request_has_one_comment_updated_only_when_its_state_changes(fake_github):
    _, _, run_step = fake_github
    c, d, e = "c" * 40, "d" * 40, "e" * 40

    def comment(comment_id, login, body):
        return {"id": comment_id, "user": {"login": login}, "body": body}

    def entry(number, state, sha="", previous="", head=""):
        return {"number": number, "state": state, "sha": sha, "artifact": 1, "size": 1000, "detail": "",
                "head": head, "pages": [], "pages_total": 0, "deleted": [], "previous": previous}

    report = {number: value for number, value in (
        (3, entry(3, "published", c)),
        (4, entry(4, "published", d, previous=f"published {'b' * 40}")),
        (8, entry(8, "published", e, previous=f"published {e}")),  # unchanged: not even listed
        (5, entry(5, "not-built")),
        (6, entry(6, "not-built", previous=f"published {'6' * 40}")),
        (12, entry(12, "awaiting-label", head=e)),
        (13, entry(13, "deleted-fork")),
        (9, entry(9, "removed", previous=f"published {'9' * 40}")),
        (10, entry(10, "removed", previous="not-built")),
    )}
    comments = {
        4: [comment(40, "someone", "Nice"), comment(42, BOT, f"{TAG} published {'b' * 40} -->\nold text")],
        6: [comment(61, BOT, f"{TAG} published {'6' * 40} -->\ntext")],
        9: [comment(91, BOT, f"{TAG} published {'9' * 40} -->\r\ntext")],
        10: [comment(100, "someone", f"{TAG} published {'9' * 40} -->\nquoted")],
    }
    writes, calls = comments_written(report, run_step, comments)
    assert f"{BASE}/issues/8/comments" not in [call["path"] for call in calls]
    assert [(method, number) for method, number, _ in writes] == [
        ("POST", 3), ("PATCH", 42), ("PATCH", 61), ("POST", 12), ("POST", 13), ("PATCH", 91)]
    bodies = [body for _, _, body in writes]
    assert bodies[0].startswith(f"{TAG} published {c} -->\n")
    assert "https://owner.github.io/prompt-pages/pr-preview/pr-3/" in bodies[0] and "`ccccccc`" in bodies[0]
    assert bodies[1].startswith(f"{TAG} published {d} -->\n") and "/pr-preview/pr-4/" in bodies[1]
    assert bodies[2].startswith(f"{TAG} not-built -->\n")
    assert bodies[3].startswith(f"{TAG} awaiting-label -->\n") and "`preview-approved`" in bodies[3]
    assert bodies[4].startswith(f"{TAG} deleted-fork -->\n")
    assert bodies[5].startswith(f"{TAG} removed -->\n")


def test_a_comment_that_cannot_be_written_fails_the_comment_job_after_the_others(fake_github):
    _, _, run_step = fake_github
    report = [{"number": n, "state": "published", "sha": str(n) * 40} for n in (3, 4)]
    state = {"api": {f"{BASE}/issues/3/comments": [], f"{BASE}/issues/4/comments": []},
             "errors": {f"{BASE}/issues/3/comments": "HTTP 403"}}
    result, calls, _ = run_step(comment_step(), state, {"REPORT": json.dumps(report)})
    assert result.returncode == 1 and "#3" in result.stdout
    assert [call["path"] for call in calls if call["method"] == "POST"] == [f"{BASE}/issues/4/comments"]


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
    assert outputs == {"site_url": expected, "production_url": expected.removesuffix("pr-preview/pr-7/")}



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
        ARTIFACTS: {"artifacts": [artifact(60, "six", "6" * 40)]},
        f"{BASE}/pulls/6/files": changed,
    }}
    report, _, _ = gathered(run_step, state)
    preview = report[6]
    assert preview["state"] == "published" and preview["pages_total"] == 28 and len(preview["pages"]) == 20
    assert preview["deleted"] == ["sources/gone.txt", "sources/old `name`.txt"]
    ((_, _, body),), _ = comments_written(report, run_step)
    address = "https://owner.github.io/prompt-pages/pr-preview/pr-6/"
    assert "**Prompt pages this pull request adds or changes** (28):" in body
    lines = body.splitlines()
    # Added prompts first, then changed ones (an answer added changes its prompt's page).
    first = lines.index("**Prompt pages this pull request adds or changes** (28):") + 1
    assert lines[first:first + 2] == ["- `sources/new-name.txt` (no page)",
        f"- [`sources/p01.txt`]({address}prompts/p01/): Super-resolution · ✗ no recommended model does this task"]
    assert "- `sources/new-name.txt` (no page)" in lines
    assert sum(line.startswith("- ") for line in lines) == 21 and lines[-3] == "- and 8 more"
    assert "evil.example" not in body and "<script>" not in body and "../" not in body
    assert "**Deleted prompts** (2): `sources/gone.txt`, `sources/old name.txt`" in body
    assert "README" not in body
    # The checked list's page links go to pages in the preview only; the evil entry gets none.
    pages = {entry["path"]: entry for entry in report[6]["pages"]}
    assert all(entry["slug"] in ("", *[f"p{n:02}" for n in range(25)], "answered") for entry in pages.values())


def test_the_comment_job_needs_nothing_but_the_standard_library():
    """The comment job has no venv: its script and what it imports of the generator are stdlib only."""
    result = subprocess.run([sys.executable, "-I", "-S", "-c",
                             "import runpy; runpy.run_path('.github/scripts/previews.py', run_name='imported')"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_comment_says_how_many_pages_a_preview_of_what_changed_holds(fake_github):
    tmp_path, work, run_step = fake_github
    site = main_site(work)
    for name in ("tasks", "models", "prompts/a", "prompts/b"):
        (site / name).mkdir(parents=True)
        (site / name / "index.html").write_text(page(name))
    # #6 holds what it changed (preview.yml's `generator preview` marks it); #5 the whole site.
    store(tmp_path, 60, {"index.html": page("6"), "prompts/a/index.html": page("a"), "assets/site.css": "a {}",
                         previews_module().PREVIEW_OF_CHANGES: "only what changed"})
    store(tmp_path, 50, {"index.html": page("5"), **{f"{name}/index.html": page(name)
                                                     for name in ("tasks", "models", "prompts/a", "prompts/b")}})
    state = {"api": {f"{BASE}/pulls": [pull(6, "six"), pull(5, "five")],
                     ARTIFACTS: {"artifacts": [artifact(60, "six", "6" * 40), artifact(50, "five", "5" * 40)]},
                     f"{BASE}/pulls/6/files": [], f"{BASE}/pulls/5/files": []}}
    report, _, _ = gathered(run_step, state)
    assert (report[6]["partial"], report[6]["held"], report[6]["main_pages"]) == (True, 2, 5)
    assert (report[5]["partial"], report[5]["held"]) == (False, 5)
    bodies = {number: body for _, number, body in comments_written(report, run_step)[0]}
    assert "This preview holds 2 of the site's 5 pages" in bodies[6] and "lead to the site of `main`" in bodies[6]
    assert "This preview holds" not in bodies[5]
