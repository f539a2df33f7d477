"""The plain wheel (`pip install .`, not editable) carries everything the app needs.

Built from the checkout, installed into a fresh virtual environment outside it (its dependencies
borrowed from the test environment through a .pth line, so nothing is downloaded), then
`annotator demo --no-serve` and `create_app()` run from a folder with no checkout in sight.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("annotator-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv (outside the checkout) with the wheel installed; its python."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies from the test environment; its editable hook (a .pth there) is not read.
    Path(site, "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    return python


def package_files(root: Path) -> set[str]:
    return {
        str(p.relative_to(root.parent))
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_the_wheel_carries_every_module_template_static_file_and_the_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert package_files(ROOT / "annotator") <= names
    for data in ("schema/labels.toml", "schema/export.schema.json"):
        assert f"annotator/_data/{data}" in names
    corpus = {f"annotator/_data/corpus/{p.name}" for p in (ROOT / "corpus").glob("*.txt")}
    assert corpus and corpus <= names


def test_installed_wheel_runs_the_demo_and_the_app_outside_the_checkout(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOTATOR_")}
    env["PYTHONPATH"] = ""
    demo = subprocess.run(
        [str(installed), "-m", "annotator", "demo", "--no-serve", "--db", "demo.db"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert demo.returncode == 0, demo.stderr
    assert "5 documents" in demo.stdout
    script = f"""
import annotator, sys
assert "{ROOT}" not in annotator.__file__, annotator.__file__
from annotator.web import create_app
app = create_app({{"DB": "demo.db", "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False}})
client = app.test_client()
assert client.get("/login").status_code == 200
r = client.post("/login", data={{"username": "lea", "password": sys.argv[1]}})
assert r.status_code == 302, r.status_code
for path in ("/review", "/review/agreement", "/review/documents/1", "/review/export", "/"):
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
assert client.get("/static/annotator.css").status_code == 200
# The compiled German catalogue travels in the wheel (no compile step at install).
german = client.get("/review", headers={{"Accept-Language": "de"}}).get_data(as_text=True)
assert "Was auf Sie wartet" in german, "no German from the installed wheel"
print("ok")
"""
    password = next(
        line.split()[-1] for line in demo.stdout.splitlines() if line.strip().startswith("lead")
    )
    run = subprocess.run(
        [str(installed), "-c", script, password],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr
