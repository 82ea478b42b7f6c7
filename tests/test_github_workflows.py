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


def test_the_check_workflow_runs_the_tests_and_the_strict_build_on_every_push_and_pull_request():
    workflow = load("check.yml")
    assert set(workflow["on"]) == {"push", "pull_request"}
    assert all(value is None for value in workflow["on"].values())  # every branch, every pull request
    scripts = "\n".join(step["run"] for _, step in steps(workflow) if "run" in step)
    assert "make test" in scripts
    assert "make site" in scripts or "mkdocs build --strict" in scripts
    assert "mkdocs build --strict" in (ROOT / "Makefile").read_text(encoding="utf-8").split("\nsite:")[1].split("\n\n")[0]
    assert "chromium" in scripts  # the browser tests need it, and in CI they fail without it
    assert re.search(r"apt-get install .*\bjq\b", scripts)  # so the deploy scripts' tests run, not skip
    caches = [step for _, step in steps(workflow) if step.get("uses", "").startswith("actions/cache@")]
    assert caches and "pip" in caches[0]["with"]["path"] and "pyproject.toml" in caches[0]["with"]["key"]
    for job in workflow["jobs"].values():
        assert WRITE not in permissions(job).values()


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
    # After a Preview run, it deploys only when that run passed.
    assert "workflow_run.conclusion == 'success'" in jobs["build"]["if"]


def test_the_preview_workflow_builds_each_pull_request_read_only_and_reacts_to_its_closing():
    workflow = load("preview.yml")
    assert set(workflow["on"]) == {"pull_request"}
    assert {"opened", "synchronize", "reopened", "closed"} <= set(workflow["on"]["pull_request"]["types"])
    for job in workflow["jobs"].values():
        assert WRITE not in permissions(job).values()
        assert "environment" not in job
    build = workflow["jobs"]["build"]
    assert build["if"] == "github.event.action != 'closed'"
    assert workflow["jobs"]["closed"]["if"] == "github.event.action == 'closed'"
    scripts = "\n".join(step["run"] for step in build["steps"] if "run" in step)
    assert "make site" in scripts and "/pr-preview/pr-$NUMBER/" in scripts
    upload = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-artifact@"))
    deploy = load("deploy.yml")
    gather = step_named(deploy, "build", "previews")
    assert upload["with"]["name"] == gather["env"]["PREVIEW_ARTIFACT"]
    assert upload["with"]["path"].rstrip("/") == "site"
    assert (WORKFLOWS / gather["env"]["PREVIEW_WORKFLOW"]).name == "preview.yml"


# --- the deploy workflow's scripts against a fake GitHub ---------------------------------------

