"""What a contributor sees of a run: GitHub annotations, the job summary, the summary line, the
progress bar, and the exit codes (issue "The contributor's loop")."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, make_prompt
from site_helpers import pull_request_repository
from test_hostile import install_committed

from benchmarks.synth import write_corpus

#: A GitHub workflow command as the runner parses it: ``::name key=value,key=value::message``.
COMMAND = re.compile(r"^::(?P<name>error|warning) (?P<properties>[^:]*)::(?P<message>.*)$")
SUMMARY = re.compile(r"^[\d,]+ prompts? → [\d,]+ pages? (checked|written to .+|exported) in \d+\.\d s; "
                     r"(no problems|[\d,]+ problems? in [\d,]+ files?)$")


def run(*args, cwd=ROOT, env=None, **kwargs):
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE")}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True,
                          env={**environment, **(env or {})}, **kwargs)


def unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, line
    properties = {}
    for pair in match["properties"].split(","):
        key, _, value = pair.partition("=")
        assert key in ("file", "line", "title") and ":" not in value, line
        properties[key] = unescape(value)
    assert "\r" not in match["message"] and "\n" not in match["message"]
    return match["name"], properties, unescape(match["message"])


@pytest.fixture
def hostile(tmp_path):
    """The committed bad corpus, plus a prompt whose file name and answer try to break out of a command."""
    sources = tmp_path / "sources"
    sources.mkdir()
    install_committed(sources)
    evil = make_prompt("Upscale 2x", "Model: SISR-CARN-2x\nPaper: https://example.org/carn.pdf\n")
    (sources / "a,b:c%0A::error::x.txt").write_text(evil, encoding="utf-8")
    (sources / "a,b:c%0A::error::x.answer.md").write_text(
        "See [this](https://breakout.example/%0A::error file=x::boom)\r\n::warning::injected\n"
        "and https://breakout.example/a%25b,c:d\n", encoding="utf-8")
    return sources


def test_problems_are_github_annotations_that_no_prompt_text_can_break(hostile, tmp_path):
    for number in range(12):  # more errors than GitHub shows
        (hostile / f"broken-{number}.txt").write_text(make_prompt("Upscale 2x", "Model:\n"), encoding="utf-8")
    text = run("check", str(hostile))
    github = run("check", str(hostile), env={"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)})
    assert text.returncode == github.returncode == 1
    plain = text.stderr.splitlines()[:-1]
    lines = github.stderr.splitlines()[:-1]
    assert SUMMARY.match(github.stderr.splitlines()[-1])
    # GitHub shows 10 errors and 10 warnings of a step: errors first, 10 of each as commands,
    # every other problem as a plain line, then a notice with their count.
    commands = [line for line in lines if COMMAND.match(line)]
    levels = [parse_command(command)[0] for command in commands]
    assert levels == ["error"] * 10 + ["warning"] * 10
    rest = lines[len(commands):-1]
    assert lines[-1] == (f"::notice title=Prompt Pages::{len(rest)} more problems than GitHub annotates "
                         f"(10 errors and 10 warnings): the job summary lists every one")
    assert len(plain) > 20 and len(rest) == len(plain) - len(commands)
    as_text = []
    for command in commands:
        name, properties, message = parse_command(command)  # each line is exactly one command
        # The same problem: its file relative to the repository's root, its line, its message.
        assert properties["file"].startswith("sources/"), properties
        where = f"{tmp_path}/{properties['file']}" + (f":{properties['line']}" if "line" in properties else "")
        as_text.append(f"{where}: {message}")
    assert sorted(as_text + rest) == sorted(plain)
    injected = [parse_command(command) for command in commands if "breakout.example" in command]
    assert len(injected) == 2 and all(properties["file"] == "sources/a,b:c%0A::error::x.answer.md"
                                      for _, properties, _ in injected)
    assert not any(line.startswith("::") for line in rest)  # no prompt text starts a command there either
    assert "--format" in run("check", "--help").stdout


def test_the_job_summary_lists_every_problem_within_githubs_1_mib(hostile, tmp_path):
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(tmp_path)}
    plain = run("check", str(hostile)).stderr.splitlines()[:-1]
    run("check", str(hostile), env=env)
    text = summary.read_text(encoding="utf-8")
    assert f"### Every problem ({len(plain)})" in text
    items = [line for line in text.split("### Every problem")[1].splitlines() if line.startswith("- `")]
    assert len(items) == len(plain) and "cut here" not in text
    assert (tmp_path / "prompt-pages-problems.txt").read_text(encoding="utf-8").splitlines() == plain
    # A step whose summary is nearly full already: what is added is cut to fit, with a count.
    summary.write_text(("x" * 99 + "\n") * 10_450)  # 1,045,000 bytes of 1,048,576
    run("check", str(hostile), env=env)
    data = summary.read_bytes()
    assert len(data) <= 1024 * 1024
    cut = re.search(r"\*\*(\d+) more lines are cut here\*\* \(GitHub keeps at most 1 MiB of a job summary\)\. "
                    r"Every problem is in the artifact `problems` of this run\.", data.decode())
    assert cut and int(cut[1]) > 0
    assert (tmp_path / "prompt-pages-problems.txt").read_text(encoding="utf-8").splitlines() == plain


def test_format_github_can_be_asked_for_outside_github(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(make_prompt("Upscale 2x", "Model:\n"), encoding="utf-8")
    result = run("check", str(bad), "--format", "github", cwd=tmp_path)
    name, properties, message = parse_command(result.stderr.splitlines()[0])
    assert (name, properties["file"], properties["line"]) == ("error", "bad.txt", "15")
    assert message == "expected a model name after 'Model:'"


def test_the_job_summary_lists_the_prompts_a_pull_request_changed(tmp_path):
    repository = tmp_path / "repository"
    paths = pull_request_repository(repository)
    summary = tmp_path / "summary.md"
    result = run("check", "sources", "--base", "main", cwd=repository,
                 env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(repository)})
    assert result.returncode == 1, result.stderr
    text = summary.read_text(encoding="utf-8")
    rows = {re.search(r"`([^`]+)`", line)[1]: [cell.strip() for cell in line.strip("|").split("|")]
            for line in text.splitlines() if line.startswith("| `")}
    assert set(rows) == {paths[role] for role in ("edited", "answered", "added", "broken", "renamed")}
    for role in ("added", "broken", "renamed"):
        assert rows[paths[role]][0].endswith("(added)")
    for role in ("edited", "answered"):
        assert rows[paths[role]][0].endswith("(changed)")
    edited = rows[paths["edited"]]
    assert edited[1] == "Super-resolution" and edited[2].startswith("✗") and edited[3:] == ["none", "none"]
    assert rows[paths["added"]][1:3] == ["Denoising", "✓ the recommended model does this task"]
    assert rows[paths["answered"]][4].replace("&#58;", ":") == "https://example.org/sr-benchmark"
    assert "line 15: expected a model name after" in rows[paths["broken"]][3].replace("&#39;", "'")
    assert f"- `{paths['deleted']}`" in text and f"- `{paths['renamed from']}`" in text
    assert "### Prompts this change deletes" in text
    assert SUMMARY.match(text.splitlines()[2])


def test_the_job_summary_without_a_base_lists_the_prompts_with_problems(hostile, tmp_path):
    summary = tmp_path / "summary.md"
    result = run("check", str(hostile), env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(tmp_path)})
    assert result.returncode == 1
    rows = [line for line in summary.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    assert len(rows) >= 5
    for row in rows:  # one row per prompt, five cells: no prompt text adds a cell or a link
        assert row.count("|") - row.count("&#124;") == 6, row
        assert "](" not in row and "<script" not in row.lower()


def test_a_base_git_cannot_compare_with_is_an_environment_error(tmp_path):
    result = run("check", str(ROOT / "sources"), "--base", "no-such-ref", cwd=tmp_path)
    assert result.returncode == 2 and "--base no-such-ref: git cannot compare" in result.stderr


def test_every_command_ends_with_one_summary_line(tmp_path):
    for args, done in ((["check", "sources"], "checked"), (["build", "sources", "--out", str(tmp_path / "out")],
                                                           f"written to {tmp_path / 'out'}"),
                       (["export", "sources", "--brief"], "exported")):
        result = run(*args)
        assert result.returncode == 0, result.stderr
        (line,) = result.stderr.splitlines()
        assert SUMMARY.match(line) and f"5 prompts → 29 pages {done} in " in line, line
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "one.txt").write_text("", encoding="utf-8")
    (bad / "two.txt").write_text(make_prompt("Upscale 2x", "Model:\n"), encoding="utf-8")
    last = run("check", str(bad)).stderr.splitlines()[-1]
    assert SUMMARY.match(last) and last.endswith("; 2 problems in 2 files")
    quiet = run("check", str(bad), "--quiet")
    assert quiet.returncode == 1 and len(quiet.stderr.splitlines()) == 2 and "→" not in quiet.stderr
    assert run("check", "sources", "-q").stderr == ""


def run_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run the command line with stderr on a pseudo-terminal; everything it wrote there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "generator", *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=follower, env={**os.environ, **env})
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        try:
            chunk = os.read(leader, 65536) if ready else b""
        except OSError:  # the process closed its end
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=120)
    os.close(leader)
    return output.decode("utf-8", "replace")


def test_a_progress_bar_shows_on_a_terminal_and_never_in_a_log(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 60)
    clean = {key: value for key, value in os.environ.items() if key not in ("CI", "GITHUB_ACTIONS")}
    immediately = {"PROMPT_PAGES_PROGRESS_DELAY": "0"}
    shown = run_on_a_terminal(["check", str(corpus)], {**immediately, "CI": ""})
    assert "\r\x1b[2K" in shown and re.search(r"checking the pages' HTML \S+ 60/60", shown), shown[-500:]
    assert shown.rstrip().splitlines()[-1].lstrip("\r\x1b[2K").startswith("60 prompts → ")
    # Not a terminal, or under CI: no bar, whatever the delay.
    logged = subprocess.run([sys.executable, "-m", "generator", "check", str(corpus)], cwd=ROOT, capture_output=True,
                            text=True, env={**clean, **immediately})
    assert "\r" not in logged.stderr and "\x1b" not in logged.stderr
    assert "\x1b" not in run_on_a_terminal(["check", str(corpus)], {**immediately, "CI": "true"})
    # A short run on a terminal stays quiet: the bar waits two seconds by default.
    assert "\x1b" not in run_on_a_terminal(["check", "sources"], {"CI": ""})


def test_exit_codes_as_documented(tmp_path):
    assert run("check", "sources").returncode == 0
    bad = tmp_path / "bad.txt"
    bad.write_text("", encoding="utf-8")
    assert run("check", str(bad)).returncode == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("check", str(empty))
    assert result.returncode == 2 and "no prompt files (*.txt) found" in result.stderr
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("build", "sources", "--out", str(blocker / "out"))
    assert result.returncode == 2 and "cannot be written into" in result.stderr
    assert run("frobnicate").returncode == 2  # usage
    broken = subprocess.run([sys.executable, "-c", "import sys, generator.cli.commands as cli\n"
                             "cli.generate_site = lambda *a, **k: 1 / 0\nsys.exit(cli.main(['check', 'sources']))"],
                            cwd=ROOT, capture_output=True, text=True)
    assert broken.returncode == 3 and "internal error: ZeroDivisionError" in broken.stderr
    assert "Traceback" not in broken.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ("0", "1", "2", "3"):
        assert re.search(rf"^\| `{code}` \|", readme, re.M), f"README lists exit code {code}"
