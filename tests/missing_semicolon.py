"""The C program the checker and explanation tests share: line 4 lacks its ';', gcc reports line 5."""

from __future__ import annotations

from error_tutor_server.diagnostics import CompilerDiagnostic

PROGRAM = "#include <stdio.h>\nint main(void)\n{\n    int total = 0\n    printf(\"%d\", total);\n}\n"
DIAG = CompilerDiagnostic("c", 5, 5, 5, 11, "error", "expected ',' or ';' before 'printf'",
                          source_line='    printf("%d", total);')
