"""What ships inside the package for the tour: small, every file's source noted, every artifact rebuildable."""
import subprocess
from pathlib import Path

import nlpdive
from nlpdive import demo

PACKAGE = Path(nlpdive.__file__).parent
LIMIT = 20 * 1024 * 1024  # the installed package stays under about 20 MB


def _files(root):
    return [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def test_the_package_stays_small():
    size = sum(p.stat().st_size for p in _files(PACKAGE))
    assert size < LIMIT, f"{size / 2**20:.1f} MB"


def test_every_bundled_file_has_its_source_and_rebuild_command():
    sources = (demo.HERE / "SOURCES.md").read_text(encoding="utf-8")
    for name in demo.FILES.values():
        assert f"`{name}" in sources, name  # in the tables (directories as `name/`)
        assert demo.path(name).exists(), name
    shipped = {p.relative_to(demo.HERE).parts[0] for p in _files(demo.HERE)}
    assert shipped - {"__init__.py", "SOURCES.md", "rebuild.sh"} == set(demo.FILES.values())
    for step in ("sst2", "vectors", "en_fr"):
        assert f"{step}()" in (demo.HERE / "rebuild.sh").read_text(encoding="utf-8")
    assert subprocess.run(["bash", "-n", str(demo.HERE / "rebuild.sh")]).returncode == 0


def test_the_bundled_models_load_and_answer():
    from nlpdive.vectors import load_vectors

    vectors = load_vectors(demo.path("vectors"), progress=False)
    assert vectors.dim == 100 and len(vectors) > 10_000
    assert nlpdive.load(demo.path("en-fr")).translate(["I'm hungry."])[0]["translation"] == "J'ai faim."
