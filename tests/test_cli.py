"""The command line: check, build and export, as a user runs them."""

import json
import shutil
import subprocess
import sys

from conftest import ROOT, SOURCES, make_prompt


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True)


def test_check_passes_on_the_sources():
    result = run("check", "sources")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith("5 prompts → 29 pages checked in ")
    assert result.stderr.splitlines()[-1].endswith(" s; no problems")


def test_check_reports_every_bad_file_with_its_line_and_fails(tmp_path):
    shutil.copy(SOURCES / "000_39a63bbddd643d31.txt", tmp_path / "good.txt")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "noname.txt").write_text(make_prompt("Upscale 2x", "Model:\n"))
    (tmp_path / "notes.md").write_text("answers live in .md files; not a prompt")
    result = run("check", str(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().split("\n")[:-1]  # then the summary line
    assert len(lines) == 2
    assert lines[0].endswith("empty.txt:1: the file is empty; expected a prompt with a question and recommended models")
    assert "noname.txt:15: expected a model name after 'Model:'" in lines[1]
    assert "Traceback" not in result.stderr


def test_export_on_the_seeds():
    result = run("export", "sources")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert [r["slug"] for r in records] == sorted(p.stem.lower() for p in SOURCES.glob("*.txt"))
    for record in records[:4]:
        assert record["task"]["id"] == "super_resolution" and record["task"]["confidence"] in ("clear", "likely")
    assert all(record["task"]["confidence"] == "clear" for record in records[:3])
    for record in records[:3]:
        (model,) = record["models"]
        assert model["name"] == "Deblur-MSSNet-GoPro" and model["fits_task"] is False and model["task"] == "deblur"
    assert records[4]["task"]["id"] is not None
    for record in records:
        assert set(record["page_links"]) == set(record["source_links"])
        assert {"slug", "source", "question", "task", "qualifiers", "models", "papers", "source_links", "page_links"} <= set(record)
        assert {"id", "label", "confidence", "evidence", "candidates"} <= set(record["task"])
        assert record["task"]["confidence"] in ("clear", "likely", "unclear")
        assert set(record["qualifiers"]) == {"scale", "device", "media", "goals", "input"}
    assert records[0]["qualifiers"]["scale"] == ["3×"]
    assert records[0]["models"][0]["links"] == {
        "paper": "https://cg.postech.ac.kr/Research/MSSNet/MSSNet.pdf", "github": "https://github.com/kky7/MSSNet"}


def test_export_leaves_out_bad_prompts_and_fails(tmp_path):
    shutil.copy(SOURCES / "003_7a8e5cf31d328f51.txt", tmp_path / "good.txt")
    (tmp_path / "bad.txt").write_text("nothing here")
    result = run("export", str(tmp_path))
    assert result.returncode == 1 and "bad.txt:1:" in result.stderr
    assert [r["slug"] for r in json.loads(result.stdout)] == ["good"]


def test_build_is_byte_identical_and_only_touches_its_own_files(tmp_path):
    out = tmp_path / "out"
    assert run("build", "sources", "--out", str(out)).returncode == 0
    pages = sorted(out.rglob("*.md"))
    assert len(list((out / "prompts").glob("*.md"))) == 5
    assert {"tasks/index.md", "models/index.md", "papers/index.md", "tasks/super_resolution.md",
            "models/deblur-mssnet-gopro.md"} <= {p.relative_to(out).as_posix() for p in pages}
    first = {p: p.read_bytes() for p in pages}
    assert run("build", "sources", "--out", str(out)).returncode == 0
    assert {p: p.read_bytes() for p in sorted(out.rglob("*.md"))} == first

    mine = out / "notes.md"
    mine.write_text("hand-written")
    theirs = out / "prompts" / "extra.md"
    theirs.write_text("hand-written too")
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    shutil.copy(SOURCES / "000_39a63bbddd643d31.txt", sources / "extra.txt")
    result = run("build", str(sources), "--out", str(out))
    assert result.returncode == 1 and "extra.md: exists and was not written by the generator" in result.stderr
    assert theirs.read_text() == "hand-written too"

    (sources / "extra.txt").unlink()
    (sources / "001_d18f79af084974a4.txt").unlink()
    assert run("build", str(sources), "--out", str(out)).returncode == 0
    assert not (out / "prompts" / "001_d18f79af084974a4.md").exists()
    assert mine.read_text() == "hand-written" and theirs.read_text() == "hand-written too"
    assert not list(out.rglob("*.tmp"))


def test_a_missing_argument_is_an_error_not_a_traceback():
    result = run("check", "does/not/exist")
    assert result.returncode == 2 and result.stderr.strip() == "python -m generator: does/not/exist: no such file or folder"
