"""The explanation cache (``cache``): kept across restarts, in memory when the folder is unwritable."""

from __future__ import annotations

from error_tutor_server.cache import GenerationCache, cache_key


def test_cache_survives_a_restart(tmp_path):
    key = cache_key("model", [{"role": "user", "content": "x"}], 100)
    GenerationCache(tmp_path).put(key, "text", "stop")
    assert GenerationCache(tmp_path).get(key) == ("text", "stop")
    assert GenerationCache(tmp_path).get(cache_key("other", [], 100)) is None


def test_cache_on_unwritable_folder_degrades_to_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = GenerationCache(blocker / "sub")
    cache.put("k", "t", "stop")
    assert cache.get("k") == ("t", "stop")
