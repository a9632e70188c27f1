"""`python -m bot chat`: the newcomer's first command works with no configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_chat_shows_the_menu_and_numbers_press_buttons(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="xin chào\n6\nEm muốn hỏi về vay vốn\n😀\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "1. ❓ Hỏi đáp" in out and "6. 👩‍💼 Gặp cán bộ tư vấn" in out
    assert "[gửi tới nhóm cán bộ]" in out and "Em muốn hỏi về vay vốn" in out
    assert (tmp_path / "data" / "bot.db").exists()  # the embedded default, created on start
    assert "Traceback" not in result.stderr
