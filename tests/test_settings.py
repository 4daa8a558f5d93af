"""The one settings object: defaults, camelCase parsing, warnings and fallback."""

from error_tutor_server.settings import TutorSettings, parse_settings, settings_schema


def test_defaults_need_no_input():
    settings, warnings = parse_settings(None)
    assert settings == TutorSettings() and warnings == []
    assert settings.hint_level == "hint" and settings.backend == "local" and not settings.exam_mode


def test_camel_case_and_nested_section_are_accepted():
    settings, warnings = parse_settings({"errorTutor": {"hintLevel": "fix", "examMode": True, "cFlags": ["-std=c99"]}})
    assert warnings == []
    assert settings.hint_level == "fix" and settings.exam_mode and settings.c_flags == ("-std=c99",)


def test_invalid_values_warn_and_fall_back_to_defaults():
    base = TutorSettings(hint_level="explain")
    settings, warnings = parse_settings({"hintLevel": "all", "threads": "many", "debounceMs": -5,
                                         "enabledLanguages": ["c", "cobol"], "bogus": 1}, base)
    assert settings.hint_level == "hint" and settings.threads == 0 and settings.debounce_ms == 350
    assert settings.enabled_languages == ("c", "python", "java")
    assert len(warnings) == 5 and any("Unknown Error Tutor setting 'bogus'" in w for w in warnings)
    assert all("using" in w for w in warnings if "Unknown" not in w)


def test_non_object_settings_warn():
    settings, warnings = parse_settings(["not", "an", "object"])
    assert settings == TutorSettings() and "must be an object" in warnings[0]


def test_schema_lists_every_field_in_camel_case():
    schema = settings_schema()
    assert schema["hintLevel"] == "hint" and schema["enabledLanguages"] == ["c", "python", "java"]
    assert len(schema) == len(TutorSettings.__dataclass_fields__)
