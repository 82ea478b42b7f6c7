"""The sitemap of a site with more pages than one sitemap may list (sitemaps.org: 50,000) is
written in parts, and sitemap.xml is their index (generator/files/sitemap.py). Here the limit is
the plugin's option at 10 URLs, on the seeds' site of 29 pages."""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ElementTree

from site_helpers import copy_project, mkdocs

from generator.files.preview import plan_preview

NAMESPACE = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITE_URL = "https://example.org/prompts/"


def _build(tmp_path, name: str, part_urls: int | None):
    project = copy_project(tmp_path / name)
    if part_urls is not None:
        config = project / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        config.write_text(re.sub(r"(\n( +)search_part_pages: .*\n)", rf"\1\2sitemap_part_urls: {part_urls}\n", text),
                          encoding="utf-8")
    site = tmp_path / f"{name}-site"
    result = mkdocs("build", "--strict", "-d", str(site), cwd=project, env={"SITE_URL": SITE_URL})
    assert result.returncode == 0, result.stderr[-2000:]
    return site, result.stderr


def _locations(path) -> list[str]:
    return [element.text for element in ElementTree.parse(path).getroot().iter(f"{NAMESPACE}loc")]


def test_a_sitemap_past_the_limit_is_written_in_parts_that_its_index_lists(tmp_path):
    whole, _ = _build(tmp_path, "whole", None)
    parted, output = _build(tmp_path, "parted", 10)
    # Within the limit (the default, 50,000), MkDocs' sitemap as it is: every page, one list.
    urls = _locations(whole / "sitemap.xml")
    assert ElementTree.parse(whole / "sitemap.xml").getroot().tag == f"{NAMESPACE}urlset"
    assert len(urls) > 20 and not list(whole.glob("sitemap-*.xml"))
    # Past it: sitemap.xml (and its .gz) the index of the parts, each of at most 10 of the same URLs, in order.
    index = ElementTree.parse(parted / "sitemap.xml").getroot()
    assert index.tag == f"{NAMESPACE}sitemapindex"
    parts = _locations(parted / "sitemap.xml")
    assert parts == [f"{SITE_URL}sitemap-{number}.xml" for number in range(1, -(-len(urls) // 10) + 1)]
    listed = [_locations(parted / part.removeprefix(SITE_URL)) for part in parts]
    assert all(0 < len(urls_of_part) <= 10 for urls_of_part in listed)
    assert [url for urls_of_part in listed for url in urls_of_part] == urls
    assert gzip.decompress((parted / "sitemap.xml.gz").read_bytes()) == (parted / "sitemap.xml").read_bytes()
    assert f"the sitemap in {len(parts)} parts" in output
    # A preview leaves them out, as it leaves out the sitemap.
    files = [path.relative_to(parted).as_posix() for path in parted.rglob("*") if path.is_file()]
    kept = plan_preview(files, [], lambda page: "", SITE_URL).keep
    assert not any(name.startswith("sitemap") for name in kept)