FAKE_GH = r'''
import json, os, shutil, subprocess, sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

state = json.loads(Path(os.environ["FAKE_GH_STATE"]).read_text())
args = sys.argv[1:]


def record(entry):
    with open(os.environ["FAKE_GH_LOG"], "a") as log:
        log.write(json.dumps(entry) + "\n")


if args[:2] == ["run", "download"]:
    options = dict(zip(args[3::2], args[4::2]))
    record({"download": args[2], **options})
    shutil.copytree(Path(state["artifacts"]) / args[2] / options["--name"], options["--dir"], symlinks=True)
    sys.exit(0)
assert args[0] == "api", args
method, jq, fields, path, index = "GET", None, {}, None, 1
while index < len(args):
    arg = args[index]
    if arg == "--paginate":
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
if method != "GET":
    record({"method": method, "path": path, **fields})
    sys.exit(0)
url = urlsplit(path)
query = {key: values[0] for key, values in parse_qs(url.query).items()}
record({"method": "GET", "path": url.path, "query": query})
if url.path not in state["api"]:
    print("gh: Not Found (HTTP 404)", file=sys.stderr)
    sys.exit(1)
data = state["api"][url.path]
if isinstance(data, list) and "state" in query:
    data = [item for item in data if item["state"] == query["state"]]
if isinstance(data, dict) and "workflow_runs" in data:
    runs = data["workflow_runs"]
    for key, field in (("branch", "head_branch"), ("event", "event"), ("status", "conclusion")):
        if key in query:
            runs = [run for run in runs if run[field] == query[key]]
    data = {"workflow_runs": runs}
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
    """A directory with a fake `gh` first on PATH; returns a function running a workflow step."""
    if shutil.which("jq") is None:  # the scripts use it; GitHub's runners have it, check.yml installs it
        pytest.skip("jq is missing: apt-get install jq")
    tools = tmp_path / "bin"
    tools.mkdir()
    gh = tools / "gh"
    gh.write_text(f"#!{sys.executable}\n{FAKE_GH}", encoding="utf-8")
    gh.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
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
            "FAKE_GH_STATE": str(state_file), "FAKE_GH_LOG": str(log_file), **literal, **env,
        }
        # As GitHub runs a `run:` step with `shell: bash`.
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                cwd=work, env=environment, capture_output=True, text=True)
        calls = [json.loads(line) for line in log_file.read_text().splitlines()]
        outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
        return result, calls, outputs

    return tmp_path, work, run_step


def pull(number, ref, repo, created="2025-01-02T00:00:00Z", state="open"):
    return {"number": number, "state": state, "created_at": created,
            "head": {"ref": ref, "repo": {"full_name": repo} if repo else None}}


def workflow_run(run_id, branch, repo, sha, created, conclusion="success", event="pull_request"):
    return {"id": run_id, "head_branch": branch, "head_repository": {"full_name": repo}, "head_sha": sha,
            "created_at": created, "conclusion": conclusion, "event": event}


def artifacts(*entries):
    return {"artifacts": [{"id": index, "name": name, "expired": expired}
                          for index, (name, expired) in enumerate(entries, 1)]}


def test_deploy_puts_the_newest_passing_preview_of_each_open_pull_request_under_pr_preview(fake_github):
    tmp_path, work, run_step = fake_github
    site = work / "site"
    (site / "pr-preview" / "pr-99").mkdir(parents=True)
    (site / "index.html").write_text("main")
    (site / "pr-preview" / "pr-99" / "index.html").write_text("stale")
    stored = tmp_path / "artifacts"
    for run_id, files in {"30": {"index.html": "PR 3", "prompts/a/index.html": "a"}, "29": {"index.html": "old"},
                          "42": {"index.html": "PR 4"}, "60": {"index.html": "PR 6"}, "70": {"notes.txt": "?"}}.items():
        for name, text in files.items():
            path = stored / run_id / "preview-site" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    (stored / "30" / "preview-site" / "leak").symlink_to("/etc/hostname")
    c, d = "c" * 40, "d" * 40
    base = f"repos/{REPOSITORY}"
    state = {"api": {
        f"{base}/pulls": [
            pull(3, "feature/x&y", REPOSITORY),  # a branch name that needs encoding in a query
            pull(4, "main", "fork/prompt-pages"),  # a fork's pull request
            pull(5, "new", REPOSITORY),  # its build has not passed yet
            pull(6, "old", REPOSITORY, created="2025-03-01T00:00:00Z"),  # only a run from before it opened
            pull(7, "broken", REPOSITORY),  # an artifact without index.html
            pull(8, "gone", None),  # a fork that was deleted
            pull(9, "done", REPOSITORY, state="closed"),
        ],
        f"{base}/actions/workflows/preview.yml/runs": {"workflow_runs": [
            workflow_run(31, "feature/x&y", REPOSITORY, "f" * 40, "2025-01-04T00:00:00Z", conclusion="failure"),
            workflow_run(30, "feature/x&y", REPOSITORY, c, "2025-01-03T00:00:00Z"),
            workflow_run(29, "feature/x&y", REPOSITORY, "e" * 40, "2025-01-02T12:00:00Z"),
            workflow_run(40, "main", "intruder/prompt-pages", "0" * 40, "2025-01-05T00:00:00Z"),
            workflow_run(41, "main", "fork/prompt-pages", "1" * 40, "2025-01-04T00:00:00Z"),
            workflow_run(42, "main", "fork/prompt-pages", d, "2025-01-03T00:00:00Z"),
            workflow_run(60, "old", REPOSITORY, "6" * 40, "2025-02-01T00:00:00Z"),
            workflow_run(70, "broken", REPOSITORY, "7" * 40, "2025-01-03T00:00:00Z"),
            workflow_run(90, "done", REPOSITORY, "9" * 40, "2025-01-03T00:00:00Z"),
        ]},
        f"{base}/actions/runs/30/artifacts": artifacts(("preview-site", False)),
        f"{base}/actions/runs/29/artifacts": artifacts(("preview-site", False)),
        f"{base}/actions/runs/40/artifacts": artifacts(("preview-site", False)),
        f"{base}/actions/runs/41/artifacts": artifacts(("preview-site", True)),
        f"{base}/actions/runs/42/artifacts": artifacts(("other", False), ("preview-site", False)),
        f"{base}/actions/runs/60/artifacts": artifacts(("preview-site", False)),
        f"{base}/actions/runs/70/artifacts": artifacts(("preview-site", False)),
        f"{base}/actions/runs/90/artifacts": artifacts(("preview-site", False)),
    }}
    result, calls, outputs = run_step(step_named(load("deploy.yml"), "build", "previews"), state, {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (site / "index.html").read_text() == "main"
    previews = site / "pr-preview"
    assert sorted(path.name for path in previews.iterdir()) == ["pr-3", "pr-4"]
    assert (previews / "pr-3" / "index.html").read_text() == "PR 3"
    assert (previews / "pr-3" / "prompts" / "a" / "index.html").read_text() == "a"
    assert not (previews / "pr-3" / "leak").exists() and not (previews / "pr-3" / "leak").is_symlink()
    assert (previews / "pr-4" / "index.html").read_text() == "PR 4"
    assert json.loads(outputs["previews"]) == [{"number": 3, "sha": c, "run": "30"}, {"number": 4, "sha": d, "run": "42"}]
    assert json.loads(outputs["missing"]) == [5, 6, 7, 8]
    assert [call["download"] for call in calls if "download" in call] == ["30", "42", "70"]
    assert not any(call.get("method") not in (None, "GET") for call in calls)  # it writes nothing to GitHub
    assert "#7" in result.stdout and "left out" in result.stdout


def test_deploy_writes_one_comment_per_pull_request_and_updates_it_only_when_it_changes(fake_github):
    _, _, run_step = fake_github
    c, d, e = "c" * 40, "d" * 40, "e" * 40
    tag = "<!-- prompt-pages-preview"
    bot = "github-actions[bot]"
    base = f"repos/{REPOSITORY}"

    def comment(comment_id, login, body):
        return {"id": comment_id, "user": {"login": login}, "body": body}

    state = {"api": {
        f"{base}/pulls": [pull(9, "a", REPOSITORY, state="closed"), pull(10, "b", REPOSITORY, state="closed"),
                          pull(11, "c", REPOSITORY, state="closed")],
        f"{base}/issues/3/comments": [],
        f"{base}/issues/4/comments": [comment(40, "someone", "Nice"),
                                      comment(42, bot, f"{tag} published {'b' * 40} -->\nold text")],
        f"{base}/issues/8/comments": [comment(80, bot, f"{tag} published {e} -->\r\nsame")],
        f"{base}/issues/5/comments": [],
        f"{base}/issues/6/comments": [comment(61, bot, f"{tag} published {'6' * 40} -->\ntext")],
        f"{base}/issues/9/comments": [comment(91, bot, f"{tag} published {'9' * 40} -->\ntext")],
        f"{base}/issues/10/comments": [comment(100, "someone", f"{tag} published {'9' * 40} -->\nquoted")],
        f"{base}/issues/11/comments": [comment(110, bot, f"{tag} removed -->\ntext")],
    }}
    env = {
        "BASE_URL": "https://owner.github.io/prompt-pages",
        "PREVIEWS": json.dumps([{"number": 3, "sha": c, "run": "1"}, {"number": 4, "sha": d, "run": "2"},
                                {"number": 8, "sha": e, "run": "3"}]),
        "MISSING": "[5, 6]",
    }
    deploy = load("deploy.yml")
    step = next(step for step in deploy["jobs"]["comment"]["steps"] if "run" in step)
    result, calls, _ = run_step(step, state, env)
    assert result.returncode == 0, result.stdout + result.stderr
    writes = [call for call in calls if call.get("method") in ("POST", "PATCH")]
    assert [(call["method"], call["path"]) for call in writes] == [
        ("POST", f"{base}/issues/3/comments"),
        ("PATCH", f"{base}/issues/comments/42"),
        ("PATCH", f"{base}/issues/comments/61"),
        ("PATCH", f"{base}/issues/comments/91"),
    ]
    bodies = [call["body"] for call in writes]
    assert bodies[0].startswith(f"{tag} published {c} -->\n")
    assert "https://owner.github.io/prompt-pages/pr-preview/pr-3/" in bodies[0] and "`ccccccc`" in bodies[0]
    assert bodies[1].startswith(f"{tag} published {d} -->\n") and "/pr-preview/pr-4/" in bodies[1]
    assert bodies[2].startswith(f"{tag} missing -->\n")
    assert bodies[3].startswith(f"{tag} removed -->\n")


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
